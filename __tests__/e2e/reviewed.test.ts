import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { MERGED_PR, useMergedPullRequest } from '../fake-github/use-fake.js';
import { cliEntries, expectedFilesHash, packageBytes, writePackage } from '../packages.js';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { type ActionRun, expectNoStackTrace, readable, runAction, scratch } from './run-action.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const fastly = useFakeFastly();
const { repo: REPO, headSha: HEAD_SHA, mergeSha: MERGE_SHA } = MERGED_PR;
const BOT_TOKEN = 'ghs_workflow_bot_token';
const FORK_TOKEN = 'ghs_fork_read_only_token';
const PR = 7;
const TEST_MERGE_SHA = 'b'.repeat(40);
const STRAY_SHA = 'd'.repeat(40);
const github = useMergedPullRequest(PR, BOT_TOKEN, fake => fake.addToken({ token: FORK_TOKEN, write: false }));

const LIVE_MAIN = 'sub vcl_recv {\n  set req.http.X-Version = "1";\n}\n';
const NEW_MAIN = 'sub vcl_recv {\n  set req.http.X-Version = "2";\n}\n';

let serial = 0;
/** Versions 1 (locked), 2 (active) and 3 (a draft another deploy may activate), each with main.vcl as LIVE_MAIN. */
function service(): string {
  serial += 1;
  const id = `REV${serial}SERVICE`;
  const vcls = [{ name: 'main', content: LIVE_MAIN, main: true }];
  fastly.fake.addService({ id, name: `rev-${serial}`, versions: [{ vcls, locked: true }, { vcls, active: true }, { vcls }] });
  return id;
}

function workspace(main: string): string {
  const dir = scratch();
  mkdirSync(join(dir, 'vcl'));
  writeFileSync(join(dir, 'vcl', 'main.vcl'), main);
  return dir;
}

function context(event: 'pull_request' | 'push', extra: Record<string, string> = {}): Record<string, string> {
  const payload = join(scratch(), 'event.json');
  writeFileSync(payload, JSON.stringify(event === 'pull_request' ? { pull_request: { number: PR, head: { sha: HEAD_SHA } } } : { ref: 'refs/heads/main' }));
  return {
    GITHUB_REPOSITORY: REPO,
    GITHUB_SHA: event === 'pull_request' ? TEST_MERGE_SHA : MERGE_SHA,
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: payload,
    GITHUB_API_URL: github.fake.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: event === 'pull_request' ? '100' : '200',
    GITHUB_ACTOR: 'octocat',
    GITHUB_TOKEN: BOT_TOKEN,
    ...extra
  };
}

function activate(sid: string, dir: string, inputs: Record<string, string>, env: Record<string, string>): Promise<ActionRun> {
  return runAction(fastly.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, 'vcl-files': join(dir, 'vcl', '*.vcl'), ...inputs }), { GITHUB_WORKSPACE: dir, ...env });
}

const reviewRun = (sid: string, dir: string, env: Record<string, string> = {}) => activate(sid, dir, { 'dry-run': 'true' }, context('pull_request', env));
const deployRun = (sid: string, dir: string, env: Record<string, string> = {}) => activate(sid, dir, { 'require-reviewed-plan': 'true' }, context('push', env));

const planComments = () => github.fake.comments(REPO, PR).filter(c => c.body.startsWith('<!-- fastly-deploy-action plan: activate '));

/** Fastly was only read (lint changes nothing): no version was made or activated. */
function expectZeroWrites(sid: string): void {
  expect(fastly.fake.writes()).toEqual([]);
  expect(fastly.fake.service(sid).versions).toHaveLength(3);
  expect(fastly.fake.service(sid).activeVersion).toBe(2);
}

describe('the plan on the pull request', () => {
  it('a dry run on a pull request writes one comment; a later run updates that same comment in place', async () => {
    const sid = service();
    const dir = workspace(NEW_MAIN);
    const first = await reviewRun(sid, dir);

    expect(first.code).toBe(0);
    expectZeroWrites(sid);
    const [comment, ...others] = planComments();
    expect(others).toEqual([]);
    expect(comment?.user).toEqual({ login: 'github-actions[bot]', type: 'Bot' });
    const body = comment?.body ?? '';
    expect(body.split('\n')[0]).toBe(`<!-- fastly-deploy-action plan: activate ${sid} -->`);
    expect(body).toContain(`rev-${serial} (${sid}): clone from version 2, active on production: VCL 1 updated; lint passed`);
    expect(body).toMatch(/<details><summary>VCL of REV\d+SERVICE: the repository against version 2<\/summary>[\s\S]*\+ {2}set req\.http\.X-Version = "2";/);
    expect(body).toContain(`Plan digest <code>${first.outputs['plan-digest']}</code>`);
    expect(body).toContain('<a href="https://github.com/acme/site/actions/runs/100">this run</a>');
    expect(first.outputs['plan-comment-url']).toBe(comment?.html_url);
    expect(readable(first.summary)).toContain(`The plan is written on pull request #${PR}.`);

    const second = await reviewRun(sid, dir, { GITHUB_RUN_ID: '101' });
    expect(second.code).toBe(0);
    const after = planComments();
    expect(after.map(c => c.id)).toEqual([comment?.id]);
    expect(after[0]?.body).toContain('actions/runs/101');
    expect(github.fake.writes().map(r => r.method)).toEqual(['POST', 'PATCH']);
    expect(second.outputs['plan-digest']).toBe(first.outputs['plan-digest']);
    expect(second.outputs['plan-comment-url']).toBe(comment?.html_url);
  });

  it('a read-only token (a fork) cannot comment: a warning names the permission, the plan stays in the summary, exit 0', async () => {
    const sid = service();
    const run = await reviewRun(sid, workspace(NEW_MAIN), { GITHUB_TOKEN: FORK_TOKEN });

    expect(run.code).toBe(0);
    expect(planComments()).toEqual([]);
    expect(run.warnings.join('\n')).toMatch(/The plan was not written on pull request #7, it stays in this job summary: .*HTTP 403.*'permissions: pull-requests: write'/);
    expect(readable(run.summary)).toContain('Repository VCL against version 2');
    expect(run.outputs['plan-comment-url']).toBe('');
  });

  it('plan-comment: false writes no comment and calls GitHub not at all', async () => {
    const sid = service();
    const run = await activate(sid, workspace(NEW_MAIN), { 'dry-run': 'true', 'plan-comment': 'false' }, context('pull_request'));

    expect(run.code).toBe(0);
    expect(github.fake.requests).toEqual([]);
    expect(run.outputs['plan-digest']).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('deploy only what was reviewed', () => {
  it('the same plan deploys, printing the same digest and linking the comment', async () => {
    const sid = service();
    const dir = workspace(NEW_MAIN);
    const review = await reviewRun(sid, dir);
    const deploy = await deployRun(sid, dir);

    expect(deploy.code).toBe(0);
    expect(fastly.fake.service(sid).activeVersion).toBe(4);
    expect(deploy.outputs['plan-digest']).toBe(review.outputs['plan-digest']);
    expect(deploy.stdout).toContain(`Plan digest: ${review.outputs['plan-digest']} (This is the plan reviewed on pull request #${PR}: same digest.)`);
    expect(deploy.outputs['plan-comment-url']).toBe(review.outputs['plan-comment-url']);
    expect(github.fake.requests.filter(r => r.method === 'GET').map(r => r.path.replace(/\?.*/, ''))).toEqual([
      `/repos/${REPO}/issues/${PR}/comments`,
      `/repos/${REPO}/commits/${MERGE_SHA}/pulls`,
      `/repos/${REPO}/issues/${PR}/comments`
    ]);
  });

  it('production moved since the review: refused with zero writes, saying so and linking the comment', async () => {
    const sid = service();
    const dir = workspace(NEW_MAIN);
    const review = await reviewRun(sid, dir);
    fastly.fake.activate(sid, 3);
    const deploy = await deployRun(sid, dir);

    expect(deploy.code).toBe(1);
    expect(fastly.fake.writes()).toEqual([]);
    expect(fastly.fake.service(sid).versions).toHaveLength(3);
    expect(fastly.fake.service(sid).activeVersion).toBe(3);
    const error = deploy.errors.at(-1) ?? '';
    expect(error).toContain(`production of ${sid} moved from version 2 to version 3 since the review`);
    expect(error).toContain(review.outputs['plan-comment-url'] ?? 'no url');
    expect(error).toMatch(/^Refusing to deploy with require-reviewed-plan: this plan \(digest [0-9a-f]{12}\) is not the one reviewed on pull request #7/);
    expect(deploy.outputs['plan-digest']).not.toBe(review.outputs['plan-digest']);
    expect(deploy.outputs['plan-comment-url']).toBe(review.outputs['plan-comment-url']);
    expectNoStackTrace(deploy);
  });

  it('a VCL file that differs from the reviewed one: refused with zero writes, naming the file', async () => {
    const sid = service();
    await reviewRun(sid, workspace(NEW_MAIN));
    const dir = workspace(NEW_MAIN.replace('"2"', '"3"'));
    const deploy = await deployRun(sid, dir);

    expect(deploy.code).toBe(1);
    expectZeroWrites(sid);
    expect(deploy.errors.at(-1)).toContain(`: ${join(dir, 'vcl', 'main.vcl')} differs from what was reviewed. Re-run the pull request's workflow`);
  });

  it('no plan comment on the pull request: refused, saying how to get one', async () => {
    const sid = service();
    const deploy = await deployRun(sid, workspace(NEW_MAIN));

    expect(deploy.code).toBe(1);
    expectZeroWrites(sid);
    expect(deploy.errors.at(-1)).toBe(
      `Refusing to deploy with require-reviewed-plan: pull request #7 has no plan comment for mode 'activate' on ${sid}; ` +
        "run the pull request's workflow with dry-run: true and plan-comment: auto (it writes the plan comment), review it, then merge. Nothing was written."
    );
  });

  it('a commit from no pull request: refused, saying how to deploy a reviewed one', async () => {
    const sid = service();
    const deploy = await deployRun(sid, workspace(NEW_MAIN), { GITHUB_SHA: STRAY_SHA });

    expect(deploy.code).toBe(1);
    expectZeroWrites(sid);
    expect(deploy.errors.at(-1)).toContain(`Commit ${STRAY_SHA.slice(0, 7)} came from no pull request of acme/site that GitHub knows. Deploy with require-reviewed-plan from the push that merges a reviewed pull request`);
  });

  it('a marked comment written by a person does not count as reviewed', async () => {
    const sid = service();
    const dir = workspace(NEW_MAIN);
    await reviewRun(sid, dir);
    const [bot] = planComments();
    github.fake.reset();
    github.fake.addComment(REPO, PR, { body: bot?.body ?? '', login: 'mallory', type: 'User' });
    const deploy = await deployRun(sid, dir);

    expect(deploy.code).toBe(1);
    expectZeroWrites(sid);
    expect(deploy.errors.at(-1)).toContain('has no plan comment');
  });

  it('nothing to deploy needs no review: already live, exit 0, GitHub not asked', async () => {
    const sid = service();
    const deploy = await deployRun(sid, workspace(LIVE_MAIN));

    expect(deploy.code).toBe(0);
    expectZeroWrites(sid);
    expect(github.fake.requests).toEqual([]);
    expect(readable(deploy.summary)).toContain('Nothing differs from what is live, so nothing is written and no reviewed plan was needed.');
  });
});

/**
 * A module hook that lists every module the action loads into `log`: whether
 * dist/'s @actions/github chunk (octokit, undici) was loaded shows there.
 */
function moduleLog(): { readonly env: Record<string, string>; loaded(): string[] } {
  const dir = scratch();
  const log = join(dir, 'modules.txt');
  writeFileSync(log, '');
  writeFileSync(join(dir, 'hooks.mjs'), [
    "import { appendFileSync } from 'node:fs';",
    'export async function resolve(specifier, context, next) {',
    '  const resolved = await next(specifier, context);',
    `  appendFileSync(${JSON.stringify(log)}, resolved.url + '\\n');`,
    '  return resolved;',
    '}'
  ].join('\n'));
  writeFileSync(join(dir, 'register.mjs'), "import { register } from 'node:module';\nregister(new URL('./hooks.mjs', import.meta.url));\n");
  return {
    env: { NODE_OPTIONS: `--import=${pathToFileURL(join(dir, 'register.mjs')).href}` },
    loaded: () => readFileSync(log, 'utf8').split('\n').filter(Boolean)
  };
}

describe('@actions/github is loaded only by runs that call GitHub', () => {
  const chunks = (urls: readonly string[]) => urls.filter(url => /\/dist\/\d+\.index\.js$/.test(url)).map(url => url.replace(/^.*\/dist\//, ''));
  const octokitChunk = readdirSync(join(ROOT, 'dist')).filter(name => /^\d+\.index\.js$/.test(name) && readFileSync(join(ROOT, 'dist', name), 'utf8').includes('octokit'));

  it('a purge run never loads it; a run that writes the plan comment does', async () => {
    expect(octokitChunk.length).toBeGreaterThan(0);
    const purge = moduleLog();
    const purged = await runAction(fastly.inputs({ mode: 'purge-keys', keys: 'home' }), { ...context('pull_request'), ...purge.env });
    expect(purged.code).toBe(0);
    expect(purge.loaded().some(url => url.endsWith('/dist/index.js'))).toBe(true);
    expect(chunks(purge.loaded()).filter(name => octokitChunk.includes(name))).toEqual([]);

    const commenting = moduleLog();
    const sid = service();
    const reviewed = await activate(sid, workspace(NEW_MAIN), { 'dry-run': 'true' }, { ...context('pull_request'), ...commenting.env });
    expect(reviewed.code).toBe(0);
    expect(planComments()).toHaveLength(1);
    expect(chunks(commenting.loaded()).filter(name => octokitChunk.includes(name)).length).toBeGreaterThan(0);
  });
});

describe('activate with package plugs into the same plan', () => {
  it('the package before and after on the pull request; another package at deploy time is refused with zero writes', async () => {
    serial += 1;
    const sid = `REVC${serial}SERVICE`;
    const live = cliEntries({ name: 'edge-app', language: 'rust', wasm: 'live wasm' });
    const reviewedPackage = cliEntries({ name: 'edge-app', language: 'rust', wasm: 'reviewed wasm' });
    fastly.fake.addService({ id: sid, name: `edge-${serial}`, type: 'wasm', versions: [{ locked: true }, { active: true }] });
    fastly.fake.setPackage(sid, 2, await packageBytes(live));
    const inputs = { mode: 'activate', 'api-token': TOKEN, 'service-id': sid };
    const path = await writePackage(reviewedPackage);
    const review = await runAction(fastly.inputs({ ...inputs, package: path, 'dry-run': 'true' }), context('pull_request'));

    expect(review.code).toBe(0);
    const body = planComments()[0]?.body ?? '';
    expect(body).toContain(`edge-${serial} (${sid}): clone from version 2, active on production: upload the package (files hash ${expectedFilesHash(live).slice(0, 12)} → ${expectedFilesHash(reviewedPackage).slice(0, 12)})`);
    expect(body).toContain(`<code>${expectedFilesHash(reviewedPackage)}</code>`);

    const other = await writePackage(cliEntries({ name: 'edge-app', language: 'rust', wasm: 'something else' }));
    const refused = await runAction(fastly.inputs({ ...inputs, package: other, 'require-reviewed-plan': 'true' }), context('push'));
    expect(refused.code).toBe(1);
    expect(fastly.fake.writes()).toEqual([]);
    expect(refused.errors.at(-1)).toContain(`the package ${other} differs from what was reviewed`);

    const deployed = await runAction(fastly.inputs({ ...inputs, package: path, 'require-reviewed-plan': 'true' }), context('push'));
    expect(deployed.code).toBe(0);
    expect(deployed.outputs['plan-digest']).toBe(review.outputs['plan-digest']);
    expect(fastly.fake.service(sid).activeVersion).toBe(3);
  });
});

describe('the items modes plug into the same plan', () => {
  it('3 more items than reviewed: refused with zero writes, counting them', async () => {
    const sid = service();
    fastly.fake.addDictionary(sid, { name: 'redirects', items: { '/a': '/x' } });
    const inputs = { mode: 'update-dictionary', 'api-token': TOKEN, 'service-id': sid, dictionary: 'redirects' };
    const review = await runAction(fastly.inputs({ ...inputs, items: '{"/a": "/y"}', 'dry-run': 'true' }), context('pull_request'));
    expect(review.code).toBe(0);
    const [comment] = github.fake.comments(REPO, PR);
    expect(comment?.body.split('\n')[0]).toBe(`<!-- fastly-deploy-action plan: update-dictionary ${sid}%2Fredirects -->`);
    expect(comment?.body).toContain(`Edge dictionary redirects (${sid}): 1 item: 1 to update, 0 unchanged`);

    const deploy = await runAction(fastly.inputs({ ...inputs, items: '{"/a": "/y", "/b": "1", "/c": "2", "/d": "3"}', 'require-reviewed-plan': 'true' }), context('push'));
    expect(deploy.code).toBe(1);
    expect(fastly.fake.writes()).toEqual([]);
    expect(fastly.fake.dictionaryItems(sid, 'redirects')).toEqual({ '/a': '/x' });
    expect(deploy.errors.at(-1)).toContain("3 more item changes than reviewed; keys that differ: '/b' (create, not reviewed), '/c' (create, not reviewed), '/d' (create, not reviewed)");

    const same = await runAction(fastly.inputs({ ...inputs, items: '{"/a": "/y"}', 'require-reviewed-plan': 'true' }), context('push'));
    expect(same.code).toBe(0);
    expect(same.outputs['plan-digest']).toBe(review.outputs['plan-digest']);
    expect(fastly.fake.dictionaryItems(sid, 'redirects')).toEqual({ '/a': '/y' });
  });

  it('a plan too large to keep in the comment keeps its digest, and the deploy is checked against that', async () => {
    const sid = service();
    fastly.fake.addDictionary(sid, { name: 'redirects', items: {} });
    const wanted = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`/page-${i}`, `/new-${i}`]));
    const inputs = { mode: 'update-dictionary', 'api-token': TOKEN, 'service-id': sid, dictionary: 'redirects' };
    const review = await runAction(fastly.inputs({ ...inputs, items: JSON.stringify(wanted), 'dry-run': 'true' }), context('pull_request'));
    expect(review.code).toBe(0);
    const blob = /plan-data: ([A-Za-z0-9+/=]*) -->/.exec(github.fake.comments(REPO, PR)[0]?.body ?? '')?.[1] ?? '';
    expect(JSON.parse(Buffer.from(blob, 'base64').toString('utf8')).plan).toEqual({ digest: review.outputs['plan-digest'] });

    const other = await runAction(fastly.inputs({ ...inputs, items: JSON.stringify({ ...wanted, '/page-0': '/other' }), 'require-reviewed-plan': 'true' }), context('push'));
    expect(other.code).toBe(1);
    expect(fastly.fake.writes()).toEqual([]);
    expect(other.errors.at(-1)).toContain('its digest differs (the reviewed plan was too large to keep more than its digest in the comment)');

    const same = await runAction(fastly.inputs({ ...inputs, items: JSON.stringify(wanted), 'require-reviewed-plan': 'true' }), context('push'));
    expect(same.code).toBe(0);
    expect(Object.keys(fastly.fake.dictionaryItems(sid, 'redirects'))).toHaveLength(400);
  });

  it('update-acl and update-kv-store plug in too: the plan on the pull request, then only that plan deployed', async () => {
    const sid = service();
    fastly.fake.addAcl(sid, { name: 'blocklist', entries: [{ ip: '192.0.2.0', subnet: 24 }] });
    const acl = { mode: 'update-acl', 'api-token': TOKEN, 'service-id': sid, acl: 'blocklist' };
    const review = await runAction(fastly.inputs({ ...acl, entries: '192.0.2.0/24\n198.51.100.0/24', 'dry-run': 'true' }), context('pull_request'));
    expect(review.code).toBe(0);
    const [comment] = github.fake.comments(REPO, PR);
    expect(comment?.body.split('\n')[0]).toBe(`<!-- fastly-deploy-action plan: update-acl ${sid}%2Fblocklist -->`);
    expect(comment?.body).toContain(`ACL blocklist (${sid}): 1 entry: 1 to create, 1 unchanged`);

    const more = await runAction(fastly.inputs({ ...acl, entries: '192.0.2.0/24\n198.51.100.0/24\n203.0.113.0/24', 'require-reviewed-plan': 'true' }), context('push'));
    expect(more.code).toBe(1);
    expect(fastly.fake.writes()).toEqual([]);
    expect(more.errors.at(-1)).toContain("1 more entry change than reviewed; keys that differ: '203.0.113.0/24' (create, not reviewed)");
    const same = await runAction(fastly.inputs({ ...acl, entries: '192.0.2.0/24\n198.51.100.0/24', 'require-reviewed-plan': 'true' }), context('push'));
    expect(same.code).toBe(0);
    expect(same.outputs['plan-digest']).toBe(review.outputs['plan-digest']);
    expect(fastly.fake.aclEntries(sid, 'blocklist')).toHaveLength(2);

    github.fake.reset();
    const store = fastly.fake.addKvStore({ name: `kv-${serial}`, keys: { a: '1' } });
    const kv = { mode: 'update-kv-store', 'api-token': TOKEN, 'kv-store': store };
    const kvReview = await runAction(fastly.inputs({ ...kv, items: '{"a": "2"}', 'dry-run': 'true' }), context('pull_request'));
    expect(kvReview.code).toBe(0);
    // Another writer changes the key after the review: its generation moves, so the starting state is not the reviewed one.
    await fetch(`${fastly.fake.url}/resources/stores/kv/${store}/keys/a`, { method: 'PUT', headers: { 'Fastly-Key': TOKEN }, body: '3' });
    const moved = await runAction(fastly.inputs({ ...kv, items: '{"a": "2"}', 'require-reviewed-plan': 'true' }), context('push'));
    expect(moved.code).toBe(1);
    expect(moved.errors.at(-1)).toContain(`the items of the KV store '${store}' changed since the review`);
    // The only write is that other writer's.
    expect(fastly.fake.writes().filter(r => r.path.startsWith('/resources/stores/kv/')).map(r => `${r.method} ${r.path}`)).toEqual([`PUT /resources/stores/kv/${store}/keys/a`]);
    expect(fastly.fake.kvStoreKeys(store).a?.value).toBe('3');
  });

  it('no change to the items: the summary says already live and nothing is sent', async () => {
    const sid = service();
    fastly.fake.addDictionary(sid, { name: 'redirects', items: { '/a': '/x' } });
    const run = await runAction(fastly.inputs({ mode: 'update-dictionary', 'api-token': TOKEN, 'service-id': sid, dictionary: 'redirects', items: '{"/a": "/x"}' }));

    expect(run.code).toBe(0);
    expect(fastly.fake.writes()).toEqual([]);
    const summary = readable(run.summary);
    expect(summary).toContain(`### ✅ Fastly update-dictionary: dictionary 'redirects' on ${sid} already live: nothing differs, 1 unchanged`);
    expect(summary).toContain(`Already live: every wanted key is as dictionary 'redirects' on ${sid} has it, so nothing was sent.`);
  });
});
