import { describe, expect, it } from '@jest/globals';
import { cliEntries, expectedFilesHash, packageBytes, writePackage } from '../packages.js';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, readable, runAction } from './run-action.js';
import { useTestOrigin } from './test-origin.js';

const ctx = useFakeFastly();
const origin = useTestOrigin();

const LIVE = cliEntries({ name: 'edge-app', language: 'rust', wasm: 'live wasm' });
const NEW = cliEntries({ name: 'edge-app', language: 'rust', wasm: 'new wasm, a little longer' });
const LIVE_HASH = expectedFilesHash(LIVE);
const NEW_HASH = expectedFilesHash(NEW);

let serial = 0;
/** A Compute service of its own: version 1 locked, version 2 active, both with the LIVE package. */
async function computeService(): Promise<string> {
  serial += 1;
  const id = `CMP${serial}SERVICE`;
  ctx.fake.addService({ id, name: `edge-${serial}`, type: 'wasm', versions: [{ locked: true }, { active: true }] });
  const live = await packageBytes(LIVE);
  ctx.fake.setPackage(id, 1, live);
  ctx.fake.setPackage(id, 2, live);
  return id;
}

function deploy(sid: string, path: string, extra: Record<string, string> = {}) {
  return runAction(ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, package: path, ...extra }));
}

function requests() {
  return ctx.fake.requests.map(r => `${r.method} ${r.path}`);
}

function writes() {
  return ctx.fake.writes().map(r => `${r.method} ${r.path}`);
}

describe('activate with package: a Compute service through the same pipeline', () => {
  it('uploads a changed package into the clone, checks its files hash, comments, validates, activates and checks health', async () => {
    const sid = await computeService();
    const path = await writePackage(NEW);
    const run = await deploy(sid, path, { 'health-check-url': origin.url, 'health-check-timeout': '3' });

    expect(run.code).toBe(0);
    expect(writes()).toEqual([
      `PUT /service/${sid}/version/2/clone`,
      `PUT /service/${sid}/version/3/package`,
      `PUT /service/${sid}/version/3`,
      `PUT /service/${sid}/version/3/activate`
    ]);
    // The base's package is read before the clone: that read decides whether there is anything to deploy.
    expect(requests().indexOf(`GET /service/${sid}/version/2/package`)).toBeLessThan(requests().indexOf(`PUT /service/${sid}/version/2/clone`));
    expect(requests()).toContain(`GET /service/${sid}/version/3/validate`);
    expect(requests().some(r => r.includes('/diff/from/'))).toBe(false);
    const after = ctx.fake.service(sid);
    expect(after.activeVersion).toBe(3);
    expect(after.versions[2]?.package?.files_hash).toBe(NEW_HASH);
    expect(after.versions[1]?.package?.files_hash).toBe(LIVE_HASH);
    expect(origin.seen).toHaveLength(2);
    expect(run.outputs['package-uploaded']).toBe('true');
    expect(run.outputs.version).toBe('3');
    expect(JSON.parse(run.outputs.result ?? '{}').services[0]).toMatchObject({
      status: 'activated',
      newVersion: 3,
      package: {
        before: { name: 'edge-app', language: 'rust', filesHash: LIVE_HASH },
        after: { name: 'edge-app', language: 'rust', filesHash: NEW_HASH },
        action: 'upload',
        uploaded: true
      }
    });
    const summary = readable(run.summary);
    expect(summary).toContain("📦 The package was uploaded into the clone, and Fastly's files hash matches the one computed here.");
    expect(summary).toContain(`<code>${LIVE_HASH.slice(0, 12)}</code>`);
    expect(summary).toContain(`<code>${NEW_HASH.slice(0, 12)}</code>`);
    expect(summary).toMatch(/✅ Health check of <code>[^<]+<\/code>: healthy/);
    expect(run.stdout).toContain(`${sid}: package '${path}' uploaded (files hash ${NEW_HASH.slice(0, 12)}, confirmed by Fastly)`);
  });

  it('rolls back to the version before when the new package fails its health check', async () => {
    const sid = await computeService();
    origin.answer = (_req, res) => void res.writeHead(503).end('down');
    const run = await deploy(sid, await writePackage(NEW), { 'health-check-url': origin.url, 'health-check-timeout': '2' });

    expect(run.code).toBe(1);
    expect(writes()).toEqual([
      `PUT /service/${sid}/version/2/clone`,
      `PUT /service/${sid}/version/3/package`,
      `PUT /service/${sid}/version/3`,
      `PUT /service/${sid}/version/3/activate`,
      `PUT /service/${sid}/version/2/activate`
    ]);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    expect(run.outputs['rolled-back']).toBe('true');
    expect(run.outputs['package-uploaded']).toBe('true');
    expect(run.errors[0]).toContain(`Version 3 of ${sid} failed its health check`);
    expect(run.errors[0]).toContain('rolled back to 2');
  });

  it('an unchanged package deploys nothing: no clone, no upload, no activation, and the summary says it is live', async () => {
    const sid = await computeService();
    // The same files in another archive (no folders, another order): another hashsum, the same files hash.
    const path = await writePackage([...LIVE].reverse().filter(entry => entry.content !== undefined));
    const run = await deploy(sid, path, { 'health-check-url': origin.url });

    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toEqual([]);
    expect(requests().filter(r => r.startsWith('GET') && r.includes('/version/'))).toEqual([`GET /service/${sid}/version/2/package`]);
    expect(ctx.fake.service(sid).versions).toHaveLength(2);
    expect(origin.seen).toHaveLength(0);
    expect(run.outputs['package-uploaded']).toBe('false');
    expect(run.outputs.version).toBe('2');
    expect(JSON.parse(run.outputs.result ?? '{}').services[0]).toMatchObject({ status: 'unchanged', newVersion: null, package: { action: 'unchanged', uploaded: false } });
    const summary = readable(run.summary);
    expect(summary).toContain('the package is already live: version 2 on production has it');
    expect(summary).toContain('➖ This package is already live on production (version 2 has the same files hash): nothing was cloned, uploaded or activated.');
    expect(run.stdout).toContain(`${sid}: package '${path}' not uploaded: the version it starts from already has it (files hash ${LIVE_HASH.slice(0, 12)})`);
  });

  it('a package Fastly hashes differently is not activated: the draft is left and the step fails saying so', async () => {
    const sid = await computeService();
    const other = 'f'.repeat(128);
    ctx.fake.fault({
      method: 'PUT',
      path: `/service/${sid}/version/3/package`,
      kind: 'raw',
      afterHandler: true,
      headers: { 'Content-Type': 'application/json' },
      text: JSON.stringify({ service_id: sid, version: 3, metadata: { name: 'edge-app', language: 'rust', size: 1, files_hash: other } })
    });
    const run = await deploy(sid, await writePackage(NEW));

    expect(run.code).toBe(1);
    expect(writes()).toEqual([`PUT /service/${sid}/version/2/clone`, `PUT /service/${sid}/version/3/package`]);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    expect(ctx.fake.service(sid).versions).toHaveLength(3);
    expect(run.errors).toEqual([
      expect.stringContaining(
        `with the files hash ffffffffffff, but it hashes to ${NEW_HASH.slice(0, 12)} here: the upload is not the package that was read; ` +
          'version 3, cloned from 2, was left as a draft and nothing was activated'
      )
    ]);
    expect(run.outputs['package-uploaded']).toBe('false');
    expect(readable(run.summary)).toContain('📦 This package was not deployed.');
    expectNoStackTrace(run);
  });

  it('a clone of a base that already has the package keeps it: validated and activated, nothing uploaded', async () => {
    const sid = await computeService();
    // Version 3, a draft, already holds the new package; version 2 is live.
    ctx.fake.addService({ id: sid, name: 'edge', type: 'wasm', versions: [{ locked: true }, { active: true }, {}] });
    ctx.fake.setPackage(sid, 2, await packageBytes(LIVE));
    ctx.fake.setPackage(sid, 3, await packageBytes(NEW));
    const run = await deploy(sid, await writePackage(NEW), { version: 'latest' });

    expect(run.code).toBe(0);
    expect(writes()).toEqual([`PUT /service/${sid}/version/3/clone`, `PUT /service/${sid}/version/4`, `PUT /service/${sid}/version/4/activate`]);
    expect(ctx.fake.service(sid).activeVersion).toBe(4);
    expect(ctx.fake.service(sid).versions[3]?.package?.files_hash).toBe(NEW_HASH);
    expect(run.outputs['package-uploaded']).toBe('false');
    expect(readable(run.summary)).toContain('➖ The clone keeps the package it has from its base: the files hash is the same, so nothing was uploaded.');
  });

  it('a service whose live version has no package yet gets one', async () => {
    serial += 1;
    const sid = `CMP${serial}SERVICE`;
    ctx.fake.addService({ id: sid, name: 'fresh', type: 'wasm', versions: [{ active: true }] });
    const run = await deploy(sid, await writePackage(NEW));
    expect(run.code).toBe(0);
    expect(ctx.fake.service(sid).versions[1]?.package?.files_hash).toBe(NEW_HASH);
    expect(JSON.parse(run.outputs.result ?? '{}').services[0].package.before).toBeNull();
    expect(readable(run.summary)).toMatch(/<td>Files hash<\/td><td>—<\/td>/);
  });

  it('a dry run reads the live package, shows the change and sends no write', async () => {
    const sid = await computeService();
    const run = await deploy(sid, await writePackage(NEW), { 'dry-run': 'true' });

    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toEqual([]);
    expect(requests()).toContain(`GET /service/${sid}/version/2/package`);
    expect(run.outputs['package-uploaded']).toBe('false');
    const summary = readable(run.summary);
    expect(summary).toContain('📦 A real run would upload this package into the clone.');
    expect(summary).toContain(`(files hash <code>${NEW_HASH.slice(0, 12)}</code>) and check Fastly's files hash is the same`);
    expect(summary).toContain(`<code>${LIVE_HASH.slice(0, 12)}</code>`);
  });

  it('activates the new package on staging when asked, production untouched', async () => {
    const sid = await computeService();
    const run = await deploy(sid, await writePackage(NEW), { environment: 'staging' });

    expect(run.code).toBe(0);
    expect(writes()).toEqual([
      `PUT /service/${sid}/version/2/clone`,
      `PUT /service/${sid}/version/3/package`,
      `PUT /service/${sid}/version/3`,
      `PUT /service/${sid}/version/3/activate/staging`
    ]);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    expect(ctx.fake.service(sid).stagingVersion).toBe(3);
    expect(run.outputs['package-uploaded']).toBe('true');
  });

  it('an upload Fastly refuses leaves the draft, activates nothing and says which package', async () => {
    const sid = await computeService();
    const path = await writePackage(NEW);
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/3/package`, kind: 'status', status: 400, body: { msg: 'Bad request', detail: 'Failed to extract metadata from package' } });
    const run = await deploy(sid, path);

    expect(run.code).toBe(1);
    expect(writes()).toEqual([`PUT /service/${sid}/version/2/clone`, `PUT /service/${sid}/version/3/package`]);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    expect(run.errors).toEqual([expect.stringMatching(new RegExp(`^Uploading the package '${path}' failed: .*Failed to extract metadata from package.*; version 3, cloned from 2, was left as a draft and nothing was activated$`))]);
    expectNoStackTrace(run);
  });

  it("escapes what fastly.toml says: a hostile name or language reaches the summary as text", async () => {
    const sid = await computeService();
    const hostile = cliEntries({ name: '<img src=x onerror=alert(1)>', language: '<b>rust</b>', wasm: 'hostile' });
    const run = await deploy(sid, await writePackage(hostile), { 'dry-run': 'true' });

    expect(run.code).toBe(0);
    expect(run.summary).not.toContain('<img src=x');
    expect(run.summary).not.toContain('<b>rust</b>');
    // Shown as text: there once decoded, absent as markup above.
    expect(readable(run.summary)).toContain('<td>Name</td><td>edge-app</td><td><img src=x onerror=alert(1)></td>');
  });

  it('several services: each judged on its own live package, package-uploaded per service', async () => {
    const changed = await computeService();
    const same = await computeService();
    ctx.fake.setPackage(same, 2, await packageBytes(NEW));
    const run = await runAction(ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': `${changed} ${same}`, package: await writePackage(NEW) }));

    expect(run.code).toBe(0);
    expect(writes().filter(w => w.includes(same))).toEqual([]);
    expect(writes().filter(w => w.includes(changed))).toHaveLength(4);
    expect(JSON.parse(run.outputs['package-uploaded'] ?? '')).toEqual({ [changed]: true, [same]: false });
    expect(JSON.parse(run.outputs.version ?? '')).toEqual({ [changed]: 3, [same]: 2 });
  });

  it('refuses a VCL service before any write, even beside a Compute one', async () => {
    const sid = await computeService();
    const run = await runAction(
      ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': `${sid} SVC2BBBBBBBBBBBBBBBBBB`, package: await writePackage(NEW) })
    );

    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toEqual([]);
    expect(run.errors).toEqual([
      "Service 'SVC2BBBBBBBBBBBBBBBBBB' is a VCL service, but 'package' deploys to a Compute (wasm) service; check 'service-id', or deploy a VCL service with 'vcl-files'. Nothing was changed."
    ]);
    expect(ctx.fake.service(sid).versions).toHaveLength(2);
  });

  it('refuses a VCL service with token-check: false too', async () => {
    const run = await runAction(ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'token-check': 'false', package: await writePackage(NEW) }));
    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toEqual([]);
    expect(run.errors[0]).toContain("is a VCL service, but 'package' deploys to a Compute (wasm) service");
  });
});
