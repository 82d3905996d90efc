import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { useFakeFastly } from './e2e-fake.js';
import { readable, runAction, scratch } from './run-action.js';

const ctx = useFakeFastly();

function urls(n: number, host = 'www.example.com'): string[] {
  return Array.from({ length: n }, (_, i) => `https://${host}/page/${i}?v=${i}`);
}

function urlPurges() {
  return ctx.fake.writes().filter(r => r.path.startsWith('/purge/'));
}

describe('purge-urls', () => {
  it('purges 300 URLs through the API with at most `concurrency` in flight', async () => {
    ctx.fake.setLatency(15);
    const file = join(scratch(), 'urls.txt');
    writeFileSync(file, urls(300).join('\n'));
    const run = await runAction(ctx.inputs({ mode: 'purge-urls', 'urls-file': file, concurrency: '8' }));
    ctx.fake.setLatency(0);

    expect(run.code).toBe(0);
    expect(urlPurges()).toHaveLength(300);
    expect(ctx.fake.maxInFlight).toBeLessThanOrEqual(8);
    expect(ctx.fake.maxInFlight).toBeGreaterThan(4);
    expect(new Set(ctx.fake.purges.map(p => p.target)).size).toBe(300);
    expect(ctx.fake.purges.find(p => p.target === 'www.example.com/page/7?v=7')?.soft).toBe(true);
    expect(run.outputs['purged-count']).toBe('300');
    expect(JSON.parse(run.outputs['purge-ids'] ?? '{}')['https://www.example.com/page/7?v=7']).toMatch(/^1234-/);
    expect(run.summary).toContain('<tr><th>Host</th><th>URLs</th><th>Purged</th><th>Failed</th></tr><tr><td><code>www.example.com</code></td><td>300</td><td>300</td><td>0</td></tr>');
    expect(run.stdout).toContain('www.example.com: purged 300 of 300 URLs (soft)');
    expect(run.summary).toContain('Fastly API: 301 requests sent, no retry.');
  });

  it('sends one purge per URL with the path and query, hard when asked, grouped by host', async () => {
    const run = await runAction(
      ctx.inputs({
        mode: 'purge-urls',
        urls: 'https://a.example/x?q=1, http://b.example:8080/y\nhttps://a.example/x?q=1',
        'soft-purge': 'false'
      })
    );
    expect(run.code).toBe(0);
    expect(urlPurges().map(r => r.path).sort()).toEqual(['/purge/a.example/x?q=1', '/purge/b.example:8080/y']);
    expect(urlPurges().some(r => 'fastly-soft-purge' in r.headers)).toBe(false);
    const result = JSON.parse(run.outputs.result ?? '{}');
    expect(result.soft).toBe(false);
    expect(result.hosts.map((h: { host: string }) => h.host).sort()).toEqual(['a.example', 'b.example:8080']);
  });

  it('lists a URL that fails for good and still purges the others', async () => {
    ctx.fake.fault({ method: 'POST', path: '/purge/www.example.com/page/3?', times: Infinity, kind: 'status', status: 500, body: { msg: 'Internal error' } });
    const run = await runAction(ctx.inputs({ mode: 'purge-urls', urls: urls(10).join('\n'), 'max-retries': '1' }));

    expect(run.code).toBe(1);
    expect(urlPurges().filter(r => r.path.startsWith('/purge/www.example.com/page/3?'))).toHaveLength(2);
    expect(ctx.fake.purges).toHaveLength(9);
    expect(run.outputs['purged-count']).toBe('9');
    const [host] = JSON.parse(run.outputs.result ?? '{}').hosts;
    expect(host.failed).toEqual([
      {
        item: 'https://www.example.com/page/3?v=3',
        reason: 'Fastly refused POST /purge/www.example.com/page/3?v=3 (HTTP 500): Internal error (after 1 retry)'
      }
    ]);
    expect(run.errors).toEqual([
      '1 of 10 URLs failed to purge: https://www.example.com/page/3?v=3: Fastly refused POST /purge/www.example.com/page/3?v=3 (HTTP 500): Internal error (after 1 retry)'
    ]);
    expect(run.summary).toContain('### ❌ Fastly purge-urls: 1 of 10 URLs failed');
    expect(run.summary).toContain('<code>https://www.example.com/page/3?v=3</code>');
  });

  it('dry-run sends no purge and shows the requests it would send', async () => {
    const run = await runAction(ctx.inputs({ mode: 'purge-urls', urls: urls(3).join(' '), 'dry-run': 'true' }));
    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(run.summary).toContain('Plan: 3 requests that a real run would send');
    expect(readable(run.summary)).toContain('POST /purge/www.example.com/page/0?v=0\nFastly-Soft-Purge: 1</pre>');
  });
});
