import { describe, expect, it } from '@jest/globals';
import { useFake } from '../fake-fastly/use-fake.js';
import { type FastlyApi, createFastlyClient } from '../../src/fastly/client.js';
import { FastlyError, FastlyNetworkError, FastlyRateLimitError, FastlyUnconfirmedError } from '../../src/fastly/errors.js';

const SERVICE = 'SVC';
const TOKEN = 'unit-token';
const ctx = useFake(fake => {
  fake.addService({ id: SERVICE, name: 'www' });
  fake.addToken({ token: TOKEN, scopes: ['global'], name: 'unit', expiresAt: '2030-01-02T03:04:05Z', services: [SERVICE] });
});

/** A client whose sleeps are recorded, not slept, on a clock that the sleeps advance. */
function client(options: { maxRetries?: number; timeoutMs?: number; dryRun?: boolean } = {}) {
  const sleeps: number[] = [];
  const log: string[] = [];
  let clock = Date.now();
  const api: FastlyApi = createFastlyClient({
    baseUrl: ctx.fake.url,
    token: TOKEN,
    maxRetries: options.maxRetries ?? 5,
    dryRun: options.dryRun ?? false,
    timeoutMs: options.timeoutMs ?? 5000,
    now: () => clock,
    sleep: async ms => {
      sleeps.push(ms);
      clock += ms;
    },
    random: () => 1,
    log: message => log.push(message)
  });
  return { api, sleeps, log };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

function inSeconds(s: number): string {
  return String(Math.ceil(Date.now() / 1000) + s);
}

describe('Fastly client', () => {
  it('reads the token: scopes, services, expiry', async () => {
    const { api } = client();
    await expect(api.tokenSelf()).resolves.toEqual({
      name: 'unit',
      scopes: ['global'],
      services: [SERVICE],
      expiresAt: new Date('2030-01-02T03:04:05Z')
    });
    api.dispose();
  });

  it('retries 5xx with exponential backoff (full jitter, here at its maximum)', async () => {
    ctx.fake.fault({ path: '/service/SVC/purge', times: 3, kind: 'status', status: 503 });
    const { api, sleeps, log } = client();
    await expect(api.purgeKeys(SERVICE, ['a'], true)).resolves.toMatchObject({ ids: new Map([['a', expect.stringMatching(/^1234-/)]]) });
    expect(sleeps).toEqual([500, 1000, 2000]);
    expect(log[0]).toBe('POST /service/SVC/purge: HTTP 503 (Service Unavailable); retry 1 of 5 in 500 ms');
    api.dispose();
  });

  it('stops after max-retries and names the request, status and reason', async () => {
    ctx.fake.fault({ path: '/service/SVC/purge_all', times: Infinity, kind: 'status', status: 502, body: { msg: 'Bad gateway', detail: 'upstream' } });
    const { api, sleeps } = client({ maxRetries: 2 });
    const error = await failure(api.purgeAll(SERVICE));
    expect(error).toBeInstanceOf(FastlyError);
    expect(error.message).toBe('Fastly refused POST /service/SVC/purge_all (HTTP 502): Bad gateway: upstream (after 2 retries)');
    expect(sleeps).toHaveLength(2);
    api.dispose();
  });

  it('does not retry other 4xx', async () => {
    ctx.fake.fault({ path: '/service/SVC/purge', times: 1, kind: 'status', status: 400, body: { errors: [{ title: 'Invalid', detail: 'bad key' }] } });
    const { api, sleeps } = client();
    const error = await failure(api.purgeKeys(SERVICE, ['a'], false));
    expect(error.message).toBe('Fastly refused POST /service/SVC/purge (HTTP 400): Invalid: bad key');
    expect(sleeps).toEqual([]);
    expect(ctx.fake.requests).toHaveLength(1);
    api.dispose();
  });

  it('waits until Fastly-RateLimit-Reset on a 429, then retries', async () => {
    ctx.fake.fault({ path: '/service/SVC/purge', times: 1, kind: 'status', status: 429, headers: { 'Fastly-RateLimit-Reset': inSeconds(30), 'Fastly-RateLimit-Remaining': '0' } });
    const { api, sleeps } = client();
    await api.purgeKeys(SERVICE, ['a'], true);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(28_000);
    expect(sleeps[0]).toBeLessThanOrEqual(31_250);
    api.dispose();
  });

  it('honours Retry-After when there is no reset header', async () => {
    ctx.fake.fault({ path: '/service/SVC/purge', times: 1, kind: 'status', status: 429, headers: { 'Retry-After': '7' } });
    const { api, sleeps } = client();
    await api.purgeKeys(SERVICE, ['a'], true);
    expect(sleeps).toEqual([7250]);
    api.dispose();
  });

  it('waits at most 120 s in all for rate limits, then fails saying when the window resets', async () => {
    ctx.fake.fault({ path: '/service/SVC/purge', times: 1, kind: 'status', status: 429, headers: { 'Fastly-RateLimit-Reset': inSeconds(70) } });
    const secondReset = inSeconds(141);
    ctx.fake.fault({ path: '/service/SVC/purge', times: 1, kind: 'status', status: 429, headers: { 'Fastly-RateLimit-Reset': secondReset } });
    const { api, sleeps } = client();
    const error = await failure(api.purgeKeys(SERVICE, ['a'], true));
    expect(error).toBeInstanceOf(FastlyRateLimitError);
    // ~70 s fits in 120 s; a second window another ~70 s away would not, so no second wait.
    expect(sleeps).toHaveLength(1);
    expect(error.message).toContain(
      `the window resets at ${new Date(Number(secondReset) * 1000).toISOString()}, more than the 120 s the action waits`
    );
    expect(ctx.fake.requests).toHaveLength(2);
    api.dispose();
  });

  it('backs off when a 429 names a reset already past', async () => {
    ctx.fake.fault({ path: '/service/SVC/purge', times: 2, kind: 'status', status: 429, headers: { 'Fastly-RateLimit-Reset': String(Math.floor(Date.now() / 1000) - 5) } });
    const { api, sleeps } = client();
    await api.purgeKeys(SERVICE, ['a'], true);
    expect(sleeps).toEqual([500, 1000]);
    api.dispose();
  });

  it('after a 429 it cannot wait out, fails later writes without sending them, but still reads', async () => {
    ctx.fake.fault({ path: '/service/SVC/purge', times: 1, kind: 'status', status: 429, headers: { 'Fastly-RateLimit-Reset': inSeconds(3600) } });
    const { api } = client();
    await failure(api.purgeKeys(SERVICE, ['a'], true));
    const second = await failure(api.purgeAll(SERVICE));
    expect(second.message).toMatch(/^Not sent: POST \/service\/SVC\/purge_all, because Fastly's rate limit is exhausted/);
    await api.tokenSelf();
    expect(ctx.fake.requests.map(r => r.method)).toEqual(['POST', 'GET']);
    api.dispose();
  });

  it('with max-retries 0, a 429 fails at once and still says when the window resets', async () => {
    ctx.fake.fault({ path: '/service/SVC/purge', times: 1, kind: 'status', status: 429, headers: { 'Fastly-RateLimit-Reset': inSeconds(10) } });
    const { api, sleeps } = client({ maxRetries: 0 });
    const error = await failure(api.purgeKeys(SERVICE, ['a'], true));
    expect(error.message).toMatch(/HTTP 429\) and its retries \(max-retries\) are spent; the window resets at /);
    expect(sleeps).toEqual([]);
    api.dispose();
  });

  it('retries dropped connections and timeouts as network errors', async () => {
    ctx.fake.fault({ path: '/service/SVC/purge', times: 1, kind: 'drop' });
    ctx.fake.fault({ path: '/service/SVC/purge', times: 1, kind: 'slow', delayMs: 2000 });
    const { api, sleeps, log } = client({ timeoutMs: 200 });
    await api.purgeKeys(SERVICE, ['a'], true);
    expect(sleeps).toEqual([500, 1000]);
    expect(log[1]).toBe('POST /service/SVC/purge: no answer within 200 ms (timeout); retry 2 of 5 in 1.0 s');
    api.dispose();
  });

  it('reports a network failure after its retries as such', async () => {
    ctx.fake.fault({ path: '/service/SVC/purge', times: Infinity, kind: 'drop' });
    const { api } = client({ maxRetries: 1 });
    const error = await failure(api.purgeKeys(SERVICE, ['a'], true));
    expect(error).toBeInstanceOf(FastlyNetworkError);
    expect(error.message).toMatch(/^Could not reach Fastly for POST \/service\/SVC\/purge: (ECONNRESET|socket hang up) \(after 1 retry\)$/);
    api.dispose();
  });

  it('retries a 200 that is not JSON like a 5xx, then fails with FastlyUnconfirmedError naming the call', async () => {
    ctx.fake.fault({ path: '/service/SVC/purge_all', times: Infinity, kind: 'raw', text: '{"status": "o' });
    const { api, sleeps, log } = client({ maxRetries: 2 });
    const error = await failure(api.purgeAll(SERVICE));
    expect(error).toBeInstanceOf(FastlyUnconfirmedError);
    expect(error.message).toBe('Fastly answered HTTP 200 to POST /service/SVC/purge_all but its answer is not JSON ({"status": "o) (after 2 retries)');
    expect(sleeps).toEqual([500, 1000]);
    expect(log[0]).toBe('POST /service/SVC/purge_all: HTTP 200 but its answer is not JSON ({"status": "o); retry 1 of 2 in 500 ms');
    api.dispose();
  });

  it('does not repeat a clone whose 2xx answer is not JSON', async () => {
    ctx.fake.addService({ id: 'CLONE', name: 'c', versions: [{ active: true }] });
    ctx.fake.addToken({ token: 'clone-token' });
    ctx.fake.fault({ path: '/service/CLONE/version/1/clone', times: Infinity, kind: 'raw', text: '<html>OK</html>' });
    const sleeps: number[] = [];
    const api = createFastlyClient({ baseUrl: ctx.fake.url, token: 'clone-token', maxRetries: 3, dryRun: false, timeoutMs: 5000, sleep: async ms => void sleeps.push(ms) });
    const error = await failure(api.cloneVersion('CLONE', 1));
    expect(error.message).toBe('Fastly answered the clone of version 1 of CLONE without a version number');
    expect(sleeps).toEqual([]);
    expect(ctx.fake.requests.filter(r => r.path.endsWith('/clone'))).toHaveLength(1);
    api.dispose();
  });

  it('tracks the lowest Fastly-RateLimit-Remaining of the window and its reset', async () => {
    // Same window as the fake's own answers (it resets at the top of the hour): only the figure differs.
    ctx.fake.fault({ path: '/service/SVC/purge_all', times: 1, kind: 'slow', delayMs: 0, headers: { 'Fastly-RateLimit-Remaining': '42' } });
    const { api } = client();
    await api.purgeAll(SERVICE);
    await api.purgeAll(SERVICE);
    expect(api.rateLimit()).toMatchObject({ remaining: 42, reset: new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000), limit: 1000 });
    api.dispose();
  });

  it('sends the soft header only for soft purges, and URL purges by host and path', async () => {
    const { api } = client();
    await api.purgeUrl(new URL('https://www.example.com/a%20b/c?x=1#frag'), true);
    await api.purgeUrl(new URL('http://www.example.com:8080/'), false);
    expect(ctx.fake.requests.map(r => [r.path, 'fastly-soft-purge' in r.headers])).toEqual([
      ['/purge/www.example.com/a%20b/c?x=1', true],
      ['/purge/www.example.com:8080/', false]
    ]);
    api.dispose();
  });

  it('refuses a batch over 256 keys before sending it', async () => {
    const { api } = client();
    await expect(api.purgeKeys(SERVICE, Array.from({ length: 257 }, (_, i) => `k${i}`), true)).rejects.toThrow(RangeError);
    expect(ctx.fake.requests).toHaveLength(0);
    api.dispose();
  });

  it('in a dry run sends reads but records writes, without the token', async () => {
    const { api } = client({ dryRun: true });
    await api.tokenSelf();
    await api.purgeKeys(SERVICE, ['a', 'b'], true);
    expect(ctx.fake.requests.map(r => r.method)).toEqual(['GET']);
    expect(api.plannedWrites()).toEqual({
      shown: [{ method: 'POST', path: '/service/SVC/purge', headers: { 'Fastly-Soft-Purge': '1' }, body: '{"surrogate_keys":["a","b"]}' }],
      total: 1
    });
    api.dispose();
  });
});

describe('service details in the shapes Fastly has answered', () => {
  it('reads the recorded details: active_version null, versions without environments[], nothing live', async () => {
    const recorded = {
      id: SERVICE, name: 'test-service', type: 'vcl', active_version: null,
      versions: [{ number: 1, active: false, locked: false, staging: false, comment: '' }]
    };
    ctx.fake.fault({ path: `/service/${SERVICE}/details`, kind: 'status', status: 200, times: 1, body: recorded });
    const { api } = client();
    await expect(api.serviceDetails(SERVICE)).resolves.toEqual({
      id: SERVICE, name: 'test-service', type: 'vcl', activeVersion: undefined,
      versions: [{ number: 1, active: false, locked: false, staging: false, comment: '' }]
    });
    api.dispose();
  });

  it("takes the live versions from the service's environments[] when its versions name none", async () => {
    const body = {
      id: SERVICE, name: 'www', type: 'vcl', active_version: null,
      versions: [1, 2, 3].map(number => ({ number, active: false, locked: true, staging: false, comment: '' })),
      environments: [
        { name: 'production', service_id: SERVICE, active_version: 2 },
        { name: 'staging', service_id: SERVICE, active_version: 3 }
      ]
    };
    ctx.fake.fault({ path: `/service/${SERVICE}/details`, kind: 'status', status: 200, times: 1, body });
    const { api } = client();
    const details = await api.serviceDetails(SERVICE);
    expect(details.activeVersion).toBe(2);
    expect(details.versions.map(v => [v.number, v.staging])).toEqual([[1, false], [2, false], [3, true]]);
    api.dispose();
  });
});
