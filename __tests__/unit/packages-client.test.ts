import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { useFake } from '../fake-fastly/use-fake.js';
import { readComputePackage } from '../../src/inputs/compute-package.js';
import { type FastlyApi, createFastlyClient } from '../../src/fastly/client.js';
import { FastlyError, FastlyUnconfirmedError } from '../../src/fastly/errors.js';
import { cliEntries, packageBytes, sha512, writePackage } from '../packages.js';

const TOKEN = 'package-token';
let seq = 0;
const ctx = useFake(fake => fake.addToken({ token: TOKEN }));

/** Its own service each time (reset keeps versions): v1 active and locked, v2 a draft. */
function computeService(): string {
  seq += 1;
  const id = `pkg-svc-${seq}`;
  ctx.fake.addService({ id, name: 'edge', type: 'wasm', versions: [{ active: true }, {}] });
  return id;
}

function client(dryRun = false): FastlyApi {
  let clock = Date.now();
  return createFastlyClient({
    baseUrl: ctx.fake.url,
    token: TOKEN,
    maxRetries: 3,
    dryRun,
    timeoutMs: 5000,
    now: () => clock,
    sleep: async ms => {
      clock += ms;
    },
    random: () => 0.5,
    log: () => undefined
  });
}

const uploads = () => ctx.fake.requests.filter(r => r.method === 'PUT' && r.path.endsWith('/package'));

describe('package calls', () => {
  it('uploads the file as the multipart part "package", and Fastly answers the files hash the reader computed', async () => {
    const sid = computeService();
    const path = await writePackage(cliEntries({ name: 'edge-app', language: 'go', extra: { 'src/z.go': 'z', 'src/a.go': 'a' } }));
    const local = await readComputePackage(path);
    const api = client();
    const answered = await api.uploadPackage(sid, 2, path);
    api.dispose();
    expect(answered).toEqual({
      name: 'edge-app', language: 'go', description: undefined, authors: [],
      size: local.size, filesHash: local.filesHash, hashsum: local.hashsum
    });
    const [sent] = uploads();
    expect(uploads()).toHaveLength(1);
    expect(sent?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=\S+$/);
    // A length, not chunks: the file plus the part's head and the closing boundary.
    expect(Number(sent?.headers['content-length'])).toBeGreaterThan(local.size + 100);
    expect(sent?.headers['transfer-encoding']).toBeUndefined();
    expect(sent?.body).toContain('Content-Disposition: form-data; name="package"; filename="');
    expect(sent?.body).toContain('Content-Type: application/octet-stream');
    // The fake found exactly the file's bytes in the part.
    expect(ctx.fake.service(sid).versions[1]?.package).toMatchObject({ size: local.size, files_hash: local.filesHash, hashsum: sha512(readFileSync(path)) });
  });

  it('reads a version\'s package, and undefined for a version without one', async () => {
    const sid = computeService();
    ctx.fake.setPackage(sid, 1, await packageBytes(cliEntries({ name: 'live' })));
    const api = client();
    await expect(api.getPackage(sid, 1)).resolves.toMatchObject({ name: 'live', language: 'rust', filesHash: expect.stringMatching(/^[0-9a-f]{128}$/) });
    await expect(api.getPackage(sid, 2)).resolves.toBeUndefined();
    api.dispose();
  });

  it('sends the whole file again after a 5xx, into the same draft', async () => {
    const sid = computeService();
    const path = await writePackage(cliEntries({ wasm: 'retried' }));
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/2/package`, kind: 'status', status: 503 });
    const api = client();
    const answered = await api.uploadPackage(sid, 2, path);
    api.dispose();
    expect(uploads().map(r => r.status)).toEqual([503, 200]);
    expect(uploads()[1]?.body).toBe(uploads()[0]?.body);
    expect(uploads()[1]?.headers['content-length']).toBe(uploads()[0]?.headers['content-length']);
    expect(answered?.filesHash).toBe((await readComputePackage(path)).filesHash);
    expect(ctx.fake.service(sid).versions.map(v => v.number)).toEqual([1, 2]);
  });

  it('retries an upload whose answer was lost: the same draft gets the same package, no new version', async () => {
    const sid = computeService();
    const path = await writePackage(cliEntries({ wasm: 'lost answer' }));
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/2/package`, kind: 'drop', afterHandler: true });
    const api = client();
    await api.uploadPackage(sid, 2, path);
    api.dispose();
    expect(uploads()).toHaveLength(2);
    expect(ctx.fake.service(sid).versions.map(v => v.number)).toEqual([1, 2]);
    expect(ctx.fake.service(sid).versions[1]?.package?.files_hash).toBe((await readComputePackage(path)).filesHash);
  });

  it('sends again after a 2xx without a files hash, and gives up unconfirmed when every answer lacks it', async () => {
    const sid = computeService();
    const path = await writePackage();
    const noHash = { method: 'PUT', path: `/service/${sid}/version/2/package`, kind: 'status', status: 200, body: { metadata: { name: 'x' } } } as const;
    ctx.fake.fault(noHash);
    const api = client();
    await expect(api.uploadPackage(sid, 2, path)).resolves.toMatchObject({ filesHash: (await readComputePackage(path)).filesHash });
    expect(uploads().map(r => r.status)).toEqual([200, 200]);
    ctx.fake.reset();
    ctx.fake.fault({ ...noHash, times: 4 });
    const refusal = api.uploadPackage(sid, 2, path);
    await expect(refusal).rejects.toThrow(FastlyUnconfirmedError);
    await expect(refusal).rejects.toThrow(`Fastly answered HTTP 200 to PUT /service/${sid}/version/2/package but its package metadata has no "files_hash" to check the upload by (after 3 retries)`);
    expect(uploads()).toHaveLength(4);
    api.dispose();
  });

  it('takes a package answer without a files hash from a read as a package of unknown content', async () => {
    const sid = computeService();
    ctx.fake.fault({ method: 'GET', path: `/service/${sid}/version/1/package`, kind: 'status', status: 200, body: { metadata: { name: 'old' } } });
    const api = client();
    await expect(api.getPackage(sid, 1)).resolves.toMatchObject({ name: 'old', filesHash: undefined });
    api.dispose();
  });

  it('passes on Fastly\'s refusal of a bad archive without retrying it', async () => {
    const sid = computeService();
    const api = client();
    const refusal = api.uploadPackage(sid, 2, await writePackage(Buffer.from('not a package')));
    await expect(refusal).rejects.toThrow(FastlyError);
    await expect(refusal).rejects.toThrow('(HTTP 400): Bad request: Failed to extract metadata from package');
    api.dispose();
    expect(uploads()).toHaveLength(1);
  });

  it('keeps the rate limit the upload answered', async () => {
    const sid = computeService();
    const api = client();
    await api.uploadPackage(sid, 2, await writePackage());
    expect(api.rateLimit().remaining).toBe(999);
    api.dispose();
  });

  it('sends nothing in a dry run, and plans the upload by its size', async () => {
    const sid = computeService();
    const path = await writePackage();
    const api = client(true);
    await expect(api.uploadPackage(sid, 2, path)).resolves.toBeUndefined();
    expect(uploads()).toHaveLength(0);
    const planned = api.plannedWrites().shown[0];
    expect(planned).toMatchObject({ method: 'PUT', path: `/service/${sid}/version/2/package` });
    expect(planned?.body).toMatch(/^\(\d+ bytes of multipart\/form-data\)$/);
    api.dispose();
  });
});
