import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { SERVICE, TOKEN, useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, readable, runAction, scratch } from './run-action.js';

// Answers Fastly gives that are not what the call returns, and lists that do not end: what the user is told
// must match what the fake really holds afterwards.

const ctx = useFakeFastly();

let serial = 0;

const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);
const purgeRequests = () => ctx.fake.requests.filter(r => r.path === `/service/${SERVICE}/purge`);

function dictionaryService(items: Record<string, string>): string {
  const sid = `ANS${++serial}DICT`;
  ctx.fake.addService({ id: sid, name: `ans-${serial}`, versions: [{ active: true }] });
  ctx.fake.addDictionary(sid, { name: 'redirects', items });
  return sid;
}

function range(n: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `/to/${i}`]));
}

function updateDictionary(sid: string, extra: Record<string, string>) {
  return runAction(ctx.inputs({ mode: 'update-dictionary', 'api-token': TOKEN, 'service-id': sid, dictionary: 'redirects', ...extra }));
}

const itemGets = () => ctx.fake.requests.filter(r => r.method === 'GET' && r.path.includes('/items?'));
const patches = () => ctx.fake.writes().filter(r => r.method === 'PATCH');

describe('purge-keys believes only purge IDs', () => {
  it.each([
    ['malformed JSON', '{"k0": "1234-1", "k1": '],
    ['an HTML page', '<html><body>Service temporarily unavailable</body></html>'],
    ['an empty body', ''],
    ['{"status":"error"}', '{"status":"error"}']
  ])('600 keys answered 200 with %s: none counted purged, every key failed, exit 1', async (_name, text) => {
    ctx.fake.fault({ method: 'POST', path: `/service/${SERVICE}/purge`, times: Infinity, kind: 'raw', text });
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: keys(600).join(' '), 'max-retries': '0' }));

    expect(run.code).toBe(1);
    expect(purgeRequests()).toHaveLength(3);
    expect(ctx.fake.purges).toHaveLength(0);
    expect(run.outputs['purged-count']).toBe('0');
    const [service] = JSON.parse(run.outputs.result ?? '{}').services;
    expect(service).toMatchObject({ requested: 600, purged: 0, failedCount: 600 });
    expect(readable(run.summary)).toContain(`Fastly answered HTTP 200 to POST /service/${SERVICE}/purge but its answer`);
    expectNoStackTrace(run);
  });

  it('counts only the keys the answer maps to an ID, after retrying the batch, and names the others', async () => {
    // Fastly purges all three but answers for one: the other two are not confirmed, so they are not claimed.
    ctx.fake.fault({ method: 'POST', path: `/service/${SERVICE}/purge`, times: Infinity, kind: 'raw', text: '{"a": "id-a"}', afterHandler: true });
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a b c', 'max-retries': '1' }));

    expect(run.code).toBe(1);
    expect(purgeRequests()).toHaveLength(2);
    expect(run.outputs['purged-count']).toBe('1');
    expect(JSON.parse(run.outputs['purge-ids'] ?? '{}')).toEqual({ a: 'id-a' });
    const [service] = JSON.parse(run.outputs.result ?? '{}').services;
    const reason = 'Fastly answered HTTP 200 but did not confirm this key (its answer held no purge ID for it)';
    expect(service.failed).toEqual([{ item: 'b', reason }, { item: 'c', reason }]);
    expect(readable(run.summary)).toContain(reason);
  });

  it('takes the recorded answer, with no Content-Type and no rate-limit headers, as confirmation', async () => {
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a b' }));
    expect(run.code).toBe(0);
    expect(run.outputs['purged-count']).toBe('2');
    expect(ctx.fake.purges.map(p => p.target)).toEqual(['a', 'b']);
  });
});

describe('item lists that cannot be trusted stop the run before any write', () => {
  it('an item list answered with malformed JSON under delete-missing deletes nothing and fails', async () => {
    const sid = dictionaryService({ x: '1', y: '2' });
    ctx.fake.fault({ method: 'GET', path: /\/items\?/, times: Infinity, kind: 'raw', text: '[{"item_key": "x", "item_' });
    const run = await updateDictionary(sid, { items: '{"a": "1"}', 'delete-missing': 'true', 'max-retries': '1' });

    expect(run.code).toBe(1);
    expect(patches()).toHaveLength(0);
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({ x: '1', y: '2' });
    expect(readable(run.summary)).toContain('but its answer is not JSON');
    expect(readable(run.summary)).not.toContain('in the wanted state');
    expectNoStackTrace(run);
  });

  it('an item list of the wrong shape (an object, not a list) is refused the same way', async () => {
    const sid = dictionaryService({ x: '1' });
    ctx.fake.fault({ method: 'GET', path: /\/items\?/, times: Infinity, kind: 'raw', text: '{"data": []}' });
    const run = await updateDictionary(sid, { items: '{"a": "1"}', 'delete-missing': 'true', 'max-retries': '0' });

    expect(run.code).toBe(1);
    expect(patches()).toHaveLength(0);
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({ x: '1' });
    expect(readable(run.summary)).toContain('but its answer is not the list of items it returns');
  });

  it('a next link back to a page already read stops the read, naming the endpoint, and deletes nothing', async () => {
    const { sid, id } = dictionaryWithId(range(150));
    const endpoint = `/service/${sid}/dictionary/${id}/items`;
    // Page 2 links back to page 1: the loop that was once fetched 50,247 times.
    const loop = `<https://api.fastly.com${endpoint}?page=1&per_page=100&sort=created&direction=ascend>; rel="next"`;
    ctx.fake.fault({ method: 'GET', path: /\/items\?page=2&/, times: Infinity, kind: 'slow', delayMs: 0, headers: { Link: loop } });
    const run = await updateDictionary(sid, { items: '{"a": "1"}', 'delete-missing': 'true' });

    expect(run.code).toBe(1);
    expect(itemGets().map(r => new URL(r.path, 'http://x').searchParams.get('page'))).toEqual(['1', '2']);
    expect(patches()).toHaveLength(0);
    expect(Object.keys(ctx.fake.dictionaryItems(sid, 'redirects'))).toHaveLength(150);
    expect(readable(run.summary)).toContain(`Fastly's item list at GET ${endpoint} links back to a page already read`);
    expectNoStackTrace(run);
  });

  it('more pages than a dictionary can hold (250 of 100) stops the read and deletes nothing', async () => {
    const { sid, id } = dictionaryWithId(range(25_001));
    const run = await updateDictionary(sid, { items: '{"a": "1"}', 'delete-missing': 'true' });

    expect(run.code).toBe(1);
    expect(itemGets()).toHaveLength(250);
    expect(patches()).toHaveLength(0);
    expect(Object.keys(ctx.fake.dictionaryItems(sid, 'redirects'))).toHaveLength(25_001);
    expect(readable(run.summary)).toContain(
      `Fastly's item list at GET /service/${sid}/dictionary/${id}/items has more than 250 pages of 100 (over the 25,000 items a dictionary holds)`
    );
  });

  it('25,000 items, the most a dictionary holds, are read whole and kept', async () => {
    const { sid } = dictionaryWithId(range(25_000));
    const run = await updateDictionary(sid, { items: '{"k0": "/to/0"}', 'max-retries': '0' });
    expect(run.code).toBe(0);
    expect(itemGets()).toHaveLength(250);
    expect(patches()).toHaveLength(0);
  });
});

describe('a batch write in doubt is judged by a fresh read', () => {
  it('a delete applied whose answer was lost, then refused on retry (missing key), is reported done', async () => {
    const sid = dictionaryService({ old: '1', keep: '2' });
    ctx.fake.fault({ method: 'PATCH', path: /\/items$/, times: 1, kind: 'drop', afterHandler: true });
    const run = await updateDictionary(sid, { items: '{"old": null, "new": "3"}' });

    expect(run.code).toBe(0);
    expect(patches().map(r => r.status)).toEqual([0, 400]);
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({ keep: '2', new: '3' });
    // The first read before the writes, and the one that settled the doubt.
    expect(itemGets()).toHaveLength(2);
    const [store] = JSON.parse(run.outputs.result ?? '{}').stores;
    expect(store).toMatchObject({ status: 'synced', failedCount: 0, created: 1, deleted: 1 });
  });

  it('a batch refused on retry that did not land stays failed, key by key', async () => {
    const sid = dictionaryService({ keep: '2' });
    // The first attempt is lost before Fastly acts; the retry is refused: nothing is there, so nothing is claimed.
    ctx.fake.fault({ method: 'PATCH', path: /\/items$/, times: 1, kind: 'drop' });
    ctx.fake.fault({ method: 'PATCH', path: /\/items$/, times: 1, kind: 'status', status: 409, body: { msg: 'Conflict' } });
    const run = await updateDictionary(sid, { items: '{"new": "3"}' });

    expect(run.code).toBe(1);
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({ keep: '2' });
    expect(itemGets()).toHaveLength(2);
    const [store] = JSON.parse(run.outputs.result ?? '{}').stores;
    expect(store).toMatchObject({ status: 'failed', failedCount: 1, failed: [{ key: 'new', reason: expect.stringContaining('HTTP 409') }] });
  });
});

describe('answers whose shape no recording confirms: the action takes either', () => {
  it("an unknown config store name answered 404 instead of [] is 'not found', not a crash", async () => {
    ctx.fake.setShapes({ unknownStoreName: 404 });
    const run = await runAction(ctx.inputs({ mode: 'update-config-store', 'api-token': TOKEN, 'service-id': '', 'config-store': 'nope', items: '{"a": "1"}' }));
    expect(run.code).toBe(1);
    expect(run.errors).toContain("Config store 'nope' not found by name or by ID; check 'config-store'");
    expect(ctx.fake.writes()).toHaveLength(0);
  });

  it('a KV store name matching nothing answered 404 instead of an empty list: the store is then found by ID, and written', async () => {
    const id = ctx.fake.addKvStore({ name: `ans-kv-${++serial}`, keys: { a: 'old' } });
    ctx.fake.setShapes({ unknownStoreName: 404 });
    const run = await runAction(ctx.inputs({ mode: 'update-kv-store', 'api-token': TOKEN, 'service-id': '', 'kv-store': id, items: '{"a": "new"}' }));

    expect(run.code).toBe(0);
    expect(ctx.fake.requests.filter(r => r.path.startsWith('/resources/stores/kv?')).map(r => r.path)).toEqual([`/resources/stores/kv?name=${id}`]);
    expect(ctx.fake.kvStoreKeys(id).a).toMatchObject({ value: 'new' });
  });

  it("an unknown KV store name answered 404 is 'not found', with no write", async () => {
    ctx.fake.setShapes({ unknownStoreName: 404 });
    const run = await runAction(ctx.inputs({ mode: 'update-kv-store', 'api-token': TOKEN, 'service-id': '', 'kv-store': 'nope', items: '{"a": "1"}' }));

    expect(run.code).toBe(1);
    expect(run.errors).toContain("KV store 'nope' not found by name or by ID; check 'kv-store'");
    expect(ctx.fake.writes()).toHaveLength(0);
    expectNoStackTrace(run);
  });

  it('a failed validation answered 400 leaves production alone, with Fastly\'s message', async () => {
    const sid = `ANS${++serial}VAL`;
    ctx.fake.addService({ id: sid, name: 'val', versions: [{ active: true, vcls: [{ name: 'main', content: 'sub vcl_recv { }', main: true }] }] });
    ctx.fake.setShapes({ failedValidation: 400 });
    const run = await runAction(ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, 'vcl-files': vclFile('main.vcl', 'SYNTAX ERROR\n'), lint: 'false' }));

    expect(run.code).toBe(1);
    expect(ctx.fake.service(sid).activeVersion).toBe(1);
    expect(ctx.fake.writes().some(r => r.path.endsWith('/activate'))).toBe(false);
    expect(run.errors.join('\n')).toContain("Syntax error: Unexpected 'SYNTAX' in VCL 'main'");
    expect(run.errors.at(-1)).toBe(`Fastly found version 2 of ${sid} invalid; version 2 was left as a draft and production stays on version 1`);
  });
});

describe('a staged version is found in either shape', () => {
  it.each(['environments', 'flag', 'service'] as const)('shown by %s: staging reports the version it replaced', async staged => {
    const sid = `ANS${++serial}STG`;
    ctx.fake.addService({ id: sid, name: 'stg', versions: [{ active: true }, { staging: true }, {}] });
    ctx.fake.setShapes({ staged });
    const run = await runAction(ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, environment: 'staging', version: '3' }));

    expect(run.code).toBe(0);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 1, stagingVersion: 4 });
    expect(readable(run.summary)).toContain('version 4 active on staging (was 2)');
  });
});

describe('VCL writes need the VCL back', () => {
  it('a VCL update answered with an HTML page is not "updated", and the version is not activated', async () => {
    const sid = `ANS${++serial}VCL`;
    ctx.fake.addService({ id: sid, name: 'vcl', versions: [{ active: true, vcls: [{ name: 'main', content: 'sub vcl_recv { }', main: true }] }] });
    ctx.fake.fault({ method: 'PUT', path: /\/vcl\/main$/, times: Infinity, kind: 'raw', text: '<html><body>OK</body></html>', headers: { 'Content-Type': 'text/html' } });
    const run = await runAction(ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, 'vcl-files': vclFile('main.vcl', 'sub vcl_recv { set req.http.X = "2"; }\n'), 'max-retries': '1' }));

    expect(run.code).toBe(1);
    expect(ctx.fake.service(sid).activeVersion).toBe(1);
    expect(ctx.fake.writes().some(r => r.path.endsWith('/activate'))).toBe(false);
    expect(ctx.fake.requests.filter(r => r.path.endsWith('/vcl/main'))).toHaveLength(2);
    expect(readable(run.summary)).toContain(`Fastly answered HTTP 200 to PUT /service/${sid}/version/2/vcl/main but its answer is not JSON (OK)`);
    expect(readable(run.summary)).not.toMatch(/version 2 active/);
  });
});

function dictionaryWithId(items: Record<string, string>): { sid: string; id: string } {
  const sid = `ANS${++serial}DICT`;
  ctx.fake.addService({ id: sid, name: `ans-${serial}`, versions: [{ active: true }] });
  return { sid, id: ctx.fake.addDictionary(sid, { name: 'redirects', items }) };
}

function vclFile(name: string, content: string): string {
  const dir = join(scratch(), 'vcl');
  mkdirSync(dir);
  writeFileSync(join(dir, name), content);
  return join(dir, name);
}
