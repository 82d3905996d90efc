import { describe, expect, it } from '@jest/globals';
import { PURGE_ALL_TOKEN, PURGE_TOKEN, SERVICE, useFakeFastly } from './e2e-fake.js';
import { readable, runAction } from './run-action.js';

const ctx = useFakeFastly();

describe('purges on the staging environment', () => {
  it('purge-keys with environment: staging carries Fastly-Purge-Environment: staging, and the summary says so', async () => {
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', 'api-token': PURGE_TOKEN, keys: 'a b', environment: 'staging' }));

    expect(run.code).toBe(0);
    expect(ctx.fake.purges.map(p => [p.target, p.environment])).toEqual([['a', 'staging'], ['b', 'staging']]);
    expect(ctx.fake.writes().map(r => r.headers['fastly-purge-environment'])).toEqual(['staging']);
    expect(readable(run.summary)).toContain("On Fastly's <b>staging</b> environment");
  });

  it('purge-all with environment: staging carries the header too', async () => {
    const run = await runAction(ctx.inputs({ mode: 'purge-all', 'api-token': PURGE_ALL_TOKEN, environment: 'staging' }));

    expect(run.code).toBe(0);
    expect(ctx.fake.purges.map(p => [p.kind, p.serviceId, p.environment])).toEqual([['all', SERVICE, 'staging']]);
  });

  it('a purge on production sends no environment header at all', async () => {
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', 'api-token': PURGE_TOKEN, keys: 'a', environment: 'production' }));

    expect(run.code).toBe(0);
    expect(ctx.fake.purges.map(p => p.environment)).toEqual(['production']);
    expect(ctx.fake.writes().some(r => 'fastly-purge-environment' in r.headers)).toBe(false);
    expect(readable(run.summary)).not.toContain('staging');
  });
});
