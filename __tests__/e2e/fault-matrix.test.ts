import { describe, expect, it } from '@jest/globals';
import { PURGE_ALL_TOKEN, PURGE_TOKEN, TOKEN, useFakeFastly } from './e2e-fake.js';
import { readable, runAction } from './run-action.js';

const ctx = useFakeFastly();

let serial = 0;

/** Each writing mode: how to set it up, its first write (where the fault goes), and what "no work lost" means. */
interface WritingMode {
  readonly name: string;
  /** Sets up fresh state; answers the inputs and the path of the mode's first write. */
  setup(): { inputs: Record<string, string>; write: { method: string; path: RegExp } };
  /** Items the run was asked to do, and how many it reports done or failed. */
  accounted(result: Record<string, never>): { asked: number; done: number; failed: number };
  /** A clone must not be repeated: lost answers fail instead of retrying. */
  readonly safeToRepeat: boolean;
}

const ITEMS = '{"a": "1", "b": "2", "c": "3"}';

const MODES: WritingMode[] = [
  {
    name: 'purge-keys',
    setup: () => ({ inputs: { mode: 'purge-keys', 'api-token': PURGE_TOKEN, keys: 'a b c' }, write: { method: 'POST', path: /^\/service\/\w+\/purge$/ } }),
    accounted: r => count(r, 'services', 3, 'purged'),
    safeToRepeat: true
  },
  {
    name: 'purge-urls',
    setup: () => ({ inputs: { mode: 'purge-urls', 'api-token': PURGE_TOKEN, urls: 'https://a.example/1 https://a.example/2 https://a.example/3', concurrency: '1' }, write: { method: 'POST', path: /^\/purge\// } }),
    accounted: r => count(r, 'hosts', 3, 'purged'),
    safeToRepeat: true
  },
  {
    name: 'purge-all',
    setup: () => ({ inputs: { mode: 'purge-all', 'api-token': PURGE_ALL_TOKEN }, write: { method: 'POST', path: /^\/service\/\w+\/purge_all$/ } }),
    accounted: r => count(r, 'services', 1, 'purged'),
    safeToRepeat: true
  },
  {
    name: 'activate',
    setup: () => {
      const sid = `FM${++serial}ACT`;
      ctx.fake.addService({ id: sid, name: 'fm', versions: [{ active: true }] });
      return { inputs: { mode: 'activate', 'api-token': TOKEN, 'service-id': sid }, write: { method: 'PUT', path: /\/version\/1\/clone$/ } };
    },
    accounted: r => {
      const s = (r as unknown as { services: { status: string }[] }).services[0];
      return { asked: 1, done: s?.status === 'activated' ? 1 : 0, failed: s?.status === 'activated' ? 0 : 1 };
    },
    safeToRepeat: false
  },
  {
    name: 'update-dictionary',
    setup: () => {
      const sid = `FM${++serial}DICT`;
      ctx.fake.addService({ id: sid, name: 'fm', versions: [{ active: true }] });
      ctx.fake.addDictionary(sid, { name: 'd' });
      return { inputs: { mode: 'update-dictionary', 'api-token': TOKEN, 'service-id': sid, dictionary: 'd', items: ITEMS }, write: { method: 'PATCH', path: /\/items$/ } };
    },
    accounted: r => stores(r),
    safeToRepeat: true
  },
  {
    name: 'update-config-store',
    setup: () => {
      const name = `fm-store-${++serial}`;
      ctx.fake.addConfigStore({ name });
      return { inputs: { mode: 'update-config-store', 'api-token': TOKEN, 'service-id': '', 'config-store': name, items: ITEMS }, write: { method: 'PATCH', path: /\/items$/ } };
    },
    accounted: r => stores(r),
    safeToRepeat: true
  }
];

function count(result: Record<string, never>, key: 'services' | 'hosts', asked: number, done: 'purged') {
  const rows = (result[key] ?? []) as { purged: number; failedCount: number }[];
  return { asked, done: rows.reduce((n, row) => n + row[done], 0), failed: rows.reduce((n, row) => n + row.failedCount, 0) };
}

function stores(result: Record<string, never>) {
  const [s] = (result as unknown as { stores: { created: number; updated: number; failedCount: number; error?: string; status: string }[] }).stores;
  const changes = (s?.created ?? 0) + (s?.updated ?? 0);
  return { asked: 3, done: s?.status === 'synced' ? changes : changes - (s?.failedCount ?? 0), failed: s?.failedCount ?? 0 };
}

interface Fault {
  readonly name: string;
  apply(write: { method: string; path: RegExp }): void;
  /** Whether a retry can get past it. */
  readonly passes: 'always' | 'if-safe' | 'never';
  /** What the summary or the error must say when the run fails. */
  readonly says: RegExp;
  readonly inputs?: Record<string, string>;
}

const inSeconds = (s: number) => String(Math.ceil(Date.now() / 1000) + s);

const FAULTS: Fault[] = [
  { name: '429, reset 2 s away', apply: write => ctx.fake.fault({ ...write, kind: 'status', status: 429, headers: { 'Fastly-RateLimit-Reset': inSeconds(2), 'Fastly-RateLimit-Remaining': '0' } }), passes: 'always', says: /429/ },
  { name: '429, reset beyond the 120 s cap', apply: write => ctx.fake.fault({ ...write, times: Infinity, kind: 'status', status: 429, headers: { 'Fastly-RateLimit-Reset': inSeconds(3600) } }), passes: 'never', says: /the window resets at \S+Z, more than the 120 s the action waits/ },
  { name: 'a burst of 503s', apply: write => ctx.fake.fault({ ...write, times: 2, kind: 'status', status: 503 }), passes: 'if-safe', says: /HTTP 503/ },
  { name: 'a connection dropped mid-request', apply: write => ctx.fake.fault({ ...write, times: 1, kind: 'drop' }), passes: 'if-safe', says: /ECONNRESET|socket hang up/ },
  {
    // Fastly still acts on it once the answer is late: the clone must not be repeated.
    name: 'an answer slower than request-timeout',
    apply: write => ctx.fake.fault({ ...write, times: 1, kind: 'slow', delayMs: 2500 }),
    inputs: { 'request-timeout': '1' },
    passes: 'if-safe',
    says: /no answer within 1\.0 s \(timeout\)/
  },
  { name: 'a non-JSON error page', apply: write => ctx.fake.fault({ ...write, times: 1, kind: 'non-json', status: 502 }), passes: 'if-safe', says: /HTTP 502\): 502 Bad Gateway/ }
];

const cases = MODES.flatMap(mode => FAULTS.map(fault => [mode.name, fault.name, mode, fault] as const));

describe('fault matrix: every writing mode under every fault', () => {
  it.each(cases)('%s under %s', async (_m, _f, mode, fault) => {
    const { inputs, write } = mode.setup();
    fault.apply(write);
    const run = await runAction(ctx.inputs({ ...inputs, ...fault.inputs }));
    const passes = fault.passes === 'always' || (fault.passes === 'if-safe' && mode.safeToRepeat);

    expect(run.code).toBe(passes ? 0 : 1);
    const accounted = mode.accounted(JSON.parse(run.outputs.result ?? '{}'));
    // Nothing lost: every item asked for is done or listed as failed.
    expect(accounted.done + accounted.failed).toBe(accounted.asked);
    expect(accounted.failed).toBe(passes ? 0 : accounted.asked);
    if (mode.name === 'activate') {
      // Nothing unsafe repeated: at most one clone call that Fastly acted on (a 429 is refused before acting), never two activations.
      const clones = ctx.fake.requests.filter(r => r.path.endsWith('/clone'));
      expect(clones.filter(r => r.status !== 429).length).toBeLessThanOrEqual(1);
      expect(ctx.fake.service(inputs['service-id'] ?? '').versions.length).toBeLessThanOrEqual(2);
      expect(ctx.fake.requests.filter(r => r.path.endsWith('/activate') && r.status === 200).length).toBeLessThanOrEqual(1);
    }
    const summary = readable(run.summary);
    if (passes) expect(summary).toMatch(/Fastly API: \d+ requests sent, \d+ (retry|retries) among them/);
    else expect(summary).toMatch(fault.says);
  });
});
