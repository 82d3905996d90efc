import { describe, expect, it } from '@jest/globals';
import { useFake } from './use-fake.js';

// The fake's own rules: the action's tests trust them, so each must be able to fail here.

const SID = 'svc1';
const OTHER_SID = 'svc2';

const ctx = useFake(fake => {
  fake.addService({ id: SID, name: 'site' });
  fake.addService({ id: OTHER_SID, name: 'other' });
  fake.addToken({ token: 'global' });
  fake.addToken({ token: 'read', scopes: ['global:read'] });
  fake.addToken({ token: 'select', scopes: ['purge_select'], selfLookup: false });
  fake.addToken({ token: 'all', scopes: ['purge_all'] });
  fake.addToken({ token: 'only-svc1', scopes: ['purge_select'], services: [SID] });
  fake.addToken({ token: 'expired', expiresAt: new Date(Date.now() - 1000).toISOString() });
}, { writeLimit: 50 });

function call(path: string, { method = 'POST', token = 'global', body, headers = {} }: {
  method?: string; token?: string | null; body?: unknown; headers?: Record<string, string>;
} = {}) {
  return fetch(ctx.fake.url + path, {
    method,
    headers: { ...(token === null ? {} : { 'Fastly-Key': token }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const keys = (n: number) => Array.from({ length: n }, (_, i) => `key-${i}`);
const batch = (n: number, token = 'global') => call(`/service/${SID}/purge`, { token, body: { surrogate_keys: keys(n) } });

describe('batch surrogate-key purge', () => {
  it('refuses 257 keys and purges nothing', async () => {
    const res = await batch(257);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ msg: 'Batch surrogate key request only supports up to 256 surrogate keys' });
    expect(ctx.fake.purges).toHaveLength(0);
  });

  it('accepts 256 keys and answers an id per key without a Content-Type', async () => {
    const res = await batch(256);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBeNull();
    const ids = JSON.parse(await res.text()) as Record<string, string>;
    expect(Object.keys(ids)).toEqual(keys(256));
    expect(new Set(Object.values(ids)).size).toBe(256);
    expect(ctx.fake.purges.map((p) => [p.kind, p.serviceId, p.target, p.id])).toEqual(
      keys(256).map((k) => ['key', SID, k, ids[k]]),
    );
  });

  it.each([
    ['no body', undefined],
    ['an empty list', { surrogate_keys: [] }],
    ['a string', { surrogate_keys: 'a b' }],
  ])('refuses %s with a msg', async (_, body) => {
    const res = await call(`/service/${SID}/purge`, { body });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(typeof ((await res.json()) as { msg?: unknown }).msg).toBe('string');
  });

  it('answers 400 for a service it does not know', async () => {
    const res = await call('/service/nope/purge', { body: { surrogate_keys: ['a'] } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ msg: 'Bad request', detail: 'Invalid value for service_id' });
  });
});

describe('single purges', () => {
  it('decodes the key in the path and records URL targets as sent', async () => {
    const one = await call(`/service/${SID}/purge/${encodeURIComponent('a b/c')}`);
    expect(await one.json()).toEqual({ status: 'ok', id: expect.any(String) });
    const url = await call('/purge/www.example.com/a/b?x=1&y=%20');
    expect(await url.json()).toEqual({ status: 'ok', id: expect.any(String) });
    const all = await call(`/service/${SID}/purge_all`);
    expect(await all.json()).toEqual({ status: 'ok' });
    expect(ctx.fake.purges.map((p) => [p.kind, p.serviceId, p.target])).toEqual([
      ['key', SID, 'a b/c'],
      ['url', null, 'www.example.com/a/b?x=1&y=%20'],
      ['all', SID, null],
    ]);
  });

  it('records soft purges by the header presence, whatever its value, and never for purge_all', async () => {
    await call(`/service/${SID}/purge/a`, { headers: { 'Fastly-Soft-Purge': '0' } });
    await call(`/service/${SID}/purge/b`);
    await call('/purge/example.com/', { headers: { 'Fastly-Soft-Purge': '' } });
    await call(`/service/${SID}/purge_all`, { headers: { 'Fastly-Soft-Purge': '1' } });
    expect(ctx.fake.purges.map((p) => p.soft)).toEqual([true, false, true, false]);
  });
});

describe('auth', () => {
  it.each([['no', null], ['an unknown', 'who'], ['an expired', 'expired']])('answers 401 to %s token', async (_, token) => {
    const res = await call('/tokens/self', { method: 'GET', token });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ msg: 'Provided credentials are missing or invalid' });
  });

  it.each([
    ['global:read', 'read', `/service/${SID}/purge/k`],
    ['purge_select', 'select', `/service/${SID}/purge_all`],
    ['purge_all', 'all', `/service/${SID}/purge/k`],
    ['purge_all', 'all', '/purge/example.com/x'],
    ['service-restricted', 'only-svc1', `/service/${OTHER_SID}/purge/k`],
  ])('forbids what a %s token may not do', async (_, token, path) => {
    const res = await call(path, { token });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ msg: 'You are not authorized to perform this action' });
    expect(ctx.fake.purges).toHaveLength(0);
  });

  it.each([
    ['purge_select', 'select', `/service/${SID}/purge/k`],
    ['purge_select', 'select', '/purge/example.com/x'],
    ['purge_all', 'all', `/service/${SID}/purge_all`],
    ['service-restricted', 'only-svc1', `/service/${SID}/purge/k`],
  ])('allows what a %s token may do', async (_, token, path) => {
    expect((await call(path, { token })).status).toBe(200);
  });

  it('describes the token, or refuses a token that may not look itself up', async () => {
    const res = await call('/tokens/self', { method: 'GET', token: 'only-svc1' });
    expect(await res.json()).toMatchObject({
      name: 'test token', expires_at: null, scope: 'purge_select', scopes: ['purge_select'], services: [SID],
    });
    expect((await call('/tokens/self', { method: 'GET', token: 'select' })).status).toBe(403);
  });
});

describe('routing', () => {
  it('answers 404 to an unknown path and 405 to a wrong method', async () => {
    const missing = await call('/nowhere', { method: 'GET' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ msg: 'Record not found' });
    expect((await call('/tokens/self', { method: 'POST' })).status).toBe(405);
  });
});

describe('rate limits', () => {
  it('puts the write budget on writes only; purge_all spends it, key and URL purges do not', async () => {
    const read = await call('/tokens/self', { method: 'GET' });
    expect(read.headers.get('fastly-ratelimit-remaining')).toBeNull();
    expect(read.headers.get('fastly-ratelimit-reset')).toBeNull();

    // As recorded: key and URL purges carry no rate-limit headers at all.
    for (const purge of [await call(`/service/${SID}/purge/k`), await batch(1), await call('/purge/example.com/')]) {
      expect(purge.status).toBe(200);
      expect(purge.headers.get('fastly-ratelimit-remaining')).toBeNull();
      expect(purge.headers.get('fastly-ratelimit-reset')).toBeNull();
    }

    const purgeAll = await call(`/service/${SID}/purge_all`);
    expect(purgeAll.headers.get('fastly-ratelimit-remaining')).toBe('49');
    expect(Number(purgeAll.headers.get('fastly-ratelimit-reset'))).toBe(Math.ceil(Date.now() / 3_600_000) * 3600);
    expect((await call(`/service/${SID}/purge_all`)).headers.get('fastly-ratelimit-remaining')).toBe('48');
  });

  it('answers 429 on an exhausted purge allowance until its reset passes', async () => {
    const before = Date.now();
    ctx.fake.exhaustPurges(1);
    const refused = await batch(1);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ msg: 'You have exceeded your hourly rate limit. Please wait.' });
    expect(refused.headers.get('fastly-ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('fastly-ratelimit-reset'))).toBe(Math.ceil((before + 1000) / 1000));
    // purge_all spends the write budget, which is untouched.
    expect((await call(`/service/${SID}/purge_all`)).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await batch(1)).status).toBe(200);
  });

  it('answers 429 to purge_all on an exhausted write budget but still takes key purges', async () => {
    ctx.fake.exhaustWrites(60);
    const refused = await call(`/service/${SID}/purge_all`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('fastly-ratelimit-remaining')).toBe('0');
    expect((await batch(1)).status).toBe(200);
  });
});

describe('faults', () => {
  it("'status' answers the given status and body the given number of times, then normally", async () => {
    ctx.fake.fault({ path: `/service/${SID}/purge`, times: 2, kind: 'status' });
    ctx.fake.fault({ method: 'GET', kind: 'status', status: 429, body: { msg: 'slow down' }, headers: { 'Retry-After': '3' } });
    for (let i = 0; i < 2; i += 1) {
      const res = await batch(1);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ msg: 'Service Unavailable' });
    }
    expect((await batch(1)).status).toBe(200);
    const limited = await call('/tokens/self', { method: 'GET', token: 'who' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toEqual({ msg: 'slow down' });
    expect(ctx.fake.requests.map((r) => r.status)).toEqual([503, 503, 200, 429]);
  });

  it("'drop' closes the connection without an answer, and is logged with status 0", async () => {
    ctx.fake.fault({ path: /purge_all$/, kind: 'drop' });
    await expect(call(`/service/${SID}/purge_all`)).rejects.toThrow();
    expect(ctx.fake.requests).toHaveLength(1);
    expect(ctx.fake.requests[0]?.status).toBe(0);
    expect(ctx.fake.purges).toHaveLength(0);
    expect((await call(`/service/${SID}/purge_all`)).status).toBe(200);
  });

  it("'slow' answers normally after the delay", async () => {
    ctx.fake.fault({ kind: 'slow', delayMs: 150 });
    const started = Date.now();
    const res = await batch(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    expect(res.status).toBe(200);
    expect(ctx.fake.purges).toHaveLength(1);
  });

  it("'non-json' answers an HTML 502", async () => {
    ctx.fake.fault({ kind: 'non-json' });
    const res = await batch(1);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(await res.text()).toBe('<html><body><h1>502 Bad Gateway</h1></body></html>');
  });
});

describe("'raw' faults: a 2xx whose body is not the call's answer", () => {
  it('sends the text as is with only the given headers, 200 by default, and purges nothing', async () => {
    ctx.fake.fault({ kind: 'raw', text: '{"key-0": "1234' });
    const res = await batch(1);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBeNull();
    expect(await res.text()).toBe('{"key-0": "1234');
    expect(ctx.fake.purges).toHaveLength(0);
  });

  it('with afterHandler, Fastly acts and the client gets the bad body (here empty)', async () => {
    ctx.fake.fault({ kind: 'raw', status: 204, afterHandler: true });
    const res = await batch(2);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(ctx.fake.purges.map((p) => p.target)).toEqual(['key-0', 'key-1']);
  });
});

describe('log and concurrency', () => {
  it('logs every request with lower-case headers and its body, and counts requests in flight', async () => {
    ctx.fake.setLatency(100);
    try {
      await Promise.all([batch(1), batch(2), call('/tokens/self', { method: 'GET' })]);
    } finally {
      ctx.fake.setLatency(0);
    }
    expect(ctx.fake.maxInFlight).toBe(3);
    expect(ctx.fake.requests).toHaveLength(3);
    const writes = ctx.fake.writes();
    expect(writes.map((r) => [r.method, r.path, r.status, r.headers['fastly-key']])).toEqual([
      ['POST', `/service/${SID}/purge`, 200, 'global'],
      ['POST', `/service/${SID}/purge`, 200, 'global'],
    ]);
    expect(writes.map((r) => r.body).sort((a, b) => a.length - b.length))
      .toEqual([1, 2].map((n) => JSON.stringify({ surrogate_keys: keys(n) })));
  });
});
