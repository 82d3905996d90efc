// @ts-check
// npm run bench: request counts and timings of dist/index.js against the
// simulated Fastly, printed as a table and written to bench/results/latest.json
// so runs can be compared between commits.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startFakeFastly } from '../__tests__/fake-fastly/server.mjs';
import { ACTION, NODE24, node24Problem, runAction as runInRunner } from '../__tests__/harness/run-action.mjs';

const problem = node24Problem('The bench');
if (problem) {
  console.error(problem);
  process.exit(1);
}
const SERVICE = 'BENCHSVC';
const TOKEN = 'bench-token';
const TIGHT_HEAP = '--max-semi-space-size=2 --max-old-space-size=96';
const scratch = mkdtempSync(join(tmpdir(), 'fastly-bench-'));

/**
 * Resident memory of a running process, from Linux's /proc: VmHWM is the
 * high-water mark; RssAnon is the process's own memory (heap and the like),
 * RssFile the pages of the node binary and files it maps, shared and reclaimable.
 * @param {number} pid @returns {{ hwm: number, anon: number } | undefined} bytes
 */
function rss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    /** @param {string} field */
    const kb = field => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
    return { hwm: kb('VmHWM'), anon: kb('RssAnon') };
  } catch {
    return undefined;
  }
}

/**
 * @param {string} url
 * @param {Record<string, string>} inputs  overrides the token and service below
 * @param {Record<string, string>} [env]
 * @param {string[]} [args]  what node runs: the action unless told
 * @returns {Promise<{ code: number | null, ms: number, peakRss: number, peakAnon: number }>}
 */
async function runAction(url, inputs, env = {}, args = [ACTION]) {
  let peakRss = 0;
  let peakAnon = 0;
  /** @type {NodeJS.Timeout | undefined} */
  let sampler;
  const run = await runInRunner(
    { 'api-token': TOKEN, 'api-url': url, 'service-id': SERVICE, ...inputs },
    {
      env,
      args,
      control: child => {
        // Sampled until the process ends. An exited process not yet reaped has a status without memory lines.
        sampler = setInterval(() => {
          const now = child.pid === undefined ? undefined : rss(child.pid);
          if (now === undefined || Number.isNaN(now.hwm)) return;
          peakRss = Math.max(peakRss, now.hwm);
          peakAnon = Math.max(peakAnon, now.anon);
        }, 20);
        child.once('close', () => clearInterval(sampler));
      }
    }
  );
  return { code: run.code, ms: run.ms, peakRss, peakAnon };
}

/** @param {string[]} args */
function timeProcess(args) {
  const started = performance.now();
  const child = spawn(NODE24, args, { stdio: 'ignore' });
  return new Promise(done => child.on('close', () => done(performance.now() - started)));
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** @param {string} name @param {string[]} lines */
function file(name, lines) {
  const path = join(scratch, name);
  writeFileSync(path, lines.join('\n'));
  return path;
}

const fake = await startFakeFastly({ purgeLimit: 10_000_000 });
fake.addService({ id: SERVICE, name: 'bench' });
fake.addToken({ token: TOKEN, scopes: ['purge_select'] });
const DICT_SERVICE = 'BENCHDICT';
const DICT_TOKEN = 'bench-global-token';
fake.addService({ id: DICT_SERVICE, name: 'bench-dict', versions: [{ active: true }] });
fake.addToken({ token: DICT_TOKEN, scopes: ['global'] });

/** @type {{ what: string, measured: string, goal: string, met: boolean }[]} */
const rows = [];
try {
  for (const n of [1_000, 10_000, 100_000]) {
    fake.reset();
    const keys = file(`keys-${n}.txt`, Array.from({ length: n }, (_, i) => `key-${i}`));
    const run = await runAction(fake.url, { mode: 'purge-keys', 'keys-file': keys });
    const sent = fake.writes().length;
    const goal = Math.ceil(n / 256);
    rows.push({ what: `requests for ${n.toLocaleString('en-US')} surrogate keys`, measured: `${sent} (exit ${run.code})`, goal: `exactly ${goal}`, met: sent === goal && run.code === 0 });
  }

  {
    // 5,000 changes on a dictionary of 3,000 items: 2,000 updated, 3,000 created (no reads spared: every page is read).
    const existing = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`key-${i}`, 'old']));
    fake.addDictionary(DICT_SERVICE, { name: 'bench', items: existing });
    const wanted = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key-${i + 1000}`, 'new']));
    const itemsFile = file('items-5000.json', [JSON.stringify(wanted)]);
    fake.reset();
    const run = await runAction(fake.url, { 'api-token': DICT_TOKEN, 'service-id': DICT_SERVICE, mode: 'update-dictionary', dictionary: 'bench', 'items-file': itemsFile });
    const patches = fake.requests.filter(r => r.method === 'PATCH').length;
    const reads = fake.requests.filter(r => r.method === 'GET').length;
    rows.push({
      what: 'requests for 5,000 dictionary changes (3,000 items there)',
      measured: `${patches} PATCH + ${reads} reads (exit ${run.code})`,
      goal: 'exactly 5 PATCH, plus the reads',
      met: patches === 5 && run.code === 0
    });
  }

  {
    // 5,000 keys, 500 of them changed: every key the wanted state keeps must have its value read (Fastly has no bulk
    // value read), and the changes go in the fewest NDJSON batches (1,000 lines each).
    const keys = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key-${i}`, 'old']));
    fake.addKvStore({ name: 'bench-kv', keys });
    const wanted = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key-${i}`, i % 10 === 0 ? 'new' : 'old']));
    const itemsFile = file('kv-5000.json', [JSON.stringify(wanted)]);
    fake.reset();
    const run = await runAction(fake.url, { 'api-token': DICT_TOKEN, 'service-id': '', mode: 'update-kv-store', 'kv-store': 'bench-kv', 'items-file': itemsFile });
    const batches = fake.writes().filter(r => r.path.endsWith('/batch')).length;
    const others = fake.writes().length - batches;
    const reads = fake.requests.filter(r => r.method === 'GET').length;
    const minimum = Math.ceil(500 / 1000);
    rows.push({
      what: 'requests for 5,000 KV keys of which 500 changed',
      measured: `${batches} batch (minimum ${minimum}) + ${others} other writes + ${reads} reads, ${(run.ms / 1000).toFixed(2)} s (exit ${run.code})`,
      goal: `exactly ${minimum} batch, no other write`,
      met: batches === minimum && others === 0 && run.code === 0
    });
  }

  {
    // 3,000 entries of a VCL ACL, 100 of them changed (their comment): 30 pages of 100, then one PATCH.
    const ACL_SERVICE = 'BENCHACL';
    fake.addService({ id: ACL_SERVICE, name: 'bench-acl', versions: [{ active: true }] });
    const ip = (/** @type {number} */ i) => `10.${Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}`;
    fake.addAcl(ACL_SERVICE, { name: 'bench', entries: Array.from({ length: 3000 }, (_, i) => ({ ip: ip(i), subnet: 32, comment: 'old' })) });
    const entries = file('acl-3000.txt', Array.from({ length: 3000 }, (_, i) => `${ip(i)} # ${i % 30 === 0 ? 'new' : 'old'}`));
    fake.reset();
    const run = await runAction(fake.url, { 'api-token': DICT_TOKEN, 'service-id': ACL_SERVICE, mode: 'update-acl', acl: 'bench', 'entries-file': entries });
    const patches = fake.writes().filter(r => r.method === 'PATCH');
    const ops = patches.reduce((n, r) => n + JSON.parse(r.body).entries.length, 0);
    const reads = fake.requests.filter(r => r.method === 'GET').length;
    rows.push({
      what: 'requests for 3,000 ACL entries of which 100 changed',
      measured: `${patches.length} PATCH of ${ops} ops + ${reads} reads, ${(run.ms / 1000).toFixed(2)} s (exit ${run.code})`,
      goal: 'exactly 1 PATCH of 100 ops',
      met: patches.length === 1 && ops === 100 && fake.writes().length === 1 && run.code === 0
    });
  }

  {
    // Round trips on the critical path at a fixed latency: requests that arrive within one latency of the first of
    // their wave went out side by side. The floor is the goal's count of bare round trips, timed in this run.
    const LATENCY = 25;
    fake.setLatency(LATENCY);
    const bareTrip = median(
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          const start = performance.now();
          await fetch(`${fake.url}/tokens/self`, { headers: { 'Fastly-Key': DICT_TOKEN } }).then(r => r.arrayBuffer());
          return performance.now() - start;
        })
      )
    );
    const waves = () => {
      let count = 0;
      let start = -Infinity;
      for (const at of fake.requests.map(r => r.at).sort((x, y) => x - y)) {
        if (at - start >= LATENCY * 0.6) {
          count += 1;
          start = at;
        }
      }
      return count;
    };
    /** @param {string} what @param {Record<string, string>} inputs @param {number} goal */
    const roundTrips = async (what, inputs, goal) => {
      fake.reset();
      const run = await runAction(fake.url, { 'api-token': DICT_TOKEN, ...inputs });
      const trips = waves();
      rows.push({
        what: `${what}, at ${LATENCY} ms`,
        measured: `${fake.requests.length} requests in ${trips} round trips, ${(run.ms / 1000).toFixed(2)} s (floor: ${goal} × ${bareTrip.toFixed(0)} ms = ${((goal * bareTrip) / 1000).toFixed(2)} s; exit ${run.code})`,
        goal: `≤ ${goal} round trips`,
        met: run.code === 0 && trips <= goal
      });
    };

    const ACT_SERVICE = 'BENCHACT';
    const names = Array.from({ length: 20 }, (_, i) => `part${i}`);
    fake.addService({ id: ACT_SERVICE, name: 'bench-act', versions: [{ active: true, vcls: names.map((name, i) => ({ name, content: `sub ${name} { }\n`, main: i === 0 })) }] });
    const vclFiles = names.map((name, i) => file(`${name}.vcl`, [i < 2 ? `sub ${name} { set req.http.X = "new"; }` : `sub ${name} { }`, '']));
    // Lint's 20 calls go beside the first read; the base's VCL is read before the clone (an empty plan clones nothing).
    await roundTrips('activate with 20 VCL files of which 2 changed, each linted', { mode: 'activate', 'service-id': ACT_SERVICE, 'vcl-files': vclFiles.join('\n') }, 8);

    const SYNC_SERVICE = 'BENCHSYNC';
    fake.addService({ id: SYNC_SERVICE, name: 'bench-sync', versions: [{ active: true }] });
    fake.addDictionary(SYNC_SERVICE, { name: 'bench', items: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`key-${i}`, 'old'])) });
    const wanted = file('items-rt-5000.json', [JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key-${i + 1000}`, 'new'])))]);
    await roundTrips('5,000 dictionary changes over 3,000 items', { mode: 'update-dictionary', 'service-id': SYNC_SERVICE, dictionary: 'bench', 'items-file': wanted }, 9);
    fake.setLatency(0);
  }

  {
    // An unchanged 50 MB Compute package should cost a hash and a few reads; a changed one, the upload besides.
    // The packages are built by __tests__/packages.ts, which Node 24 runs as it is (type stripping).
    const PKG_SERVICE = 'BENCHPKG';
    const MB = 50 * 2 ** 20;
    const live = join(scratch, 'live.tar.gz');
    const changed = join(scratch, 'changed.tar.gz');
    const build = `import { writeLargePackage } from ${JSON.stringify(resolve('__tests__/packages.ts'))};
      await writeLargePackage(${JSON.stringify(live)}, ${MB}, 'live');
      await writeLargePackage(${JSON.stringify(changed)}, ${MB}, 'changed');`;
    await new Promise((done, fail) =>
      spawn(NODE24, ['--input-type=module', '-e', build], { stdio: 'inherit' }).on('close', code => (code === 0 ? done(undefined) : fail(new Error(`building the bench packages exited ${code}`))))
    );
    fake.addService({ id: PKG_SERVICE, name: 'bench-pkg', type: 'wasm', versions: [{ active: true }] });
    fake.setPackage(PKG_SERVICE, 1, readFileSync(live));
    /** @param {string} what @param {string} path */
    const deploy = async (what, path) => {
      fake.reset();
      const run = await runAction(fake.url, { 'api-token': DICT_TOKEN, 'service-id': PKG_SERVICE, mode: 'activate', package: path });
      const sent = fake.requests.reduce((n, r) => n + (r.bytes?.length ?? 0), 0);
      const uploads = fake.requests.filter(r => r.path.endsWith('/package') && r.method === 'PUT').length;
      return { what, run, sent, uploads, requests: fake.requests.length, writes: fake.writes().length };
    };
    const same = await deploy('activate with an unchanged 50 MB package', live);
    const other = await deploy('activate with a changed 50 MB package', changed);
    /** @param {Awaited<ReturnType<typeof deploy>>} d */
    const measured = d => `${(d.run.ms / 1000).toFixed(2)} s, ${d.requests} requests (${d.writes} writes), ${d.sent.toLocaleString('en-US')} bytes of request bodies sent (exit ${d.run.code})`;
    rows.push({ what: same.what, measured: measured(same), goal: 'no write, < 10 KB sent', met: same.run.code === 0 && same.writes === 0 && same.sent < 10_000 });
    rows.push({ what: other.what, measured: measured(other), goal: 'one upload of the package, the rest as for VCL', met: other.run.code === 0 && other.uploads === 1 && other.sent >= MB });
    fake.reset();
  }

  const urls = file('urls-1000.txt', Array.from({ length: 1000 }, (_, i) => `https://www.example.com/page/${i}`));
  fake.setLatency(25);
  fake.reset();
  const sequential = await runAction(fake.url, { mode: 'purge-urls', 'urls-file': urls, concurrency: '1' });
  fake.reset();
  const concurrent = await runAction(fake.url, { mode: 'purge-urls', 'urls-file': urls, concurrency: '16' });
  const inFlight = fake.maxInFlight;
  fake.setLatency(0);
  const speedup = sequential.ms / concurrent.ms;
  rows.push({ what: '1,000 URL purges at 25 ms, one at a time (concurrency 1)', measured: `${(sequential.ms / 1000).toFixed(2)} s`, goal: 'baseline', met: sequential.code === 0 });
  rows.push({
    what: '1,000 URL purges at 25 ms, concurrency 16',
    measured: `${(concurrent.ms / 1000).toFixed(2)} s, ${speedup.toFixed(1)}× faster, ${inFlight} in flight at most`,
    goal: '≥ 12.8× (0.8 × 16), ≤ 16 in flight',
    met: concurrent.code === 0 && speedup >= 12.8 && inFlight <= 16
  });

  {
    const many = file('urls-100000.txt', Array.from({ length: 100_000 }, (_, i) => `https://www.example.com/p/${i}?v=${i % 97}`));
    /** @param {Record<string, string>} env @param {string[]} [args] */
    const purgeAll = async (env, args = undefined) => {
      fake.reset();
      return runAction(fake.url, { mode: 'purge-urls', 'urls-file': many }, env, args);
    };
    /** @param {{ peakRss: number, peakAnon: number, ms: number, code: number | null }} run */
    const described = run =>
      `${(run.peakRss / 2 ** 20).toFixed(0)} MB RSS (${(run.peakAnon / 2 ** 20).toFixed(0)} MB of it the process's own), ${(run.ms / 1000).toFixed(1)} s (exit ${run.code})`;
    // The floor first: the action is judged against what node:http alone needs for the same requests, in the same run.
    const floor = await purgeAll({ FASTLY_KEY: TOKEN }, [resolve('bench/bare-http-loop.mjs'), fake.url, '100000', '16']);
    // How much of the goal's 15 % holding the checked list alone takes: a reference, not a goal.
    const floorWithList = await purgeAll({ FASTLY_KEY: TOKEN }, [resolve('bench/bare-http-loop.mjs'), fake.url, '100000', '16', many]);
    const cap = 1.15 * floor.peakRss;
    const goal = `≤ 1.15 × the floor (${(cap / 2 ** 20).toFixed(0)} MB)`;
    const plain = await purgeAll({});
    rows.push({ what: 'peak memory purging 100,000 URLs (0 ms latency)', measured: described(plain), goal, met: plain.code === 0 && plain.peakRss <= cap });
    // What README's Performance section offers memory-tight runners.
    const tight = await purgeAll({ NODE_OPTIONS: TIGHT_HEAP });
    rows.push({ what: `the same with NODE_OPTIONS=${TIGHT_HEAP}`, measured: described(tight), goal, met: tight.code === 0 && tight.peakRss <= cap });
    rows.push({ what: 'floor: the same 100,000 POSTs on bare node:http', measured: described(floor), goal: 'reference', met: floor.code === 0 });
    rows.push({
      what: 'the floor holding the 100,000 checked URLs first, as the action does',
      measured: `${described(floorWithList)}, ${(floorWithList.peakRss / floor.peakRss).toFixed(2)} × the floor`,
      goal: 'reference',
      met: floorWithList.code === 0
    });
    fake.reset();
  }

  const bare = [];
  const onePurge = [];
  for (let i = 0; i < 7; i++) {
    bare.push(await timeProcess(['-e', '0']));
    fake.reset();
    onePurge.push((await runAction(fake.url, { mode: 'purge-keys', keys: 'one' })).ms);
  }
  const startup = median(onePurge) - median(bare);
  rows.push({ what: 'start-up: one-key purge minus bare `node -e 0` (median of 7)', measured: `${startup.toFixed(0)} ms`, goal: '≤ 35 ms', met: startup <= 35 });

  const size = statSync(ACTION).size;
  rows.push({ what: 'dist/index.js size', measured: `${(size / 1024 / 1024).toFixed(2)} MB`, goal: '< 1.5 MB', met: size < 1.5 * 1024 * 1024 });
} finally {
  await fake.close();
  rmSync(scratch, { recursive: true, force: true });
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, action on Node ${(await new Promise(done => {
  let out = '';
  const child = spawn(NODE24, ['--version']);
  child.stdout.on('data', d => (out += d));
  child.on('close', () => done(out.trim()));
}))}`;
const width = Math.max(...rows.map(r => r.what.length));
console.log(`Benchmark on ${machine}\n`);
for (const row of rows) console.log(`${row.met ? '✓' : '✗'} ${row.what.padEnd(width)}  ${row.measured}  (goal: ${row.goal})`);
writeFileSync(resolve('bench/results/latest.json'), `${JSON.stringify({ date: new Date().toISOString(), machine, rows }, null, 2)}\n`);
console.log('\nWritten to bench/results/latest.json');
