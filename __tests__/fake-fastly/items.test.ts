import { describe, expect, it } from '@jest/globals';
import { useFake } from './use-fake.js';

// The fake's dictionary and config store rules: the action's item tests trust them, so each must be able to fail here.

let seq = 0;

const ctx = useFake(fake => {
  fake.addToken({ token: 'global' });
  fake.addToken({ token: 'read', scopes: ['global:read'] });
  fake.addToken({ token: 'purge', scopes: ['purge_select'] });
  fake.addToken({ token: 'svc-only', services: ['svc-1'] });
});

/** reset() keeps dictionaries, so each test gets its own service, with two versions. */
function freshService() {
  seq += 1;
  const sid = `svc-${seq}`;
  ctx.fake.addService({ id: sid, name: 'site', versions: [{ active: true }, {}] });
  return sid;
}

async function call(path: string, { method = 'GET', token = 'global', json, contentType = 'application/json' }: {
  method?: string; token?: string; json?: unknown; contentType?: string;
} = {}) {
  const res = await fetch(ctx.fake.url + path, {
    method,
    headers: { 'Fastly-Key': token, ...(json === undefined ? {} : { 'Content-Type': contentType }) },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  return { status: res.status, body: (await res.json()) as unknown, headers: res.headers };
}

type Op = { op: string; item_key: string; item_value?: string };
const patch = (path: string, items: Op[], token = 'global') => call(path, { method: 'PATCH', token, json: { items } });
const range = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]));
const upserts = (n: number): Op[] => Array.from({ length: n }, (_, i) => ({ op: 'upsert', item_key: `u${i}`, item_value: 'x' }));

describe('edge dictionaries', () => {
  it('finds a dictionary by name on every version of its service only', async () => {
    const sid = freshService();
    const other = freshService();
    const id = ctx.fake.addDictionary(sid, { name: 'redirects', writeOnly: true });
    const { status, body } = await call(`/service/${sid}/version/2/dictionary/redirects`, { token: 'read' });
    expect(status).toBe(200);
    expect(body).toEqual({
      id, name: 'redirects', service_id: sid, version: 2, write_only: true,
      created_at: expect.any(String), updated_at: expect.any(String), deleted_at: null,
    });
    expect((await call(`/service/${sid}/version/1/dictionary/redirects`)).body).toMatchObject({ id, version: 1 });
    for (const path of [`/service/${sid}/version/1/dictionary/nope`, `/service/${sid}/version/3/dictionary/redirects`,
      `/service/${other}/version/1/dictionary/redirects`]) {
      expect(await call(path)).toMatchObject({ status: 404, body: { msg: 'Record not found' } });
    }
  });

  it("pages 250 items by 100 in creation order, with Fastly's Link order and absolute api.fastly.com URLs", async () => {
    const sid = freshService();
    const id = ctx.fake.addDictionary(sid, { name: 'big', items: range(250) });
    const items = `/service/${sid}/dictionary/${id}/items`;
    const pageUrl = (n: number) => `https://api.fastly.com${items}?page=${n}&per_page=100&sort=created&direction=ascend`;
    const keys = (body: unknown) => (body as { item_key: string }[]).map((item) => item.item_key);

    const first = await call(`${items}?page=1&per_page=100&sort=created&direction=ascend`, { token: 'read' });
    expect(first.status).toBe(200);
    expect(keys(first.body)).toEqual(Object.keys(range(100)));
    expect((first.body as unknown[])[0]).toEqual({
      item_key: 'k0', item_value: 'v0', dictionary_id: id, service_id: sid,
      created_at: expect.any(String), updated_at: expect.any(String), deleted_at: null,
    });
    expect(first.headers.get('link')).toBe(`<${pageUrl(3)}>; rel="last", <${pageUrl(2)}>; rel="next"`);

    const second = await call(`${items}?page=2&per_page=100&sort=created&direction=ascend`);
    expect(keys(second.body)).toEqual(Array.from({ length: 100 }, (_, i) => `k${i + 100}`));
    expect(second.headers.get('link'))
      .toBe(`<${pageUrl(3)}>; rel="last", <${pageUrl(3)}>; rel="next", <${pageUrl(1)}>; rel="prev", <${pageUrl(1)}>; rel="first"`);

    const third = await call(`${items}?page=3&per_page=100&sort=created&direction=ascend`);
    expect(keys(third.body)).toEqual(Array.from({ length: 50 }, (_, i) => `k${i + 200}`));
    expect(third.headers.get('link')).toBe(`<${pageUrl(3)}>; rel="last", <${pageUrl(2)}>; rel="prev", <${pageUrl(1)}>; rel="first"`);
  });

  it('defaults to 100 a page and refuses more than 100 (no larger page is documented) or another order', async () => {
    const sid = freshService();
    const id = ctx.fake.addDictionary(sid, { name: 'big', items: range(101) });
    const items = `/service/${sid}/dictionary/${id}/items`;
    const byDefault = await call(items);
    expect(byDefault.body).toHaveLength(100);
    expect(byDefault.headers.get('link')).toContain('rel="next"');
    expect((await call(`${items}?per_page=100`)).status).toBe(200);
    expect((await call(`${items}?per_page=101`)).status).toBe(400);
    expect((await call(`${items}?page=0`)).status).toBe(400);
    expect((await call(`${items}?direction=descend`)).status).toBe(400);
    expect((await call(`/service/${sid}/dictionary/nope/items`)).status).toBe(404);
  });

  it('refuses to list a write-only dictionary but takes writes to it', async () => {
    const sid = freshService();
    const id = ctx.fake.addDictionary(sid, { name: 'secrets', writeOnly: true, items: { a: '1' } });
    const items = `/service/${sid}/dictionary/${id}/items`;
    expect(await call(items)).toMatchObject({ status: 403, body: { msg: 'Dictionary is write-only' } });
    expect((await patch(items, [{ op: 'upsert', item_key: 'a', item_value: '2' }])).status).toBe(200);
    expect(ctx.fake.dictionaryItems(sid, 'secrets')).toEqual({ a: '2' });
  });

  it('applies create, update, upsert and delete in order, for one write', async () => {
    const sid = freshService();
    const id = ctx.fake.addDictionary(sid, { name: 'redirects', items: { a: '1', b: '2', c: '3' } });
    type Listed = { item_key: string; created_at: string; updated_at: string }[];
    const [before] = (await call(`/service/${sid}/dictionary/${id}/items`)).body as Listed;
    // Timestamps have millisecond precision: let the clock move so an update shows.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const res = await patch(`/service/${sid}/dictionary/${id}/items`, [
      { op: 'create', item_key: 'd', item_value: '4' },
      { op: 'update', item_key: 'a', item_value: '10' },
      { op: 'upsert', item_key: 'b', item_value: '20' },
      { op: 'upsert', item_key: 'e', item_value: '5' },
      { op: 'delete', item_key: 'c' },
      { op: 'create', item_key: 'c', item_value: '30' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers.get('fastly-ratelimit-remaining')).toBe('999');
    // An update keeps the key's place in creation order; a delete and create moves it last.
    expect(Object.entries(ctx.fake.dictionaryItems(sid, 'redirects'))).toEqual([['a', '10'], ['b', '20'], ['d', '4'], ['e', '5'], ['c', '30']]);
    const listed = (await call(`/service/${sid}/dictionary/${id}/items`)).body as Listed;
    expect(listed.map((item) => item.item_key)).toEqual(['a', 'b', 'd', 'e', 'c']);
    expect(listed[0]).toMatchObject({ created_at: before?.created_at });
    expect(listed[0]?.updated_at).not.toBe(before?.updated_at);
  });

  it.each([
    ['create of an existing key', { op: 'create', item_key: 'a', item_value: '9' }, 'create of existing key "a"'],
    ['update of a missing key', { op: 'update', item_key: 'x', item_value: '9' }, 'update of missing key "x"'],
    ['delete of a missing key', { op: 'delete', item_key: 'x' }, 'delete of missing key "x"'],
    ['an empty key', { op: 'upsert', item_key: '', item_value: '9' }, 'upsert of an empty key'],
    ['a key of 257 characters', { op: 'upsert', item_key: 'k'.repeat(257), item_value: '9' },
      `upsert of key "${'k'.repeat(257)}" longer than 256 characters`],
    ['a value of 8001 characters', { op: 'upsert', item_key: 'a', item_value: 'v'.repeat(8001) },
      'upsert of key "a" with a value over 8000 characters'],
    ['create without a value', { op: 'create', item_key: 'y' }, 'create of key "y" without a string item_value'],
    ['update without a value', { op: 'update', item_key: 'a' }, 'update of key "a" without a string item_value'],
    ['upsert without a value', { op: 'upsert', item_key: 'a' }, 'upsert of key "a" without a string item_value'],
    ['an unknown op', { op: 'replace', item_key: 'a', item_value: '9' }, 'unknown op "replace" for key "a"'],
  ])('rejects the whole batch for %s, changing nothing', async (_, bad, detail) => {
    const sid = freshService();
    const id = ctx.fake.addDictionary(sid, { name: 'redirects', items: { a: '1' } });
    const res = await patch(`/service/${sid}/dictionary/${id}/items`, [
      { op: 'upsert', item_key: 'a', item_value: 'changed' },
      { op: 'create', item_key: 'new', item_value: '2' },
      bad,
    ]);
    expect(res).toMatchObject({ status: 400, body: { msg: 'Bad request', detail } });
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({ a: '1' });
  });

  it('takes 256-character keys and 8000-character values', async () => {
    const sid = freshService();
    const id = ctx.fake.addDictionary(sid, { name: 'redirects' });
    const res = await patch(`/service/${sid}/dictionary/${id}/items`, [{ op: 'create', item_key: 'k'.repeat(256), item_value: 'v'.repeat(8000) }]);
    expect(res.status).toBe(200);
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({ ['k'.repeat(256)]: 'v'.repeat(8000) });
  });

  it('takes 1000 ops, refuses 1001 whole, and refuses a body that is not JSON', async () => {
    const sid = freshService();
    const id = ctx.fake.addDictionary(sid, { name: 'redirects' });
    const items = `/service/${sid}/dictionary/${id}/items`;
    expect(await patch(items, upserts(1001))).toMatchObject({ status: 400, body: { msg: 'Batch size exceeds maximum of 1000 operations' } });
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({});
    const form = await call(items, { method: 'PATCH', json: { items: upserts(1) }, contentType: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(400);
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({});
    expect((await patch(items, upserts(1000))).status).toBe(200);
    expect(Object.keys(ctx.fake.dictionaryItems(sid, 'redirects'))).toHaveLength(1000);
  });

  it('refuses writes from a read-only token, and forgets dictionaries when the service is added again', async () => {
    const sid = freshService();
    const id = ctx.fake.addDictionary(sid, { name: 'redirects' });
    expect((await patch(`/service/${sid}/dictionary/${id}/items`, upserts(1), 'read')).status).toBe(403);
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({});
    ctx.fake.addService({ id: sid, name: 'site', versions: [{}] });
    expect(() => ctx.fake.dictionaryItems(sid, 'redirects')).toThrow(`service ${sid} has no dictionary redirects`);
  });
});

describe('config stores', () => {
  const freshStore = (items: Record<string, string> = {}) => ctx.fake.addConfigStore({ name: `flags-${(seq += 1)}`, items });

  it('finds a store by exact name and by id, and 404s an unknown id', async () => {
    const id = freshStore();
    const name = `flags-${seq}`;
    freshStore();
    const byName = await call(`/resources/stores/config?name=${name}`, { token: 'read' });
    expect(byName).toMatchObject({ status: 200 });
    expect(byName.body).toEqual([{ id, name, created_at: expect.any(String), updated_at: expect.any(String), deleted_at: null }]);
    expect((await call(`/resources/stores/config?name=${name}-x`)).body).toEqual([]);
    expect((await call(`/resources/stores/config?name=flags`)).body).toEqual([]);
    expect((await call(`/resources/stores/config/${id}`)).body).toMatchObject({ id, name });
    expect(await call('/resources/stores/config/nope')).toMatchObject({ status: 404, body: { msg: 'Record not found' } });
    expect(await call('/resources/stores/config/nope/items')).toMatchObject({ status: 404, body: { msg: 'Record not found' } });
  });

  it('answers an unknown name with a 404 instead of [] when asked to, until reset', async () => {
    const id = freshStore();
    const name = `flags-${seq}`;
    ctx.fake.setShapes({ unknownStoreName: 404 });
    expect(await call(`/resources/stores/config?name=${name}-x`)).toMatchObject({ status: 404, body: { msg: 'Record not found' } });
    expect((await call(`/resources/stores/config?name=${name}`)).body).toMatchObject([{ id, name }]);
    ctx.fake.reset();
    expect(await call(`/resources/stores/config?name=${name}-x`)).toMatchObject({ status: 200, body: [] });
  });

  it('lists every item in creation order, without paging', async () => {
    const id = freshStore(range(250));
    const { status, body, headers } = await call(`/resources/stores/config/${id}/items`);
    expect(status).toBe(200);
    expect((body as { item_key: string }[]).map((item) => item.item_key)).toEqual(Object.keys(range(250)));
    expect((body as unknown[])[249]).toEqual({
      item_key: 'k249', item_value: 'v249', store_id: id, created_at: expect.any(String), updated_at: expect.any(String),
    });
    expect(headers.get('link')).toBeNull();
  });

  it('applies a batch, all or nothing, with keys up to 255 characters', async () => {
    const id = freshStore({ beta: 'off', legacy: 'on' });
    const items = `/resources/stores/config/${id}/items`;
    const rejected = await patch(items, [
      { op: 'update', item_key: 'beta', item_value: 'on' },
      { op: 'create', item_key: 'k'.repeat(256), item_value: 'x' },
    ]);
    expect(rejected).toMatchObject({ status: 400, body: { msg: 'Bad request', detail: `create of key "${'k'.repeat(256)}" longer than 255 characters` } });
    expect(ctx.fake.configStoreItems(id)).toEqual({ beta: 'off', legacy: 'on' });

    const res = await patch(items, [
      { op: 'update', item_key: 'beta', item_value: 'on' },
      { op: 'delete', item_key: 'legacy' },
      { op: 'create', item_key: 'k'.repeat(255), item_value: 'x' },
    ]);
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(res.headers.get('fastly-ratelimit-remaining')).toBe('999');
    expect(ctx.fake.configStoreItems(id)).toEqual({ beta: 'on', ['k'.repeat(255)]: 'x' });
  });

  it('refuses 1001 ops whole', async () => {
    const id = freshStore();
    expect(await patch(`/resources/stores/config/${id}/items`, upserts(1001))).toMatchObject({
      status: 400, body: { msg: 'Batch size exceeds maximum of 1000 operations' },
    });
    expect(ctx.fake.configStoreItems(id)).toEqual({});
  });

  it('needs global to write, global:read to read, and takes a service-limited token', async () => {
    const id = freshStore({ a: '1' });
    const items = `/resources/stores/config/${id}/items`;
    expect((await call(items, { token: 'read' })).status).toBe(200);
    expect((await patch(items, upserts(1), 'read')).status).toBe(403);
    expect((await call(items, { token: 'purge' })).status).toBe(403);
    expect((await patch(items, upserts(1), 'svc-only')).status).toBe(200);
    expect(ctx.fake.configStoreItems(id)).toEqual({ a: '1', u0: 'x' });
  });

  it('refuses a second store of the same name', () => {
    const id = freshStore();
    expect(() => ctx.fake.addConfigStore({ name: `flags-${seq}` })).toThrow(`config store ${id} is named flags-${seq} already`);
  });
});
