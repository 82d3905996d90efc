import { describe, expect, it } from '@jest/globals';
import { cancelWhen } from './cancel-when.js';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { type ActionRun, expectNoStackTrace, readable, runAction } from './run-action.js';

const ctx = useFakeFastly();
const NOT_SENT = 'Not sent: the run was cancelled';
const SLOW_MS = 700;

let serial = 0;
const next = () => (serial += 1);

interface Failure {
  readonly key: string;
  readonly reason: string;
}

const storeOf = (run: ActionRun) => JSON.parse(run.outputs.result ?? '{}').stores[0];
const sent = (method: string, prefix: string) => ctx.fake.requests.filter(r => r.method === method && r.path.startsWith(prefix));

/** The log's group of failures, one `key: reason` line each, as the step printed it. */
function loggedFailures(run: ActionRun, title: string): string[] {
  const lines = run.stdout.split('\n');
  const start = lines.indexOf(`::group::${title}`);
  if (start < 0) return [];
  const end = lines.indexOf('::endgroup::', start);
  return lines.slice(start + 1, end);
}

/**
 * What every cancelled store sync must say, checked against the keys the
 * store really holds as wanted (`done`) among those the plan changed
 * (`planned`): each planned key is either done or failed as not sent,
 * never both; the count after is what the target holds (`holds`), the
 * batches are the requests that went out (`batches`); the result, the
 * summary and the log agree.
 */
function expectTruthfulCancel(run: ActionRun, planned: readonly string[], done: ReadonlySet<string>, label: string, holds: number, batches: number): void {
  expect(run.code).toBe(1);
  const result = JSON.parse(run.outputs.result ?? '{}');
  expect(result).toMatchObject({ ok: false, cancelled: 'SIGINT' });
  const store = storeOf(run);
  const failed = store.failed as Failure[];
  const notDone = planned.filter(key => !done.has(key));
  expect(done.size).toBeGreaterThan(0);
  expect(notDone.length).toBeGreaterThan(0);
  expect(store.status).toBe('failed');
  expect(store.failedCount).toBe(notDone.length);
  expect(failed.map(f => f.key).sort()).toEqual([...notDone].sort());
  expect(failed.filter(f => !f.reason.startsWith(NOT_SENT))).toEqual([]);
  expect(store).toMatchObject({ after: holds, batches });

  const summary = readable(run.summary);
  expect(summary).toContain(`### 🛑 Fastly update-`);
  expect(summary).toContain(': cancelled (SIGINT)');
  expect(summary).toContain('🛑 <b>The run was cancelled</b> (SIGINT).');
  const n = (value: number) => value.toLocaleString('en-US');
  expect(summary).toContain(`<td>${n(holds)}</td><td>${n(batches)}</td><td>❌ ${n(notDone.length)} failed</td>`);
  expect(summary).toContain(`${label.charAt(0).toUpperCase()}${label.slice(1)}: ${notDone.length.toLocaleString('en-US')} changes failed`);

  const logged = loggedFailures(run, `Failed on ${label}: ${notDone.length.toLocaleString('en-US')} changes`);
  expect(logged.map(line => line.slice(0, line.indexOf(': '))).sort()).toEqual([...notDone].sort());
  expect(run.errors.at(-1)).toMatch(new RegExp(`^The run was cancelled \\(SIGINT\\): ${notDone.length.toLocaleString('en-US')} of ${planned.length.toLocaleString('en-US')} changes to `));
  expect(run.stdout).toContain('SIGINT received: starting nothing new, then reporting what was done.');
  expectNoStackTrace(run);
}

describe('a cancelled update-kv-store', () => {
  it('during the first of 3 batches: that batch lands, the other 2 are not sent, and nothing else is claimed', async () => {
    const name = `kv-cancel-${next()}`;
    const id = ctx.fake.addKvStore({ name, keys: { kept: 'same' } });
    const planned = Array.from({ length: 2500 }, (_, i) => `key${i}`);
    const items = { kept: 'same', ...Object.fromEntries(planned.map(key => [key, `v-${key}`])) };
    const batch = `/resources/stores/kv/${id}/batch`;
    ctx.fake.fault({ method: 'PUT', path: batch, kind: 'slow', delayMs: SLOW_MS, times: Infinity });
    const run = await runAction(
      ctx.inputs({ mode: 'update-kv-store', 'api-token': TOKEN, 'service-id': '', 'kv-store': name, items: JSON.stringify(items) }),
      {},
      cancelWhen(() => sent('PUT', batch).length > 0)
    );

    expect(sent('PUT', batch)).toHaveLength(1);
    const state = ctx.fake.kvStoreKeys(id);
    const done = new Set(planned.filter(key => state[key]?.value === `v-${key}`));
    expect(done.size).toBe(1000);
    expect(Object.keys(state)).toHaveLength(1001);
    expectTruthfulCancel(run, planned, done, `KV store '${name}'`, 1001, 1);
    // Every reason names the batch that was not sent; nothing is read back for a batch that never went out.
    expect(new Set(storeOf(run).failed.map((f: Failure) => f.reason))).toEqual(new Set([`${NOT_SENT} (PUT ${batch})`]));
    expect(storeOf(run)).toMatchObject({ created: 2500, unchanged: 1, batches: 1, keyDeletes: 0 });
    expect(run.stdout).toContain(`KV store '${name}': 2500 created, 0 updated, 0 deleted, 1 unchanged, in 1 batch\n`);
  });

  it('with a batch cut in flight: its keys are "may or may not", one reason for the batch, the rest not sent', async () => {
    const name = `kv-cancel-${next()}`;
    const id = ctx.fake.addKvStore({ name, keys: {} });
    const planned = Array.from({ length: 2500 }, (_, i) => `key${i}`);
    const batch = `/resources/stores/kv/${id}/batch`;
    ctx.fake.fault({ method: 'PUT', path: batch, kind: 'slow', delayMs: 10_000 });
    const run = await runAction(
      ctx.inputs({ mode: 'update-kv-store', 'api-token': TOKEN, 'service-id': '', 'kv-store': name, items: JSON.stringify(Object.fromEntries(planned.map(key => [key, 'v']))) }),
      {},
      cancelWhen(() => sent('PUT', batch).length > 0)
    );

    expect(run.code).toBe(1);
    expect(sent('PUT', batch)).toHaveLength(1);
    const cut = `Cancelled in flight: PUT ${batch} was cut off when the run was cancelled; Fastly may or may not have acted on it`;
    const store = storeOf(run);
    // The result lists the first 2,000 failures; the log lists them all.
    expect(store).toMatchObject({ status: 'failed', failedCount: 2500, failedOmitted: 500, batches: 1 });
    const reasons = new Map<string, number>();
    for (const line of loggedFailures(run, `Failed on KV store '${name}': 2,500 changes`)) {
      const reason = line.slice(line.indexOf(': ') + 2);
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    expect(Object.fromEntries(reasons)).toEqual({ [cut]: 1000, [`${NOT_SENT} (PUT ${batch})`]: 1500 });
    const summary = readable(run.summary);
    expect(summary).toContain(`<tr><td>${cut}</td><td>1,000</td>`);
    expect(summary).toContain(`<tr><td>${NOT_SENT} (PUT ${batch})</td><td>1,500</td>`);
    expect(JSON.parse(run.outputs.result ?? '{}')).toMatchObject({ ok: false, cancelled: 'SIGINT' });
    expectNoStackTrace(run);
  });

  it('while the per-key deletes run: only the deletes that went out are counted, every other key is listed as not sent', async () => {
    const name = `kv-cancel-${next()}`;
    const planned = Array.from({ length: 40 }, (_, i) => `old${String(i).padStart(2, '0')}`);
    const id = ctx.fake.addKvStore({ name, keys: { keep: 'k', ...Object.fromEntries(planned.map(key => [key, 'x'])) } });
    const keys = `/resources/stores/kv/${id}/keys/`;
    ctx.fake.fault({ method: 'DELETE', path: keys, kind: 'slow', delayMs: SLOW_MS, times: Infinity });
    const run = await runAction(
      ctx.inputs({ mode: 'update-kv-store', 'api-token': TOKEN, 'service-id': '', 'kv-store': name, items: '{"keep": "k"}', 'delete-missing': 'true' }),
      {},
      cancelWhen(() => sent('DELETE', keys).length > 0)
    );

    const deletesSent = sent('DELETE', keys);
    const state = ctx.fake.kvStoreKeys(id);
    const done = new Set(planned.filter(key => state[key] === undefined));
    expect(done.size).toBe(deletesSent.length);
    expect(deletesSent.length).toBeLessThanOrEqual(8);
    expect(state.keep?.value).toBe('k');
    expectTruthfulCancel(run, planned, done, `KV store '${name}'`, 41 - done.size, 0);
    expect(storeOf(run)).toMatchObject({ deleted: 40, batches: 0, keyDeletes: deletesSent.length });
    expect(run.stdout).toContain(`KV store '${name}': 0 created, 0 updated, 40 deleted, 1 unchanged, in 0 batches and ${deletesSent.length} single-key delete`);
  });
});

/** 1,500 distinct /24 networks: two batches, of 1,000 and 500 ops. */
const networks = Array.from({ length: 1500 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);

describe('a cancelled update-acl', () => {
  it('acl: during the first of 2 PATCH batches, the second is not sent', async () => {
    const n = next();
    const sid = `CXLACL${n}SERVICE`;
    ctx.fake.addService({ id: sid, name: `cxl-acl-${n}`, versions: [{ active: true }] });
    const aclId = ctx.fake.addAcl(sid, { name: 'blocklist', entries: [] });
    const patch = `/service/${sid}/acl/${aclId}/entries`;
    ctx.fake.fault({ method: 'PATCH', path: patch, kind: 'slow', delayMs: SLOW_MS, times: Infinity });
    const run = await runAction(
      ctx.inputs({ mode: 'update-acl', 'api-token': TOKEN, 'service-id': sid, acl: 'blocklist', entries: networks.join('\n') }),
      {},
      cancelWhen(() => sent('PATCH', patch).length > 0)
    );

    expect(sent('PATCH', patch)).toHaveLength(1);
    const done = new Set(ctx.fake.aclEntries(sid, 'blocklist').map(e => `${e.ip}/${e.subnet}`));
    expect(done.size).toBe(1000);
    expectTruthfulCancel(run, networks, done, `ACL 'blocklist' on ${sid}`, 1000, 1);
    expect(new Set(storeOf(run).failed.map((f: Failure) => f.reason))).toEqual(new Set([`${NOT_SENT} (PATCH ${patch})`]));
    expect(storeOf(run)).toMatchObject({ kind: 'vcl-acl', created: 1500, batches: 1 });
  });

  it('compute-acl: during the first of 2 PATCH batches, the second is not sent', async () => {
    const name = `cxl-compute-acl-${next()}`;
    const id = ctx.fake.addComputeAcl({ name, entries: {} });
    const patch = `/resources/acls/${id}/entries`;
    ctx.fake.fault({ method: 'PATCH', path: patch, kind: 'slow', delayMs: SLOW_MS, times: Infinity });
    const run = await runAction(
      ctx.inputs({ mode: 'update-acl', 'api-token': TOKEN, 'service-id': '', 'compute-acl': name, entries: networks.map(p => `${p} BLOCK`).join('\n') }),
      {},
      cancelWhen(() => sent('PATCH', patch).length > 0)
    );

    expect(sent('PATCH', patch)).toHaveLength(1);
    const done = new Set(Object.keys(ctx.fake.computeAclEntries(id)));
    expect(done.size).toBe(1000);
    expectTruthfulCancel(run, networks, done, `Compute ACL '${name}'`, 1000, 1);
    expect(new Set(storeOf(run).failed.map((f: Failure) => f.reason))).toEqual(new Set([`${NOT_SENT} (PATCH ${patch})`]));
    expect(storeOf(run)).toMatchObject({ kind: 'compute-acl', created: 1500, batches: 1 });
  });
});

describe('a cancelled update-config-store', () => {
  it('during the first of 3 PATCH batches, the other 2 are not sent', async () => {
    const name = `cxl-config-${next()}`;
    const id = ctx.fake.addConfigStore({ name, items: {} });
    const planned = Array.from({ length: 2500 }, (_, i) => `key${i}`);
    const patch = `/resources/stores/config/${id}/items`;
    ctx.fake.fault({ method: 'PATCH', path: patch, kind: 'slow', delayMs: SLOW_MS, times: Infinity });
    const run = await runAction(
      ctx.inputs({ mode: 'update-config-store', 'api-token': TOKEN, 'service-id': '', 'config-store': name, items: JSON.stringify(Object.fromEntries(planned.map(key => [key, 'v']))) }),
      {},
      cancelWhen(() => sent('PATCH', patch).length > 0)
    );

    expect(sent('PATCH', patch)).toHaveLength(1);
    const done = new Set(Object.keys(ctx.fake.configStoreItems(id)));
    expect(done.size).toBe(1000);
    expectTruthfulCancel(run, planned, done, `config store '${name}'`, 1000, 1);
    expect(new Set(storeOf(run).failed.map((f: Failure) => f.reason))).toEqual(new Set([`${NOT_SENT} (PATCH ${patch})`]));
    expect(storeOf(run)).toMatchObject({ kind: 'config-store', created: 2500, batches: 1 });
  });
});
