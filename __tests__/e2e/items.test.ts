import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, readable, runAction, scratch } from './run-action.js';

const ctx = useFakeFastly();

let serial = 0;
/** A fresh service with an active version and a dictionary holding `items`. */
function dictionaryService(items: Record<string, string>, options: { writeOnly?: boolean } = {}): string {
  serial += 1;
  const sid = `DICT${serial}SERVICE`;
  ctx.fake.addService({ id: sid, name: `dict-${serial}`, versions: [{ active: true }] });
  ctx.fake.addDictionary(sid, { name: 'redirects', items, writeOnly: options.writeOnly ?? false });
  return sid;
}

function range(n: number, prefix: string, value = (i: number) => `/to/${i}`): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, value(i)]));
}

function itemsFile(items: Record<string, string | null>): string {
  const file = join(scratch(), 'items.json');
  writeFileSync(file, JSON.stringify(items));
  return file;
}

function sync(extra: Record<string, string>) {
  return runAction(ctx.inputs({ 'api-token': TOKEN, ...extra }));
}

function patches() {
  return ctx.fake.writes().filter(r => r.method === 'PATCH');
}

describe('update-dictionary', () => {
  it('sends 2,500 changes in 3 batches and ends in the wanted state', async () => {
    const sid = dictionaryService(range(150, 'old'));
    const wanted = { ...range(2500, 'new') };
    const run = await sync({ mode: 'update-dictionary', 'service-id': sid, dictionary: 'redirects', 'items-file': itemsFile(wanted) });

    expect(run.code).toBe(0);
    expect(patches().map(r => JSON.parse(r.body).items.length)).toEqual([1000, 1000, 500]);
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({ ...range(150, 'old'), ...wanted });
    const [store] = JSON.parse(run.outputs.result ?? '{}').stores;
    expect(store).toMatchObject({ created: 2500, updated: 0, deleted: 0, unchanged: 0, before: 150, after: 2650, batches: 3, status: 'synced' });
    expect(run.warnings[0]).toContain("Edge dictionary 'redirects' on " + sid + " will hold 2,650 items, more than Fastly's default limit of 1,000");
  });

  it('sends only what changed, deletes nulls, and reads every page', async () => {
    const sid = dictionaryService(range(2100, 'k'));
    const wanted: Record<string, string | null> = { ...range(2100, 'k'), k3: '/changed', k7: null, absent: null, fresh: '/new' };
    const run = await sync({ mode: 'update-dictionary', 'service-id': sid, dictionary: 'redirects', 'items-file': itemsFile(wanted) });

    expect(run.code).toBe(0);
    // 2,100 items at 100 a page: 21 pages, following the Link header's absolute api.fastly.com URLs through api-url.
    const pages = ctx.fake.requests.filter(r => r.method === 'GET' && r.path.includes('/items?')).map(r => new URL(r.path, 'http://x').searchParams);
    expect(pages.map(p => p.get('page'))).toEqual(Array.from({ length: 21 }, (_, i) => String(i + 1)));
    expect(new Set(pages.map(p => p.get('per_page')))).toEqual(new Set(['100']));
    const [patch] = patches();
    expect(JSON.parse(patch?.body ?? '{}').items).toEqual([
      { op: 'upsert', item_key: 'k3', item_value: '/changed' },
      { op: 'upsert', item_key: 'fresh', item_value: '/new' },
      { op: 'delete', item_key: 'k7' }
    ]);
    expect(patches()).toHaveLength(1);
    const state = ctx.fake.dictionaryItems(sid, 'redirects');
    expect(state.k3).toBe('/changed');
    expect(state.k7).toBeUndefined();
    expect(state.fresh).toBe('/new');
    expect(Object.keys(state)).toHaveLength(2100);
    const summary = readable(run.summary);
    // k0…k2099 but k3 and k7 are unchanged, and so is 'absent' (null, and not there).
    expect(summary).toContain(`dictionary 'redirects' on ${sid} in the wanted state: 1 created, 1 updated, 1 deleted, 2,099 unchanged`);
    expect(summary).toContain('<td><code>k3</code></td><td>updated</td><td><code>/changed</code></td>');
  });

  it('with delete-missing deletes every key the wanted state does not name', async () => {
    const sid = dictionaryService({ keep: '/a', drop1: '/b', drop2: '/c' });
    const run = await sync({ mode: 'update-dictionary', 'service-id': sid, dictionary: 'redirects', items: '{"keep": "/a"}', 'delete-missing': 'true' });
    expect(run.code).toBe(0);
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({ keep: '/a' });
    expect(run.summary).toContain('delete-missing: true</code>: every existing key the wanted state does not name is deleted');
  });

  it('sends nothing when the dictionary is already in the wanted state', async () => {
    const sid = dictionaryService({ a: '1', b: '2' });
    const run = await sync({ mode: 'update-dictionary', 'service-id': sid, dictionary: 'redirects', items: '{"a": "1", "b": "2"}' });
    expect(run.code).toBe(0);
    expect(patches()).toHaveLength(0);
  });

  it('writes blind to a write-only dictionary, saying so and showing no value', async () => {
    const sid = dictionaryService({ secret: 'old' }, { writeOnly: true });
    const run = await sync({ mode: 'update-dictionary', 'service-id': sid, dictionary: 'redirects', items: '{"secret": "s3cr3t-value", "other": "x"}' });
    expect(run.code).toBe(0);
    expect(ctx.fake.requests.some(r => r.path.includes('/items?'))).toBe(false);
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({ secret: 's3cr3t-value', other: 'x' });
    expect(run.summary).toContain('is write-only: its items cannot be read');
    expect(run.summary).not.toContain('s3cr3t-value');
    expect(run.stdout).not.toContain('s3cr3t-value');
  });

  it('refuses delete-missing on a write-only dictionary, with zero writes', async () => {
    const sid = dictionaryService({}, { writeOnly: true });
    const run = await sync({ mode: 'update-dictionary', 'service-id': sid, dictionary: 'redirects', items: '{"a": "1"}', 'delete-missing': 'true' });
    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(run.errors.at(-1)).toContain("is write-only: its keys cannot be read, so 'delete-missing: true' cannot know what to delete");
  });

  it('names an unknown dictionary and its service, with zero writes', async () => {
    const sid = dictionaryService({});
    const run = await sync({ mode: 'update-dictionary', 'service-id': sid, dictionary: 'nope', items: '{"a": "1"}' });
    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(run.errors).toEqual([`Edge dictionary 'nope' not found on service ${sid} (active version 1); check 'dictionary', or create it in a version of the service first`]);
    expectNoStackTrace(run);
  });

  it('reports a batch Fastly rejects with its keys, and still sends the later batches', async () => {
    const sid = dictionaryService({});
    ctx.fake.fault({ method: 'PATCH', times: 1, kind: 'status', status: 400, body: { msg: 'Bad request', detail: 'item limit' } });
    const run = await sync({ mode: 'update-dictionary', 'service-id': sid, dictionary: 'redirects', 'items-file': itemsFile(range(1500, 'k')) });

    expect(run.code).toBe(1);
    expect(patches()).toHaveLength(2);
    expect(Object.keys(ctx.fake.dictionaryItems(sid, 'redirects'))).toHaveLength(500);
    const [store] = JSON.parse(run.outputs.result ?? '{}').stores;
    expect(store.failedCount).toBe(1000);
    expect(store.failed[0]).toEqual({ key: 'k0', reason: `Fastly refused PATCH /service/${sid}/dictionary/${store.id}/items (HTTP 400): Bad request: item limit` });
    expect(run.errors.at(-1)).toMatch(/^1,000 of 1,500 changes to dictionary 'redirects' on \w+ failed\. First: k0: Fastly refused PATCH/);
  });

  it('dry-run shows the diff and sends nothing', async () => {
    const sid = dictionaryService({ a: '1' });
    const run = await sync({ mode: 'update-dictionary', 'service-id': sid, dictionary: 'redirects', items: '{"a": "2", "b": "3"}', 'dry-run': 'true' });
    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toHaveLength(0);
    const summary = readable(run.summary);
    expect(summary).toContain("nothing was changed; the plan for dictionary 'redirects' on " + sid + ': 1 created, 1 updated, 0 deleted, 0 unchanged');
    expect(summary).toContain('<td><code>a</code></td><td>updated</td><td><code>2</code></td>');
  });

  it('dry-run shows its plan as a purge does: the batches a real run would send, with their bodies', async () => {
    const sid = `DICT${++serial}SERVICE`;
    ctx.fake.addService({ id: sid, name: `dict-${serial}`, versions: [{ active: true }] });
    const id = ctx.fake.addDictionary(sid, { name: 'redirects', items: { a: '1' } });
    const run = await sync({ mode: 'update-dictionary', 'service-id': sid, dictionary: 'redirects', 'items-file': itemsFile({ ...range(1500, 'k'), a: null }), 'dry-run': 'true' });
    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({ a: '1' });
    expect(run.summary).toContain('Plan: 2 requests that a real run would send');
    expect(run.summary).toContain(`PATCH /service/${sid}/dictionary/${id}/items`);
    expect(readable(run.summary)).toContain('{"items":[{"op":"upsert","item_key":"k0","item_value":"/to/0"}');
    expect(JSON.parse(run.outputs.result ?? '{}')).toMatchObject({ dryRun: true, plannedRequests: 2 });
  });
});

describe('update-dictionary in few round trips', () => {
  it('reads the later pages side by side once the first names the last: 5,000 changes over 3,000 items in 38 requests', async () => {
    const sid = dictionaryService(range(3000, 'key-', () => 'old'));
    const wanted = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key-${i + 1000}`, 'new']));
    ctx.fake.setLatency(20);
    const run = await sync({ mode: 'update-dictionary', 'service-id': sid, dictionary: 'redirects', 'items-file': itemsFile(wanted) });
    ctx.fake.setLatency(0);

    expect(run.code).toBe(0);
    const pages = ctx.fake.requests.filter(r => r.method === 'GET' && r.path.includes('/items?')).map(r => new URLSearchParams(r.path.split('?')[1]).get('page'));
    expect(pages.sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 30 }, (_, i) => String(i + 1)));
    expect(patches()).toHaveLength(5);
    expect(ctx.fake.requests).toHaveLength(1 + 1 + 1 + 30 + 5);
    // Page 1 alone, then the other 29 at once; the PATCH batches one at a time.
    expect(ctx.fake.maxInFlight).toBe(29);
    const items = ctx.fake.dictionaryItems(sid, 'redirects');
    expect(Object.keys(items)).toHaveLength(6000);
    expect(items['key-0']).toBe('old');
    expect(items['key-5999']).toBe('new');
  });
});

describe('update-config-store', () => {
  it('finds a store by name, syncs it, and by ID too', async () => {
    const id = ctx.fake.addConfigStore({ name: `flags-${++serial}`, items: { beta: 'off', legacy: 'on' } });
    const byName = await sync({ mode: 'update-config-store', 'service-id': '', 'config-store': `flags-${serial}`, items: '{"beta": "on", "legacy": null}' });
    expect(byName.code).toBe(0);
    expect(ctx.fake.configStoreItems(id)).toEqual({ beta: 'on' });
    expect(patches().map(r => r.path)).toEqual([`/resources/stores/config/${id}/items`]);

    const byId = await sync({ mode: 'update-config-store', 'service-id': '', 'config-store': id, items: '{"new": "x"}' });
    expect(byId.code).toBe(0);
    expect(ctx.fake.configStoreItems(id)).toEqual({ beta: 'on', new: 'x' });
  });

  it('reads an items file saved with a byte order mark, as Windows editors write it', async () => {
    const id = ctx.fake.addConfigStore({ name: `flags-${++serial}` });
    const file = join(scratch(), 'items.json');
    writeFileSync(file, '\uFEFF{"beta": "on"}');
    const run = await sync({ mode: 'update-config-store', 'service-id': '', 'config-store': id, 'items-file': file });
    expect(run.code).toBe(0);
    expect(ctx.fake.configStoreItems(id)).toEqual({ beta: 'on' });
  });

  it('names a store that does not exist, with zero writes', async () => {
    const run = await sync({ mode: 'update-config-store', 'service-id': '', 'config-store': 'missing-store', items: '{"a": "1"}' });
    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(run.errors).toEqual(["Config store 'missing-store' not found by name or by ID; check 'config-store'"]);
  });
});
