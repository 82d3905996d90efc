import { describe, expect, it } from '@jest/globals';
import { cliEntries, expectedFilesHash, packageBytes, writePackage } from '../packages.js';
import { PURGE_ALL_TOKEN, PURGE_TOKEN, TOKEN, useFakeFastly } from './e2e-fake.js';
import { readable, runAction } from './run-action.js';

const ctx = useFakeFastly();

let serial = 0;

/** Each writing mode: how to set it up, its first write (where the fault goes), and what "no work lost" means. */
interface WritingMode {
  readonly name: string;
  /** Sets up fresh state; answers the inputs and the path of the mode's first write. */
  setup(): { inputs: Record<string, string>; write: { method: string; path: RegExp } };
  /**
   * What the run was asked to do, what the fake's state shows really done (not what the action says),
   * and what the action's result output reports as done and, item by item, as failed.
   */
  accounted(inputs: Record<string, string>, result: Record<string, never>): Accounting;
  /** A clone must not be repeated: lost answers fail instead of retrying. */
  readonly safeToRepeat: boolean;
}

interface Accounting {
  readonly asked: readonly string[];
  readonly reallyDone: ReadonlySet<string>;
  readonly reportedDone: number;
  readonly reportedFailed: ReadonlySet<string>;
}

const ITEMS = '{"a": "1", "b": "2", "c": "3"}';
const WANTED: Record<string, string> = { a: '1', b: '2', c: '3' };
const URLS = ['https://a.example/1', 'https://a.example/2', 'https://a.example/3'];
/** An update of the entry there, and two creates: the entries end up with the comment (or action) asked for. */
const ACL_ENTRIES = ['192.0.2.1 # wanted', '198.51.100.0/24 # wanted', '2001:db8::/32 # wanted'];
const ACL_PREFIXES = ['192.0.2.1/32', '198.51.100.0/24', '2001:db8::/32'];

const LIVE_PACKAGE = await packageBytes(cliEntries({ wasm: 'live' }));
const NEW_PACKAGE = cliEntries({ wasm: 'new' });
const NEW_PACKAGE_PATH = await writePackage(NEW_PACKAGE);

const MODES: WritingMode[] = [
  {
    name: 'purge-keys',
    setup: () => ({ inputs: { mode: 'purge-keys', 'api-token': PURGE_TOKEN, keys: 'a b c' }, write: { method: 'POST', path: /^\/service\/\w+\/purge$/ } }),
    accounted: (_inputs, r) => ({
      asked: ['a', 'b', 'c'],
      reallyDone: new Set(ctx.fake.purges.filter(p => p.kind === 'key').map(p => p.target ?? '')),
      ...reportedPurges(r, 'services')
    }),
    safeToRepeat: true
  },
  {
    name: 'purge-urls',
    setup: () => ({ inputs: { mode: 'purge-urls', 'api-token': PURGE_TOKEN, urls: URLS.join(' '), concurrency: '1' }, write: { method: 'POST', path: /^\/purge\// } }),
    accounted: (_inputs, r) => ({
      asked: URLS,
      reallyDone: new Set(ctx.fake.purges.filter(p => p.kind === 'url').map(p => `https://${p.target}`)),
      ...reportedPurges(r, 'hosts')
    }),
    safeToRepeat: true
  },
  {
    name: 'purge-all',
    setup: () => ({ inputs: { mode: 'purge-all', 'api-token': PURGE_ALL_TOKEN }, write: { method: 'POST', path: /^\/service\/\w+\/purge_all$/ } }),
    accounted: (inputs, r) => ({
      asked: [inputs['service-id'] ?? ''],
      reallyDone: new Set(ctx.fake.purges.filter(p => p.kind === 'all').map(p => p.serviceId ?? '')),
      ...reportedPurges(r, 'services')
    }),
    safeToRepeat: true
  },
  {
    name: 'activate',
    setup: () => {
      const sid = `FM${++serial}ACT`;
      ctx.fake.addService({ id: sid, name: 'fm', versions: [{ active: true }] });
      return { inputs: { mode: 'activate', 'api-token': TOKEN, 'service-id': sid }, write: { method: 'PUT', path: /\/version\/1\/clone$/ } };
    },
    accounted: (inputs, r) => {
      const sid = inputs['service-id'] ?? '';
      const s = (r as unknown as { services: { status: string }[] }).services[0];
      const activated = s?.status === 'activated';
      return {
        asked: [sid],
        reallyDone: new Set((ctx.fake.service(sid).activeVersion ?? 1) > 1 ? [sid] : []),
        reportedDone: activated ? 1 : 0,
        reportedFailed: new Set(activated ? [] : [sid])
      };
    },
    safeToRepeat: false
  },
  {
    // The fault goes on the upload: into the same draft again, it is safe to repeat (the clone before it is not).
    name: 'activate with package',
    setup: () => {
      const sid = `FM${++serial}PKG`;
      ctx.fake.addService({ id: sid, name: 'fm', type: 'wasm', versions: [{ active: true }] });
      ctx.fake.setPackage(sid, 1, LIVE_PACKAGE);
      return { inputs: { mode: 'activate', 'api-token': TOKEN, 'service-id': sid, package: NEW_PACKAGE_PATH }, write: { method: 'PUT', path: /\/version\/2\/package$/ } };
    },
    accounted: (inputs, r) => {
      const sid = inputs['service-id'] ?? '';
      const s = (r as unknown as { services: { status: string }[] }).services[0];
      const activated = s?.status === 'activated';
      const after = ctx.fake.service(sid);
      const live = after.versions.find(v => v.number === after.activeVersion);
      return {
        asked: [sid],
        reallyDone: new Set(after.activeVersion === 2 && live?.package?.files_hash === expectedFilesHash(NEW_PACKAGE) ? [sid] : []),
        reportedDone: activated ? 1 : 0,
        reportedFailed: new Set(activated ? [] : [sid])
      };
    },
    safeToRepeat: true
  },
  {
    name: 'update-dictionary',
    setup: () => {
      const sid = `FM${++serial}DICT`;
      ctx.fake.addService({ id: sid, name: 'fm', versions: [{ active: true }] });
      ctx.fake.addDictionary(sid, { name: 'd' });
      return { inputs: { mode: 'update-dictionary', 'api-token': TOKEN, 'service-id': sid, dictionary: 'd', items: ITEMS }, write: { method: 'PATCH', path: /\/items$/ } };
    },
    accounted: (inputs, r) => storeAccounting(ctx.fake.dictionaryItems(inputs['service-id'] ?? '', 'd'), r),
    safeToRepeat: true
  },
  {
    name: 'update-config-store',
    setup: () => {
      const name = `fm-store-${++serial}`;
      ctx.fake.addConfigStore({ name, id: name });
      return { inputs: { mode: 'update-config-store', 'api-token': TOKEN, 'service-id': '', 'config-store': name, items: ITEMS }, write: { method: 'PATCH', path: /\/items$/ } };
    },
    accounted: (inputs, r) => storeAccounting(ctx.fake.configStoreItems(inputs['config-store'] ?? ''), r),
    safeToRepeat: true
  },
  {
    name: 'update-kv-store',
    setup: () => {
      const name = `fm-kv-${++serial}`;
      ctx.fake.addKvStore({ name, id: name, keys: { a: 'old' } });
      return { inputs: { mode: 'update-kv-store', 'api-token': TOKEN, 'service-id': '', 'kv-store': name, items: ITEMS }, write: { method: 'PUT', path: /\/batch$/ } };
    },
    accounted: (inputs, r) => {
      const keys = ctx.fake.kvStoreKeys(inputs['kv-store'] ?? '');
      return storeAccounting(Object.fromEntries(Object.entries(keys).map(([key, entry]) => [key, entry.value])), r);
    },
    safeToRepeat: true
  },
  {
    name: 'update-acl (VCL)',
    setup: () => {
      const sid = `FM${++serial}ACL`;
      ctx.fake.addService({ id: sid, name: 'fm', versions: [{ active: true }] });
      ctx.fake.addAcl(sid, { name: 'block', entries: [{ ip: '192.0.2.1', subnet: 32, comment: 'old' }] });
      return { inputs: { mode: 'update-acl', 'api-token': TOKEN, 'service-id': sid, acl: 'block', entries: ACL_ENTRIES.join('\n') }, write: { method: 'PATCH', path: /\/entries$/ } };
    },
    accounted: (inputs, r) =>
      aclAccounting(new Set(ctx.fake.aclEntries(inputs['service-id'] ?? '', 'block').filter(e => e.comment === 'wanted').map(e => `${e.ip}/${e.subnet ?? 32}`)), r),
    safeToRepeat: true
  },
  {
    name: 'update-acl (Compute)',
    setup: () => {
      const name = `fm-acl-${++serial}`;
      ctx.fake.addComputeAcl({ name, id: name, entries: { '192.0.2.1/32': 'ALLOW' } });
      return {
        inputs: { mode: 'update-acl', 'api-token': TOKEN, 'service-id': '', 'compute-acl': name, entries: ACL_ENTRIES.map(e => `${e.replace(/ #.*/, '')} BLOCK`).join('\n') },
        write: { method: 'PATCH', path: /\/entries$/ }
      };
    },
    accounted: (inputs, r) =>
      aclAccounting(new Set(Object.entries(ctx.fake.computeAclEntries(inputs['compute-acl'] ?? '')).filter(([, action]) => action === 'BLOCK').map(([prefix]) => prefix)), r),
    safeToRepeat: true
  }
];

function reportedPurges(result: Record<string, never>, key: 'services' | 'hosts') {
  const rows = (result[key] ?? []) as { purged: number; failed: { item: string }[] }[];
  return {
    reportedDone: rows.reduce((n, row) => n + row.purged, 0),
    reportedFailed: new Set(rows.flatMap(row => row.failed.map(f => f.item)))
  };
}

function storeAccounting(state: Record<string, string>, result: Record<string, never>): Accounting {
  const [s] = (result as unknown as { stores: { created: number; updated: number; failed: { key: string }[]; status: string; error?: string }[] }).stores;
  const changes = (s?.created ?? 0) + (s?.updated ?? 0);
  const failed = new Set(s?.failed.map(f => f.key) ?? []);
  // A store stopped before its writes (e.g. an unreadable list) fails as a whole, every wanted item with it.
  const stopped = s?.error !== undefined;
  return {
    asked: Object.keys(WANTED),
    reallyDone: new Set(Object.keys(WANTED).filter(key => state[key] === WANTED[key])),
    reportedDone: stopped ? 0 : changes - failed.size,
    reportedFailed: stopped ? new Set(Object.keys(WANTED)) : failed
  };
}

function aclAccounting(reallyDone: ReadonlySet<string>, result: Record<string, never>): Accounting {
  const [s] = (result as unknown as { stores: { created: number; updated: number; failed: { key: string }[]; error?: string }[] }).stores;
  const failed = new Set(s?.failed.map(f => f.key) ?? []);
  const stopped = s?.error !== undefined;
  return {
    asked: ACL_PREFIXES,
    reallyDone,
    reportedDone: stopped ? 0 : (s?.created ?? 0) + (s?.updated ?? 0) - failed.size,
    reportedFailed: stopped ? new Set(ACL_PREFIXES) : failed
  };
}

/** Nothing claimed that did not happen, and nothing lost: every item not really done is listed as failed. */
function expectTruthful({ asked, reallyDone, reportedDone, reportedFailed }: Accounting, passes: boolean): void {
  expect(reportedDone).toBeLessThanOrEqual(reallyDone.size);
  expect(asked.filter(item => !reallyDone.has(item) && !reportedFailed.has(item))).toEqual([]);
  expect(reportedDone + reportedFailed.size).toBe(asked.length);
  expect([...reallyDone].sort()).toEqual(passes ? [...asked].sort() : [...reallyDone].sort());
  expect(reportedFailed.size).toBe(passes ? 0 : asked.length);
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

/** A clone answered 2xx without a version: activate re-reads the versions to say what Fastly may have made. */
const CLONE_UNCONFIRMED = /Fastly answered the clone of version 1 of \w+ without a version number\. A clone is not safe to repeat, so it was not retried; nothing was activated\. No new version appeared\./;

/** 2xx bodies that are not what any write returns. */
const BAD_BODIES = [
  { name: 'malformed JSON', text: '{"status": "ok", "a": "1234-', says: /Fastly answered HTTP 200 to \w+ \S+ but its answer is not JSON \(\{"status": "ok", "a": "1234-\)/ },
  { name: 'an HTML page', text: '<html><body><h1>Fastly</h1><p>Welcome</p></body></html>', says: /but its answer is not JSON \(Fastly Welcome\)/ },
  { name: 'an empty body', text: '', says: /Fastly answered HTTP 200 to \w+ \S+ but its answer (has no "status": "ok"|is not the (object of purge IDs|version object|package it returns))/ },
  { name: '{"status":"error"}', text: '{"status":"error"}', says: /Fastly answered HTTP 200 to \w+ \S+ but its answer (said "status": "error", not "ok"|did not confirm 3 of 3 keys|is not the (version object|package it returns))/ },
  { name: 'an object missing its keys', text: '{"id":"x"}', says: /Fastly answered HTTP 200 to \w+ \S+ but its answer (has no "status": "ok"|did not confirm 3 of 3 keys|is not the (version object|package it returns))/ }
];

const KV_BATCH_UNCONFIRMED = /Fastly answered HTTP 200 to PUT \/resources\/stores\/kv\/[\w-]+\/batch but its answer is not the batch result it returns/;
const COMPUTE_ACL_UNCONFIRMED = /Fastly answered HTTP 200 to PATCH \/resources\/acls\/[\w-]+\/entries but a good answer here is HTTP 202/;

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
  { name: 'a non-JSON error page', apply: write => ctx.fake.fault({ ...write, times: 1, kind: 'non-json', status: 502 }), passes: 'if-safe', says: /HTTP 502\): 502 Bad Gateway/ },
  {
    // A 2xx that is not the call's answer: Fastly may not have acted, so it is retried like a 5xx where that is safe.
    name: 'a 200 HTML page once',
    apply: write => ctx.fake.fault({ ...write, times: 1, kind: 'non-json', status: 200 }),
    passes: 'if-safe',
    says: /Fastly answered HTTP 200 to \w+ \S+ but its answer is not JSON \(502 Bad Gateway\)/
  },
  ...BAD_BODIES.map(
    ({ name, text, says: bodySays }): Fault => ({
      name: `a 200 with ${name}, every time`,
      apply: write => ctx.fake.fault({ ...write, times: Infinity, kind: 'raw', text, headers: text.startsWith('<') ? { 'Content-Type': 'text/html' } : {} }),
      inputs: { 'max-retries': '1' },
      passes: 'never',
      // A KV batch answers its own result; a Compute ACL batch is confirmed by its 202 alone, whatever the body.
      says: new RegExp(`${bodySays.source}|${KV_BATCH_UNCONFIRMED.source}|${COMPUTE_ACL_UNCONFIRMED.source}`)
    })
  )
];

const cases = MODES.flatMap(mode => FAULTS.map(fault => [mode.name, fault.name, mode, fault] as const));

describe('fault matrix: every writing mode under every fault', () => {
  it.each(cases)('%s under %s', async (_m, _f, mode, fault) => {
    const { inputs: modeInputs, write } = mode.setup();
    fault.apply(write);
    const inputs = ctx.inputs({ ...modeInputs, ...fault.inputs });
    const run = await runAction(inputs);
    const passes = fault.passes === 'always' || (fault.passes === 'if-safe' && mode.safeToRepeat);

    expect(run.code).toBe(passes ? 0 : 1);
    expectTruthful(mode.accounted(inputs, JSON.parse(run.outputs.result ?? '{}')), passes);
    if (mode.name.startsWith('activate')) {
      // Nothing unsafe repeated: at most one clone call that Fastly acted on (a 429 is refused before acting), never two activations.
      const clones = ctx.fake.requests.filter(r => r.path.endsWith('/clone'));
      expect(clones.filter(r => r.status !== 429).length).toBeLessThanOrEqual(1);
      expect(ctx.fake.service(inputs['service-id'] ?? '').versions.length).toBeLessThanOrEqual(2);
      expect(ctx.fake.requests.filter(r => r.path.endsWith('/activate') && r.status === 200).length).toBeLessThanOrEqual(1);
    }
    const summary = readable(run.summary);
    if (passes) expect(summary).toMatch(/Fastly API: \d+ requests sent, \d+ (retry|retries) among them/);
    else expect(summary).toMatch(mode.name === 'activate' && fault.name.startsWith('a 200') ? CLONE_UNCONFIRMED : fault.says);
  });
});
