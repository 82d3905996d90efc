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
});
