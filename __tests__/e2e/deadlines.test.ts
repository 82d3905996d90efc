import { describe, expect, it } from '@jest/globals';
import { SERVICE, TOKEN, useFakeFastly, activeService } from './e2e-fake.js';
import { readable, runAction } from './run-action.js';
import { drip, useTestOrigin } from './test-origin.js';

const ctx = useFakeFastly();
const origin = useTestOrigin();
const purgePath = `/service/${SERVICE}/purge`;

const service = () => activeService(ctx.fake, 'DL');

describe('deadlines are deadlines', () => {
  it('request-timeout bounds an attempt to the last byte: a Fastly dripping a byte a second does not hold it', async () => {
    ctx.fake.fault({ path: purgePath, kind: 'drip', delayMs: 8000 });
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a b', 'request-timeout': '2', 'max-retries': '0' }));

    expect(run.code).toBe(1);
    expect(ctx.fake.requests.filter(r => r.path === purgePath)).toHaveLength(1);
    expect(run.outputs['purged-count']).toBe('0');
    const failed = JSON.parse(run.outputs.result ?? '{}').services[0].failed;
    expect(failed).toEqual([
      { item: 'a', reason: `Could not reach Fastly for POST ${purgePath}: no answer within 2.0 s (timeout)` },
      { item: 'b', reason: `Could not reach Fastly for POST ${purgePath}: no answer within 2.0 s (timeout)` }
    ]);
  });

  it('retries an attempt cut by request-timeout', async () => {
    ctx.fake.fault({ path: purgePath, kind: 'drip', delayMs: 8000 });
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a', 'request-timeout': '2', 'max-retries': '1' }));

    expect(run.code).toBe(0);
    expect(ctx.fake.requests.filter(r => r.path === purgePath)).toHaveLength(2);
    expect(run.stdout).toMatch(new RegExp(`POST ${purgePath}: no answer within 2\\.0 s \\(timeout\\); retry 1 of 1 in`));
    expect(run.outputs['purged-count']).toBe('1');
  });

  it('health-check-timeout bounds the whole check: a dripping origin is cut by the time left, and the version rolled back', async () => {
    const sid = service();
    origin.answer = drip(200, 12);
    const run = await runAction(
      ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, 'health-check-url': origin.url, 'health-check-timeout': '3' })
    );

    expect(run.code).toBe(1);
    expect(origin.seen).toHaveLength(1);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    expect(run.outputs['rolled-back']).toBe('true');
    const health = JSON.parse(run.outputs.result ?? '{}').services[0].healthCheck;
    expect(health).toMatchObject({ healthy: false, tries: 1, observed: 'no complete answer within 3 s for 3 s' });
    expect(readable(run.summary)).toContain('↩️ <b>Rolled back.</b>');
  });

  it('wait-timeout bounds the whole wait: a dripping origin is cut, and nothing is purged', async () => {
    origin.answer = drip(200, 12, 'release-1');
    const run = await runAction(
      ctx.inputs({ mode: 'purge-keys', keys: 'a', 'wait-for-url': origin.url, 'wait-for-text': 'release-1', 'wait-timeout': '3' })
    );

    expect(run.code).toBe(1);
    expect(origin.seen).toHaveLength(1);
    expect(ctx.fake.purges).toHaveLength(0);
    expect(run.errors).toEqual([
      `${origin.url} did not serve 'release-1' on 3 consecutive tries within 3 s (wait-timeout); it last answered no complete answer within 3 s. Nothing was purged.`
    ]);
  });
});
