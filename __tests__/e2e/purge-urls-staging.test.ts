import { describe, expect, it } from '@jest/globals';
import { PURGE_TOKEN, TOKEN, useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, readable, runAction } from './run-action.js';
import { useStagingEdge } from './use-staging-edge.js';

const ctx = useFakeFastly();
const staging = useStagingEdge();

// No DNS knows these names: a PURGE for them can only have reached the edge through the staging IP.
const HOST = 'www.example.test';

let serial = 0;
/** Version 1 active on production, version 2 on staging when `staged`; HOST and *.cdn.example.test have the edge as staging IP. */
function service(staged = true): string {
  serial += 1;
  const id = `STAGEPURGE${serial}SVC`;
  const vcls = [{ name: 'main', content: 'sub vcl_recv { }\n', main: true }];
  ctx.fake.addService({ id, name: `site-${serial}`, versions: [{ vcls, active: true, locked: true }, { vcls, staging: staged, locked: staged }] });
  ctx.fake.setDomains(id, [
    { name: HOST, stagingIp: staging.edge.address },
    { name: '*.cdn.example.test', stagingIp: staging.edge.address },
    { name: 'nostaging.example.test' }
  ]);
  return id;
}

const url = (host: string, path: string) => `http://${host}:${staging.edge.port}${path}`;

function purge(sid: string, urls: readonly string[], extra: Record<string, string> = {}) {
  return runAction(ctx.inputs({ mode: 'purge-urls', 'api-token': TOKEN, 'service-id': sid, environment: 'staging', urls: urls.join('\n'), ...extra }));
}

describe('purge-urls on staging', () => {
  it('sends each URL as PURGE to the staging IP of its host (Host and path as they are, soft by default), and nothing to the API purge', async () => {
    const sid = service();
    const urls = [url(HOST, '/pricing?x=1'), url('img.cdn.example.test', '/a.png')];
    const run = await purge(sid, urls);

    expect(run.code).toBe(0);
    expect(staging.edge.seen.map(r => [r.method, r.host, r.path, r.headers['fastly-soft-purge']]).sort()).toEqual([
      ['PURGE', `img.cdn.example.test:${staging.edge.port}`, '/a.png', '1'],
      ['PURGE', `${HOST}:${staging.edge.port}`, '/pricing?x=1', '1']
    ]);
    // Over plain http the token would travel in clear text: it stays with the API.
    expect(staging.edge.seen.some(r => 'fastly-key' in r.headers)).toBe(false);
    expect(ctx.fake.purges).toHaveLength(0);
    expect(ctx.fake.requests.map(r => `${r.method} ${r.path}`)).toContain(`GET /service/${sid}/version/2/domain?include=staging_ips`);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(JSON.parse(run.outputs['purge-ids'] ?? '{}')).toEqual({ [urls[0] as string]: expect.stringMatching(/^edge-/), [urls[1] as string]: expect.stringMatching(/^edge-/) });
    expect(readable(run.summary)).toContain("On Fastly's <b>staging</b> environment: each URL was sent as <code>PURGE</code> to the staging IP of its host");
  });

  it.each(['flag', 'service'] as const)('takes the staging IPs from the staged version when it is shown by %s', async shape => {
    const sid = service();
    ctx.fake.setShapes({ staged: shape });
    const run = await purge(sid, [url(HOST, '/')]);

    expect(run.code).toBe(0);
    expect(ctx.fake.requests.filter(r => r.path.includes('/domain')).map(r => r.path)).toEqual([`/service/${sid}/version/2/domain?include=staging_ips`]);
    expect(staging.edge.seen.map(r => [r.method, r.host, r.path])).toEqual([['PURGE', `${HOST}:${staging.edge.port}`, '/']]);
  });

  it('a hard purge sends no soft-purge header', async () => {
    const sid = service();
    const run = await purge(sid, [url(HOST, '/')], { 'soft-purge': 'false' });

    expect(run.code).toBe(0);
    expect(staging.edge.seen.map(r => [r.method, 'fastly-soft-purge' in r.headers])).toEqual([['PURGE', false]]);
  });

  it('fails a URL whose host has no staging IP, naming the host, and purges the others', async () => {
    const sid = service();
    const run = await purge(sid, [url(HOST, '/ok'), url('nostaging.example.test', '/x'), url('elsewhere.test', '/y')]);

    expect(run.code).toBe(1);
    expect(staging.edge.purgedUrls()).toEqual([`${HOST}:${staging.edge.port}/ok`]);
    const result = JSON.parse(run.outputs.result ?? '{}') as { hosts: { name: string; failed: { item: string; reason: string }[] }[] };
    const reasons = result.hosts.flatMap(h => h.failed.map(f => f.reason));
    expect(reasons).toEqual([
      `No staging IP for nostaging.example.test on version 2 of ${sid}: Fastly gave no staging IP for nostaging.example.test. Use a URL on one of the service's domains, or production`,
      `No staging IP for elsewhere.test on version 2 of ${sid}: elsewhere.test is not a domain of it (its domains are www.example.test, *.cdn.example.test, nostaging.example.test). Use a URL on one of the service's domains, or production`
    ]);
    expectNoStackTrace(run);
  });

  it('reports a URL the staging edge refuses as failed with its status', async () => {
    const sid = service();
    staging.edge.answer(() => ({ status: 401, body: '{"msg":"auth required"}' }));
    const run = await purge(sid, [url(HOST, '/private')]);

    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toContain(`PURGE ${url(HOST, '/private')} through the staging IP 127.0.0.2: HTTP 401`);
  });

  it('refuses with no purge sent when nothing is staged', async () => {
    const sid = service(false);
    const run = await purge(sid, [url(HOST, '/')]);

    expect(run.code).toBe(1);
    expect(staging.edge.seen).toHaveLength(0);
    expect(run.errors.at(-1)).toContain(`Nothing is staged on service ${sid}, so it has no staging cache to purge`);
    expectNoStackTrace(run);
  });

  it('says which scope is missing when a purge-only token cannot read the staged domains', async () => {
    const sid = service();
    const run = await purge(sid, [url(HOST, '/')], { 'api-token': PURGE_TOKEN });

    expect(run.code).toBe(1);
    expect(staging.edge.seen).toHaveLength(0);
    expect(run.errors.at(-1)).toContain("so the token needs scope 'global:read' besides 'purge_select'");
  });

  it('a dry run reads the domains, plans each PURGE and sends none', async () => {
    const sid = service();
    const run = await purge(sid, [url(HOST, '/')], { 'dry-run': 'true' });

    expect(run.code).toBe(0);
    expect(staging.edge.seen).toHaveLength(0);
    expect(readable(run.summary)).toContain(`PURGE ${url(HOST, '/')} (through the staging IP 127.0.0.2)`);
  });
});
