import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { MERGED_PR, useMergedPullRequest } from '../fake-github/use-fake.js';
import { cliEntries, packageBytes, writePackage } from '../packages.js';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { BIG, HOSTILE, expectHarmless, expectShownAsText } from './hostile.js';
import { type ActionRun, expectNoStackTrace, readable, runAction, scratch } from './run-action.js';
import { useStagingEdge } from './use-staging-edge.js';

const fastly = useFakeFastly();
const staging = useStagingEdge();
const { repo: REPO, headSha: HEAD_SHA, mergeSha: MERGE_SHA } = MERGED_PR;
const BOT_TOKEN = 'ghs_workflow_bot_token';
const PR = 7;
const github = useMergedPullRequest(PR, BOT_TOKEN);

/** What a percent sign in a command's value must not become: a line break the runner decodes. */
const PERCENT = '%0A::warning::p %0D%0A::error::q';
/** The image tag as a reader sees it when it stays text. */
const IMG = '<img src=x onerror=alert(1)>';

let serial = 0;
/** Versions 1 (locked), 2 (active) and 3 (a draft), each with a main VCL. */
function service(): string {
  serial += 1;
  const id = `HV${serial}SERVICE`;
  const vcls = [{ name: 'main', content: 'sub vcl_recv { }\n', main: true }];
  fastly.fake.addService({ id, name: `hv-${serial}`, versions: [{ vcls, locked: true }, { vcls, active: true }, { vcls }] });
  return id;
}

function vclDir(): string {
  const dir = scratch();
  mkdirSync(join(dir, 'vcl'));
  writeFileSync(join(dir, 'vcl', 'main.vcl'), 'sub vcl_recv {\n  set req.http.X-Version = "2";\n}\n');
  return dir;
}

function context(event: 'pull_request' | 'push'): Record<string, string> {
  const payload = join(scratch(), 'event.json');
  writeFileSync(payload, JSON.stringify(event === 'pull_request' ? { pull_request: { number: PR, head: { sha: HEAD_SHA } } } : { ref: 'refs/heads/main' }));
  return {
    GITHUB_REPOSITORY: REPO,
    GITHUB_SHA: event === 'pull_request' ? 'b'.repeat(40) : MERGE_SHA,
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: payload,
    GITHUB_API_URL: github.fake.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '300',
    GITHUB_TOKEN: BOT_TOKEN
  };
}

function activate(sid: string, event: 'pull_request' | 'push', inputs: Record<string, string>): Promise<ActionRun> {
  const dir = vclDir();
  return runAction(fastly.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, 'vcl-files': join(dir, 'vcl', '*.vcl'), ...inputs }), { ...context(event), GITHUB_WORKSPACE: dir });
}

const deploy = (sid: string) => activate(sid, 'push', { 'require-reviewed-plan': 'true' });

/** A plan comment a bot wrote for `sid`: the real marker, then `data` as its plan data line, then `visible`. */
function storedPlan(sid: string, data: string, visible = HOSTILE): void {
  const blob = `<!-- fastly-deploy-action plan-data: ${data} -->`;
  github.fake.addComment(REPO, PR, { body: `<!-- fastly-deploy-action plan: activate ${sid} -->\n${blob}\n\n${visible}`, login: 'github-actions[bot]', type: 'Bot' });
}

const base64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64');
const planData = (sid: string, plan: unknown): string => base64({ mode: 'activate', targets: [sid], plan });

/** Every link in the summary is one plain `<a href="…">`: no attribute or tag slipped in through its address. */
function expectPlainLinks(summary: string): void {
  for (const tag of summary.match(/<a\b[^>]*>/g) ?? []) expect(tag).toMatch(/^<a href="https?:\/\/[^"<>]*">$/);
}

/** A refusal at the gate: exit 1, nothing written to Fastly, the reason in the last `::error::`, no stack. */
function expectRefused(run: ActionRun, sid: string): string {
  expect(run.code).toBe(1);
  expect(fastly.fake.writes()).toEqual([]);
  expect(fastly.fake.service(sid).versions).toHaveLength(3);
  expectNoStackTrace(run);
  expectHarmless(run);
  const error = run.errors.at(-1) ?? '';
  expect(error).toMatch(/^Refusing to deploy with require-reviewed-plan: .*Nothing was written\.$/s);
  return error;
}

describe('the reviewed gate: a stored plan comment with hostile text', () => {
  it('hostile modes, targets, file names, actions and environments in the canonical plan reach the refusal as text', async () => {
    const sid = service();
    const hostile = `${HOSTILE} ${PERCENT} ${TOKEN}`;
    const state = { environment: hostile, active: hostile, base: 2, clone: hostile, files: [{ name: hostile, action: hostile, sha256: hostile }], main: hostile, package: { after: hostile }, error: hostile };
    const canonical = { mode: hostile, parts: [{ kind: 'vcl-service', target: sid, state }, { kind: 'vcl-service', target: hostile, state }, { kind: hostile, target: BIG }] };
    storedPlan(sid, planData(sid, { digest: hostile, canonical }));
    const run = await deploy(sid);

    const error = expectRefused(run, sid);
    // The reviewed values are named, with the token masked and the line breaks shown, not obeyed.
    expect(error).toContain("the reviewed plan is for mode '::error::X\\n::set-output name=a::b\\r\\n::stop-commands::t");
    expect(error).toContain(`${PERCENT} ***`);
    expect(run.stdout).toContain('%250A::warning::p %250D%250A::error::q');
    expect(run.stdout).toContain('\\n::set-output name=a::b\\r\\n::stop-commands::t ##\\[set-output');
    expectShownAsText(run, `${IMG} ${PERCENT} ***`);
    expect(JSON.parse(run.outputs.result ?? '{}').error).toContain(IMG);
  });

  it.each([
    ['plan data that is not base64 JSON', () => base64(`{"mode": "activate", ${HOSTILE}`)],
    ['plan data that is not even base64', () => '!!!'],
    ['a plan that is null', (sid: string) => planData(sid, null)],
    ['a plan that is a string', (sid: string) => planData(sid, HOSTILE)],
    ['a canonical plan that is null', (sid: string) => planData(sid, { canonical: null })],
    ['parts that are not objects', (sid: string) => planData(sid, { canonical: { mode: 'activate', parts: [null, 1, HOSTILE, [HOSTILE]] } })],
    ['values that are objects with no way to become text', (sid: string) => {
      const opaque = { toString: HOSTILE, valueOf: HOSTILE };
      const state = { environment: opaque, active: 2, base: 2, clone: opaque, files: [{ name: opaque, action: opaque, sha256: opaque }], main: opaque };
      return planData(sid, { canonical: { mode: opaque, parts: [{ kind: 'vcl-service', target: sid, state }, { kind: opaque, target: opaque }] } });
    }],
    ['a canonical plan nested 16,000 deep', (sid: string) => base64(`{"mode":"activate","targets":["${sid}"],"plan":{"canonical":${'['.repeat(16_000)}${']'.repeat(16_000)}}}`)]
  ])('%s: refused cleanly, zero writes', async (_, data) => {
    const sid = service();
    storedPlan(sid, data(sid));
    const run = await deploy(sid);

    const error = expectRefused(run, sid);
    expect(error).not.toContain('Unexpected error');
  });

  it('the stored comment\'s address (html_url) reaches the refusal and plan-comment-url as text, and the summary\'s link stays one attribute', async () => {
    const sid = service();
    const url = `https://github.com/acme/site/pull/7#issuecomment-1" onmouseover="alert(1)"><img src=x onerror=alert(1)>\n::error::u ${PERCENT}`;
    const body = `<!-- fastly-deploy-action plan: activate ${sid} -->\n<!-- fastly-deploy-action plan-data: ${planData(sid, { digest: '0'.repeat(64) })} -->`;
    github.fake.fault({ method: 'GET', path: `/repos/${REPO}/issues/${PR}/comments`, status: 200, body: [{ id: 1, html_url: url, body, user: { login: 'github-actions[bot]', type: 'Bot' } }] });
    const run = await deploy(sid);

    const error = expectRefused(run, sid);
    expect(error).toContain(url.replace('\n', '\\n'));
    expect(run.outputs['plan-comment-url']).toBe(url);
    expectPlainLinks(run.summary);
    expect(readable(run.summary)).toContain(`<a href="${url}">the plan comment</a>`);
  });
});

describe('GitHub\'s answers with hostile text', () => {
  const review = (sid: string) => activate(sid, 'pull_request', { 'dry-run': 'true', 'plan-comment': 'true' });

  it.each([403, 422, 500])('a %d from the comments API whose message is hostile: a warning of text, the plan in the summary, exit 0', async status => {
    const sid = service();
    const headers: Record<string, string> = status === 403 ? { 'x-accepted-github-permissions': `issues=write; ::error::h ${IMG} ${PERCENT}` } : {};
    const message = `${HOSTILE} ${PERCENT} ${TOKEN}`;
    github.fake.fault({ method: 'POST', path: `/repos/${REPO}/issues/${PR}/comments`, status, body: { message, errors: [{ message: BIG }] }, headers, times: 10 });
    const run = await review(sid);

    expect(run.code).toBe(0);
    expect(github.fake.comments(REPO, PR)).toEqual([]);
    expectHarmless(run);
    const warning = run.warnings.find(w => w.startsWith(`The plan was not written on pull request #${PR}`)) ?? '';
    expect(warning).toContain(`HTTP ${status}`);
    expect(warning).toContain('(::error::X ::set-output name=a::b ::stop-commands::t ##\\[set-output');
    expect(warning).toContain(`${PERCENT} ***`);
    expect(run.stdout).toContain('%250A::warning::p');
    expectShownAsText(run, `${IMG} ${PERCENT} ***`);
    if (status === 403) expectShownAsText(run, `::error::h ${IMG} ${PERCENT}`);
  });

  it('a hostile html_url for the comment written reaches plan-comment-url as it came, and the summary\'s link as one attribute', async () => {
    const sid = service();
    const url = `https://github.com/acme/site/pull/7#x" onmouseover="alert(1)" x="'><img src=x onerror=alert(1)><!--`;
    github.fake.fault({ method: 'POST', path: `/repos/${REPO}/issues/${PR}/comments`, status: 201, body: { id: 42, html_url: url, body: 'x', user: { login: 'github-actions[bot]', type: 'Bot' } } });
    const run = await review(sid);

    expect(run.code).toBe(0);
    expectHarmless(run);
    expect(run.outputs['plan-comment-url']).toBe(url);
    expectPlainLinks(run.summary);
    expect(readable(run.summary)).toContain(`<a href="${url}">the plan comment</a>`);
  });

  it('an html_url that is not a web address gives no link at all', async () => {
    const sid = service();
    github.fake.fault({ method: 'POST', path: `/repos/${REPO}/issues/${PR}/comments`, status: 201, body: { id: 43, html_url: 'javascript:alert(document.cookie)', body: 'x', user: { login: 'github-actions[bot]', type: 'Bot' } } });
    const run = await review(sid);

    expect(run.code).toBe(0);
    expectHarmless(run);
    expect(run.summary).not.toContain('javascript:');
    expect(run.summary).not.toContain('the plan comment</a>');
  });
});

describe('staging: Fastly\'s domains, staging IPs and the staging edge\'s answers with hostile text', () => {
  const HOST = 'www.example.test';
  const healthUrl = (host = HOST) => `http://${host}:${staging.edge.port}/_health`;
  function stagingService(domains: { name: string; stagingIp?: string | null }[]): string {
    serial += 1;
    const id = `HVSTAGE${serial}SVC`;
    const vcls = [{ name: 'main', content: 'sub vcl_recv { }\n', main: true }];
    fastly.fake.addService({ id, name: `stage-${serial}`, versions: [{ vcls, active: true, locked: true }, { vcls }] });
    fastly.fake.setDomains(id, domains);
    return id;
  }
  const stage = (sid: string, host = HOST) =>
    runAction(fastly.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, environment: 'staging', 'health-check-url': healthUrl(host), 'health-check-timeout': '2' }));
  const activations = () => fastly.fake.writes().filter(r => r.path.includes('activate'));

  it('hostile domain names listed in the "no staging IP" refusal', async () => {
    const sid = stagingService([{ name: HOSTILE, stagingIp: staging.edge.address }, { name: `${IMG}.example.test ${PERCENT} ${TOKEN}`, stagingIp: staging.edge.address }]);
    const run = await stage(sid, 'shop.example.test');

    expect(run.code).toBe(1);
    expect(activations()).toEqual([]);
    expect(staging.edge.seen).toEqual([]);
    expectNoStackTrace(run);
    expectHarmless(run);
    expect(run.errors.at(-1)).toContain('shop.example.test is not a domain of it (its domains are ::error::X\\n::set-output');
    expect(run.errors.at(-1)).toContain(`${IMG}.example.test ${PERCENT} ***`);
    expectShownAsText(run, `${IMG}.example.test ${PERCENT} ***`);
  });

  it('a staging_ip that is no IP is refused, and what Fastly gave is quoted as text', async () => {
    const sid = stagingService([{ name: HOST, stagingIp: `${HOSTILE} ${PERCENT} ${TOKEN}` }]);
    const run = await stage(sid);

    expect(run.code).toBe(1);
    expect(activations()).toEqual([]);
    expect(staging.edge.seen).toEqual([]);
    expectNoStackTrace(run);
    expectHarmless(run);
    const error = run.errors.at(-1) ?? '';
    expect(error).toContain(`No staging IP for ${HOST} on version 3 of ${sid}: Fastly gave no staging IP for ${HOST} (its staging_ip, '::error::X\\n::set-output`);
    expect(error).toContain(`${PERCENT} ***', is not an IP address)`);
    expectShownAsText(run, `${IMG} ${PERCENT} ***', is not an IP address)`);
  });

  it('a staging edge answer with hostile text: the health check\'s Answer column shows its status, the body stays out', async () => {
    const sid = stagingService([{ name: HOST, stagingIp: staging.edge.address }]);
    staging.edge.answer(() => ({ status: 503, body: `${HOSTILE} ${PERCENT} ${TOKEN}` }));
    const run = await stage(sid);

    expect(run.code).toBe(1);
    expect(staging.edge.seen.length).toBeGreaterThan(0);
    expect(fastly.fake.service(sid).stagingVersion).toBeNull();
    expectHarmless(run);
    expect(run.summary).toContain('<th>At</th><th>Answer</th></tr><tr><td>0.0 s</td><td>HTTP 503</td></tr>');
  });

  it('a staging edge whose PURGE answer carries a hostile purge id: purge-ids and the summary hold it as text', async () => {
    const sid = stagingService([{ name: HOST, stagingIp: staging.edge.address }]);
    fastly.fake.activate(sid, 2, 'staging');
    const id = `${HOSTILE} ${PERCENT} ${TOKEN}`;
    staging.edge.answer(() => ({ status: 200, body: JSON.stringify({ status: 'ok', id }) }));
    const url = `http://${HOST}:${staging.edge.port}/a`;
    const run = await runAction(fastly.inputs({ mode: 'purge-urls', 'api-token': TOKEN, 'service-id': sid, environment: 'staging', urls: url }));

    expect(run.code).toBe(0);
    expect(staging.edge.purgedUrls()).toEqual([`${HOST}:${staging.edge.port}/a`]);
    expectHarmless(run);
    expect(JSON.stringify(JSON.parse(run.outputs['purge-ids'] ?? '{}'))).toContain(JSON.stringify(`${HOSTILE} ${PERCENT} ***`).slice(1, -1));
  });
});

describe('Compute: Fastly\'s package metadata with hostile text', () => {
  async function computeService(): Promise<string> {
    serial += 1;
    const id = `HVCMP${serial}SERVICE`;
    fastly.fake.addService({ id, name: `edge-${serial}`, type: 'wasm', versions: [{ locked: true }, { active: true }] });
    fastly.fake.setPackage(id, 2, await packageBytes(cliEntries({ name: 'edge-app', language: 'rust', wasm: 'live wasm' })));
    return id;
  }
  const deployPackage = async (sid: string, extra: Record<string, string> = {}) =>
    runAction(fastly.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, package: await writePackage(cliEntries({ name: 'edge-app', wasm: 'new wasm' })), ...extra }));
  const hostile = `${HOSTILE} ${PERCENT} ${TOKEN}`;

  it.each(['true', 'false'])('the live package\'s name, language, description and hashes as Fastly gives them (dry-run %s)', async dryRun => {
    const sid = await computeService();
    const metadata = { name: hostile, language: hostile, description: BIG, authors: [hostile], size: 1234, hashsum: hostile, files_hash: hostile };
    fastly.fake.fault({ method: 'GET', path: `/service/${sid}/version/2/package`, kind: 'status', status: 200, body: { id: 'pkg', service_id: sid, version: 2, metadata }, times: 5 });
    const run = await deployPackage(sid, { 'dry-run': dryRun });

    expect(run.code).toBe(0);
    expect(fastly.fake.service(sid).activeVersion).toBe(dryRun === 'true' ? 2 : 3);
    expectHarmless(run);
    expect(readable(run.summary)).toMatch(/<th>Before \(version 2\)<\/th>/);
    expectShownAsText(run, `${IMG} ${PERCENT} ***</td>`);
    expect(JSON.parse(run.outputs.result ?? '{}').services[0].package.before.name).toBe(`${HOSTILE} ${PERCENT} ***`);
  });

  it('a blank line in what Fastly says of the live package stays inside its table cell', async () => {
    const sid = await computeService();
    const name = 'edge\n\n# a heading of its own\n\n| a | table |';
    const metadata = { name, language: 'rust', size: 1234, hashsum: 'h', files_hash: 'f' };
    fastly.fake.fault({ method: 'GET', path: `/service/${sid}/version/2/package`, kind: 'status', status: 200, body: { id: 'pkg', service_id: sid, version: 2, metadata }, times: 5 });
    const run = await deployPackage(sid, { 'dry-run': 'true' });

    expect(run.code).toBe(0);
    expectHarmless(run);
    expectShownAsText(run, `<td>Name</td><td>${name}</td>`);
  });

  it('a hostile name and language in the package\'s own fastly.toml, before and after', async () => {
    const sid = await computeService();
    const path = await writePackage(cliEntries({ name: 'edge-app', language: hostile, description: hostile, wasm: 'new wasm' }));
    const run = await runAction(fastly.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, package: path }));

    expect(run.code).toBe(0);
    expect(fastly.fake.service(sid).activeVersion).toBe(3);
    expectHarmless(run);
    expectShownAsText(run, `${IMG} ${PERCENT} ***</td>`);
  });
});
