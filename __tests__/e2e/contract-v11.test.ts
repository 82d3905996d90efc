import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { useFakeGitHub } from '../fake-github/use-fake.js';
import { TOKEN, activeService, useFakeFastly } from './e2e-fake.js';
import { type ActionRun, readable, runAction, scratch } from './run-action.js';
import { useTestOrigin } from './test-origin.js';

/** The v1.1 rules no other file proves through dist/: each asserts what a workflow sees and what reached Fastly or GitHub. */
const ctx = useFakeFastly();
const origin = useTestOrigin();
const REPO = 'acme/site';
const BOT_TOKEN = 'ghs_contract_v11_bot_token';
const READ_ONLY_TOKEN = 'ghs_contract_v11_read_only';
const PR = 21;
const HEAD_SHA = '9'.repeat(40);
const github = useFakeGitHub(fake => {
  fake.addToken({ token: BOT_TOKEN });
  fake.addToken({ token: READ_ONLY_TOKEN, write: false });
  fake.addRepo(REPO);
  fake.addPullRequest(REPO, { number: PR, headSha: HEAD_SHA, state: 'open' });
});

const result = (run: ActionRun) => JSON.parse(run.outputs.result ?? '{}');
const versionUrl = (sid: string, version: number) => `https://manage.fastly.com/configure/services/${sid}/versions/${version}`;
let serial = 0;
const next = () => (serial += 1);

function runContext(event: 'pull_request' | 'push', extra: Record<string, string> = {}): Record<string, string> {
  const payload = join(scratch(), 'event.json');
  writeFileSync(payload, JSON.stringify(event === 'push' ? { ref: 'refs/heads/main' } : { pull_request: { number: PR, head: { sha: HEAD_SHA } } }));
  return {
    GITHUB_REPOSITORY: REPO,
    GITHUB_SHA: '8'.repeat(40),
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: payload,
    GITHUB_API_URL: github.fake.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '500',
    GITHUB_WORKFLOW: 'preview',
    GITHUB_TOKEN: BOT_TOKEN,
    ...extra
  };
}

/** A dictionary on a service of its own, one item off the wanted state. */
function dictionaryOff(): string {
  const sid = activeService(ctx.fake, 'CV11D');
  ctx.fake.addDictionary(sid, { name: 'redirects', items: { '/old': '/a' } });
  return sid;
}
const dictionaryInputs = (sid: string, extra: Record<string, string> = {}) =>
  ctx.inputs({ 'api-token': TOKEN, mode: 'update-dictionary', 'service-id': sid, dictionary: 'redirects', items: '{"/old": "/b"}', ...extra });
const planComments = () => github.fake.comments(REPO, PR).filter(c => c.body.startsWith('<!-- fastly-deploy-action plan: '));

describe('github-token', () => {
  it('the input, not the job token, is what GitHub is asked with: a read-only GITHUB_TOKEN beside a writing github-token still comments', async () => {
    const sid = dictionaryOff();
    const run = await runAction(dictionaryInputs(sid, { 'dry-run': 'true', 'github-token': BOT_TOKEN }), runContext('pull_request', { GITHUB_TOKEN: READ_ONLY_TOKEN }));
    expect(run.code).toBe(0);
    expect(run.warnings).toEqual([]);
    const [comment, ...others] = planComments();
    expect(others).toEqual([]);
    expect(run.outputs['plan-comment-url']).toBe(comment?.html_url);
    expect(github.fake.requests.map(r => r.headers.authorization)).toEqual(github.fake.requests.map(() => `token ${BOT_TOKEN}`));
  });
});

describe('plan-comment: one comment per mode and target, whichever workflow writes it', () => {
  it('another target gets a comment of its own; another workflow on the same target updates that one; another mode on it gets its own', async () => {
    const first = dictionaryOff();
    const other = dictionaryOff();
    const review = (sid: string, extra: Record<string, string> = {}) => runAction(dictionaryInputs(sid, { 'dry-run': 'true' }), runContext('pull_request', extra));

    const a = await review(first);
    const b = await review(other);
    expect([a.code, b.code]).toEqual([0, 0]);
    const [forFirst, forOther, ...more] = planComments();
    expect(more).toEqual([]);
    expect(forFirst?.body.split('\n')[0]).toBe(`<!-- fastly-deploy-action plan: update-dictionary ${first}%2Fredirects -->`);
    expect(forOther?.body.split('\n')[0]).toBe(`<!-- fastly-deploy-action plan: update-dictionary ${other}%2Fredirects -->`);
    expect(a.outputs['plan-comment-url']).toBe(forFirst?.html_url);
    expect(b.outputs['plan-comment-url']).toBe(forOther?.html_url);

    const again = await review(first, { GITHUB_WORKFLOW: 'another workflow', GITHUB_RUN_ID: '501' });
    expect(again.code).toBe(0);
    expect(planComments().map(c => c.id)).toEqual([forFirst?.id, forOther?.id]);
    expect(planComments()[0]?.body).toContain('actions/runs/501');
    expect(again.outputs['plan-comment-url']).toBe(forFirst?.html_url);

    const vcl = scratch();
    writeFileSync(join(vcl, 'main.vcl'), 'sub vcl_recv { set req.http.X-Build = "2"; }\n');
    const activate = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'activate', 'service-id': first, 'vcl-files': join(vcl, '*.vcl'), 'dry-run': 'true' }), runContext('pull_request'));
    expect(activate.code).toBe(0);
    const all = planComments();
    expect(all).toHaveLength(3);
    expect(all[2]?.body.split('\n')[0]).toBe(`<!-- fastly-deploy-action plan: activate ${first} -->`);
    expect(github.fake.writes().map(r => r.method)).toEqual(['POST', 'POST', 'PATCH', 'POST']);
    expect(ctx.fake.writes()).toEqual([]);
  });

  it('auto on a push: a dry run writes no comment and asks GitHub nothing', async () => {
    const sid = dictionaryOff();
    const run = await runAction(dictionaryInputs(sid, { 'dry-run': 'true' }), runContext('push'));
    expect(run.code).toBe(0);
    expect(run.warnings).toEqual([]);
    expect(github.fake.requests).toEqual([]);
    expect(run.outputs['plan-comment-url']).toBe('');
    expect(run.outputs['plan-digest']).toMatch(/^[0-9a-f]{64}$/);
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({ '/old': '/a' });
  });
});

describe('allow-empty in update-dictionary', () => {
  it('with delete-missing, an empty wanted state is refused with zero requests, and empties the dictionary only when allow-empty is true', async () => {
    const sid = activeService(ctx.fake, 'CV11E');
    ctx.fake.addDictionary(sid, { name: 'redirects', items: { a: '1', b: '2' } });
    const base = { 'api-token': TOKEN, mode: 'update-dictionary', 'service-id': sid, dictionary: 'redirects', items: '{"a": null}', 'delete-missing': 'true' };

    const refused = await runAction(ctx.inputs(base));
    expect(refused.code).toBe(1);
    expect(refused.errors).toEqual([
      "Input 'delete-missing' is 'true' but 'items' and 'items-file' keep no key, so every item in the store would be deleted; set 'allow-empty: true' if emptying it is meant"
    ]);
    expect(ctx.fake.requests).toHaveLength(0);
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({ a: '1', b: '2' });

    const emptied = await runAction(ctx.inputs({ ...base, 'allow-empty': 'true' }));
    expect(emptied.code).toBe(0);
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({});
    expect(result(emptied)).toMatchObject({ ok: true, stores: [{ kind: 'dictionary', status: 'synced', deleted: 2, after: 0 }] });
  });
});

describe('an empty plan deploys nothing, in the stores no other file checks', () => {
  it('update-config-store: the wanted state already live sends no write, exits 0 and says it is already live', async () => {
    const name = `cfg-${next()}`;
    const id = ctx.fake.addConfigStore({ name, items: { beta: 'on', legacy: 'off' } });
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'update-config-store', 'service-id': '', 'config-store': name, items: '{"beta": "on", "gone": null}' }));
    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toEqual([]);
    expect(ctx.fake.configStoreItems(id)).toEqual({ beta: 'on', legacy: 'off' });
    expect(readable(run.summary)).toContain(`config store '${name}' already live: nothing differs, 2 unchanged`);
    expect(result(run)).toMatchObject({ ok: true, stores: [{ kind: 'config-store', created: 0, updated: 0, deleted: 0, unchanged: 2, batches: 0 }] });
  });

  it('update-acl on a Compute ACL: entries as live send no PATCH, exit 0 and say it is already live', async () => {
    const name = `cacl-${next()}`;
    const id = ctx.fake.addComputeAcl({ name, entries: { '192.0.2.0/24': 'BLOCK', '2001:db8::/32': 'ALLOW' } });
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'update-acl', 'service-id': '', 'compute-acl': name, entries: '2001:db8::/32 ALLOW\n192.0.2.0/24 BLOCK # the office' }));
    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toEqual([]);
    expect(ctx.fake.computeAclEntries(id)).toEqual({ '192.0.2.0/24': 'BLOCK', '2001:db8::/32': 'ALLOW' });
    expect(readable(run.summary)).toContain(`Compute ACL '${name}' already live: nothing differs, 2 unchanged`);
  });
});

describe('update-acl: entries and entries-file combined', () => {
  it('the wanted state is both together: one PATCH creating the entries of each', async () => {
    const sid = activeService(ctx.fake, 'CV11A');
    const aclId = ctx.fake.addAcl(sid, { name: 'blocklist', entries: [] });
    const file = join(scratch(), 'acl.txt');
    writeFileSync(file, '# from the file\n198.51.100.0/24 # file\n');
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'update-acl', 'service-id': sid, acl: 'blocklist', entries: '!203.0.113.7 # inline', 'entries-file': file }));
    expect(run.code).toBe(0);
    const patches = ctx.fake.writes().filter(r => r.method === 'PATCH');
    expect(patches.map(r => r.path)).toEqual([`/service/${sid}/acl/${aclId}/entries`]);
    const ops = JSON.parse(patches[0]?.body ?? '{}').entries as { ip: string }[];
    expect(ops.map(op => op.ip).sort()).toEqual(['198.51.100.0', '203.0.113.7']);
    const live = ctx.fake.aclEntries(sid, 'blocklist').map(({ ip, subnet, negated, comment }) => ({ ip, subnet, negated, comment }));
    expect(live).toEqual(expect.arrayContaining([
      { ip: '198.51.100.0', subnet: 24, negated: false, comment: 'file' },
      // A bare address is the host alone, whichever way its prefix is written.
      expect.objectContaining({ ip: '203.0.113.7', negated: true, comment: 'inline' })
    ]));
    expect(live).toHaveLength(2);
  });
});

describe("version: staged with clone: true", () => {
  it('clones the version on staging (not the active one) and activates the clone on production', async () => {
    const id = `CV11STG${next()}SVC`;
    const live = [{ name: 'main', content: 'sub vcl_recv { }\n', main: true }];
    const staged = [{ name: 'main', content: 'sub vcl_recv { set req.http.X-Staged = "1"; }\n', main: true }];
    ctx.fake.addService({ id, name: `stg-${serial}`, versions: [{ vcls: live, active: true, locked: true }, { vcls: staged, staging: true, locked: true }] });
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'activate', 'service-id': id, version: 'staged' }));
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    const writes = ctx.fake.writes().map(r => `${r.method} ${r.path}`);
    expect(writes[0]).toBe(`PUT /service/${id}/version/2/clone`);
    expect(writes.filter(w => w.includes('/activate'))).toEqual([`PUT /service/${id}/version/3/activate`]);
    expect(ctx.fake.service(id).activeVersion).toBe(3);
    expect(ctx.fake.service(id).versions[2]?.vcls?.[0]?.content).toContain('X-Staged');
    expect(run.outputs.version).toBe('3');
    expect(run.outputs['previous-version']).toBe('1');
  });
});

describe('version-url on production', () => {
  it('names the clone now active after an activation', async () => {
    const sid = activeService(ctx.fake, 'CV11U');
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'activate', 'service-id': sid }));
    expect(run.code).toBe(0);
    expect(ctx.fake.service(sid).activeVersion).toBe(3);
    expect(run.outputs['version-url']).toBe(versionUrl(sid, 3));
  });

  it('names the restored version after a failed health check rolled back', async () => {
    const sid = activeService(ctx.fake, 'CV11R');
    origin.answer = (_req, res) => void res.writeHead(503).end('down');
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'activate', 'service-id': sid, 'health-check-url': origin.url, 'health-check-timeout': '2' }));
    expect(run.code).toBe(1);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    expect(run.outputs['rolled-back']).toBe('true');
    expect(run.outputs.version).toBe('2');
    expect(run.outputs['version-url']).toBe(versionUrl(sid, 2));
  });
});
