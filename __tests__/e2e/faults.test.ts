import { describe, expect, it } from '@jest/globals';
import { PURGE_ALL_TOKEN, SERVICE, useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, runAction } from './run-action.js';

const ctx = useFakeFastly();
const purgePath = `/service/${SERVICE}/purge`;

function sentTo(path: string) {
  return ctx.fake.requests.filter(r => r.path === path);
}

describe('faults', () => {
  it('waits for the rate-limit window to reset after a 429, then purges', async () => {
    ctx.fake.exhaustPurges(1);
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a b' }));
    expect(run.code).toBe(0);
    expect(sentTo(purgePath).map(r => r.status)).toEqual([429, 200]);
    expect(ctx.fake.purges).toHaveLength(2);
    expect(run.stdout).toMatch(/POST \/service\/\w+\/purge: HTTP 429 \(You have exceeded your hourly rate limit\. Please wait\.\); retry 1 of 5 in (\d+ ms|\d\.\d s)/);
    // The 429's "0 left" belonged to a window that has ended, and key purges answer without rate-limit headers
    // (as recorded): no figure is known for the new window, so none is claimed and there is no low-budget warning.
    expect(run.outputs['rate-limit-remaining']).toBe('');
    expect(run.outputs['rate-limit-reset']).toBe('');
    expect(run.warnings).toEqual([]);
    expect(run.summary).toMatch(/Fastly API: 3 requests sent, 1 retry among them; waited \d\.\d s for a rate-limit window\./);
  });

  it('fails at once when the window resets beyond the 120 s cap, saying when, and sends nothing more', async () => {
    ctx.fake.exhaustPurges(3600);
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: Array.from({ length: 2560 }, (_, i) => `k${i}`).join(' ') }));
    expect(run.code).toBe(1);
    // 10 batches, 4 in flight: only the first wave reaches Fastly; the rest are failed without being sent.
    expect(sentTo(purgePath).map(r => r.status)).toEqual([429, 429, 429, 429]);
    const result = JSON.parse(run.outputs.result ?? '{}');
    expect(result.services[0].failedCount).toBe(2560);
    expect(result.services[0].failed[0].reason).toMatch(
      /^Fastly's rate limit refused POST \/service\/\w+\/purge \(HTTP 429\) and the window resets at \S+Z, more than the 120 s the action waits; run again after that$/
    );
    const notSent = result.services[0].failed.filter((f: { reason: string }) => f.reason.startsWith('Not sent: POST'));
    expect(notSent[0].reason).toMatch(/^Not sent: POST \/service\/\w+\/purge, because Fastly's rate limit is exhausted and the window resets at/);
    // The result output keeps the first 2,000 failures (GitHub caps outputs); the log has all.
    expect(result.services[0].failed).toHaveLength(2000);
    expect(result.services[0].failedOmitted).toBe(560);
    expect(run.stdout).toContain('k2559: Not sent: POST');
    expect(run.outputs['rate-limit-remaining']).toBe('0');
  });

  it('retries a burst of 503s and succeeds', async () => {
    ctx.fake.fault({ path: purgePath, times: 2, kind: 'status', status: 503 });
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a' }));
    expect(run.code).toBe(0);
    expect(sentTo(purgePath).map(r => r.status)).toEqual([503, 503, 200]);
    expect(ctx.fake.purges).toHaveLength(1);
  });

  it('retries a dropped connection and succeeds', async () => {
    ctx.fake.fault({ path: purgePath, times: 1, kind: 'drop' });
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a' }));
    expect(run.code).toBe(0);
    expect(sentTo(purgePath)).toHaveLength(2);
    expect(run.stdout).toMatch(/POST \/service\/\w+\/purge: (ECONNRESET|socket hang up); retry 1 of 5/);
  });

  it('does not retry a 4xx, and reports a non-JSON error page readably', async () => {
    ctx.fake.fault({ path: `/service/${SERVICE}/purge_all`, times: 1, kind: 'non-json', status: 404 });
    const run = await runAction(ctx.inputs({ mode: 'purge-all', 'api-token': PURGE_ALL_TOKEN }));
    expect(run.code).toBe(1);
    expect(sentTo(`/service/${SERVICE}/purge_all`)).toHaveLength(1);
    expect(run.errors).toEqual([
      `1 of 1 service failed to purge: ${SERVICE}: Fastly refused POST /service/${SERVICE}/purge_all (HTTP 404): 502 Bad Gateway`
    ]);
    expectNoStackTrace(run);
  });

  it('gives up after max-retries on a network error, naming the request', async () => {
    ctx.fake.fault({ path: purgePath, times: Infinity, kind: 'drop' });
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a', 'max-retries': '1' }));
    expect(run.code).toBe(1);
    expect(sentTo(purgePath)).toHaveLength(2);
    expect(JSON.parse(run.outputs.result ?? '{}').services[0].failed[0].reason).toMatch(
      /^Could not reach Fastly for POST \/service\/\w+\/purge: (ECONNRESET|socket hang up) \(after 1 retry\)$/
    );
  });

  it('reports an unreachable API without a stack trace', async () => {
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a', 'api-url': 'http://127.0.0.1:1', 'max-retries': '0' }));
    expect(run.code).toBe(1);
    expect(run.errors).toEqual(['Could not reach Fastly for GET /tokens/self: ECONNREFUSED']);
    expectNoStackTrace(run);
  });
});
