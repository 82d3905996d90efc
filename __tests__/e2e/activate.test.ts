import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, readable, runAction, scratch } from './run-action.js';

const ctx = useFakeFastly();

const MAIN_V1 = 'sub vcl_recv {\n  set req.http.X-Version = "1";\n}\n';
const MAIN_V2 = 'sub vcl_recv {\n  set req.http.X-Version = "2";\n}\n';
const SHARED = 'sub shared_headers { }\n';

let serial = 0;
/** A fresh service per test: 1, 2 (active, locked), 3 (a draft), with main and shared VCL. */
function service(): string {
  serial += 1;
  const id = `ACT${serial}SERVICE`;
  const vcls = [
    { name: 'main', content: MAIN_V1, main: true },
    { name: 'shared', content: SHARED, main: false }
  ];
  ctx.fake.addService({
    id,
    name: `site-${serial}`,
    versions: [{ vcls, comment: 'one', locked: true }, { vcls, comment: 'two', active: true }, { vcls, comment: 'draft' }]
  });
  return id;
}

function vclDir(files: Record<string, string>): string {
  const dir = join(scratch(), 'vcl');
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

function activate(sid: string, extra: Record<string, string> = {}) {
  return runAction(ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, ...extra }), {
    GITHUB_REPOSITORY: 'acme/site',
    GITHUB_SHA: 'abc1234def5678abc1234def5678abc1234def56',
    GITHUB_ACTOR: 'octocat',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242'
  });
}

function writes() {
  return ctx.fake.writes().map(r => `${r.method} ${r.path}`);
}

describe('activate in few round trips, one write at a time', () => {
  it('20 VCL files of which 2 changed: 11 requests, reads overlapping where nothing depends on them', async () => {
    serial += 1;
    const sid = `ACT${serial}SERVICE`;
    const names = Array.from({ length: 20 }, (_, i) => `part${i}`);
    const vcls = names.map((name, i) => ({ name, content: `sub ${name} { }\n`, main: i === 0 }));
    ctx.fake.addService({ id: sid, name: `site-${serial}`, versions: [{ vcls, comment: 'live', active: true }] });
    const dir = vclDir(Object.fromEntries(names.map((name, i) => [`${name}.vcl`, i < 2 ? `sub ${name} { set req.http.X = "new"; }\n` : `sub ${name} { }\n`])));
    // A latency keeps each request in flight long enough for the fake to see which ones overlap.
    ctx.fake.setLatency(40);
    // Lint's 20 requests are counted in the lint tests.
    const run = await activate(sid, { 'vcl-files': `${dir}/*.vcl`, lint: 'false' });
    ctx.fake.setLatency(0);

    expect(run.code).toBe(0);
    expect(ctx.fake.requests.map(r => `${r.method} ${r.path.replace(/\?.*/, '')}`).sort()).toEqual(
      [
        'GET /tokens/self',
        `GET /service/${sid}/details`,
        `PUT /service/${sid}/version/1/clone`,
        // The base's VCL, read before the clone: when nothing differs, nothing is cloned.
        `GET /service/${sid}/version/1/vcl`,
        `PUT /service/${sid}/version/2`,
        `PUT /service/${sid}/version/2/vcl/part0`,
        `PUT /service/${sid}/version/2/vcl/part1`,
        `GET /service/${sid}/version/2/validate`,
        `GET /service/${sid}/vcl/diff/from/1/to/2`,
        `GET /service/${sid}/details`,
        `PUT /service/${sid}/version/2/activate`
      ].sort()
    );
    // Writes to the service one at a time, in order; the comment goes while the clone is validated and Fastly's diff read.
    expect(writes()).toEqual([
      `PUT /service/${sid}/version/1/clone`,
      `PUT /service/${sid}/version/2/vcl/part0`,
      `PUT /service/${sid}/version/2/vcl/part1`,
      `PUT /service/${sid}/version/2`,
      `PUT /service/${sid}/version/2/activate`
    ]);
    expect(ctx.fake.maxInFlight).toBe(3);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
  });
});

describe('activate', () => {
  it('clones the active version, sends only the changed VCL, comments, validates and activates', async () => {
    const sid = service();
    const dir = vclDir({ 'main.vcl': MAIN_V2, 'shared.vcl': SHARED, 'extra.vcl': 'sub extra { }\n' });
    const run = await activate(sid, { 'vcl-files': `${dir}/*.vcl` });

    expect(run.code).toBe(0);
    expect(writes()).toEqual([
      `PUT /service/${sid}/version/2/clone`,
      `POST /service/${sid}/version/4/vcl`,
      `PUT /service/${sid}/version/4/vcl/main`,
      `PUT /service/${sid}/version/4`,
      `PUT /service/${sid}/version/4/activate`
    ]);
    const after = ctx.fake.service(sid);
    expect(after.activeVersion).toBe(4);
    const v4 = after.versions.find(v => v.number === 4);
    expect(v4?.comment).toBe('acme/site@abc1234 by octocat — https://github.com/acme/site/actions/runs/4242');
    expect(v4?.vcls.find(v => v.name === 'main')?.content).toBe(MAIN_V2);
    expect(v4?.vcls.find(v => v.name === 'extra')).toMatchObject({ main: false });
    expect(run.outputs.version).toBe('4');
    expect(run.outputs['previous-version']).toBe('2');
    expect(JSON.parse(run.outputs.result ?? '{}').services[0]).toMatchObject({
      status: 'activated',
      previousVersion: 2,
      newVersion: 4,
      vcl: expect.arrayContaining([
        { name: 'main', action: 'update' },
        { name: 'shared', action: 'unchanged' },
        { name: 'extra', action: 'create' }
      ])
    });
    const summary = readable(run.summary);
    expect(summary).toContain(`### ✅ Fastly activate: version 4 active on production (was 2)`);
    expect(summary).toContain(`<a href="https://manage.fastly.com/configure/services/${sid}/versions/2">2</a>`);
    expect(summary).toContain('<summary>Generated VCL: version 2 → 4</summary>');
    expect(summary).toMatch(/\+ .*X-Version = "2"/);
  });

  it('an API without the VCL diff route: the configuration diff Fastly was recorded giving at /diff, titled as such', async () => {
    const sid = service();
    ctx.fake.fault({ path: `/service/${sid}/vcl/diff/`, kind: 'status', status: 404, body: { msg: 'Record not found' }, times: Infinity });
    const run = await activate(sid, { 'vcl-files': vclDir({ 'main.vcl': MAIN_V2 }) + '/main.vcl' });

    expect(run.code).toBe(0);
    const diffs = ctx.fake.requests.filter(r => r.path.includes('/diff/')).map(r => r.path);
    expect(diffs).toEqual([`/service/${sid}/vcl/diff/from/2/to/4?format=text`, `/service/${sid}/diff/from/2/to/4`]);
    const summary = readable(run.summary);
    expect(summary).toContain('<summary>Service configuration: version 2 → 4</summary>');
    expect(summary).toMatch(/\+ .*X-Version = "2"/);
    expect(run.warnings).toEqual([]);
  });

  it('leaves production alone when validation fails, naming the draft and printing Fastly\'s messages', async () => {
    const sid = service();
    const dir = vclDir({ 'main.vcl': 'sub vcl_recv {\n  SYNTAX ERROR here\n}\n' });
    // Lint would catch this before the clone (lint.test.ts); validation after the upload stays for what lint cannot see.
    const run = await activate(sid, { 'vcl-files': join(dir, 'main.vcl'), lint: 'false' });

    expect(run.code).toBe(1);
    expect(writes().some(w => w.endsWith('/activate'))).toBe(false);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    // Fastly's compiler text spans lines; the log shows its line break escaped.
    expect(run.errors.slice(0, -1)).toEqual([`${sid} version 4: Syntax error: Unexpected 'SYNTAX' in VCL 'main'\\nAt: (main Line 2 Pos 3)`]);
    expect(run.errors.at(-1)).toBe(`Fastly found version 4 of ${sid} invalid; version 4 was left as a draft and production stays on version 2`);
    expect(run.outputs.version).toBe('2');
    expect(readable(run.summary)).toContain('### ❌ Fastly activate: production stays on version 2 (❌ invalid: not activated)');
    expectNoStackTrace(run);
  });

  it('detects another deploy activating a version mid-run and activates nothing', async () => {
    const sid = service();
    ctx.fake.intercept({ method: 'GET', path: /\/validate$/ }, () => ctx.fake.activate(sid, 3));
    const run = await activate(sid);

    expect(run.code).toBe(1);
    expect(writes().some(w => w.endsWith('/activate'))).toBe(false);
    expect(ctx.fake.service(sid).activeVersion).toBe(3);
    expect(run.errors.at(-1)).toMatch(
      new RegExp(`^Version 3 became active on production of ${sid} while this run was deploying \\(it started from 2\\); another deploy\\? version 4 was left as a draft\\.`)
    );
    expect(JSON.parse(run.outputs.result ?? '{}').services[0].status).toBe('conflict');
  });

  it('rolls back with clone: false, validating the old version first', async () => {
    const sid = service();
    const run = await activate(sid, { version: '1', clone: 'false' });

    expect(run.code).toBe(0);
    expect(writes()).toEqual([`PUT /service/${sid}/version/1/activate`]);
    expect(ctx.fake.requests.some(r => r.path === `/service/${sid}/version/1/validate`)).toBe(true);
    expect(ctx.fake.service(sid).activeVersion).toBe(1);
    expect(run.outputs.version).toBe('1');
    expect(run.outputs['previous-version']).toBe('2');
  });

  it('warns that a comment means nothing with clone: false, and leaves the locked version as it was', async () => {
    const sid = service();
    const run = await activate(sid, { version: '1', clone: 'false', comment: 'rollback' });

    expect(run.code).toBe(0);
    expect(run.warnings).toContain("Input 'comment' is not used with 'clone: false' (the version is not a new clone) and was ignored");
    expect(writes()).toEqual([`PUT /service/${sid}/version/1/activate`]);
  });

  it('activates on staging, leaving production alone', async () => {
    const sid = service();
    const run = await activate(sid, { environment: 'staging' });

    expect(run.code).toBe(0);
    expect(writes().at(-1)).toBe(`PUT /service/${sid}/version/4/activate/staging`);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 2, stagingVersion: 4 });
  });

  it('turns Fastly\'s activation message into a warning', async () => {
    const sid = service();
    ctx.fake.setActivationWarning(sid, 'Backend health checks are failing');
    const run = await activate(sid);
    expect(run.code).toBe(0);
    expect(run.warnings).toContain(`${sid}: Fastly warns on activating version 4: Backend health checks are failing`);
  });

  it('dry-run reads only and shows the plan and the diff of the repository VCL', async () => {
    const sid = service();
    const dir = vclDir({ 'main.vcl': MAIN_V2, 'shared.vcl': SHARED });
    const run = await activate(sid, { 'vcl-files': `${dir}/*.vcl`, 'dry-run': 'true' });

    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toHaveLength(0);
    const summary = readable(run.summary);
    expect(summary).toContain('### 🧪 Fastly activate (dry run): nothing was changed; the plan follows');
    expect(summary).toContain('clone version 2 (active on production)');
    expect(summary).toContain('upload 1 changed VCL file');
    expect(summary).toContain('<td><code>main</code></td><td>updated</td>');
    expect(summary).toContain('<td><code>shared</code></td><td>unchanged</td>');
    expect(summary).toContain(`--- main (version 2)\n+++ ${dir}/main.vcl\n@@ -`);
    expect(summary).toContain('-  set req.http.X-Version = "1";\n+  set req.http.X-Version = "2";');
  });

  it('does not repeat a clone whose answer was lost: one new version, nothing activated', async () => {
    const sid = service();
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/2/clone`, kind: 'status', status: 503, afterHandler: true });
    const run = await activate(sid);

    expect(run.code).toBe(1);
    expect(writes()).toEqual([`PUT /service/${sid}/version/2/clone`]);
    expect(ctx.fake.service(sid).versions.map(v => v.number)).toEqual([1, 2, 3, 4]);
    expect(run.errors.at(-1)).toBe(
      `Fastly refused PUT /service/${sid}/version/2/clone (HTTP 503): Service Unavailable. A clone is not safe to repeat, so it was not retried; nothing was activated. Fastly now has version 4, which may be that clone (left as a draft).`
    );
  });

  it('starts from the latest version when asked, with the comment given', async () => {
    const sid = service();
    const run = await activate(sid, { version: 'latest', comment: 'Release 7 <b>bold</b>' });
    expect(run.code).toBe(0);
    expect(writes()[0]).toBe(`PUT /service/${sid}/version/3/clone`);
    expect(ctx.fake.service(sid).versions.find(v => v.number === 4)?.comment).toBe('Release 7 <b>bold</b>');
    expect(run.summary).toContain('<code>Release 7 &#60;b&#62;bold&#60;/b&#62;</code>');
  });

  it('deploys several services one after another, reporting each', async () => {
    const first = service();
    const second = service();
    const run = await activate(`${first} ${second}`);
    expect(run.code).toBe(0);
    const order = ctx.fake.writes().map(r => (r.path.includes(first) ? 'first' : 'second'));
    expect(order).toEqual(['first', 'first', 'first', 'second', 'second', 'second']);
    expect(JSON.parse(run.outputs.version ?? '{}')).toEqual({ [first]: 4, [second]: 4 });
    expect(JSON.parse(run.outputs['previous-version'] ?? '{}')).toEqual({ [first]: 2, [second]: 2 });
    expect(run.summary).toContain('### ✅ Fastly activate: 2 services active on production');
  });

  it('refuses a version that does not exist, with zero writes', async () => {
    const sid = service();
    const run = await activate(sid, { version: '41' });
    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(run.errors).toEqual([`Version 41 does not exist on service ${sid} (it has versions 1–3); check 'version'`]);
  });

  it('refuses a purge-only token: activate needs global', async () => {
    const sid = service();
    const run = await runAction(ctx.inputs({ mode: 'activate', 'service-id': sid }));
    expect(run.code).toBe(1);
    expect(run.errors[0]).toContain("mode 'activate' needs the 'global' scope");
    expect(ctx.fake.writes()).toHaveLength(0);
  });
});
