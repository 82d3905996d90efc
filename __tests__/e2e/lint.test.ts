import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, readable, runAction, scratch } from './run-action.js';

const ctx = useFakeFastly();

const LIVE_MAIN = 'sub vcl_recv {\n  set req.http.X-Version = "1";\n}\n';
const NEW_MAIN = 'sub vcl_recv {\n  set req.http.X-Version = "2";\n}\n';
const TYPO_MAIN = 'sub vcl_recv {\n  set req.http.X-Version = "2";\n    SYNTAX ERROR;\n}\n';

let serial = 0;
/** Versions 1 (locked) and 2 (active), both with main.vcl as LIVE_MAIN. */
function service(): string {
  serial += 1;
  const id = `LINT${serial}SERVICE`;
  const vcls = [{ name: 'main', content: LIVE_MAIN, main: true }];
  ctx.fake.addService({ id, name: `lint-${serial}`, versions: [{ vcls, locked: true }, { vcls, active: true }] });
  return id;
}

/** A workspace holding vcl/<name> files: annotations name them relative to it. */
function workspace(files: Record<string, string>): string {
  const dir = scratch();
  mkdirSync(join(dir, 'vcl'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, 'vcl', name), content);
  return dir;
}

function activate(sid: string, dir: string, extra: Record<string, string> = {}) {
  return runAction(ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, 'vcl-files': join(dir, 'vcl', '*.vcl'), ...extra }), { GITHUB_WORKSPACE: dir });
}

const lintRequests = () => ctx.fake.requests.filter(r => r.method === 'POST' && r.path.endsWith('/lint'));

describe('lint before the clone', () => {
  it.each(['wrapped', 'bare', 400] as const)('a lint error (answered %s) creates no version, fails the step and annotates the line', async shape => {
    const sid = service();
    ctx.fake.setShapes({ lint: shape });
    const dir = workspace({ 'main.vcl': TYPO_MAIN });
    const run = await activate(sid, dir);

    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toEqual([]);
    expect(ctx.fake.service(sid).versions).toHaveLength(2);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    // One lint call per file, with the file's content as {"vcl": …}.
    expect(lintRequests().map(r => [r.path, JSON.parse(r.body)])).toEqual([[`/service/${sid}/lint`, { vcl: TYPO_MAIN }]]);
    expect(run.stdout).toContain(`::error file=vcl/main.vcl,line=3,col=5::Fastly's linter (${sid}): Syntax error: Unexpected 'SYNTAX'\\nat: (input Line 3 Pos 5)`);
    expect(run.errors.at(-1)).toBe(`Fastly's linter found 1 error in ${join(dir, 'vcl', 'main.vcl')} for ${sid}; nothing was cloned and production stays on version 2`);
    expect(run.outputs.version).toBe('2');
    expect(JSON.parse(run.outputs.result ?? '{}').services[0]).toMatchObject({
      status: 'lint-failed',
      newVersion: null,
      lint: [{ path: join(dir, 'vcl', 'main.vcl'), severity: 'error', line: 3, column: 5, message: "Syntax error: Unexpected 'SYNTAX'\nat: (input Line 3 Pos 5)" }]
    });
    const summary = readable(run.summary);
    expect(summary).toContain('❌ lint failed: nothing cloned');
    expect(summary).toContain(`<code>${join(dir, 'vcl', 'main.vcl')}:3:5</code>`);
    expectNoStackTrace(run);
  });

  it('lints in a dry run too, where it is the only POST sent, and fails it on an error', async () => {
    const sid = service();
    const dir = workspace({ 'main.vcl': TYPO_MAIN });
    const run = await activate(sid, dir, { 'dry-run': 'true' });

    expect(run.code).toBe(1);
    expect(lintRequests()).toHaveLength(1);
    expect(ctx.fake.requests.filter(r => r.method !== 'GET' && !r.path.endsWith('/lint'))).toEqual([]);
    expect(run.stdout).toContain('::error file=vcl/main.vcl,line=3,col=5::');
    // Lint is not a write: the dry run's list of writes it held back does not hold it.
    expect(JSON.parse(run.outputs.result ?? '{}').plannedRequests).toBe(0);
  });

  it('shows a warning as an annotation and deploys all the same', async () => {
    const sid = service();
    const dir = workspace({ 'main.vcl': `${NEW_MAIN}# LINT WARNING\n` });
    const run = await activate(sid, dir);

    expect(run.code).toBe(0);
    expect(ctx.fake.service(sid).activeVersion).toBe(3);
    expect(run.stdout).toContain(`::warning file=vcl/main.vcl,line=4,col=3::Fastly's linter (${sid}): Unused identifier 'LINT'\\nat: (input Line 4 Pos 3)`);
    expect(readable(run.summary)).toContain('⚠️ warning');
  });

  it('lint that Fastly cannot answer is retried, then stops the deploy before any version exists', async () => {
    const sid = service();
    ctx.fake.fault({ method: 'POST', path: `/service/${sid}/lint`, kind: 'status', status: 503, times: 10 });
    const dir = workspace({ 'main.vcl': NEW_MAIN });
    const run = await activate(sid, dir, { 'max-retries': '1' });

    expect(run.code).toBe(1);
    expect(lintRequests()).toHaveLength(2);
    expect(ctx.fake.writes()).toEqual([]);
    expect(ctx.fake.service(sid).versions).toHaveLength(2);
    expect(run.errors.at(-1)).toBe(
      `Fastly's linter could not lint ${join(dir, 'vcl', 'main.vcl')} for ${sid}, so nothing was cloned: Fastly refused POST /service/${sid}/lint (HTTP 503): Service Unavailable (after 1 retry). ` +
        "Run again, or set 'lint: false' to deploy without linting (Fastly still validates the new version)"
    );
    expectNoStackTrace(run);
  });

  it('an API without the linter (404) warns that nothing was linted and deploys, Fastly validating the clone', async () => {
    const sid = service();
    ctx.fake.fault({ method: 'POST', path: `/service/${sid}/lint`, kind: 'status', status: 404, body: { msg: 'Record not found' }, times: 5 });
    const dir = workspace({ 'main.vcl': NEW_MAIN });
    const run = await activate(sid, dir);

    expect(run.code).toBe(0);
    expect(lintRequests()).toHaveLength(1);
    expect(ctx.fake.service(sid).activeVersion).toBe(3);
    expect(run.stdout).toContain(`::warning file=vcl/main.vcl::Fastly's linter (${sid}): not available (HTTP 404 to POST /service/${sid}/lint): the VCL was not linted`);
  });

  it('lint: false sends no lint request (Fastly validates the clone instead)', async () => {
    const sid = service();
    const dir = workspace({ 'main.vcl': NEW_MAIN });
    const run = await activate(sid, dir, { lint: 'false' });

    expect(run.code).toBe(0);
    expect(lintRequests()).toEqual([]);
    expect(ctx.fake.service(sid).activeVersion).toBe(3);
  });

  it('lints beside the first read: 3 files add no round trip, and a real run stays at 8 on its critical path', async () => {
    const sid = service();
    const dir = workspace({ 'main.vcl': NEW_MAIN, 'a.vcl': 'sub a { }\n', 'b.vcl': 'sub b { }\n' });
    const run = await activate(sid, dir);

    expect(run.code).toBe(0);
    const order = ctx.fake.requests.map(r => `${r.method} ${r.path.replace(/\?.*/, '')}`);
    // Every lint request reached Fastly before the base's VCL was asked for, which follows the service's details.
    const listed = order.indexOf(`GET /service/${sid}/version/2/vcl`);
    expect(order.slice(0, listed).filter(r => r.endsWith('/lint'))).toHaveLength(3);
    // 1 details (+ token, lint) · 2 base VCL · 3 clone · 4–6 three uploads · 7 comment, validate, diff · 8 guard · 9 activate:
    // the uploads are one write each; with one changed file it is 7.
    expect(order).toHaveLength(3 + 1 + 1 + 1 + 1 + 3 + 3 + 1 + 1);
  });
});

describe('an empty plan deploys nothing', () => {
  it('vcl-files as live: no clone, no activation, status unchanged, the summary says it is already live, exit 0', async () => {
    const sid = service();
    const dir = workspace({ 'main.vcl': LIVE_MAIN });
    const run = await activate(sid, dir);

    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toEqual([]);
    expect(ctx.fake.service(sid).versions).toHaveLength(2);
    expect(ctx.fake.requests.map(r => `${r.method} ${r.path.replace(/\?.*/, '')}`).sort()).toEqual(
      ['GET /tokens/self', `GET /service/${sid}/details`, `POST /service/${sid}/lint`, `GET /service/${sid}/version/2/vcl`].sort()
    );
    expect(JSON.parse(run.outputs.result ?? '{}').services[0]).toMatchObject({ status: 'unchanged', previousVersion: 2, activeVersion: 2, newVersion: null });
    expect(run.outputs.version).toBe('2');
    const summary = readable(run.summary);
    expect(summary).toContain('### ✅ Fastly activate: already live: version 2 on production has it all, nothing was cloned or activated');
    expect(summary).toContain('Already live: every VCL file is as version 2 on production has it');
  });

  it('the same in a dry run: the plan says already live', async () => {
    const sid = service();
    const dir = workspace({ 'main.vcl': LIVE_MAIN });
    const run = await activate(sid, dir, { 'dry-run': 'true' });

    expect(run.code).toBe(0);
    expect(readable(run.summary)).toContain('### 🧪 Fastly activate (dry run): already live: nothing to deploy');
    expect(run.outputs['plan-digest']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a draft with the same VCL as live is still activated: the plan starts from another version', async () => {
    serial += 1;
    const sid = `LINT${serial}SERVICE`;
    const vcls = [{ name: 'main', content: LIVE_MAIN, main: true }];
    ctx.fake.addService({ id: sid, name: `lint-${serial}`, versions: [{ vcls, active: true }, { vcls }] });
    const dir = workspace({ 'main.vcl': LIVE_MAIN });
    const run = await activate(sid, dir, { version: 'latest' });

    expect(run.code).toBe(0);
    expect(ctx.fake.service(sid).activeVersion).toBe(3);
  });

  it("shows a hostile lint message and file name as text: no workflow command, no HTML, the annotation's file escaped", async () => {
    const sid = service();
    const message = 'Bad thing\n::warning::pwned <img src=x onerror=alert(1)> %0A::error::injected\nat: (input Line 2 Pos 1)';
    ctx.fake.fault({ method: 'POST', path: `/service/${sid}/lint`, kind: 'status', status: 200, body: { status: 'error', msg: 'error', errors: [message], warnings: [] } });
    const dir = workspace({ 'odd,name::x.vcl': NEW_MAIN });
    const run = await activate(sid, dir, { 'vcl-main': 'odd,name::x' });

    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toEqual([]);
    const lines = run.stdout.split('\n');
    expect(lines.filter(line => line.startsWith('::warning::pwned') || line.startsWith('::error::injected'))).toEqual([]);
    expect(run.stdout).toContain('::error file=vcl/odd%2Cname%3A%3Ax.vcl,line=2,col=1::');
    expect(run.summary).not.toContain('<img');
    expect(readable(run.summary)).toContain('::warning::pwned <img src=x onerror=alert(1)> %0A::error::injected');
  });
});
