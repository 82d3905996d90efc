import { describe, expect, it } from '@jest/globals';
import { PURGE_ALL_TOKEN, SERVICE, SERVICE_2, useFakeFastly } from './e2e-fake.js';
import { readable, runAction } from './run-action.js';

const ctx = useFakeFastly();

describe('purge-all', () => {
  it('sends one purge_all per service, never soft, and says it cannot be soft', async () => {
    const run = await runAction(
      ctx.inputs({ mode: 'purge-all', 'api-token': PURGE_ALL_TOKEN, 'service-id': `${SERVICE} ${SERVICE_2}`, 'soft-purge': 'true' })
    );
    expect(run.code).toBe(0);
    expect(ctx.fake.writes().map(r => r.path)).toEqual([`/service/${SERVICE}/purge_all`, `/service/${SERVICE_2}/purge_all`]);
    expect(ctx.fake.writes().some(r => 'fastly-soft-purge' in r.headers)).toBe(false);
    expect(run.summary).toContain('Purge-all cannot be soft');
    expect(run.summary).toContain('### ✅ Fastly purge-all: everything purged on 2 services');
    expect(run.outputs['purged-count']).toBe('2');
    expect(run.outputs['purge-ids']).toBe('{}');
    expect(JSON.parse(run.outputs.result ?? '{}').soft).toBeUndefined();
  });

  it('spends the hourly write budget and reports what is left', async () => {
    const run = await runAction(ctx.inputs({ mode: 'purge-all', 'api-token': PURGE_ALL_TOKEN }));
    expect(run.code).toBe(0);
    expect(run.outputs['rate-limit-remaining']).toBe('999');
    expect(run.outputs['rate-limit-reset']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/);
    expect(run.summary).toMatch(/Rate limit: 999 API writes left this hour; the window resets at \d{4}-\d\d-\d\d \d\d:00:00 UTC/);
  });

  it('dry-run sends nothing', async () => {
    const run = await runAction(ctx.inputs({ mode: 'purge-all', 'api-token': PURGE_ALL_TOKEN, 'dry-run': 'true' }));
    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(readable(run.summary)).toContain(`<pre>POST /service/${SERVICE}/purge_all</pre>`);
    expect(run.summary).toContain('Rate limit: no write was sent');
  });
});
