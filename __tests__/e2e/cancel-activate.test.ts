import { describe, expect, it } from '@jest/globals';
import { cliEntries, packageBytes, writePackage } from '../packages.js';
import { cancelWhen } from './cancel-when.js';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { type ActionRun, expectNoStackTrace, readable, runAction } from './run-action.js';
import { useTestOrigin } from './test-origin.js';
import { useStagingEdge } from './use-staging-edge.js';

const ctx = useFakeFastly();
const origin = useTestOrigin();
const staging = useStagingEdge();

// No DNS knows this name: a request for it can only have reached the edge through the staging IP.
const HOST = 'www.example.test';
const LIVE = cliEntries({ name: 'edge-app', language: 'rust', wasm: 'live wasm' });
const NEW = cliEntries({ name: 'edge-app', language: 'rust', wasm: 'new wasm, a little longer' });
const down = () => {
  origin.answer = (_req, res) => void res.writeHead(503).end('down');
};

let serial = 0;
/** A Compute service of its own: version 1 locked, version 2 active, both with the LIVE package. */
async function computeService(): Promise<string> {
  serial += 1;
  const id = `CXC${serial}SERVICE`;
  ctx.fake.addService({ id, name: `edge-${serial}`, type: 'wasm', versions: [{ locked: true }, { active: true }] });
  const live = await packageBytes(LIVE);
  ctx.fake.setPackage(id, 1, live);
  ctx.fake.setPackage(id, 2, live);
  return id;
}

/** Version 1 active on production; version 2 on staging when `staged`; HOST's staging IP is the edge's address. */
function stagedService(staged: boolean): string {
  serial += 1;
  const id = `CXS${serial}SVC`;
  const vcls = [{ name: 'main', content: 'sub vcl_recv { }\n', main: true }];
  ctx.fake.addService({ id, name: `site-${serial}`, versions: [{ vcls, active: true, locked: true }, { vcls, staging: staged, locked: staged }] });
  ctx.fake.setDomains(id, [{ name: HOST, stagingIp: staging.edge.address }]);
  return id;
}

const writes = () => ctx.fake.writes().map(r => `${r.method} ${r.path}`);
const activations = () => writes().filter(w => /\/(de)?activate(\/staging)?$/.test(w));
const result = (run: ActionRun) => JSON.parse(run.outputs.result ?? '{}');

function deployPackage(sid: string, path: string, extra: Record<string, string> = {}) {
  return { mode: 'activate', 'api-token': TOKEN, 'service-id': sid, package: path, ...extra };
}

describe('a cancelled activate with a Compute package', () => {
  it('cut while the package upload is in flight: nothing validated or activated, the clone left as a draft and said so', async () => {
    const sid = await computeService();
    const path = await writePackage(NEW);
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/3/package`, kind: 'slow', delayMs: 5000 });
    const run = await runAction(
      ctx.inputs(deployPackage(sid, path, { 'health-check-url': origin.url })),
      {},
      cancelWhen(() => ctx.fake.requests.some(r => r.method === 'PUT' && r.path === `/service/${sid}/version/3/package`))
    );

    expect(run.code).toBe(1);
    expect(writes()).toEqual([`PUT /service/${sid}/version/2/clone`, `PUT /service/${sid}/version/3/package`]);
    expect(ctx.fake.requests.some(r => r.path.endsWith('/validate'))).toBe(false);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    expect(ctx.fake.service(sid).versions).toHaveLength(3);
    expect(origin.seen).toHaveLength(0);
    expect(run.outputs.version).toBe('2');
    expect(run.outputs['previous-version']).toBe('2');
    expect(run.outputs['rolled-back']).toBe('false');
    expect(run.outputs['package-uploaded']).toBe('false');
    expect(result(run)).toMatchObject({ ok: false, cancelled: 'SIGINT' });
    expect(result(run).services[0]).toMatchObject({ status: 'failed', previousVersion: 2, newVersion: 3, activeVersion: 2, package: { uploaded: false } });
    const error = `Uploading the package '${path}' failed: Cancelled in flight: PUT /service/${sid}/version/3/package was cut off when the run was cancelled; Fastly may or may not have acted on it; version 3, cloned from 2, was left as a draft and nothing was activated`;
    expect(run.errors).toEqual([`The run was cancelled (SIGINT): ${error}`]);
    const summary = readable(run.summary);
    expect(summary).toContain('### 🛑 Fastly activate: cancelled (SIGINT): production stays on version 2 (❌ failed)');
    expect(summary).toContain(`<p>❌ ${error}</p>`);
    expect(summary).toContain('Version 3 was cloned from 2');
    expect(summary).toContain('📦 This package was not deployed.');
    expectNoStackTrace(run);
  });

  it('an upload that lands within the grace is confirmed, and nothing after it starts: no validation, no activation', async () => {
    const sid = await computeService();
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/3/package`, kind: 'slow', delayMs: 700 });
    const run = await runAction(
      ctx.inputs(deployPackage(sid, await writePackage(NEW), { 'health-check-url': origin.url })),
      {},
      cancelWhen(() => ctx.fake.requests.some(r => r.method === 'PUT' && r.path === `/service/${sid}/version/3/package`))
    );

    expect(run.code).toBe(1);
    expect(writes()).toEqual([`PUT /service/${sid}/version/2/clone`, `PUT /service/${sid}/version/3/package`]);
    expect(ctx.fake.requests.some(r => r.path.endsWith('/validate'))).toBe(false);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    expect(origin.seen).toHaveLength(0);
    expect(run.outputs.version).toBe('2');
    expect(run.outputs['package-uploaded']).toBe('true');
    expect(result(run).services[0]).toMatchObject({ status: 'failed', newVersion: 3, activeVersion: 2, package: { uploaded: true } });
    expect(run.errors).toEqual([
      `The run was cancelled (SIGINT): Not sent: the run was cancelled (GET /service/${sid}/version/3/validate); version 3 was left as a draft and nothing was activated`
    ]);
    const summary = readable(run.summary);
    expect(summary).toContain('### 🛑 Fastly activate: cancelled (SIGINT): production stays on version 2 (❌ failed)');
    expect(summary).toContain("📦 The package was uploaded into the clone, and Fastly's files hash matches the one computed here.");
    expectNoStackTrace(run);
  });

  it('cancelled during the health check after activation: rolled back to the version before, and said so', async () => {
    const sid = await computeService();
    down();
    const run = await runAction(
      ctx.inputs(deployPackage(sid, await writePackage(NEW), { 'health-check-url': origin.url, 'health-check-timeout': '60' })),
      {},
      cancelWhen(() => origin.seen.length > 0)
    );

    expect(run.code).toBe(1);
    expect(activations()).toEqual([`PUT /service/${sid}/version/3/activate`, `PUT /service/${sid}/version/2/activate`]);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    expect(run.outputs.version).toBe('2');
    expect(run.outputs['previous-version']).toBe('2');
    expect(run.outputs['rolled-back']).toBe('true');
    expect(run.outputs['package-uploaded']).toBe('true');
    expect(result(run)).toMatchObject({ ok: false, cancelled: 'SIGINT' });
    expect(result(run).services[0]).toMatchObject({ status: 'rolled-back', newVersion: 3, activeVersion: 2 });
    const message = `Version 3 of ${sid} had not passed its health check of ${origin.url} when the run was cancelled; version 3 was rolled back to 2, which is active on production again.`;
    expect(run.errors).toEqual([`The run was cancelled (SIGINT): ${message}`]);
    const summary = readable(run.summary);
    expect(summary).toContain('### 🛑 Fastly activate: cancelled (SIGINT): version 3 had not passed its health check; production is back on version 2');
    expect(summary).toContain(`↩️ <b>Rolled back.</b> ${message}`);
    expectNoStackTrace(run);
  });
});

describe('a cancelled activate on staging', () => {
  const stage = (sid: string) =>
    runAction(
      ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, environment: 'staging', 'health-check-url': `http://${HOST}:${staging.edge.port}/_health`, 'health-check-timeout': '60' }),
      {},
      cancelWhen(() => staging.edge.seen.length > 0)
    );

  it('during the staging health check: the version staged before is staged again, production untouched', async () => {
    const sid = stagedService(true);
    staging.edge.answer(() => ({ status: 503, body: 'down' }));
    const run = await stage(sid);

    expect(run.code).toBe(1);
    expect(activations()).toEqual([`PUT /service/${sid}/version/3/activate/staging`, `PUT /service/${sid}/version/2/activate/staging`]);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 1, stagingVersion: 2 });
    expect(run.outputs.version).toBe('2');
    expect(run.outputs['previous-version']).toBe('2');
    expect(run.outputs['rolled-back']).toBe('true');
    expect(result(run)).toMatchObject({ ok: false, cancelled: 'SIGINT', environment: 'staging' });
    expect(result(run).services[0]).toMatchObject({ status: 'rolled-back', newVersion: 3, activeVersion: 2 });
    const message = `Version 3 of ${sid} had not passed its health check of http://${HOST}:${staging.edge.port}/_health when the run was cancelled; version 3 was rolled back to 2, which is active on staging again.`;
    expect(run.errors).toEqual([`The run was cancelled (SIGINT): ${message}`]);
    const summary = readable(run.summary);
    expect(summary).toContain('### 🛑 Fastly activate: cancelled (SIGINT): version 3 had not passed its health check; staging is back on version 2');
    expect(summary).toContain(`↩️ <b>Rolled back.</b> ${message}`);
    expect(summary).toContain('<td>↩️ unchecked: rolled back</td>');
    // The check was stopped, not failed: nothing in the summary calls the version unhealthy.
    expect(summary).toMatch(/🛑 Health check of <code>[^<]+<\/code> through the staging IP <code>127\.0\.0\.2<\/code>: not finished, cancelled after \d+ tr(y|ies) in \d+ s\./);
    expect(summary).not.toMatch(/unhealthy/);
    expect(run.stdout).toContain(`${sid} (site-${serial}): ↩️ unchecked: rolled back; staging was 2, is 2`);
    expectNoStackTrace(run);
  });

  it('during the staging health check with nothing staged before: staging deactivated, production untouched', async () => {
    const sid = stagedService(false);
    staging.edge.answer(() => ({ status: 503, body: 'down' }));
    const run = await stage(sid);

    expect(run.code).toBe(1);
    expect(activations()).toEqual([`PUT /service/${sid}/version/3/activate/staging`, `PUT /service/${sid}/version/3/deactivate/staging`]);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 1, stagingVersion: null });
    expect(run.outputs.version).toBe('');
    expect(run.outputs['previous-version']).toBe('');
    expect(run.outputs['rolled-back']).toBe('true');
    expect(result(run)).toMatchObject({ ok: false, cancelled: 'SIGINT' });
    expect(result(run).services[0]).toMatchObject({ status: 'rolled-back', newVersion: 3, activeVersion: null });
    expect(run.errors).toEqual([
      expect.stringMatching(
        /^The run was cancelled \(SIGINT\): Version 3 of \S+ had not passed its health check of \S+ when the run was cancelled; nothing was staged before it, so staging was deactivated: no version is on staging now, and production was not touched\.$/
      )
    ]);
    expect(readable(run.summary)).toContain('### 🛑 Fastly activate: cancelled (SIGINT): version 3 had not passed its health check; staging was deactivated (nothing was staged before)');
    expectNoStackTrace(run);
  });

  it('when re-staging cannot be done in time, says which version is on staging unchecked, production untouched', async () => {
    const sid = stagedService(true);
    staging.edge.answer(() => ({ status: 503, body: 'down' }));
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/2/activate/staging`, kind: 'slow', delayMs: 10_000 });
    const run = await stage(sid);

    expect(run.code).toBe(1);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 1, stagingVersion: 3 });
    expect(activations().some(w => w.endsWith('/activate'))).toBe(false);
    expect(run.outputs.version).toBe('3');
    expect(run.outputs['previous-version']).toBe('2');
    expect(run.outputs['rolled-back']).toBe('false');
    expect(result(run).services[0]).toMatchObject({ status: 'unchecked', activeVersion: 3 });
    expect(run.errors.at(-1)).toMatch(
      /^The run was cancelled \(SIGINT\): .* could not be done in time \(Cancelled in flight: .*\)\. Version 3 is live on staging and unchecked; version 2 was live before\. A person is needed now\.$/
    );
    const summary = readable(run.summary);
    expect(summary).toContain('### 🛑 Fastly activate: cancelled (SIGINT): CANCELLED: version 3 is live on staging and unchecked (was 2)');
    expect(summary).toContain('🚨 <b>Live and unchecked: a person is needed.</b>');
    expectNoStackTrace(run);
  });

  it('when taking the version off staging cannot be done in time, says it is on staging unchecked and nothing was staged before', async () => {
    const sid = stagedService(false);
    staging.edge.answer(() => ({ status: 503, body: 'down' }));
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/3/deactivate/staging`, kind: 'slow', delayMs: 10_000 });
    const run = await stage(sid);

    expect(run.code).toBe(1);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 1, stagingVersion: 3 });
    expect(activations().some(w => w.endsWith('/activate'))).toBe(false);
    expect(run.outputs.version).toBe('3');
    expect(run.outputs['previous-version']).toBe('');
    expect(run.outputs['rolled-back']).toBe('false');
    expect(result(run).services[0]).toMatchObject({ status: 'unchecked', activeVersion: 3 });
    expect(run.errors.at(-1)).toMatch(
      /^The run was cancelled \(SIGINT\): .*, and taking version 3 off staging could not be done in time \(Cancelled in flight: .*\)\. Version 3 is live on staging and unchecked; nothing was staged before\. A person is needed now\.$/
    );
    const summary = readable(run.summary);
    expect(summary).toContain('### 🛑 Fastly activate: cancelled (SIGINT): CANCELLED: version 3 is live on staging and unchecked (was none)');
    expect(summary).toContain('🚨 <b>Live and unchecked: a person is needed.</b>');
    expectNoStackTrace(run);
  });
});

describe('a cancelled promotion (version: staged, clone: false)', () => {
  it('during its health check: rolled back to the version live on production before, staging left as it was', async () => {
    const sid = stagedService(true);
    down();
    const run = await runAction(
      ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, version: 'staged', clone: 'false', environment: 'production', 'health-check-url': origin.url, 'health-check-timeout': '60' }),
      {},
      cancelWhen(() => origin.seen.length > 0)
    );

    expect(run.code).toBe(1);
    expect(writes()).toEqual([`PUT /service/${sid}/version/2/activate`, `PUT /service/${sid}/version/1/activate`]);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 1, stagingVersion: 2 });
    expect(ctx.fake.service(sid).versions).toHaveLength(2);
    expect(run.outputs.version).toBe('1');
    expect(run.outputs['previous-version']).toBe('1');
    expect(run.outputs['rolled-back']).toBe('true');
    expect(result(run)).toMatchObject({ ok: false, cancelled: 'SIGINT', clone: false });
    expect(result(run).services[0]).toMatchObject({ status: 'rolled-back', newVersion: 2, activeVersion: 1 });
    const message = `Version 2 of ${sid} had not passed its health check of ${origin.url} when the run was cancelled; version 2 was rolled back to 1, which is active on production again.`;
    expect(run.errors).toEqual([`The run was cancelled (SIGINT): ${message}`]);
    const summary = readable(run.summary);
    expect(summary).toContain('### 🛑 Fastly activate: cancelled (SIGINT): version 2 had not passed its health check; production is back on version 1');
    expect(summary).toContain('<td>↩️ unchecked: rolled back</td>');
    expect(summary).toContain(`↩️ <b>Rolled back.</b> ${message}`);
    expectNoStackTrace(run);
  });

  it('when the rollback cannot be done in time, says which version is live on production unchecked and which was live before', async () => {
    const sid = stagedService(true);
    down();
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/1/activate`, kind: 'slow', delayMs: 10_000 });
    const run = await runAction(
      ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, version: 'staged', clone: 'false', environment: 'production', 'health-check-url': origin.url, 'health-check-timeout': '60' }),
      {},
      cancelWhen(() => origin.seen.length > 0)
    );

    expect(run.code).toBe(1);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 2, stagingVersion: 2 });
    expect(run.outputs.version).toBe('2');
    expect(run.outputs['previous-version']).toBe('1');
    expect(run.outputs['rolled-back']).toBe('false');
    expect(result(run).services[0]).toMatchObject({ status: 'unchecked', newVersion: 2, activeVersion: 2 });
    expect(run.errors.at(-1)).toMatch(
      /^The run was cancelled \(SIGINT\): .*, and rolling back to version 1 could not be done in time \(Cancelled in flight: .*\)\. Version 2 is live on production and unchecked; version 1 was live before\. A person is needed now\.$/
    );
    const summary = readable(run.summary);
    expect(summary).toContain('### 🛑 Fastly activate: cancelled (SIGINT): CANCELLED: version 2 is live on production and unchecked (was 1)');
    expect(summary).toContain('🚨 <b>Live and unchecked: a person is needed.</b>');
    expectNoStackTrace(run);
  });
});
