import { beforeAll, describe, expect, it } from '@jest/globals';
import { useFakeFastly } from './e2e-fake.js';
import { readable, runAction } from './run-action.js';

const ctx = useFakeFastly();
const READ_TOKEN = 'tok-global-read-5ecret';
beforeAll(() => ctx.fake.addToken({ token: READ_TOKEN, scopes: ['global:read'] }));
// Midnight UTC nine days ago: inside Fastly's hourly retention whenever the tests run.
const FROM = Math.floor(Date.now() / 86_400_000 - 9) * 86_400;
const DAY = new Date(FROM * 1000).toISOString().slice(0, 10);
const TO = FROM + 6 * 3600;

let serial = 0;
/** A service whose every hour has `requests` requests, `hitRatio` of the cacheable ones hits, and `errors` 5xx. */
function service(name: string, traffic?: { requests: number; hitRatio: number; errors?: number }): string {
  serial += 1;
  const sid = `STATS${serial}SVC`;
  ctx.fake.addService({ id: sid, name });
  if (traffic) {
    ctx.fake.setStats(sid, () => {
      const cacheable = traffic.requests - 10;
      const hits = Math.round(cacheable * traffic.hitRatio);
      const errors = traffic.errors ?? 0;
      return {
        requests: traffic.requests,
        hits,
        miss: cacheable - hits,
        pass: 10,
        bandwidth: traffic.requests * 50_000,
        status_2xx: traffic.requests - errors,
        status_3xx: 0,
        status_4xx: 0,
        status_5xx: errors
      };
    });
  }
  return sid;
}

function stats(serviceIds: string, extra: Record<string, string> = {}) {
  return runAction(ctx.inputs({ mode: 'stats', 'api-token': READ_TOKEN, 'service-id': serviceIds, 'stats-from': String(FROM), 'stats-to': String(TO), ...extra }));
}

describe('stats', () => {
  it('reports two services with different ratios, a total row and the weighted hit ratio', async () => {
    const www = service('www', { requests: 1010, hitRatio: 0.9 });
    const api = service('api', { requests: 110, hitRatio: 0.5, errors: 11 });
    const run = await stats(`${www} ${api}`);

    expect(run.code).toBe(0);
    expect(ctx.fake.requests.filter(r => r.path.startsWith('/stats/service/')).map(r => r.path)).toEqual([
      `/stats/service/${www}?from=${FROM}&to=${TO}&by=hour`,
      `/stats/service/${api}?from=${FROM}&to=${TO}&by=hour`
    ]);
    const summary = readable(run.summary);
    expect(summary).toContain('<td>www<br><code>' + www + '</code></td><td>6,060</td><td>90.0%</td><td>600</td><td>60</td><td>303.0 MB</td><td>6,060</td><td>0</td><td>0</td><td>0</td><td>0.0%</td>');
    expect(summary).toContain('<td>api<br><code>' + api + '</code></td><td>660</td><td>50.0%</td>');
    expect(summary).toContain('<td>66</td><td>10.0%</td>');
    expect(summary).toContain('<td><b>Total</b></td><td>6,720</td><td>86.1%</td>');
    expect(summary).toContain(`From ${DAY} 00:00:00 UTC to ${DAY} 06:00:00 UTC, by hour`);
    expect(summary).toContain('```mermaid\nxychart-beta');
    expect(summary).toContain('<td>Requests</td><td><code>██████</code></td>');
    // (0.9 × 6,060 + 0.5 × 660) / 6,720
    expect(run.outputs['hit-ratio']).toBe('0.8607');
    const result = JSON.parse(run.outputs.result ?? '{}');
    expect(result.services.map((s: { serviceName: string; hitRatio: number }) => [s.serviceName, s.hitRatio])).toEqual([['www', 0.9], ['api', 0.5]]);
  });

  it('passes the gates when the figures are within them', async () => {
    const sid = service('www', { requests: 1010, hitRatio: 0.9, errors: 1 });
    const run = await stats(sid, { 'min-hit-ratio': '0.85', 'max-error-ratio': '0.01' });
    expect(run.code).toBe(0);
    expect(readable(run.summary)).toContain('gates: min-hit-ratio 85.0%, max-error-ratio 1.0%');
  });

  it('fails the hit-ratio gate naming the service, the figure and the threshold, and marks it', async () => {
    const www = service('www', { requests: 1010, hitRatio: 0.9 });
    const api = service('api', { requests: 110, hitRatio: 0.5 });
    const run = await stats(`${www},${api}`, { 'min-hit-ratio': '0.8' });
    expect(run.code).toBe(1);
    expect(run.errors).toEqual([`api (${api}): hit ratio 50.0% is below min-hit-ratio 80.0%`]);
    expect(readable(run.summary)).toContain('<td>❌ <b>50.0%</b> (limit 80.0%)</td>');
    expect(readable(run.summary)).toContain(`### ❌ Fastly stats: api (${api}): hit ratio 50.0% is below min-hit-ratio 80.0%`);
  });

  it('fails the error-ratio gate', async () => {
    const sid = service('api', { requests: 110, hitRatio: 0.5, errors: 11 });
    const run = await stats(sid, { 'max-error-ratio': '0.05' });
    expect(run.code).toBe(1);
    expect(run.errors).toEqual([`api (${sid}): 5xx share 10.0% is above max-error-ratio 5.0%`]);
  });

  it('reports a window without traffic as such, not as 0%', async () => {
    const sid = service('new-site');
    const run = await stats(sid, { 'min-hit-ratio': '0.9' });
    expect(run.code).toBe(0);
    expect(run.outputs['hit-ratio']).toBe('');
    const summary = readable(run.summary);
    expect(summary).toContain('### ✅ Fastly stats: no traffic in the window');
    expect(summary).toContain('<td>no traffic</td>');
    expect(summary).toContain('No traffic in this window');
    expect(summary).not.toContain('<td>0.0%</td>');
    expect(summary).toContain(`⚠️ min-hit-ratio not checked for new-site (${sid}): no cacheable traffic in the window`);
    expect(run.warnings).toContain(`min-hit-ratio not checked for new-site (${sid}): no cacheable traffic in the window`);
  });
});
