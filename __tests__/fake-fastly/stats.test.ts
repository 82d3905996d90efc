import { describe, expect, it } from '@jest/globals';
import { useFake } from './use-fake.js';

// The fake's historical stats: the action's stats tests trust them, so each rule must be able to fail here.

const HOUR = 3600;
const DAY = 86400;

let seq = 0;

const ctx = useFake(fake => {
  fake.addToken({ token: 'global' });
  fake.addToken({ token: 'read', scopes: ['global:read'] });
  fake.addToken({ token: 'purge', scopes: ['purge_select', 'purge_all'] });
  fake.addToken({ token: 'svc-only', services: ['not-this-one'] });
});

function freshService() {
  seq += 1;
  const sid = `svc-${seq}`;
  ctx.fake.addService({ id: sid, name: 'site' });
  return sid;
}

const traffic = (hits: number, miss: number) => ({
  requests: hits + miss + 1, hits, miss, pass: 1, bandwidth: 100_000,
  status_2xx: hits + miss, status_3xx: 0, status_4xx: 1, status_5xx: 0,
});

type Bucket = Record<string, unknown> & { start_time: number };
type Stats = { status: string; meta: Record<string, string>; msg: null; data: Bucket[] };

async function stats(sid: string, query: string, token = 'global') {
  const res = await fetch(`${ctx.fake.url}/stats/service/${sid}?${query}`, { headers: { 'Fastly-Key': token } });
  return { status: res.status, body: (await res.json()) as Stats };
}

const q = (params: Record<string, string | number>) => new URLSearchParams(
  Object.entries(params).map(([key, value]): [string, string] => [key, String(value)])).toString();

/** Midnight UTC two days ago: whole hours, all in the past. */
const midnight = () => Math.floor(Date.now() / 1000 / DAY) * DAY - 2 * DAY;
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('historical stats', () => {
  it('answers one bucket per hour in [from, to), aligned, inside the envelope', async () => {
    const sid = freshService();
    const calls: string[] = [];
    ctx.fake.setStats(sid, (_start, by) => {
      calls.push(by);
      return traffic(233, 1);
    });
    const from = midnight();
    const { status, body } = await stats(sid, q({ from, to: from + 6 * HOUR, by: 'hour', region: 'europe' }), 'read');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'success', msg: null, meta: { from: String(from), to: String(from + 6 * HOUR), by: 'hour', region: 'europe' },
    });
    expect(body.data.map((b) => b.start_time)).toEqual([0, 1, 2, 3, 4, 5].map((h) => from + h * HOUR));
    expect(calls).toEqual(Array(6).fill('hour'));
    expect(body.data[0]).toEqual({
      start_time: from, service_id: sid, requests: 235, hits: 233, miss: 1, pass: 1, errors: 0, hit_ratio: 0.9957,
      bandwidth: 100_000, status_2xx: 234, status_3xx: 0, status_4xx: 1, status_5xx: 0,
      header_size: expect.any(Number), body_size: expect.any(Number),
    });

    // An unaligned from starts at the next whole hour; to itself is excluded.
    const shifted = await stats(sid, q({ from: from + 1, to: from + 3 * HOUR + 1, by: 'hour' }));
    expect(shifted.body.data.map((b) => b.start_time)).toEqual([1, 2, 3].map((h) => from + h * HOUR));
  });

  it('takes relative times and defaults to a day by day, region all', async () => {
    const sid = freshService();
    ctx.fake.setStats(sid, () => traffic(1, 1));
    const before = nowSeconds();
    const day = await stats(sid, q({ from: '1 day ago', to: 'now', by: 'hour' }));
    expect(day.status).toBe(200);
    const starts = day.body.data.map((b) => b.start_time);
    expect(starts).toHaveLength(24);
    expect(starts.every((start) => start % HOUR === 0)).toBe(true);
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(before - DAY);
    expect(Math.max(...starts)).toBeLessThanOrEqual(nowSeconds());
    expect(day.body.meta).toEqual({ from: '1 day ago', to: 'now', by: 'hour', region: 'all' });

    expect((await stats(sid, q({ from: '30 minutes ago', by: 'minute' }))).body.data).toHaveLength(30);
    expect((await stats(sid, q({ from: '2 hours ago', by: 'hour' }))).body.data).toHaveLength(2);
    expect((await stats(sid, q({ from: '1 week ago' }))).body.data).toHaveLength(7);
    const defaults = await stats(sid, '');
    expect(defaults.body.meta).toEqual({ from: '1 day ago', to: 'now', by: 'day', region: 'all' });
    expect(defaults.body.data.map((b) => b.start_time % DAY)).toEqual([0]);
  });

  it('computes hit_ratio, null with neither hits nor misses, and errors from 5xx', async () => {
    const sid = freshService();
    const from = midnight();
    ctx.fake.setStats(sid, (start) => (start === from ? traffic(3, 1) : { ...traffic(0, 0), status_5xx: 4 }));
    const { body } = await stats(sid, q({ from, to: from + 2 * HOUR, by: 'hour' }));
    expect(body.data.map((b) => b.hit_ratio)).toEqual([0.75, null]);
    expect(body.data.map((b) => b.errors)).toEqual([0, 4]);
  });

  it('omits buckets the generator has no traffic for, and all without a generator', async () => {
    const sid = freshService();
    const from = midnight();
    ctx.fake.setStats(sid, (start) => (((start - from) / HOUR) % 2 === 0 ? traffic(1, 0) : null));
    const query = q({ from, to: from + 6 * HOUR, by: 'hour' });
    expect((await stats(sid, query)).body.data.map((b) => b.start_time)).toEqual([0, 2, 4].map((h) => from + h * HOUR));

    ctx.fake.reset();
    const { status, body } = await stats(sid, query);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'success', meta: expect.any(Object), msg: null, data: [] });
  });

  it('has no buckets past retention or not yet started', async () => {
    const sid = freshService();
    const starts: number[] = [];
    ctx.fake.setStats(sid, (start) => {
      starts.push(start);
      return null;
    });
    const before = nowSeconds();
    await stats(sid, q({ from: '6 weeks ago', by: 'minute' }));
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(before - 35 * DAY);
    expect(starts.length).toBeLessThanOrEqual(35 * 1440);

    ctx.fake.setStats(sid, () => traffic(1, 0));
    const now = nowSeconds();
    const { body } = await stats(sid, q({ from: now - 2 * HOUR, to: now + 5 * HOUR, by: 'hour' }));
    expect(body.data).toHaveLength(2);
  });

  it('refuses a bad from, to or by, and from after to', async () => {
    const sid = freshService();
    for (const from of ['yesterday', '1 fortnight ago', '-5', '1.5']) {
      expect(await stats(sid, q({ from }))).toEqual({ status: 400, body: { status: 'error', msg: 'Invalid value for from' } });
    }
    expect(await stats(sid, q({ to: 'tomorrow' }))).toEqual({ status: 400, body: { status: 'error', msg: 'Invalid value for to' } });
    expect((await stats(sid, q({ by: 'week' }))).status).toBe(400);
    expect((await stats(sid, q({ from: 'now', to: '1 hour ago' }))).status).toBe(400);
  });

  it('needs global or global:read, and a service the token may use', async () => {
    const sid = freshService();
    expect(await stats(sid, '', 'purge')).toMatchObject({ status: 403, body: { msg: 'You are not authorized to perform this action' } });
    expect((await stats(sid, '', 'read')).status).toBe(200);
    expect((await stats(sid, '', 'svc-only')).status).toBe(403);
    expect((await stats('no-such-service', '')).status).toBe(400);
  });
});
