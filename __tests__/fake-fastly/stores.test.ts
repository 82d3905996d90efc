import { describe, expect, it } from '@jest/globals';
import { useFake } from './use-fake.js';

// The fake's KV store and ACL rules: the store and ACL tests trust them, so each must be able to fail here.

let seq = 0;

const ctx = useFake(fake => {
  fake.addToken({ token: 'global' });
  fake.addToken({ token: 'read', scopes: ['global:read'] });
  fake.addToken({ token: 'purge', scopes: ['purge_select'] });
});

const fresh = (what: string) => `${what}-${(seq += 1)}`;

async function call(path: string, { method = 'GET', token = 'global', json, body, contentType, headers = {} }: {
  method?: string; token?: string; json?: unknown; body?: string | Buffer; contentType?: string; headers?: Record<string, string>;
} = {}) {
  const sent = json === undefined ? body : JSON.stringify(json);
  const type = contentType ?? (json === undefined ? undefined : 'application/json');
  const res = await fetch(ctx.fake.url + path, {
    method,
    headers: { 'Fastly-Key': token, ...(type === undefined ? {} : { 'Content-Type': type }), ...headers },
    ...(sent === undefined ? {} : { body: sent })
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, bytes, headers: res.headers };
}

const ndjson = (lines: unknown[]) => lines.map(line => JSON.stringify(line)).join('\n') + '\n';
const b64 = (text: string) => Buffer.from(text).toString('base64');
const batch = (id: string, lines: unknown[], token = 'global') =>
  call(`/resources/stores/kv/${id}/batch`, { method: 'PUT', token, body: ndjson(lines), contentType: 'application/x-ndjson' });
const noRateHeaders = (headers: Headers) => [headers.get('fastly-ratelimit-remaining'), headers.get('fastly-ratelimit-reset')];

describe('KV stores', () => {
  it('lists stores in cursor pages with next_cursor only while more remain, by name, and one by id', async () => {
    const name = fresh('kv');
    const id = ctx.fake.addKvStore({ name, keys: {} });
    const byName = await call(`/resources/stores/kv?name=${name}`, { token: 'read' });
    expect(byName).toMatchObject({ status: 200 });
    expect(byName.body).toEqual({
      data: [{ id, name, created_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/), updated_at: expect.any(String) }],
      meta: { limit: 1000, total: 1 }
    });
    expect((await call('/resources/stores/kv?name=no-such-store')).body).toEqual({ data: [], meta: { limit: 1000, total: 0 } });
    ctx.fake.setShapes({ unknownStoreName: 404 });
    expect(await call('/resources/stores/kv?name=no-such-store')).toMatchObject({ status: 404, body: { msg: 'Record not found' } });
    expect((await call(`/resources/stores/kv?name=${name}`)).status).toBe(200);
    ctx.fake.setShapes({ unknownStoreName: 'empty' });
    for (let i = 0; i < 3; i++) ctx.fake.addKvStore({ name: fresh('kv') });
    const first = await call('/resources/stores/kv?limit=2');
    const meta = (first.body as { meta: { next_cursor?: string } }).meta;
    expect(meta.next_cursor).toEqual(expect.any(String));
    const ids = new Set<string>((first.body as { data: { id: string }[] }).data.map(s => s.id));
    let cursor = meta.next_cursor;
    while (cursor !== undefined) {
      const page = await call(`/resources/stores/kv?limit=2&cursor=${cursor}`);
      const { data, meta: next } = page.body as { data: { id: string }[]; meta: { next_cursor?: string } };
      for (const store of data) ids.add(store.id);
      cursor = next.next_cursor;
    }
    const everything = (await call('/resources/stores/kv')).body as { data: unknown[]; meta: Record<string, unknown> };
    expect(everything.meta).toEqual({ limit: 1000, total: everything.data.length });
    expect(ids.size).toBe(everything.data.length);
    expect(ids.has(id)).toBe(true);
    expect((await call(`/resources/stores/kv/${id}`)).body).toMatchObject({ id, name });
    expect((await call('/resources/stores/kv/nope')).status).toBe(404);
    expect((await call('/resources/stores/kv?limit=1001')).status).toBe(400);
  });

  it('lists keys sorted in pages of at most 1000 with a prefix, the last page without next_cursor', async () => {
    const keys = Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`k${String(2499 - i).padStart(4, '0')}`, 'v']));
    const id = ctx.fake.addKvStore({ name: fresh('kv'), keys: { ...keys, 'other/a': 'x', é: 'y' } });
    const all: string[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const page = await call(`/resources/stores/kv/${id}/keys?cursor=${cursor}`, { token: 'read' });
      const { data, meta } = page.body as { data: string[]; meta: { limit: number; next_cursor?: string } };
      expect(meta.limit).toBe(1000);
      expect(data.length).toBeLessThanOrEqual(1000);
      all.push(...data);
      cursor = meta.next_cursor ?? '';
      pages += 1;
    } while (cursor !== '');
    expect(pages).toBe(3);
    expect(all).toEqual([...Object.keys(keys).sort(), 'other/a', 'é']);
    const prefixed = await call(`/resources/stores/kv/${id}/keys?prefix=other/`);
    expect(prefixed.body).toEqual({ data: ['other/a'], meta: { limit: 1000 } });
    const small = await call(`/resources/stores/kv/${id}/keys?limit=2&prefix=k`);
    expect(small.body).toEqual({ data: ['k0000', 'k0001'], meta: { limit: 2, next_cursor: expect.any(String) } });
    expect((await call(`/resources/stores/kv/${id}/keys?limit=1001`)).status).toBe(400);
    expect((await call(`/resources/stores/kv/${id}/keys?cursor=%21%21`)).status).toBe(400);
  });

  it('answers a value as raw bytes with its generation and metadata, 404 for a missing key', async () => {
    const id = ctx.fake.addKvStore({ name: fresh('kv'), keys: { 'a/b c': { value: 'héllo', metadata: '{"v":"ü"}' }, plain: 'x' } });
    const got = await call(`/resources/stores/kv/${id}/keys/${encodeURIComponent('a/b c')}`, { token: 'read' });
    expect(got.status).toBe(200);
    expect(got.text).toBe('héllo');
    expect(got.headers.get('content-type')).toBe('application/octet-stream');
    const generation = got.headers.get('generation') ?? '';
    expect(generation).toMatch(/^\d+$/);
    expect(BigInt(generation) > 2n ** 32n).toBe(true);
    expect(Buffer.from(got.headers.get('metadata') ?? '', 'latin1').toString('utf8')).toBe('{"v":"ü"}');
    expect((await call(`/resources/stores/kv/${id}/keys/plain`)).headers.get('metadata')).toBe('');
    expect((await call(`/resources/stores/kv/${id}/keys/missing`)).status).toBe(404);
  });

  it('puts one key: 200 empty, 412 for add on an existing key or a generation mismatch; no rate-limit headers', async () => {
    const id = ctx.fake.addKvStore({ name: fresh('kv'), keys: { a: 'old' } });
    const path = `/resources/stores/kv/${id}/keys/a`;
    const put = await call(path, { method: 'PUT', body: Buffer.from([0xff, 0x00, 0x41]), headers: { metadata: 'm', time_to_live_sec: '60' } });
    expect(put).toMatchObject({ status: 200, text: '' });
    expect(noRateHeaders(put.headers)).toEqual([null, null]);
    expect((await call(path)).bytes).toEqual(Buffer.from([0xff, 0x00, 0x41]));
    const { generation } = ctx.fake.kvStoreKeys(id).a ?? { generation: '' };
    expect(ctx.fake.kvStoreKeys(id).a).toMatchObject({ metadata: 'm', ttl: 60 });
    expect((await call(`${path}?add=true`, { method: 'PUT', body: 'x' })).status).toBe(412);
    expect((await call(path, { method: 'PUT', body: 'x', headers: { 'if-generation-match': '1' } })).status).toBe(412);
    expect((await call(path, { method: 'PUT', body: 'y', headers: { 'if-generation-match': generation } })).status).toBe(200);
    expect(ctx.fake.kvStoreKeys(id).a).toMatchObject({ value: 'y', metadata: '' });
    expect((await call(`/resources/stores/kv/${id}/keys/${encodeURIComponent('a?b')}`, { method: 'PUT', body: 'x' })).status).toBe(400);
    expect((await call(path, { method: 'PUT', body: 'x', token: 'read' })).status).toBe(403);
  });

  it('deletes a key with 204, 404 for a missing one unless force=true', async () => {
    const id = ctx.fake.addKvStore({ name: fresh('kv'), keys: { a: '1', b: '2' } });
    const gone = await call(`/resources/stores/kv/${id}/keys/a`, { method: 'DELETE' });
    expect(gone).toMatchObject({ status: 204, text: '' });
    expect(noRateHeaders(gone.headers)).toEqual([null, null]);
    expect((await call(`/resources/stores/kv/${id}/keys/a`, { method: 'DELETE' })).status).toBe(404);
    expect((await call(`/resources/stores/kv/${id}/keys/a?force=true`, { method: 'DELETE' })).status).toBe(204);
    expect(Object.keys(ctx.fake.kvStoreKeys(id))).toEqual(['b']);
  });

  it('writes an NDJSON batch of base64 values with metadata and TTL, answering success', async () => {
    const id = ctx.fake.addKvStore({ name: fresh('kv'), keys: { a: 'old' } });
    const answer = await batch(id, [
      { key: 'a', value: b64('new'), metadata: 'meta' },
      { key: 'b', value: b64('ünï'), time_to_live_sec: 30 }
    ]);
    expect(answer).toMatchObject({ status: 200, body: { type: '', title: 'success', errors: [] } });
    expect(noRateHeaders(answer.headers)).toEqual([null, null]);
    expect(ctx.fake.kvStoreKeys(id)).toEqual({
      a: { value: 'new', metadata: 'meta', generation: expect.any(String), ttl: null },
      b: { value: 'ünï', metadata: '', generation: expect.any(String), ttl: 30 }
    });
  });

  it('fails a batch line by line with key, index, code and reason; good lines land unless told otherwise', async () => {
    const longKey = 'é'.repeat(513);
    const lines = [
      { key: 'good', value: b64('1') },
      { key: 'a#b', value: b64('x') },
      { key: '..', value: b64('x') },
      { key: '.well-known/acme-challenge/t', value: b64('x') },
      { key: longKey, value: b64('x') },
      { key: 'bad64', value: 'not base64!' },
      { key: 'meta', value: b64('x'), metadata: 'm'.repeat(2001) },
      { key: 'good2', value: b64('2') }
    ];
    const id = ctx.fake.addKvStore({ name: fresh('kv') });
    const answer = await batch(id, lines);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      title: expect.any(String),
      type: expect.any(String),
      errors: [1, 2, 3, 4, 5, 6].map(index => ({ key: lines[index]?.key, index, code: '400', reason: expect.any(String) }))
    });
    expect(Object.keys(ctx.fake.kvStoreKeys(id))).toEqual(['good', 'good2']);

    ctx.fake.setKv({ batchCommits: false });
    const atomic = ctx.fake.addKvStore({ name: fresh('kv') });
    expect((await batch(atomic, lines)).status).toBe(400);
    expect(ctx.fake.kvStoreKeys(atomic)).toEqual({});
  });

  it('answers 413 for a value over the limit, 415 for a body that is not NDJSON, 403 without global', async () => {
    const id = ctx.fake.addKvStore({ name: fresh('kv') });
    ctx.fake.setKv({ maxValueBytes: 4 });
    const big = await batch(id, [{ key: 'big', value: b64('12345') }]);
    expect(big).toMatchObject({ status: 413, body: { errors: [{ key: 'big', index: 0, code: '413' }] } });
    expect((await call(`/resources/stores/kv/${id}/keys/big`, { method: 'PUT', body: '12345' })).status).toBe(413);
    expect((await batch(id, [{ key: 'ok', value: b64('1234') }])).status).toBe(200);
    const json = await call(`/resources/stores/kv/${id}/batch`, { method: 'PUT', json: { key: 'x', value: b64('1') } });
    expect(json.status).toBe(415);
    expect((await batch(id, [{ key: 'x', value: b64('1') }], 'read')).status).toBe(403);
    expect(Object.keys(ctx.fake.kvStoreKeys(id))).toEqual(['ok']);
  });

  it('spends no write budget on KV writes', async () => {
    const id = ctx.fake.addKvStore({ name: fresh('kv') });
    ctx.fake.exhaustWrites(3600);
    expect((await batch(id, [{ key: 'x', value: b64('1') }])).status).toBe(200);
    expect((await call(`/resources/stores/kv/${id}/keys/x`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('VCL ACLs', () => {
  const service = () => {
    const sid = fresh('svc');
    ctx.fake.addService({ id: sid, name: 'site', versions: [{ active: true }, {}] });
    return sid;
  };

  it('finds an ACL by name on a version, version as a string; 404 Record not found otherwise', async () => {
    const sid = service();
    const id = ctx.fake.addAcl(sid, { name: 'blocklist' });
    const got = await call(`/service/${sid}/version/2/acl/blocklist`, { token: 'read' });
    expect(got).toMatchObject({ status: 200, body: { id, name: 'blocklist', service_id: sid, version: '2' } });
    for (const path of [`/service/${sid}/version/1/acl/nope`, `/service/${sid}/version/3/acl/blocklist`]) {
      expect(await call(path)).toMatchObject({ status: 404, body: { msg: 'Record not found' } });
    }
  });

  it('lists entries 20 a page by default, at most 100, negated "0"/"1" and subnet null for a host, with Link paging', async () => {
    const sid = service();
    const entries = Array.from({ length: 45 }, (_, i) => ({ ip: `192.0.2.${i}`, ...(i === 0 ? { subnet: 32, negated: true, comment: 'c' } : {}) }));
    const id = ctx.fake.addAcl(sid, { name: 'big', entries });
    const path = `/service/${sid}/acl/${id}/entries`;
    const first = await call(path, { token: 'read' });
    const rows = first.body as Record<string, unknown>[];
    expect(rows).toHaveLength(20);
    expect(rows[0]).toEqual({
      id: expect.any(String), acl_id: id, service_id: sid, ip: '192.0.2.0', subnet: 32, negated: '1', comment: 'c',
      created_at: expect.any(String), updated_at: expect.any(String), deleted_at: null
    });
    expect(rows[1]).toMatchObject({ ip: '192.0.2.1', subnet: null, negated: '0', comment: '' });
    const url = (n: number, per: number) => `${ctx.fake.url}${path}?page=${n}&per_page=${per}&sort=created&direction=ascend`;
    expect(first.headers.get('link')).toBe(`<${url(3, 20)}>; rel="last", <${url(2, 20)}>; rel="next"`);
    const third = await call(`${path}?page=3&per_page=20`);
    expect(third.body as unknown[]).toHaveLength(5);
    expect(third.headers.get('link')).toBe(`<${url(3, 20)}>; rel="last", <${url(2, 20)}>; rel="prev", <${url(1, 20)}>; rel="first"`);
    const whole = await call(`${path}?per_page=100`);
    expect(whole.body as unknown[]).toHaveLength(45);
    expect(whole.headers.get('link')).toBeNull();
    expect((await call(`${path}?per_page=101`)).status).toBe(400);
  });

  it('applies a PATCH of creates, updates and deletes by id with rate-limit headers, all or nothing, at most 1000 ops', async () => {
    const sid = service();
    const id = ctx.fake.addAcl(sid, { name: 'acl', entries: [{ ip: '192.0.2.0', subnet: 24 }, { ip: '198.51.100.7' }] });
    const [keep, drop] = ctx.fake.aclEntries(sid, 'acl');
    const path = `/service/${sid}/acl/${id}/entries`;
    const answer = await call(path, {
      method: 'PATCH',
      json: { entries: [
        { op: 'create', ip: '2001:db8::', subnet: 32, negated: 0, comment: 'v6' },
        { op: 'update', id: keep?.id, ip: '192.0.2.0', subnet: 24, negated: 1, comment: 'now negated' },
        { op: 'delete', id: drop?.id }
      ] }
    });
    expect(answer).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(answer.headers.get('fastly-ratelimit-remaining')).toMatch(/^\d+$/);
    expect(ctx.fake.aclEntries(sid, 'acl')).toEqual([
      { id: keep?.id, ip: '192.0.2.0', subnet: 24, negated: true, comment: 'now negated' },
      { id: expect.any(String), ip: '2001:db8::', subnet: 32, negated: false, comment: 'v6' }
    ]);
    const before = ctx.fake.aclEntries(sid, 'acl');
    const refused = await call(path, { method: 'PATCH', json: { entries: [{ op: 'create', ip: '203.0.113.1' }, { op: 'delete', id: 'nope' }] } });
    expect(refused.status).toBe(400);
    expect((await call(path, { method: 'PATCH', json: { entries: [{ op: 'create', ip: '192.0.2.0', subnet: 24 }] } })).status).toBe(400);
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ op: 'create', ip: `10.0.${i >> 8}.${i & 255}` }));
    expect((await call(path, { method: 'PATCH', json: { entries: tooMany } })).status).toBe(400);
    expect((await call(path, { method: 'PATCH', token: 'read', json: { entries: [] } })).status).toBe(403);
    expect(ctx.fake.aclEntries(sid, 'acl')).toEqual(before);
    const thousand = tooMany.slice(0, 1000);
    expect((await call(path, { method: 'PATCH', json: { entries: thousand } })).status).toBe(200);
    expect(ctx.fake.aclEntries(sid, 'acl')).toHaveLength(1002);
  });
});

describe('Compute ACLs', () => {
  it('lists ACLs and finds one by id; 404 for an unknown one', async () => {
    const name = fresh('cacl');
    const id = ctx.fake.addComputeAcl({ name });
    const list = await call('/resources/acls', { token: 'read' });
    const { data, meta } = list.body as { data: { id: string; name: string }[]; meta: { total: number } };
    expect(data).toContainEqual({ id, name });
    expect(meta.total).toBe(data.length);
    expect((await call(`/resources/acls/${id}`)).body).toEqual({ name, id });
    expect((await call('/resources/acls/nope')).status).toBe(404);
  });

  it('pages entries by limit and cursor under the key "entries", next_cursor only while more remain', async () => {
    const entries = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`10.0.${i}.0/24`, i % 2 ? 'ALLOW' : 'BLOCK'] as const));
    const id = ctx.fake.addComputeAcl({ name: fresh('cacl'), entries });
    const seen: { prefix: string; action: string }[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const page = await call(`/resources/acls/${id}/entries?limit=100&cursor=${encodeURIComponent(cursor)}`, { token: 'read' });
      const body = page.body as { entries: { prefix: string; action: string }[]; meta: { limit: number; next_cursor?: string } };
      expect(body.meta.limit).toBe(100);
      seen.push(...body.entries);
      cursor = body.meta.next_cursor ?? '';
      pages += 1;
    } while (cursor !== '');
    expect(pages).toBe(3);
    expect(seen).toEqual(Object.entries(entries).map(([prefix, action]) => ({ prefix, action })));
    expect((await call(`/resources/acls/${id}/entries?cursor=zzz`)).status).toBe(400);
  });

  it('answers a PATCH 202 with no body and no rate-limit headers; a bad prefix refuses the whole batch', async () => {
    const id = ctx.fake.addComputeAcl({ name: fresh('cacl'), entries: { '192.0.2.0/24': 'BLOCK', '198.51.100.0/24': 'ALLOW' } });
    const path = `/resources/acls/${id}/entries`;
    const answer = await call(path, {
      method: 'PATCH',
      json: { entries: [
        { op: 'create', prefix: '2001:db8::/32', action: 'BLOCK' },
        { op: 'update', prefix: '192.0.2.0/24', action: 'ALLOW' },
        { op: 'delete', prefix: '198.51.100.0/24' }
      ] }
    });
    expect(answer).toMatchObject({ status: 202, text: '' });
    expect(noRateHeaders(answer.headers)).toEqual([null, null]);
    expect(ctx.fake.computeAclEntries(id)).toEqual({ '192.0.2.0/24': 'ALLOW', '2001:db8::/32': 'BLOCK' });
    for (const prefix of ['192.0.2.5/24', '192.0.2.0', '300.0.0.0/8', '2001:db8::/129']) {
      const refused = await call(path, { method: 'PATCH', json: { entries: [{ op: 'delete', prefix: '192.0.2.0/24' }, { op: 'create', prefix, action: 'BLOCK' }] } });
      expect(refused.status).toBe(400);
    }
    expect((await call(path, { method: 'PATCH', json: { entries: [{ op: 'create', prefix: '10.0.0.0/8', action: 'DENY' }] } })).status).toBe(400);
    expect((await call(path, { method: 'PATCH', token: 'read', json: { entries: [] } })).status).toBe(403);
    expect(ctx.fake.computeAclEntries(id)).toEqual({ '192.0.2.0/24': 'ALLOW', '2001:db8::/32': 'BLOCK' });
  });
});
