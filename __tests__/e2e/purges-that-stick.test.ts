import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { PURGE_ALL_TOKEN, SERVICE, useFakeFastly } from './e2e-fake.js';
import { readable, runAction } from './run-action.js';

const ctx = useFakeFastly();
const SHA = '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432';

/** The origin's /_build endpoint: answers the queued bodies, then `steady`; notes when each request came. */
const origin: { server?: Server; url: string; queue: string[]; steady: string; times: number[] } = { url: '', queue: [], steady: '', times: [] };
beforeAll(async () => {
  origin.server = createServer((_req, res) => {
    origin.times.push(Date.now());
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(origin.queue.shift() ?? origin.steady);
  });
  await new Promise<void>(done => origin.server?.listen(0, '127.0.0.1', done));
  origin.url = `http://127.0.0.1:${(origin.server.address() as AddressInfo).port}/_build`;
});
afterAll(() => new Promise<void>(done => origin.server?.close(() => done())));
beforeEach(() => {
  origin.queue = [];
  origin.steady = `build ${SHA}`;
  origin.times = [];
});

function purge(extra: Record<string, string>) {
  return runAction(ctx.inputs({ mode: 'purge-keys', keys: 'home news', ...extra }), { GITHUB_SHA: SHA });
}

describe('wait for the origin before purging', () => {
  it('purges only after the third consecutive answer with the new commit', async () => {
    origin.queue = ['build old123', `build ${SHA}`, 'build old123', `build ${SHA}`, `build ${SHA}`];
    const run = await purge({ 'wait-for-url': origin.url, 'wait-timeout': '5' });

    expect(run.code).toBe(0);
    // old, new, old (resets), new, new, new: the purge follows the sixth answer.
    expect(origin.times).toHaveLength(6);
    expect(Math.min(...ctx.fake.purges.map(p => p.at))).toBeGreaterThan(origin.times[5] ?? Infinity);
    expect(run.stdout).toContain(`::group::Waiting for ${origin.url} to serve '${SHA}' (up to 5 s)`);
    expect(readable(run.summary)).toMatch(/⏳ Waited for <code>http:\/\/127\.0\.0\.1:\d+\/_build<\/code> to serve <code>9f8e7d6[0-9a-f]+<\/code> on 3 consecutive tries: done after 6 tries/);
  });

  it('fails without purging anything when the origin never catches up, saying what it last saw', async () => {
    origin.steady = 'build old123 (deploying…)';
    const run = await purge({ 'wait-for-url': origin.url, 'wait-for-text': 'release-42', 'wait-timeout': '2' });

    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(run.errors).toEqual([
      `${origin.url} did not serve 'release-42' on 3 consecutive tries within 2 s (wait-timeout); it last answered HTTP 200: 'build old123 (deploying…)'. Nothing was purged.`
    ]);
  });
});

describe('purge twice', () => {
  it('purges each key twice, the second pass no sooner than the delay, counting items once', async () => {
    const run = await purge({ 'purge-twice': 'true', 'purge-twice-delay': '1' });

    expect(run.code).toBe(0);
    const byKey = (key: string) => ctx.fake.purges.filter(p => p.target === key).map(p => p.at);
    expect(byKey('home')).toHaveLength(2);
    expect(byKey('news')).toHaveLength(2);
    const [first, second] = byKey('home');
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(run.outputs['purged-count']).toBe('2');
    expect(readable(run.summary)).toContain("🔁 Purged twice, 1 s apart (Fastly's advice for services with shielding): the second pass purged 2.");
  });

  it('reports an item whose second pass failed as failed, with its pass', async () => {
    let posts = 0;
    ctx.fake.intercept({ method: 'POST', path: `/service/${SERVICE}/purge`, times: 2 }, () => {
      posts += 1;
      if (posts === 2) throw new Error('second pass broke');
    });
    const run = await purge({ 'purge-twice': 'true', 'purge-twice-delay': '0', 'max-retries': '0' });
    expect(run.code).toBe(1);
    const [svc] = JSON.parse(run.outputs.result ?? '{}').services;
    expect(svc.failed.map((f: { item: string; reason: string }) => [f.item, f.reason.split(':')[0]])).toEqual([
      ['home', 'second pass'],
      ['news', 'second pass']
    ]);
    expect(run.outputs['purged-count']).toBe('0');
  });

  it('purges everything twice with purge-all, the delay apart', async () => {
    const run = await runAction(ctx.inputs({ mode: 'purge-all', 'api-token': PURGE_ALL_TOKEN, 'purge-twice': 'true', 'purge-twice-delay': '0.5' }));
    expect(run.code).toBe(0);
    const all = ctx.fake.purges.filter(p => p.kind === 'all');
    expect(all).toHaveLength(2);
    expect((all[1]?.at ?? 0) - (all[0]?.at ?? 0)).toBeGreaterThanOrEqual(500);
    expect(run.outputs['purged-count']).toBe('1');
  });

  it('dry-run states the wait and the second pass, and sends nothing', async () => {
    const run = await purge({ 'purge-twice': 'true', 'wait-for-url': origin.url, 'dry-run': 'true' });
    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(origin.times).toHaveLength(0);
    const summary = readable(run.summary);
    expect(summary).toContain(`⏳ A real run would first wait for <code>${origin.url}</code> to serve <code>${SHA}</code> on 3 consecutive tries (up to 600 s)`);
    expect(summary).toContain('🔁 Purge twice: every request would be sent again 2 s after the first pass');
    expect(summary).toContain('Plan: 2 requests that a real run would send');
  });
});
