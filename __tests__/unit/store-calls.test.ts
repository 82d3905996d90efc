import { describe, expect, it } from '@jest/globals';
import { useFake } from '../fake-fastly/use-fake.js';
import { type FastlyApi, createFastlyClient } from '../../src/fastly/client.js';
import { FastlyUnconfirmedError } from '../../src/fastly/errors.js';

// The KV store and ACL calls against the fake: what was asked, what came back, and answers that must not be trusted.

const TOKEN = 'store-token';
let seq = 0;
const fresh = (what: string) => `${what}-${(seq += 1)}`;

const ctx = useFake(fake => fake.addToken({ token: TOKEN }));

function client(dryRun = false): FastlyApi {
  return createFastlyClient({
    baseUrl: ctx.fake.url,
    token: TOKEN,
    maxRetries: 2,
    dryRun,
    timeoutMs: 5000,
    sleep: async () => undefined,
    random: () => 0
  });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

const paths = (prefix: string) => ctx.fake.requests.filter(r => r.path.startsWith(prefix)).map(r => `${r.method} ${r.path}`);

describe('KV store calls', () => {
  it('finds a store by name, then by ID, and answers undefined for neither', async () => {
    const name = fresh('kv');
    const id = ctx.fake.addKvStore({ name });
    const api = client();
    await expect(api.findKvStore(name)).resolves.toEqual({ id, name });
    await expect(api.findKvStore(id)).resolves.toEqual({ id, name });
    await expect(api.findKvStore('no-such-store')).resolves.toBeUndefined();
    api.dispose();
  });

  it('lists every key by cursor pages of 1000', async () => {
    const keys = Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`k${String(i).padStart(4, '0')}`, 'v']));
    const id = ctx.fake.addKvStore({ name: fresh('kv'), keys });
    const api = client();
    await expect(api.listKvKeys(id)).resolves.toEqual(Object.keys(keys));
    const asked = paths(`/resources/stores/kv/${id}/keys`);
    expect(asked).toHaveLength(3);
    expect(asked[0]).toBe(`GET /resources/stores/kv/${id}/keys?consistency=strong&limit=1000`);
    expect(asked[1]).toMatch(/\?consistency=strong&limit=1000&cursor=./);
    api.dispose();
  });

  it('stops a key list that comes back to a cursor already read, naming the endpoint', async () => {
    const id = ctx.fake.addKvStore({ name: fresh('kv') });
    ctx.fake.fault({ path: `/resources/stores/kv/${id}/keys`, kind: 'status', status: 200, times: 3, body: { data: ['a'], meta: { next_cursor: 'AAA' } } });
    const api = client();
    const error = await failure(api.listKvKeys(id));
    expect(error.message).toBe(`Fastly's list at GET /resources/stores/kv/${id}/keys came back to a page already read (AAA); the list cannot be trusted, so nothing was changed`);
    expect(paths(`/resources/stores/kv/${id}/keys`)).toHaveLength(2);
    api.dispose();
  });

  it('refuses a key page of the wrong shape instead of reading it as empty', async () => {
    const id = ctx.fake.addKvStore({ name: fresh('kv'), keys: { a: '1' } });
    ctx.fake.fault({ path: `/resources/stores/kv/${id}/keys`, kind: 'status', status: 200, times: 3, body: { keys: [] } });
    const api = client();
    const error = await failure(api.listKvKeys(id));
    expect(error).toBeInstanceOf(FastlyUnconfirmedError);
    expect(error.message).toBe(`Fastly answered HTTP 200 to GET /resources/stores/kv/${id}/keys?consistency=strong&limit=1000 but its answer is not the key list it returns ({"data": ["key", …], "meta"}) (after 2 retries)`);
    expect(paths(`/resources/stores/kv/${id}/keys`)).toHaveLength(3);
    api.dispose();
  });

  it('reads a value with its metadata and generation as text, undefined for a missing key', async () => {
    const id = ctx.fake.addKvStore({ name: fresh('kv'), keys: { 'dir/é': { value: 'ünï', metadata: '{"a":"ß"}' }, plain: 'x' } });
    const api = client();
    const { generation } = ctx.fake.kvStoreKeys(id)['dir/é'] ?? { generation: 'none' };
    await expect(api.getKvValue(id, 'dir/é')).resolves.toEqual({ value: 'ünï', metadata: '{"a":"ß"}', generation });
    expect(typeof generation).toBe('string');
    await expect(api.getKvValue(id, 'plain')).resolves.toMatchObject({ value: 'x', metadata: '' });
    await expect(api.getKvValue(id, 'missing')).resolves.toBeUndefined();
    expect(paths(`/resources/stores/kv/${id}/keys/`)).toContain(`GET /resources/stores/kv/${id}/keys/dir%2F%C3%A9`);
    api.dispose();
  });

  it('upserts a batch as NDJSON with base64 values, metadata and TTL', async () => {
    const id = ctx.fake.addKvStore({ name: fresh('kv'), keys: { a: 'old' } });
    const api = client();
    await expect(api.upsertKvBatch(id, [{ key: 'a', value: 'new', metadata: 'm' }, { key: 'b', value: 'ü', ttl: 60 }])).resolves.toEqual([]);
    expect(ctx.fake.kvStoreKeys(id)).toEqual({
      a: { value: 'new', metadata: 'm', generation: expect.any(String), ttl: null },
      b: { value: 'ü', metadata: '', generation: expect.any(String), ttl: 60 }
    });
    const sent = ctx.fake.requests.find(r => r.method === 'PUT');
    expect(sent?.headers['content-type']).toBe('application/x-ndjson');
    expect(sent?.body).toBe(`{"key":"a","value":"bmV3","metadata":"m"}\n{"key":"b","value":"w7w=","time_to_live_sec":60}\n`);
    api.dispose();
  });

  it('answers the lines a batch refused, by key and line', async () => {
    const id = ctx.fake.addKvStore({ name: fresh('kv') });
    ctx.fake.setKv({ maxValueBytes: 3 });
    const api = client();
    const failures = await api.upsertKvBatch(id, [{ key: 'ok', value: 'abc' }, { key: 'big', value: 'abcd' }, { key: 'bad?', value: 'x' }]);
    expect(failures).toEqual([
      { key: 'big', index: 1, code: '413', reason: 'value larger than 3 bytes' },
      { key: 'bad?', index: 2, code: '400', reason: expect.stringContaining('Invalid key') }
    ]);
    api.dispose();
  });

  it('refuses a batch answer of the wrong shape, and retries a 5xx', async () => {
    const id = ctx.fake.addKvStore({ name: fresh('kv') });
    const api = client();
    ctx.fake.fault({ path: `/resources/stores/kv/${id}/batch`, kind: 'status', status: 200, times: 3, body: { ok: true } });
    const error = await failure(api.upsertKvBatch(id, [{ key: 'a', value: '1' }]));
    expect(error).toBeInstanceOf(FastlyUnconfirmedError);
    ctx.fake.fault({ path: `/resources/stores/kv/${id}/batch`, kind: 'status', status: 503 });
    await expect(api.upsertKvBatch(id, [{ key: 'b', value: '2' }])).resolves.toEqual([]);
    expect(Object.keys(ctx.fake.kvStoreKeys(id))).toEqual(['b']);
    api.dispose();
  });

  it('deletes one key, there or not', async () => {
    const id = ctx.fake.addKvStore({ name: fresh('kv'), keys: { a: '1', 'b/c': '2' } });
    const api = client();
    await api.deleteKvKey(id, 'b/c');
    await api.deleteKvKey(id, 'never-there');
    expect(Object.keys(ctx.fake.kvStoreKeys(id))).toEqual(['a']);
    api.dispose();
  });

  it('in a dry run reads but sends no batch or delete', async () => {
    const id = ctx.fake.addKvStore({ name: fresh('kv'), keys: { a: '1' } });
    const api = client(true);
    await expect(api.upsertKvBatch(id, [{ key: 'x', value: '1' }])).resolves.toEqual([]);
    await api.deleteKvKey(id, 'a');
    expect(ctx.fake.writes()).toEqual([]);
    expect(api.plannedWrites().total).toBe(2);
    api.dispose();
  });
});

describe('VCL ACL calls', () => {
  const service = () => {
    const sid = fresh('svc');
    ctx.fake.addService({ id: sid, name: 'site', versions: [{ active: true }] });
    return sid;
  };

  it('finds an ACL by name on a version, undefined when absent', async () => {
    const sid = service();
    const id = ctx.fake.addAcl(sid, { name: 'blocklist' });
    const api = client();
    await expect(api.findVclAcl(sid, 1, 'blocklist')).resolves.toEqual({ id, name: 'blocklist' });
    await expect(api.findVclAcl(sid, 1, 'other')).resolves.toBeUndefined();
    api.dispose();
  });

  it('lists every entry 100 a page, negation as a boolean, a host without subnet', async () => {
    const sid = service();
    const entries = Array.from({ length: 250 }, (_, i) => ({ ip: `10.0.${i}.0`, subnet: 24, negated: i === 1, comment: `n${i}` }));
    const id = ctx.fake.addAcl(sid, { name: 'big', entries: [{ ip: '192.0.2.1' }, ...entries] });
    const api = client();
    const listed = await api.listVclAclEntries(sid, id);
    expect(listed).toHaveLength(251);
    expect(listed[0]).toEqual({ id: expect.any(String), ip: '192.0.2.1', subnet: undefined, negated: false, comment: '' });
    expect(listed[2]).toEqual({ id: expect.any(String), ip: '10.0.1.0', subnet: 24, negated: true, comment: 'n1' });
    expect(listed.map(e => e.id)).toEqual(ctx.fake.aclEntries(sid, 'big').map(e => e.id));
    const asked = paths(`/service/${sid}/acl/${id}/entries`);
    expect(asked).toHaveLength(3);
    expect(asked.every(p => p.includes('per_page=100'))).toBe(true);
    api.dispose();
  });

  it('stops an entry list whose Link points back to a page already read', async () => {
    const sid = service();
    const id = ctx.fake.addAcl(sid, { name: 'loop' });
    const first = `/service/${sid}/acl/${id}/entries?page=1&per_page=100&sort=created&direction=ascend`;
    ctx.fake.fault({ path: `/service/${sid}/acl/${id}/entries`, kind: 'status', status: 200, times: 2, body: [], headers: { Link: `<https://api.fastly.com${first}>; rel="next"` } });
    const api = client();
    const error = await failure(api.listVclAclEntries(sid, id));
    expect(error.message).toContain(`Fastly's list at GET /service/${sid}/acl/${id}/entries came back to a page already read`);
    api.dispose();
  });

  it('refuses an entry page of the wrong shape', async () => {
    const sid = service();
    const id = ctx.fake.addAcl(sid, { name: 'odd' });
    ctx.fake.fault({ path: `/service/${sid}/acl/${id}/entries`, kind: 'status', status: 200, times: 3, body: [{ ip: '192.0.2.1', negated: '0' }] });
    const api = client();
    expect(await failure(api.listVclAclEntries(sid, id))).toBeInstanceOf(FastlyUnconfirmedError);
    api.dispose();
  });

  it('patches creates, updates and deletes by id; more than 1000 ops are refused before sending', async () => {
    const sid = service();
    const id = ctx.fake.addAcl(sid, { name: 'acl', entries: [{ ip: '192.0.2.0', subnet: 24 }, { ip: '198.51.100.0', subnet: 24 }] });
    const [keep, drop] = ctx.fake.aclEntries(sid, 'acl');
    const api = client();
    await api.patchVclAclEntries(sid, id, [
      { op: 'create', ip: '203.0.113.7', subnet: 32, negated: 1, comment: 'host' },
      { op: 'update', id: keep?.id ?? '', ip: '192.0.2.0', subnet: 24, negated: 0, comment: 'office' },
      { op: 'delete', id: drop?.id ?? '' }
    ]);
    expect(ctx.fake.aclEntries(sid, 'acl')).toEqual([
      { id: keep?.id, ip: '192.0.2.0', subnet: 24, negated: false, comment: 'office' },
      { id: expect.any(String), ip: '203.0.113.7', subnet: 32, negated: true, comment: 'host' }
    ]);
    const many = Array.from({ length: 1001 }, () => ({ op: 'delete' as const, id: 'x' }));
    await expect(api.patchVclAclEntries(sid, id, many)).rejects.toThrow(RangeError);
    expect(ctx.fake.writes()).toHaveLength(1);
    api.dispose();
  });
});

describe('Compute ACL calls', () => {
  it('finds an ACL by name, then by ID, undefined for neither', async () => {
    const name = fresh('cacl');
    const id = ctx.fake.addComputeAcl({ name });
    const api = client();
    await expect(api.findComputeAcl(name)).resolves.toEqual({ id, name });
    await expect(api.findComputeAcl(id)).resolves.toEqual({ id, name });
    await expect(api.findComputeAcl('nope')).resolves.toBeUndefined();
    api.dispose();
  });

  it('lists every entry by cursor, 100 a page, and patches them', async () => {
    const entries = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`10.${i}.0.0/16`, 'BLOCK'] as const));
    const id = ctx.fake.addComputeAcl({ name: fresh('cacl'), entries });
    const api = client();
    const listed = await api.listComputeAclEntries(id);
    expect(listed).toEqual(Object.keys(entries).map(prefix => ({ prefix, action: 'BLOCK' })));
    expect(paths(`/resources/acls/${id}/entries`)).toEqual([
      `GET /resources/acls/${id}/entries?limit=100`,
      `GET /resources/acls/${id}/entries?limit=100&cursor=${encodeURIComponent(Buffer.from(',100').toString('base64'))}`,
      `GET /resources/acls/${id}/entries?limit=100&cursor=${encodeURIComponent(Buffer.from(',200').toString('base64'))}`
    ]);
    await api.patchComputeAclEntries(id, [{ op: 'update', prefix: '10.0.0.0/16', action: 'ALLOW' }, { op: 'delete', prefix: '10.1.0.0/16' }]);
    expect(ctx.fake.computeAclEntries(id)).toMatchObject({ '10.0.0.0/16': 'ALLOW', '10.2.0.0/16': 'BLOCK' });
    expect(ctx.fake.computeAclEntries(id)['10.1.0.0/16']).toBeUndefined();
    ctx.fake.fault({ path: `/resources/acls/${id}/entries`, method: 'PATCH', kind: 'raw', status: 202, times: 3, text: '<html>Accepted</html>' });
    expect(await failure(api.patchComputeAclEntries(id, [{ op: 'delete', prefix: '10.2.0.0/16' }]))).toBeInstanceOf(FastlyUnconfirmedError);
    // The body confirms nothing: a 200, even empty, is not Fastly's 202.
    ctx.fake.fault({ path: `/resources/acls/${id}/entries`, method: 'PATCH', kind: 'raw', status: 200, times: 3, text: '' });
    const unconfirmed = await failure(api.patchComputeAclEntries(id, [{ op: 'delete', prefix: '10.2.0.0/16' }]));
    expect(unconfirmed).toBeInstanceOf(FastlyUnconfirmedError);
    expect((unconfirmed as Error).message).toContain('a good answer here is HTTP 202');
    expect(ctx.fake.computeAclEntries(id)['10.2.0.0/16']).toBe('BLOCK');
    api.dispose();
  });

  it('refuses an entry page with an action that is neither ALLOW nor BLOCK', async () => {
    const id = ctx.fake.addComputeAcl({ name: fresh('cacl') });
    ctx.fake.fault({ path: `/resources/acls/${id}/entries`, kind: 'status', status: 200, times: 3, body: { entries: [{ prefix: '10.0.0.0/8', action: 'DENY' }], meta: {} } });
    const api = client();
    expect(await failure(api.listComputeAclEntries(id))).toBeInstanceOf(FastlyUnconfirmedError);
    api.dispose();
  });
});
