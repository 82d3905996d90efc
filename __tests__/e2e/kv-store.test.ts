import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, expectRefusedBeforeAnyRequest, readable, runAction, scratch } from './run-action.js';

const ctx = useFakeFastly();

let serial = 0;
function kvStore(keys: Record<string, string | { value: string; metadata?: string }>): { id: string; name: string } {
  serial += 1;
  const name = `kv-${serial}`;
  return { id: ctx.fake.addKvStore({ name, keys }), name };
}

function itemsFile(items: unknown): string {
  const file = join(scratch(), 'kv.json');
  writeFileSync(file, JSON.stringify(items));
  return file;
}

function sync(extra: Record<string, string>) {
  return runAction(ctx.inputs({ 'api-token': TOKEN, 'service-id': '', mode: 'update-kv-store', ...extra }));
}

const batches = () => ctx.fake.writes().filter(r => r.method === 'PUT' && r.path.endsWith('/batch'));
const deletes = () => ctx.fake.writes().filter(r => r.method === 'DELETE');
const batchLines = (body: string) => body.trimEnd().split('\n').map(line => JSON.parse(line) as Record<string, unknown>);
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const result = (run: { outputs: Record<string, string | undefined> }) => JSON.parse(run.outputs.result ?? '{}');

describe('update-kv-store', () => {
  it('writes exactly the difference: one batch of creates and updates, one delete a key, metadata compared', async () => {
    const { id, name } = kvStore({
      same: '/a',
      changed: '/old',
      meta: { value: 'v', metadata: 'old-meta' },
      keepMeta: { value: 'v', metadata: 'm' },
      gone: '/x',
      untouched: '/y'
    });
    const wanted = {
      same: '/a',
      changed: '/new',
      meta: { value: 'v', metadata: 'new-meta', ttl: 3600 },
      keepMeta: { value: 'v', metadata: 'm', ttl: 60 },
      fresh: 'créé',
      gone: null,
      never: null
    };
    const run = await sync({ 'kv-store': name, 'items-file': itemsFile(wanted) });

    expect(run.code).toBe(0);
    expect(batches()).toHaveLength(1);
    expect(batchLines(batches()[0]?.body ?? '')).toEqual([
      { key: 'changed', value: b64('/new'), metadata: '' },
      { key: 'meta', value: b64('v'), metadata: 'new-meta', time_to_live_sec: 3600 },
      { key: 'fresh', value: b64('créé'), metadata: '' }
    ]);
    expect(deletes().map(r => r.path)).toEqual([`/resources/stores/kv/${id}/keys/gone?force=true`]);
    expect(ctx.fake.writes()).toHaveLength(2);
    // Values read only for the keys the wanted state keeps and the store lists.
    const valueReads = ctx.fake.requests.filter(r => r.method === 'GET' && r.path.startsWith(`/resources/stores/kv/${id}/keys/`)).map(r => decodeURIComponent(r.path.split('/keys/')[1] ?? ''));
    expect(valueReads.sort()).toEqual(['changed', 'keepMeta', 'meta', 'same']);
    // The plan's key list is asked for strongly consistent, as go-fastly's recorded list is: a cached one can miss keys.
    const keyLists = ctx.fake.requests.filter(r => r.method === 'GET' && r.path.startsWith(`/resources/stores/kv/${id}/keys?`));
    expect(keyLists.map(r => new URL(r.path, 'http://fake').searchParams.get('consistency'))).toEqual(['strong']);
    const state = ctx.fake.kvStoreKeys(id);
    expect(Object.keys(state)).toEqual(['changed', 'fresh', 'keepMeta', 'meta', 'same', 'untouched']);
    expect(state.changed).toMatchObject({ value: '/new', metadata: '' });
    expect(state.meta).toMatchObject({ value: 'v', metadata: 'new-meta', ttl: 3600 });
    expect(state.fresh).toMatchObject({ value: 'créé' });
    expect(state.keepMeta).toMatchObject({ metadata: 'm', ttl: null });

    const [store] = result(run).stores;
    expect(store).toMatchObject({ kind: 'kv-store', name, id, status: 'synced', created: 1, updated: 2, deleted: 1, unchanged: 3, before: 6, after: 6, batches: 1, keyDeletes: 1, failed: [] });
    const summary = readable(run.summary);
    expect(summary).toContain(`KV store '${name}' in the wanted state: 1 created, 2 updated, 1 deleted, 3 unchanged`);
    expect(summary).toContain('<td><code>fresh</code></td><td>created</td><td><code>créé</code></td>');
    // A change of metadata alone shows what the metadata becomes.
    expect(summary).toContain('<td><code>meta</code></td><td>updated</td><td><code>v</code> · metadata <code>new-meta</code></td>');
    expect(run.stdout).toContain(`KV store '${name}': 1 created, 2 updated, 1 deleted, 3 unchanged, in 1 batch and 1 single-key delete`);
  });

  it('with delete-missing deletes every key the wanted state does not name, and nothing else', async () => {
    const { id, name } = kvStore({ keep: '1', drop1: '2', drop2: '3' });
    const run = await sync({ 'kv-store': id, items: '{"keep": "1"}', 'delete-missing': 'true' });
    expect(run.code).toBe(0);
    expect(batches()).toHaveLength(0);
    expect(deletes()).toHaveLength(2);
    expect(Object.keys(ctx.fake.kvStoreKeys(id))).toEqual(['keep']);
    expect(readable(run.summary)).toContain(`KV store '${id}' in the wanted state: 0 created, 0 updated, 2 deleted, 1 unchanged`);
    expect(name).not.toBe(id);
  });

  it('sends nothing and says it is already live when nothing differs', async () => {
    const { name } = kvStore({ a: '1', b: { value: '2', metadata: 'm' } });
    const run = await sync({ 'kv-store': name, items: '{"a": "1", "b": {"value": "2", "metadata": "m", "ttl": 30}, "c": null}' });
    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(readable(run.summary)).toContain(`### ✅ Fastly update-kv-store: KV store '${name}' already live: nothing differs, 3 unchanged`);
  });

  it('in a dry run reads, reports the plan and sends no write', async () => {
    const { id, name } = kvStore({ a: '1', b: '2' });
    const run = await sync({ 'kv-store': name, items: '{"a": "changed", "b": null, "c": "new"}', 'dry-run': 'true' });
    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(Object.keys(ctx.fake.kvStoreKeys(id))).toEqual(['a', 'b']);
    const summary = readable(run.summary);
    expect(summary).toContain(`nothing was changed; the plan for KV store '${name}': 1 created, 1 updated, 1 deleted, 0 unchanged`);
    expect(summary).toContain(`PUT /resources/stores/kv/${id}/batch`);
    expect(summary).toContain(`DELETE /resources/stores/kv/${id}/keys/b?force=true`);
    expect(result(run)).toMatchObject({ dryRun: true, plannedRequests: 2, stores: [{ status: 'planned' }] });
  });

  it('reports a failed batch key by key by what is really there, when the good lines landed', async () => {
    const { id, name } = kvStore({ small: 'old' });
    ctx.fake.setKv({ maxValueBytes: 10, batchCommits: true });
    const run = await sync({ 'kv-store': name, items: JSON.stringify({ small: 'new', big: 'x'.repeat(50), other: 'ok' }) });

    expect(run.code).toBe(1);
    expect(batches()).toHaveLength(1);
    const state = ctx.fake.kvStoreKeys(id);
    expect(state.small?.value).toBe('new');
    expect(state.other?.value).toBe('ok');
    expect(state.big).toBeUndefined();
    const [store] = result(run).stores;
    expect(store).toMatchObject({ status: 'failed', failedCount: 1, failed: [{ key: 'big', reason: 'value larger than 10 bytes (HTTP 413)' }] });
    // Every key of the failed batch read back.
    const readBacks = ctx.fake.requests.filter(r => r.method === 'GET' && r.path.includes('/keys/') && r.at > (batches()[0]?.at ?? 0));
    expect(readBacks.map(r => r.path.split('/keys/')[1]).sort()).toEqual(['big', 'other', 'small']);
    expect(run.errors.at(-1)).toBe(`1 of 3 changes to KV store '${name}' failed. First: big: value larger than 10 bytes (HTTP 413)`);
  });

  it('reports every key of a failed batch as not written when Fastly committed none of it', async () => {
    const { id, name } = kvStore({ small: 'old' });
    ctx.fake.setKv({ maxValueBytes: 10, batchCommits: false });
    const run = await sync({ 'kv-store': name, items: JSON.stringify({ small: 'new', big: 'x'.repeat(50) }) });

    expect(run.code).toBe(1);
    expect(ctx.fake.kvStoreKeys(id).small?.value).toBe('old');
    const [store] = result(run).stores;
    expect(store.failed).toEqual([
      { key: 'small', reason: "not written: Fastly refused the batch because of another line (key 'big': value larger than 10 bytes)" },
      { key: 'big', reason: 'value larger than 10 bytes (HTTP 413)' }
    ]);
    expect(readable(run.summary)).toContain(`KV store '${name}': 2 changes failed`);
  });

  it('sends 2,500 writes in 3 batches of at most 1,000 lines', async () => {
    const { id, name } = kvStore({});
    const wanted = Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`k${i}`, `v${i}`]));
    const run = await sync({ 'kv-store': name, 'items-file': itemsFile(wanted) });
    expect(run.code).toBe(0);
    expect(batches().map(r => batchLines(r.body).length)).toEqual([1000, 1000, 500]);
    expect(Object.keys(ctx.fake.kvStoreKeys(id))).toHaveLength(2500);
  });

  it('names an unknown store, with zero writes and no stack', async () => {
    const run = await sync({ 'kv-store': 'nope', items: '{"a": "1"}' });
    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(run.errors).toEqual(["KV store 'nope' not found by name or by ID; check 'kv-store'"]);
    expectNoStackTrace(run);
  });

  it('refuses a key Fastly would refuse before any request', async () => {
    const run = await sync({ 'kv-store': 'any', items: '{"ok": "1", "a?b": "2"}' });
    expectRefusedBeforeAnyRequest(run, ctx.fake.requests, `Input 'items' key 'a?b' contains "?"; Fastly refuses keys with # ; ? ^ | or a line break; rename the key`);
  });
});
