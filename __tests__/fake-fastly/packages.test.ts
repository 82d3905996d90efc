import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { useFake } from './use-fake.js';
import { join } from 'node:path';
import { cliEntries, expectedFilesHash, packageBytes, packageDir, sha512, tarOf, writeLargePackage } from '../packages.js';

// The fake's package rules: the action's Compute deploy tests trust them, so each must be able to fail here.

let seq = 0;
const ctx = useFake(fake => {
  fake.addToken({ token: 'global' });
  fake.addToken({ token: 'read', scopes: ['global:read'] });
});

/** v1 active and locked, v2 an unlocked draft; reset() keeps versions, so each test gets its own. */
function computeService(type: 'wasm' | 'vcl' = 'wasm'): string {
  seq += 1;
  const id = `compute-${seq}`;
  ctx.fake.addService({ id, name: 'edge app', type, versions: [{ active: true }, {}] });
  return id;
}

async function upload(path: string, archive: Buffer, { token = 'global', field = 'package' } = {}) {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(archive)], { type: 'application/octet-stream' }), 'pkg.tar.gz');
  const res = await fetch(ctx.fake.url + path, { method: 'PUT', headers: { 'Fastly-Key': token }, body: form });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function get(path: string) {
  const res = await fetch(ctx.fake.url + path, { headers: { 'Fastly-Key': 'global' } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('packages', () => {
  it('stores an uploaded package with the metadata Fastly works out, and answers it again', async () => {
    const sid = computeService();
    const entries = cliEntries({ name: 'edge-app', language: 'rust', description: 'Edge', authors: ['a@example.com'] });
    const archive = await packageBytes(entries);
    const metadata = { name: 'edge-app', description: 'Edge', authors: ['a@example.com'], language: 'rust', size: archive.length, hashsum: sha512(archive), files_hash: expectedFilesHash(entries) };
    const put = await upload(`/service/${sid}/version/2/package`, archive);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ service_id: sid, version: 2, metadata });
    expect(put.headers.get('fastly-ratelimit-remaining')).toMatch(/^\d+$/);
    expect(put.headers.get('fastly-ratelimit-reset')).toMatch(/^\d+$/);
    expect(await get(`/service/${sid}/version/2/package`)).toEqual({ status: 200, body: expect.objectContaining({ metadata }) });
    expect(ctx.fake.service(sid).versions[1]?.package).toEqual(metadata);
  });

  it('hashes the files in byte order of their names, not archive order', async () => {
    const sid = computeService();
    const entries = cliEntries({ extra: { 'src/b.rs': 'b', 'src/a.rs': 'a', 'src/\u{1F600}.rs': 'emoji', 'src/\uFF5E.rs': 'tilde' } }).reverse();
    const put = await upload(`/service/${sid}/version/2/package`, await packageBytes(entries));
    expect((put.body.metadata as Record<string, unknown>).files_hash).toBe(expectedFilesHash(entries));
  });

  it('replaces the package of a draft on a second upload (safe to repeat)', async () => {
    const sid = computeService();
    await upload(`/service/${sid}/version/2/package`, await packageBytes(cliEntries({ wasm: 'one' })));
    const second = await packageBytes(cliEntries({ wasm: 'two' }));
    expect((await upload(`/service/${sid}/version/2/package`, second)).status).toBe(200);
    expect(ctx.fake.service(sid).versions[1]?.package?.hashsum).toBe(sha512(second));
    expect(ctx.fake.service(sid).versions.map(v => v.number)).toEqual([1, 2]);
  });

  it.each([
    ['not gzip', Buffer.from('plain text')],
    ['gzip but not tar', gzipSync('x'.repeat(2000))],
    ['a tar cut short', 'cut-short'],
    ['no fastly.toml', 'no-manifest'],
    ['no main.wasm', 'no-wasm'],
    ['fastly.toml that is not TOML', 'bad-toml']
  ])('answers 400 "Failed to extract metadata" for %s, and keeps the version as it was', async (_, kind) => {
    const sid = computeService();
    const archive = Buffer.isBuffer(kind) ? kind : await badArchive(kind);
    const put = await upload(`/service/${sid}/version/2/package`, archive);
    expect(put).toMatchObject({ status: 400, body: { msg: 'Bad request', detail: 'Failed to extract metadata from package' } });
    expect(put.headers.get('fastly-ratelimit-remaining')).toMatch(/^\d+$/);
    expect(ctx.fake.service(sid).versions[1]?.package).toBeNull();
  });

  it('answers 404 for a version without a package, and for an unknown version', async () => {
    const sid = computeService();
    expect(await get(`/service/${sid}/version/2/package`)).toEqual({ status: 404, body: { msg: 'Record not found' } });
    expect((await get(`/service/${sid}/version/9/package`)).status).toBe(404);
  });

  it('refuses a package on a VCL service, on a locked version, from a read-only token, and outside a package field', async () => {
    const archive = await packageBytes();
    const vcl = computeService('vcl');
    expect(await upload(`/service/${vcl}/version/2/package`, archive)).toMatchObject({ status: 400, body: { detail: expect.stringContaining('VCL service') } });
    const sid = computeService();
    expect(await upload(`/service/${sid}/version/1/package`, archive)).toMatchObject({ status: 422, body: { msg: 'Version locked' } });
    expect((await upload(`/service/${sid}/version/2/package`, archive, { token: 'read' })).status).toBe(403);
    expect((await upload(`/service/${sid}/version/2/package`, archive, { field: 'file' })).status).toBe(400);
    expect(ctx.fake.service(sid).versions.map(v => v.package)).toEqual([null, null]);
    expect(ctx.fake.service(vcl).versions.map(v => v.package)).toEqual([null, null]);
  });

  it('says which type a service is in its details', async () => {
    expect((await get(`/service/${computeService()}/details`)).body.type).toBe('wasm');
    expect((await get(`/service/${computeService('vcl')}/details`)).body.type).toBe('vcl');
  });

  it('keeps the package on a clone', async () => {
    const sid = computeService();
    ctx.fake.setPackage(sid, 1, await packageBytes());
    const res = await fetch(`${ctx.fake.url}/service/${sid}/version/1/clone`, { method: 'PUT', headers: { 'Fastly-Key': 'global' } });
    expect(res.status).toBe(200);
    expect(ctx.fake.service(sid).versions[2]?.package).toEqual(ctx.fake.service(sid).versions[0]?.package);
  });

  it('takes a package of megabytes, the bench helper\'s kind', async () => {
    const sid = computeService();
    const path = join(packageDir(), 'big.tar.gz');
    await writeLargePackage(path, 5_000_000);
    const archive = readFileSync(path);
    const put = await upload(`/service/${sid}/version/2/package`, archive);
    expect(put.status).toBe(200);
    expect((put.body.metadata as Record<string, unknown>).size).toBe(archive.length);
  });
});

describe('validation of Compute versions', () => {
  it('fails a Compute version without a package, passes it with one, and refuses to activate it without', async () => {
    const sid = computeService();
    expect((await get(`/service/${sid}/version/2/validate`)).body).toMatchObject({ status: 'error', msg: expect.stringContaining('No package') });
    const res = await fetch(`${ctx.fake.url}/service/${sid}/version/2/activate`, { method: 'PUT', headers: { 'Fastly-Key': 'global' } });
    expect(res.status).toBe(400);
    expect(ctx.fake.service(sid).activeVersion).toBe(1);
    await upload(`/service/${sid}/version/2/package`, await packageBytes());
    expect((await get(`/service/${sid}/version/2/validate`)).body).toMatchObject({ status: 'ok' });
  });

  it('does not ask a VCL version for a package', async () => {
    expect((await get(`/service/${computeService('vcl')}/version/2/validate`)).body).toMatchObject({ status: 'ok' });
  });
});

async function badArchive(kind: string): Promise<Buffer> {
  const entries = cliEntries();
  if (kind === 'no-manifest') return packageBytes(entries.filter(e => !e.name.endsWith('fastly.toml')));
  if (kind === 'no-wasm') return packageBytes(entries.filter(e => !e.name.endsWith('main.wasm')));
  if (kind === 'bad-toml') return packageBytes(entries.map(e => (e.name.endsWith('fastly.toml') ? { ...e, content: 'name = ' } : e)));
  return gzipSync((await tarOf(entries)).subarray(0, 700));
}
