import { describe, expect, it } from '@jest/globals';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, readable, runAction } from './run-action.js';
import { useStagingEdge } from './use-staging-edge.js';

const ctx = useFakeFastly();
const staging = useStagingEdge();

// No DNS knows this name: a request for it can only have reached the edge through the staging IP.
const HOST = 'www.example.test';

let serial = 0;
/** Version 1 active on production; version 2 on staging when `staged`; HOST's staging IP is the edge's address. */
function service(staged: boolean): string {
  serial += 1;
  const id = `STAGEHC${serial}SVC`;
  const vcls = [{ name: 'main', content: 'sub vcl_recv { }\n', main: true }];
  ctx.fake.addService({ id, name: `site-${serial}`, versions: [{ vcls, active: true, locked: true }, { vcls, staging: staged, locked: staged }] });
  ctx.fake.setDomains(id, [{ name: 'other.example.test', stagingIp: '192.0.2.9' }, { name: HOST, stagingIp: staging.edge.address }]);
  return id;
}

const healthUrl = (host = HOST) => `http://${host}:${staging.edge.port}/_health?deep=1`;

function stage(sid: string, extra: Record<string, string> = {}) {
  return runAction(
    ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, environment: 'staging', 'health-check-url': healthUrl(), 'health-check-timeout': '3', ...extra })
  );
}

const writes = () => ctx.fake.writes().map(r => `${r.method} ${r.path}`);
const touchesProduction = (sid: string) => writes().some(w => w.startsWith(`PUT /service/${sid}/version/`) && (w.endsWith('/activate') || w.endsWith('/deactivate')));

describe('health check on staging, through the staging IP', () => {
  it('requests the URL through the staging IP of its host, with its own Host and port, after reading the domains before activating', async () => {
    const sid = service(true);
    const run = await stage(sid);

    expect(run.code).toBe(0);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 1, stagingVersion: 3 });
    expect(run.outputs['previous-version']).toBe('2');
    expect(run.outputs.version).toBe('3');
    expect(staging.edge.seen.map(r => [r.method, r.host, r.path])).toEqual([
      ['GET', `${HOST}:${staging.edge.port}`, '/_health?deep=1'],
      ['GET', `${HOST}:${staging.edge.port}`, '/_health?deep=1']
    ]);
    expect(staging.edge.seen.some(r => 'fastly-key' in r.headers)).toBe(false);
    const paths = ctx.fake.requests.map(r => `${r.method} ${r.path}`);
    const domains = paths.indexOf(`GET /service/${sid}/version/3/domain?include=staging_ips`);
    expect(domains).toBeGreaterThanOrEqual(0);
    expect(domains).toBeLessThan(paths.indexOf(`PUT /service/${sid}/version/3/activate/staging`));
    expect(touchesProduction(sid)).toBe(false);
    expect(run.stdout).toContain(`::group::Health check: ${healthUrl()} through staging IP 127.0.0.2 (up to 3 s)`);
    expect(readable(run.summary)).toContain(`Health check of <code>${healthUrl().replace('&', '&amp;')}</code> through the staging IP <code>127.0.0.2</code>: healthy`);
  });

  it.each(['environments', 'flag', 'service'] as const)(
    'on failure re-stages the version staged before (staged version shown by %s), and production is never touched',
    async shape => {
      const sid = service(true);
      ctx.fake.setShapes({ staged: shape });
      staging.edge.answer(() => ({ status: 503, body: 'down' }));
      const run = await stage(sid);

      expect(run.code).toBe(1);
      expect(writes().filter(w => w.includes('/activate'))).toEqual([`PUT /service/${sid}/version/3/activate/staging`, `PUT /service/${sid}/version/2/activate/staging`]);
      expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 1, stagingVersion: 2 });
      expect(touchesProduction(sid)).toBe(false);
      expect(run.outputs['rolled-back']).toBe('true');
      expect(run.outputs.version).toBe('2');
      expect(run.errors.at(-1)).toMatch(
        new RegExp(`^Version 3 of ${sid} failed its health check \\(HTTP 503 for \\d s from .*\\); version 3 was rolled back to 2, which is active on staging again\\.$`)
      );
      expect(readable(run.summary)).toContain('### ❌ Fastly activate: version 3 failed its health check; staging is back on version 2');
      expectNoStackTrace(run);
    }
  );

  it('on failure with nothing staged before, deactivates staging, and production is never touched', async () => {
    const sid = service(false);
    staging.edge.answer(() => ({ status: 500, body: 'broken' }));
    const run = await stage(sid);

    expect(run.code).toBe(1);
    expect(writes().filter(w => w.includes('activate'))).toEqual([`PUT /service/${sid}/version/3/activate/staging`, `PUT /service/${sid}/version/3/deactivate/staging`]);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 1, stagingVersion: null });
    expect(touchesProduction(sid)).toBe(false);
    expect(run.outputs['rolled-back']).toBe('true');
    expect(run.outputs['previous-version']).toBe('');
    expect(run.errors.at(-1)).toMatch(/; nothing was staged before it, so staging was deactivated: no version is on staging now, and production was not touched\.$/);
    expect(readable(run.summary)).toContain('### ❌ Fastly activate: version 3 failed its health check; staging was deactivated (nothing was staged before)');
  });

  it('does not take staging away from another deploy that staged a version meanwhile', async () => {
    const sid = service(false);
    staging.edge.answer(request => {
      ctx.fake.activate(sid, 2, 'staging');
      return { status: 503, body: request.path };
    });
    const run = await stage(sid);

    expect(run.code).toBe(1);
    expect(writes().some(w => w.includes('deactivate'))).toBe(false);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 1, stagingVersion: 2 });
    expect(run.errors.at(-1)).toContain('another deploy made version 2 active on staging meanwhile');
  });

  it('staging first, end to end: the version checked on staging is the one promoted to production', async () => {
    const sid = service(true);
    expect((await stage(sid)).code).toBe(0);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 1, stagingVersion: 3 });

    const promote = await runAction(ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, version: 'staged', clone: 'false', environment: 'production' }));
    expect(promote.code).toBe(0);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 3, stagingVersion: 3 });
    expect(promote.outputs['previous-version']).toBe('1');
    expect(promote.outputs['version-url']).toBe(`https://manage.fastly.com/configure/services/${sid}/versions/3`);
  });

  it('a dry run plans the check through the staging IP, and taking the version off staging when nothing was staged', async () => {
    const sid = service(false);
    const run = await stage(sid, { 'dry-run': 'true' });

    expect(run.code).toBe(0);
    expect(staging.edge.seen).toHaveLength(0);
    expect(readable(run.summary)).toContain(
      `check <code>${healthUrl().replace('&', '&amp;')}</code> through the staging IP of its host until it answers 2xx twice in a row (up to 3 s); if it never does, take it off staging`
    );
  });

  it('refuses a URL whose host has no staging IP before activating anything, naming the host and the domains', async () => {
    const sid = service(true);
    const run = await stage(sid, { 'health-check-url': healthUrl('shop.example.test') });

    expect(run.code).toBe(1);
    expect(writes().some(w => w.includes('activate'))).toBe(false);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 1, stagingVersion: 2 });
    expect(staging.edge.seen).toHaveLength(0);
    expect(run.errors.at(-1)).toBe(
      `No staging IP for shop.example.test on version 3 of ${sid}: shop.example.test is not a domain of it (its domains are other.example.test, www.example.test). ` +
        'Use a URL on one of the service\'s domains, or production; version 3 was left as a draft and nothing was activated'
    );
    expectNoStackTrace(run);
  });
});
