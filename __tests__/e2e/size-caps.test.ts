import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { SERVICE, TOKEN, useFakeFastly } from './e2e-fake.js';
import { readable, runAction, scratch } from './run-action.js';

const ctx = useFakeFastly();
const MiB = 1024 * 1024;

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

describe('GitHub size caps, in bytes, for the whole run', () => {
  it('keeps the summary under 1 MiB with 1,000 failed 1,000-byte keys, a reason per batch, that escape to 5 bytes a character, and the log lists them all', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(4, '0')}${'_'.repeat(996)}`);
    const file = join(scratch(), 'keys.txt');
    writeFileSync(file, keys.join('\n'));
    // A reason of its own per batch: each reason lists up to 50 keys, and four lists of 50 such keys pass 1 MiB.
    for (let batch = 0; batch < 4; batch++) {
      ctx.fake.fault({ method: 'POST', path: `/service/${SERVICE}/purge`, kind: 'status', status: 400, body: { msg: `refused ${batch}` } });
    }
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'purge-keys', 'keys-file': file, 'max-retries': '0' }));

    expect(run.code).toBe(1);
    expect(bytes(run.summary)).toBeLessThan(MiB);
    expect(bytes(run.summary)).toBeGreaterThan(500_000);
    const hidden = readable(run.summary).match(/… and ([\d,]+) more failures: the log lists them all\./)?.[1];
    expect(Number(hidden?.replace(/,/g, ''))).toBeGreaterThan(0);
    for (const key of keys) expect(run.stdout).toContain(`${key}: Fastly refused`);
    for (const value of Object.values(run.outputs)) expect(bytes(value)).toBeLessThan(1_000_000);
    const result = JSON.parse(run.outputs.result ?? '{}');
    expect(result.services[0].failedCount).toBe(1000);
  });

  it('keeps the result output under 1 MB with 2,500 failed long URLs, saying how many it leaves out', async () => {
    const urls = Array.from({ length: 2500 }, (_, i) => `https://www.example.com/${i}/${'ü'.repeat(300)}`);
    const file = join(scratch(), 'urls.txt');
    writeFileSync(file, urls.join('\n'));
    ctx.fake.fault({ method: 'POST', path: '/purge/', kind: 'status', status: 400, body: { msg: 'refused' }, times: 10_000 });
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'purge-urls', 'urls-file': file, 'max-retries': '0' }));

    expect(run.code).toBe(1);
    const result = run.outputs.result ?? '';
    expect(bytes(result)).toBeLessThan(1_000_000);
    const host = JSON.parse(result).hosts[0];
    expect(host.failedCount).toBe(2500);
    expect(host.failed.length + host.failedOmitted).toBe(2500);
    expect(host.failedOmitted).toBeGreaterThan(0);
    expect(bytes(run.summary)).toBeLessThan(MiB);
    expect(run.stdout.split('\n').filter(line => !line.startsWith('::') && line.includes(': Fastly refused POST /purge/'))).toHaveLength(2500);
  });

  it('keeps the result output under 1 MB with 100,000 failed keys and a reason of its own per batch', async () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `key-${i}`);
    const file = join(scratch(), 'keys.txt');
    writeFileSync(file, keys.join('\n'));
    const batches = Math.ceil(keys.length / 256);
    for (let batch = 0; batch < batches; batch++) {
      ctx.fake.fault({ method: 'POST', path: `/service/${SERVICE}/purge`, kind: 'status', status: 400, body: { msg: `refused batch ${batch} ${'x'.repeat(1000)}` } });
    }
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'purge-keys', 'keys-file': file, 'max-retries': '0' }));

    expect(run.code).toBe(1);
    for (const value of Object.values(run.outputs)) expect(bytes(value)).toBeLessThan(1_000_000);
    const service = JSON.parse(run.outputs.result ?? '{}').services[0];
    expect(service.failedCount).toBe(100_000);
    expect(service.purged).toBe(0);
    expect(bytes(run.summary)).toBeLessThan(MiB);
    expect(run.stdout.split('\n').filter(line => / refused batch \d+ /.test(line) && !line.startsWith('::'))).toHaveLength(100_000);
  });

  it('keeps the summary under 1 MiB for a dictionary of 1,000 long keys synced on 3 services', async () => {
    const sids = ['SIZE1DICT', 'SIZE2DICT', 'SIZE3DICT'];
    for (const sid of sids) {
      ctx.fake.addService({ id: sid, name: `dict ${sid}`, versions: [{ active: true }] });
      ctx.fake.addDictionary(sid, { name: 'routes' });
    }
    // 250 characters that each escape to 4 or 5 bytes, and long values.
    const items = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`${String(i).padStart(4, '0')}${'<&'.repeat(123)}`, `${'"'.repeat(2000)}${i}`]));
    const file = join(scratch(), 'items.json');
    writeFileSync(file, JSON.stringify(items));
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'update-dictionary', 'service-id': sids.join(' '), dictionary: 'routes', 'items-file': file }));

    expect(run.code).toBe(0);
    expect(bytes(run.summary)).toBeLessThan(MiB);
    for (const value of Object.values(run.outputs)) expect(bytes(value)).toBeLessThan(1_000_000);
    for (const sid of sids) expect(Object.keys(ctx.fake.dictionaryItems(sid, 'routes'))).toHaveLength(1000);
  });

  it('keeps the summary under 1 MiB for activate on 4 services with a 72 KB VCL', async () => {
    const sids = ['SIZE1VCL', 'SIZE2VCL', 'SIZE3VCL', 'SIZE4VCL'];
    const old = Array.from({ length: 1200 }, (_, i) => `set req.http.X-Old-${i} = "${'<&>'.repeat(8)}";`).join('\n');
    for (const sid of sids) ctx.fake.addService({ id: sid, name: `vcl ${sid}`, versions: [{ active: true, vcls: [{ name: 'main', content: old, main: true }] }] });
    const content = Array.from({ length: 1200 }, (_, i) => `set req.http.X-New-${i} = "${'<&>'.repeat(8)}";`).join('\n');
    expect(bytes(content)).toBeGreaterThan(60_000);
    const dir = scratch();
    writeFileSync(join(dir, 'main.vcl'), content);
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'activate', 'service-id': sids.join(' '), 'vcl-files': join(dir, 'main.vcl') }), { GITHUB_WORKSPACE: dir });

    expect(run.code).toBe(0);
    expect(bytes(run.summary)).toBeLessThan(MiB);
    for (const value of Object.values(run.outputs)) expect(bytes(value)).toBeLessThan(1_000_000);
    for (const sid of sids) expect(ctx.fake.service(sid).activeVersion).toBe(2);
  });

  it('keeps the summary and result within the caps for 1,500 failed KV keys of 1,000 bytes that escape to 4 bytes a character, and the log lists them all', async () => {
    const keys = Array.from({ length: 1500 }, (_, i) => `${String(i).padStart(4, '0')}${'<'.repeat(996)}`);
    const id = ctx.fake.addKvStore({ name: 'size-kv', keys: {} });
    ctx.fake.setKv({ maxValueBytes: 1, batchCommits: false });
    const file = join(scratch(), 'kv.json');
    writeFileSync(file, JSON.stringify(Object.fromEntries(keys.map(key => [key, 'too long']))));
    const run = await runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'update-kv-store', 'service-id': '', 'kv-store': 'size-kv', 'items-file': file }));

    expect(run.code).toBe(1);
    expect(ctx.fake.kvStoreKeys(id)).toEqual({});
    expect(bytes(run.summary)).toBeLessThan(MiB);
    expect(bytes(run.summary)).toBeGreaterThan(500_000);
    for (const value of Object.values(run.outputs)) expect(bytes(value)).toBeLessThan(1_000_000);
    const store = JSON.parse(run.outputs.result ?? '{}').stores[0];
    expect(store.failedCount).toBe(1500);
    expect(store.failed.length + (store.failedOmitted ?? 0)).toBe(1500);
    for (const key of keys) expect(run.stdout).toContain(`${key}: value larger than 1 bytes (HTTP 413)`);
  });
});
