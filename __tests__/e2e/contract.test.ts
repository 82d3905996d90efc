import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { TOKEN, activeService, useFakeFastly } from './e2e-fake.js';
import { type ActionRun, runAction, scratch } from './run-action.js';

/** The contract's v1.1 outputs and `result` rules, mode by mode, as a workflow reads them. */
const ctx = useFakeFastly();
const result = (run: ActionRun) => JSON.parse(run.outputs.result ?? '{}');
const DIGEST = /^[0-9a-f]{64}$/;

/** The pull request's run and the push's differ in commit, run, actor and version comment: none of it is in the plan. */
const PR_RUN = { GITHUB_SHA: '1'.repeat(40), GITHUB_RUN_ID: '100', GITHUB_ACTOR: 'alice', GITHUB_REPOSITORY: 'acme/site' };
const PUSH_RUN = { GITHUB_SHA: '2'.repeat(40), GITHUB_RUN_ID: '200', GITHUB_ACTOR: 'bob', GITHUB_REPOSITORY: 'acme/site' };

let serial = 0;
const next = () => (serial += 1);

type Setup = () => { inputs: Record<string, string>; live: () => unknown };

const MODES: Record<string, Setup> = {
  activate: () => {
    const sid = activeService(ctx.fake, 'CTRACT');
    const dir = scratch();
    writeFileSync(join(dir, 'main.vcl'), 'sub vcl_recv { set req.http.X-Build = "2"; }\n');
    return { inputs: { mode: 'activate', 'service-id': sid, 'vcl-files': join(dir, '*.vcl') }, live: () => ctx.fake.service(sid).activeVersion };
  },
  'update-dictionary': () => {
    const sid = activeService(ctx.fake, 'CTDICT');
    ctx.fake.addDictionary(sid, { name: 'redirects', items: { old: '/a' } });
    return { inputs: { mode: 'update-dictionary', 'service-id': sid, dictionary: 'redirects', items: '{"new": "/b"}' }, live: () => ctx.fake.dictionaryItems(sid, 'redirects') };
  },
  'update-config-store': () => {
    const name = `cfg-${next()}`;
    const id = ctx.fake.addConfigStore({ name, items: { old: '1' } });
    return { inputs: { mode: 'update-config-store', 'service-id': '', 'config-store': name, items: '{"new": "2"}' }, live: () => ctx.fake.configStoreItems(id) };
  },
  'update-kv-store': () => {
    const name = `kv-${next()}`;
    const id = ctx.fake.addKvStore({ name, keys: { old: '1' } });
    return { inputs: { mode: 'update-kv-store', 'service-id': '', 'kv-store': name, items: '{"new": "2"}' }, live: () => ctx.fake.kvStoreKeys(id) };
  },
  'update-acl': () => {
    const sid = activeService(ctx.fake, 'CTACL');
    ctx.fake.addAcl(sid, { name: 'blocklist', entries: [{ ip: '192.0.2.0', subnet: 24 }] });
    return { inputs: { mode: 'update-acl', 'service-id': sid, acl: 'blocklist', entries: '192.0.2.0/24\n198.51.100.0/24' }, live: () => ctx.fake.aclEntries(sid, 'blocklist') };
  }
};

describe('plan-digest in each of the five configuration modes', () => {
  it.each(Object.keys(MODES))('%s: a dry run sets it; the real run from the same state, in another run with another comment, sets the same one', async mode => {
    const setup = MODES[mode];
    if (!setup) throw new Error(mode);
    const { inputs, live } = setup();
    const before = JSON.stringify(live());
    const dry = await runAction(ctx.inputs({ 'api-token': TOKEN, ...inputs, 'dry-run': 'true', comment: 'reviewed by alice' }), PR_RUN);
    expect(dry.code).toBe(0);
    expect(dry.outputs['plan-digest']).toMatch(DIGEST);
    expect(JSON.stringify(live())).toBe(before);
    expect(dry.stdout).toContain(`Plan digest: ${dry.outputs['plan-digest']}`);

    const real = await runAction(ctx.inputs({ 'api-token': TOKEN, ...inputs, comment: 'deployed by bob' }), PUSH_RUN);
    expect(real.code).toBe(0);
    expect(real.outputs['plan-digest']).toBe(dry.outputs['plan-digest']);
    expect(JSON.stringify(live())).not.toBe(before);

    // What is live moved: the same inputs are another plan now (an empty one).
    const again = await runAction(ctx.inputs({ 'api-token': TOKEN, ...inputs, 'dry-run': 'true' }), PR_RUN);
    expect(again.outputs['plan-digest']).toMatch(DIGEST);
    expect(again.outputs['plan-digest']).not.toBe(dry.outputs['plan-digest']);
  });
});

describe('version-url', () => {
  it('names the version now staged after a staging activation, beside the staged version before', async () => {
    const sid = activeService(ctx.fake, 'CTSTAGE');
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'activate', 'service-id': sid, environment: 'staging' }));
    expect(run.code).toBe(0);
    expect(run.outputs.version).toBe('3');
    expect(run.outputs['version-url']).toBe(`https://manage.fastly.com/configure/services/${sid}/versions/3`);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    const restage = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'activate', 'service-id': sid, environment: 'staging' }));
    expect(restage.outputs['previous-version']).toBe('3');
    expect(restage.outputs['version-url']).toBe(`https://manage.fastly.com/configure/services/${sid}/versions/4`);
  });
});

describe("service-id given to a mode that works on an account's store", () => {
  it.each([
    ['update-kv-store', () => ({ 'kv-store': `kv-${next()}` }), (inputs: Record<string, string>) => ctx.fake.addKvStore({ name: inputs['kv-store'] ?? '' })],
    ['update-config-store', () => ({ 'config-store': `cfg-${next()}` }), (inputs: Record<string, string>) => ctx.fake.addConfigStore({ name: inputs['config-store'] ?? '' })]
  ] as const)('%s: is ignored as the warning says, so a token limited to other services still syncs the store', async (mode, target, create) => {
    const token = `tok-limited-${next()}`;
    ctx.fake.addToken({ token, scopes: ['global'], services: ['OTHERSERVICE'] });
    const inputs = target();
    create(inputs);
    const run = await runAction(ctx.inputs({ 'api-token': token, mode, 'service-id': 'NOTMYSERVICE', items: '{"k": "v"}', ...inputs }));
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.warnings).toContain(`Input 'service-id' is not used by mode '${mode}' and was ignored`);
    expect(result(run)).toMatchObject({ ok: true, stores: [{ status: 'synced', created: 1 }] });
  });
});

describe('result of the new store modes', () => {
  it("a VCL ACL's refused PATCH: failed lists each entry as {key, reason}, ok is false and the step fails", async () => {
    const sid = activeService(ctx.fake, 'CTACLF');
    const aclId = ctx.fake.addAcl(sid, { name: 'blocklist', entries: [] });
    ctx.fake.fault({ method: 'PATCH', path: `/service/${sid}/acl/${aclId}/entries`, kind: 'status', status: 400, body: { msg: 'Bad request', detail: 'refused' } });
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'update-acl', 'service-id': sid, acl: 'blocklist', entries: '198.51.100.0/24\n!203.0.113.0/24' }));
    expect(run.code).toBe(1);
    const reason = `Fastly refused PATCH /service/${sid}/acl/${aclId}/entries (HTTP 400): Bad request: refused`;
    expect(result(run)).toMatchObject({ ok: false, stores: [{ kind: 'vcl-acl', status: 'failed', failedCount: 2 }] });
    expect(result(run).stores[0].failed).toEqual([
      { key: '198.51.100.0/24', reason },
      { key: '203.0.113.0/24', reason }
    ]);
    expect(ctx.fake.aclEntries(sid, 'blocklist')).toEqual([]);
  });

  it("a Compute ACL's refused PATCH: the same shape, the key being the prefix", async () => {
    const name = `cacl-${next()}`;
    const id = ctx.fake.addComputeAcl({ name });
    ctx.fake.fault({ method: 'PATCH', path: `/resources/acls/${id}/entries`, kind: 'status', status: 400, body: { msg: 'Bad request' } });
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'update-acl', 'service-id': '', 'compute-acl': name, entries: '198.51.100.0/24 BLOCK' }));
    expect(run.code).toBe(1);
    expect(result(run)).toMatchObject({ ok: false, stores: [{ kind: 'compute-acl', status: 'failed' }] });
    expect(result(run).stores[0].failed).toEqual([{ key: '198.51.100.0/24', reason: `Fastly refused PATCH /resources/acls/${id}/entries (HTTP 400): Bad request` }]);
    expect(ctx.fake.computeAclEntries(id)).toEqual({});
  });

  it('a KV batch refused whole: every key failed as {key, reason}, ok is false and the step fails', async () => {
    const name = `kv-${next()}`;
    const id = ctx.fake.addKvStore({ name });
    ctx.fake.fault({ method: 'PUT', path: `/resources/stores/kv/${id}/batch`, kind: 'status', status: 400, body: { msg: 'Bad request' }, times: 10 });
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'update-kv-store', 'service-id': '', 'kv-store': name, items: '{"a": "1", "b": "2"}' }));
    expect(run.code).toBe(1);
    const { ok, stores } = result(run);
    expect(ok).toBe(false);
    expect(stores[0].failed.map((f: { key: string }) => f.key)).toEqual(['a', 'b']);
    for (const failure of stores[0].failed) expect(Object.keys(failure).sort()).toEqual(['key', 'reason']);
    expect(ctx.fake.kvStoreKeys(id)).toEqual({});
  });
});

describe('allow-empty in the four store modes', () => {
  it.each([
    ['update-config-store', () => {
      const name = `cfg-${next()}`;
      const id = ctx.fake.addConfigStore({ name, items: { a: '1', b: '2' } });
      return { inputs: { 'config-store': name, items: '{}' }, kept: 2, left: () => Object.keys(ctx.fake.configStoreItems(id)) };
    }],
    ['update-kv-store', () => {
      const name = `kv-${next()}`;
      const id = ctx.fake.addKvStore({ name, keys: { a: '1', b: '2' } });
      return { inputs: { 'kv-store': name, items: '{"a": null}' }, kept: 2, left: () => Object.keys(ctx.fake.kvStoreKeys(id)) };
    }],
    ['update-acl', () => {
      const sid = activeService(ctx.fake, 'CTEMPTY');
      ctx.fake.addAcl(sid, { name: 'blocklist', entries: [{ ip: '192.0.2.0', subnet: 24 }, { ip: '198.51.100.7', subnet: null }] });
      return { inputs: { 'service-id': sid, acl: 'blocklist', entries: '# nobody is blocked any more' }, kept: 2, left: () => ctx.fake.aclEntries(sid, 'blocklist').map(e => e.ip) };
    }],
    ['update-acl', () => {
      const name = `cacl-${next()}`;
      const id = ctx.fake.addComputeAcl({ name, entries: { '192.0.2.0/24': 'BLOCK' } });
      return { inputs: { 'compute-acl': name, entries: '# nobody is blocked any more' }, kept: 1, left: () => Object.keys(ctx.fake.computeAclEntries(id)) };
    }]
  ] as const)('%s: with delete-missing, a wanted state that keeps nothing empties it only when allow-empty is true', async (mode, setup) => {
    const { inputs, kept, left } = setup();
    const base = { 'api-token': TOKEN, 'service-id': '', mode, 'delete-missing': 'true', ...inputs };
    const refused = await runAction(ctx.inputs(base));
    expect(refused.code).toBe(1);
    expect(refused.errors).toHaveLength(1);
    expect(refused.errors[0]).toMatch(/^Input 'delete-missing' is 'true' but .* set 'allow-empty: true' if emptying it is meant$/);
    expect(ctx.fake.requests).toHaveLength(0);
    expect(left()).toHaveLength(kept);

    const emptied = await runAction(ctx.inputs({ ...base, 'allow-empty': 'true' }));
    expect(emptied.code).toBe(0);
    expect(result(emptied)).toMatchObject({ ok: true, deleteMissing: true, stores: [{ status: 'synced', after: 0 }] });
    expect(left()).toEqual([]);
  });
});

describe('update-acl entries', () => {
  it("a line without '#' has no comment: a live entry's comment is cleared by an update carrying its id", async () => {
    const sid = activeService(ctx.fake, 'CTCMT');
    const aclId = ctx.fake.addAcl(sid, { name: 'blocklist', entries: [{ ip: '192.0.2.0', subnet: 24, comment: 'office' }, { ip: '198.51.100.7', subnet: null, comment: 'kept' }] });
    const [office] = ctx.fake.aclEntries(sid, 'blocklist');
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'update-acl', 'service-id': sid, acl: 'blocklist', entries: '192.0.2.0/24\n198.51.100.7 # kept' }));
    expect(run.code).toBe(0);
    const patches = ctx.fake.writes().filter(r => r.method === 'PATCH');
    expect(patches.map(r => r.path)).toEqual([`/service/${sid}/acl/${aclId}/entries`]);
    expect(JSON.parse(patches[0]?.body ?? '{}').entries).toEqual([{ op: 'update', id: office?.id, ip: '192.0.2.0', subnet: 24, negated: 0, comment: '' }]);
    expect(ctx.fake.aclEntries(sid, 'blocklist').map(e => e.comment)).toEqual(['', 'kept']);
    expect(result(run)).toMatchObject({ ok: true, stores: [{ updated: 1, unchanged: 1, created: 0, deleted: 0 }] });
  });
});

describe('clone: false on the version already active', () => {
  it.each([['active'], ['2'], ['staged']])('version: %s sends nothing, exits 0 and says it is already live', async version => {
    const sid = activeService(ctx.fake, 'CTNOOP');
    if (version === 'staged') {
      const staged = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'activate', 'service-id': sid, environment: 'staging', clone: 'false', version: '2' }));
      expect(staged.code).toBe(0);
    }
    const writesBefore = ctx.fake.writes().length;
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'activate', 'service-id': sid, version, clone: 'false' }));
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(ctx.fake.writes().slice(writesBefore)).toEqual([]);
    expect(run.outputs.version).toBe('2');
    expect(run.outputs['previous-version']).toBe('2');
    expect(result(run)).toMatchObject({ ok: true, services: [{ status: 'unchanged', activeVersion: 2 }] });
    expect(run.summary).toMatch(/already live/i);
  });
});

describe('a staging activation', () => {
  it("is confirmed by re-reading the service (Fastly's answer lists no environments): no warning, one activation sent", async () => {
    const sid = activeService(ctx.fake, 'CTSTGOK');
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'activate', 'service-id': sid, environment: 'staging' }));
    expect(run.code).toBe(0);
    expect(run.warnings).toEqual([]);
    expect(result(run).services[0]).toMatchObject({ status: 'activated', activeVersion: 3 });
    expect(result(run).services[0].notes).toBeUndefined();
    expect(ctx.fake.writes().filter(r => r.path.includes('/activate')).map(r => `${r.method} ${r.path}`)).toEqual([`PUT /service/${sid}/version/3/activate/staging`]);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 2, stagingVersion: 3 });
  });
});

describe('update-kv-store values', () => {
  it('a plain string means no metadata: a live key with the same value and some metadata is rewritten without it', async () => {
    const name = `kv-${next()}`;
    const id = ctx.fake.addKvStore({ name, keys: { flag: { value: 'on', metadata: 'owner=alice' }, plain: 'same' } });
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'update-kv-store', 'service-id': '', 'kv-store': name, items: '{"flag": "on", "plain": "same"}' }));
    expect(run.code).toBe(0);
    const batches = ctx.fake.writes().filter(r => r.method === 'PUT' && r.path.endsWith('/batch'));
    expect(batches).toHaveLength(1);
    expect(batches[0]?.body.trimEnd().split('\n').map(line => JSON.parse(line))).toEqual([{ key: 'flag', value: Buffer.from('on').toString('base64'), metadata: '' }]);
    expect(ctx.fake.kvStoreKeys(id).flag).toMatchObject({ value: 'on', metadata: '' });
    expect(result(run)).toMatchObject({ ok: true, stores: [{ updated: 1, unchanged: 1 }] });
  });
});
