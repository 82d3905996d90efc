import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { SERVICE, SERVICE_2, useFakeFastly } from './e2e-fake.js';
import { readable, runAction, scratch } from './run-action.js';

const ctx = useFakeFastly();

function keys(n: number, prefix = 'key'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
}

function purgeBatches() {
  return ctx.fake.writes().filter(r => r.path.endsWith('/purge'));
}

describe('purge-keys', () => {
  it('sends 600 keys from a file in 3 batches of at most 256, each key once', async () => {
    const file = join(scratch(), 'keys.txt');
    writeFileSync(file, keys(600).join('\n'));
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', 'keys-file': file }));

    expect(run.code).toBe(0);
    const batches = purgeBatches();
    expect(batches.map(r => (JSON.parse(r.body).surrogate_keys as string[]).length)).toEqual([256, 256, 88]);
    expect(batches.every(r => r.path === `/service/${SERVICE}/purge`)).toBe(true);
    const sent = ctx.fake.purges.map(p => p.target);
    expect(sent).toHaveLength(600);
    expect(new Set(sent).size).toBe(600);
    expect(run.outputs['purged-count']).toBe('600');
    const ids = JSON.parse(run.outputs['purge-ids'] ?? '{}');
    expect(Object.keys(ids)).toHaveLength(600);
    expect(ids['key-599']).toBe(ctx.fake.purges.find(p => p.target === 'key-599')?.id);
    expect(run.summary).toMatch(/### ✅ Fastly purge-keys: 600 keys purged \(soft\)/);
    expect(run.summary).toContain('<th>Batches</th></tr><tr><td><code>SVC1AAAAAAAAAAAAAAAAAA</code></td><td>600</td><td>600</td><td>0</td><td>3</td>');
    expect(run.stdout).toContain(`${SERVICE}: purged 600 of 600 keys (soft)`);
  });

  it('sends 10,000 keys in exactly 40 requests', async () => {
    const file = join(scratch(), 'keys.txt');
    writeFileSync(file, keys(10_000).join(','));
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', 'keys-file': file }));
    expect(run.code).toBe(0);
    expect(purgeBatches()).toHaveLength(40);
    expect(ctx.fake.purges).toHaveLength(10_000);
  });

  it('keeps purge-ids under GitHub\'s output cap, counting every key and saying how many IDs it holds', async () => {
    const file = join(scratch(), 'keys.txt');
    // Multi-byte characters: the cap is GitHub's, in bytes, not in characters.
    writeFileSync(file, keys(30_000, 'clé-de-substitution-ünd-mehr').join('\n'));
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', 'keys-file': file }));

    expect(run.code).toBe(0);
    expect(run.outputs['purged-count']).toBe('30000');
    const ids = run.outputs['purge-ids'] ?? '';
    expect(Buffer.byteLength(ids)).toBeLessThan(1_000_000);
    expect(Buffer.byteLength(ids)).toBeGreaterThan(800_000);
    const held = Object.keys(JSON.parse(ids)).length;
    expect(held).toBeGreaterThan(10_000);
    expect(held).toBeLessThan(30_000);
    const count = (n: number) => n.toLocaleString('en-US');
    expect(run.warnings).toContain(`The purge-ids output leaves out ${count(30_000 - held)} purge IDs: GitHub caps an output at 1 MB.`);
    expect(readable(run.summary)).toContain(
      `… and 29,900 more purge IDs; the <code>purge-ids</code> output holds the first ${count(held)} (GitHub caps an output at 1 MB).`
    );
  });

  it('drops duplicates across keys and keys-file, on every separator', async () => {
    const file = join(scratch(), 'keys.txt');
    writeFileSync(file, 'b\nc, a\n');
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a, b\n a', 'keys-file': file }));
    expect(run.code).toBe(0);
    expect(JSON.parse(purgeBatches()[0]?.body ?? '{}')).toEqual({ surrogate_keys: ['a', 'b', 'c'] });
  });

  it.each([
    ['soft by default', {}, true],
    ['soft when asked', { 'soft-purge': 'TRUE' }, true],
    ['hard without the header', { 'soft-purge': 'false' }, false]
  ])('%s', async (_name, extra: Record<string, string>, soft) => {
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'k1 k2', ...extra }));
    expect(run.code).toBe(0);
    const [batch] = purgeBatches();
    expect('fastly-soft-purge' in (batch?.headers ?? {})).toBe(soft);
    expect(ctx.fake.purges.every(p => p.soft === soft)).toBe(true);
    expect(run.summary).toContain(soft ? 'Soft purge:' : 'Hard purge:');
  });

  it('purges on several services in turn, reporting each', async () => {
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', 'service-id': `${SERVICE}, ${SERVICE_2}`, keys: 'home news' }));
    expect(run.code).toBe(0);
    expect(purgeBatches().map(r => r.path)).toEqual([`/service/${SERVICE}/purge`, `/service/${SERVICE_2}/purge`]);
    expect(run.outputs['purged-count']).toBe('4');
    const result = JSON.parse(run.outputs.result ?? '{}');
    expect(result.services.map((s: { serviceId: string; purged: number }) => [s.serviceId, s.purged])).toEqual([
      [SERVICE, 2],
      [SERVICE_2, 2]
    ]);
    expect(run.summary).toContain(`<code>${SERVICE_2}</code>`);
    expect(run.summary).toContain('<th>Service</th><th>Key</th><th>Purge ID</th>');
  });

  it('dry-run sends no write and shows exactly what would be sent', async () => {
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: keys(300).join(' '), 'dry-run': 'true' }));
    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(ctx.fake.requests.map(r => `${r.method} ${r.path}`)).toEqual(['GET /tokens/self']);
    expect(run.outputs['purged-count']).toBe('0');
    expect(run.summary).toContain('(dry run): nothing was sent');
    expect(run.summary).toContain(`<td><code>${SERVICE}</code></td><td>300</td><td>—</td><td>—</td><td>2</td>`);
    expect(run.summary).toContain('Plan: 2 requests that a real run would send');
    expect(readable(run.summary)).toContain(`POST /service/${SERVICE}/purge\nFastly-Soft-Purge: 1`);
    expect(run.summary).toContain('key-299');
    expect(JSON.parse(run.outputs.result ?? '{}')).toMatchObject({ dryRun: true, plannedRequests: 2 });
  });

  it('reports a batch Fastly refuses, names every key in it, and still sends the others', async () => {
    ctx.fake.fault({ method: 'POST', path: `/service/${SERVICE}/purge`, times: 1, kind: 'status', status: 400, body: { msg: 'Bad batch', detail: 'try again' } });
    const file = join(scratch(), 'keys.txt');
    writeFileSync(file, keys(300).join('\n'));
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', 'keys-file': file }));

    expect(run.code).toBe(1);
    expect(purgeBatches()).toHaveLength(2);
    expect(run.outputs['purged-count']).toBe('44');
    const result = JSON.parse(run.outputs.result ?? '{}');
    expect(result.ok).toBe(false);
    expect(result.services[0].failedCount).toBe(256);
    expect(result.services[0].failed[0]).toEqual({
      item: 'key-0',
      reason: `Fastly refused POST /service/${SERVICE}/purge (HTTP 400): Bad batch: try again`
    });
    expect(run.errors).toEqual([
      `256 of 300 keys failed to purge (the job summary groups them by reason). First: key-0: Fastly refused POST /service/${SERVICE}/purge (HTTP 400): Bad batch: try again`
    ]);
    expect(run.summary).toContain('### ❌ Fastly purge-keys: 256 of 300 keys failed');
    expect(run.summary).toContain(
      `<td>Fastly refused POST /service/${SERVICE}/purge (HTTP 400): Bad batch: try again</td><td>256</td><td><code>key-0</code> <code>key-1</code>`
    );
    expect(run.summary).toContain('<code>key-49</code> … and 206 more</td>');
    expect(run.stdout).toContain('::group::Failed on SVC1AAAAAAAAAAAAAAAAAA: 256 keys');
    expect(run.stdout).toContain(`key-255: Fastly refused POST /service/${SERVICE}/purge (HTTP 400): Bad batch: try again`);
  });
});

describe('purge-keys on several failing services', () => {
  it('annotates each failing service, then fails the step once', async () => {
    ctx.fake.fault({ path: /\/purge$/, times: Infinity, kind: 'status', status: 400, body: { msg: 'No' } });
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', 'service-id': `${SERVICE} ${SERVICE_2}`, keys: 'a' }));
    expect(run.code).toBe(1);
    expect(run.errors).toEqual([
      `${SERVICE}: 1 of 1 key failed. First: Fastly refused POST /service/${SERVICE}/purge (HTTP 400): No`,
      `${SERVICE_2}: 1 of 1 key failed. First: Fastly refused POST /service/${SERVICE_2}/purge (HTTP 400): No`,
      `2 of 2 keys failed to purge (the job summary groups them by reason). First: a: Fastly refused POST /service/${SERVICE}/purge (HTTP 400): No`
    ]);
  });
});
