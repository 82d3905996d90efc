// @ts-check
/**
 * `npm run demo`: runs the bundled action (dist/index.js, on Node 24 as GitHub
 * does) against the simulated Fastly from the tests, once per scenario, and
 * shows what a person would see on GitHub: the inputs, the log, the outputs
 * and the job summary, plus what actually reached "Fastly".
 *
 * The raw job summaries are also written to demo/out/summary.md, to open in
 * a Markdown viewer. Exits 0 when every scenario behaved as expected.
 *
 * @typedef {import('../__tests__/fake-fastly/server.mjs').FakeFastly} FakeFastly
 * @typedef {import('../__tests__/harness/run-action.mjs').ActionRun} ActionRun
 * @typedef {[ok: boolean, what: string, got?: string]} Check  `got` is shown when the check fails
 * @typedef {object} Scenario
 * @property {string} id
 * @property {string} title
 * @property {string} story  why someone would run this
 * @property {Record<string, string>} with  the workflow's `with:` (the token is shown as ***)
 * @property {Record<string, string>} [comments]  a note shown after an input
 * @property {Record<string, string | Buffer>} [files]  written into the workspace first
 * @property {string} [staged]  what the simulated Fastly was told to do
 * @property {(fake: FakeFastly) => void} [setup]
 * @property {number} [origin]  the status a site of its own answers at ORIGIN_URL (in `with`) during this scenario
 * @property {number} expectedCode
 * @property {(run: ActionRun, fake: FakeFastly, log: string, origin: Origin) => Check[]} checks
 * @typedef {{ url: string, requests: import('node:http').IncomingHttpHeaders[] }} Origin
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { startFakeFastly } from '../__tests__/fake-fastly/server.mjs';
import { renderSummary } from './render-summary.mjs';
import { ACTION, RUN_CONTEXT, node24Problem, runAction, tokenExposure } from '../__tests__/harness/run-action.mjs';
import { githubLog, mask } from './github-log.mjs';
import { colorWanted, displayWidth, makeStyle, pad, wrap } from './text.mjs';
import { computePackage } from './compute-package.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = join(ROOT, 'demo', 'out');
const SUMMARY_OUT = join(OUT_DIR, 'summary.md');

const color = colorWanted();
const style = makeStyle(color);
const WIDTH = Math.min(120, Math.max(60, (process.stdout.isTTY && process.stdout.columns) || 100));
/** Rows shown per summary table here; demo/out/summary.md has them all. */
const MAX_TABLE_ROWS = 6;

// Service IDs shaped like Fastly's; the simulated Fastly knows them by these names.
const WWW = { id: 'SU1Z0isxPaozGVKXdv0eY', name: 'www' };
const API = { id: '7i6HN3TK9wS159v2gPAZ8A', name: 'api' };
const TOKENS = {
  purgeSelect: { token: 'demo-purge-select-token-9f8e7d6c5b4a', scopes: /** @type {const} */ (['purge_select']), name: 'deploy-purge', services: [WWW.id] },
  purgeAll: { token: 'demo-purge-all-token-0a1b2c3d4e5f', scopes: /** @type {const} */ (['purge_all']), name: 'deploy-purge-all', services: [WWW.id, API.id] },
  global: { token: 'demo-global-token-c0ffee15b4d1dea', scopes: /** @type {const} */ (['global']), name: 'old-admin-token', services: [] },
};
const ALL_TOKENS = Object.values(TOKENS).map((t) => t.token);

const KEYS = Array.from({ length: 600 }, (_, i) => `product-${String(i + 1).padStart(4, '0')}`);
const URLS = Array.from({ length: 20 }, (_, i) => [
  `https://www.example.com/products/${i + 1}`,
  `https://static.example.com/img/product-${i + 1}.webp`,
]).flat();
const FAILING_URL = 'https://www.example.com/products/7';
const SITE = { id: '2dVcYyL6E3Tj0rLfzmFm1X', name: 'site' };
const BROKEN = { id: '4kRnQw8ZpLx2Hf6Tb0Ys9V', name: 'shop' };
const MAIN_VCL = 'sub vcl_recv {\n#FASTLY recv\n  return(lookup);\n}\n';
const HEADERS_VCL = 'sub add_security_headers {\n  set resp.http.X-Frame-Options = "DENY";\n}\n';
/** Two versions: 1 (old) and 2 (active), with the VCL the repository is about to change. */
const SITE_VERSIONS = [
  { comment: 'initial', locked: true, vcls: [{ name: 'main', content: MAIN_VCL, main: true }] },
  { comment: 'acme/site@1f2e3d4 by octocat', active: true, vcls: [{ name: 'main', content: MAIN_VCL, main: true }, { name: 'headers', content: HEADERS_VCL, main: false }] },
];
/** The documented default comment, from the run context a runner sets (RUN_CONTEXT). */
const VERSION_COMMENT = `${RUN_CONTEXT.GITHUB_REPOSITORY}@${RUN_CONTEXT.GITHUB_SHA.slice(0, 7)} by ${RUN_CONTEXT.GITHUB_ACTOR} — ${RUN_CONTEXT.GITHUB_SERVER_URL}/${RUN_CONTEXT.GITHUB_REPOSITORY}/actions/runs/${RUN_CONTEXT.GITHUB_RUN_ID}`;
const BLOG = { id: '6pWtJ3nKz8RcYq1Hv5Lm0D', name: 'blog' };
/** A Compute service: version 1 locked, version 2 live, both with the package built from LIVE_WASM. */
const EDGE = { id: '3hJv8QwRt5Yx2Bn7Mk4Lp9', name: 'edge-app' };
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const LIVE_PACKAGE = await computePackage('edge-app', Buffer.from([...WASM_MAGIC, 1]));
const NEW_PACKAGE = await computePackage('edge-app', Buffer.from([...WASM_MAGIC, 2, 2]));
/** Stands in `with:` for the URL of the scenario's own site, known once it listens. */
const ORIGIN_URL = '{origin}/_health';
const NEW_MAIN_VCL = 'sub vcl_recv {\n#FASTLY recv\n  call add_security_headers;\n  return(lookup);\n}\n';

/** @param {FakeFastly} fake @param {string} method @param {RegExp} path */
const countOf = (fake, method, path) => fake.requests.filter((r) => r.method === method && path.test(r.path));

/** @type {Scenario[]} */
const SCENARIOS = [
  {
    id: 'a',
    title: 'purge-keys: 600 surrogate keys from a file, soft purge, one service',
    story: 'A release changed 600 products; their pages carry one surrogate key each. Fastly takes at most 256 keys per request, so the action sends batches.',
    with: { 'api-token': TOKENS.purgeSelect.token, mode: 'purge-keys', 'service-id': WWW.id, 'keys-file': 'purge-keys.txt', 'soft-purge': 'true' },
    comments: { 'api-token': 'a purge_select token, limited to www', 'keys-file': `${KEYS.length} keys, one per line` },
    files: { 'purge-keys.txt': `${KEYS.join('\n')}\n` },
    expectedCode: 0,
    checks(run, fake) {
      const batches = countOf(fake, 'POST', /^\/service\/[^/]+\/purge$/).map((r) => JSON.parse(r.body).surrogate_keys.length);
      return [
        [batches.join(',') === '256,256,88', `600 keys went in 3 batch requests of 256, 256 and 88 keys`, String(batches.join(', ') || 'none')],
        [fake.purges.length === 600 && fake.purges.every((p) => p.soft), `Fastly recorded 600 soft purges`, String(fake.purges.length)],
        [run.outputs['purged-count'] === '600', `output purged-count is 600`, String(run.outputs['purged-count'])],
      ];
    },
  },
  {
    id: 'b',
    title: 'purge-urls: 40 URLs on two hosts, 8 at a time, one URL failing for good',
    story: 'URL purges go one request per URL, several in flight at once. One of them keeps failing: the others must still be purged, and the step must fail.',
    with: { 'api-token': TOKENS.purgeSelect.token, mode: 'purge-urls', urls: URLS.join('\n'), concurrency: '8', 'max-retries': '1' },
    comments: { 'api-token': 'a purge_select token' },
    staged: `The simulated Fastly answers every purge of ${FAILING_URL} with HTTP 500.`,
    setup(fake) {
      fake.fault({ method: 'POST', path: /^\/purge\/www\.example\.com\/products\/7$/, times: Infinity, kind: 'status', status: 500, body: { msg: 'Internal Server Error' } });
    },
    expectedCode: 1,
    checks(run, fake, log) {
      const failing = countOf(fake, 'POST', /^\/purge\/www\.example\.com\/products\/7$/).length;
      return [
        [fake.maxInFlight <= 8 && fake.maxInFlight > 1, `8 requests in flight at most, and more than one (peak: ${fake.maxInFlight})`],
        [failing === 2, `the failing URL was tried twice: once, then max-retries: 1 more time`, String(failing)],
        [fake.purges.length === 39, `the other 39 URLs were purged`, String(fake.purges.length)],
        [log.includes(`Error: `) && run.summary.includes('products/7'), 'the failure is an error in the log and is listed in the summary'],
      ];
    },
  },
  {
    id: 'c',
    title: 'purge-all: everything on two services',
    story: 'A purge_all token empties the cache of each service named in service-id, one after the other.',
    with: { 'api-token': TOKENS.purgeAll.token, mode: 'purge-all', 'service-id': `${WWW.id}, ${API.id}` },
    comments: { 'api-token': 'a purge_all token, limited to www and api' },
    expectedCode: 0,
    checks(_run, fake) {
      const services = fake.purges.filter((p) => p.kind === 'all').map((p) => p.serviceId);
      return [[services.join() === `${WWW.id},${API.id}`, `Fastly recorded a purge-all on www, then on api`, services.join(', ') || 'none']];
    },
  },
  {
    id: 'd',
    title: 'dry run: purge-keys with an over-privileged (global) token',
    story: 'A dry run checks the token and plans the requests, and sends no write. This token could do far more than purge, which the action points out.',
    with: { 'api-token': TOKENS.global.token, mode: 'purge-keys', 'service-id': WWW.id, keys: 'product-0001, product-0002, category-shoes', 'dry-run': 'true' },
    comments: { 'api-token': 'a global token: full access to every service' },
    expectedCode: 0,
    checks(run, fake, log) {
      return [
        [fake.writes().length === 0, `no write reached Fastly`, String(fake.writes().length)],
        [/Warning: .*global/.test(log), 'the log warns that the token has more scope than purging needs'],
        [run.summary.includes('Plan:'), 'the summary shows the planned request'],
      ];
    },
  },
  {
    id: 'e',
    title: 'rate limited: HTTP 429, wait for the reset, retry',
    story: "When Fastly answers 429, the action waits until the rate-limit window resets (Fastly-RateLimit-Reset) and tries again, up to max-retries times.",
    with: { 'api-token': TOKENS.purgeSelect.token, mode: 'purge-keys', 'service-id': WWW.id, keys: 'product-0001 product-0002 product-0003' },
    comments: { 'api-token': 'a purge_select token, limited to www' },
    staged: 'The simulated Fastly has no purges left this hour; its window resets in 1 second.',
    setup(fake) {
      fake.exhaustPurges(1);
    },
    expectedCode: 0,
    checks(_run, fake, log) {
      const statuses = countOf(fake, 'POST', /^\/service\/[^/]+\/purge$/).map((r) => r.status);
      return [
        [statuses.join() === '429,200', `the purge was answered 429, then 200 after the wait`, String(statuses.join(', '))],
        [/429/.test(log), 'the log shows the 429 and the wait'],
        [fake.purges.length === 3, `Fastly recorded the 3 purges`, String(fake.purges.length)],
      ];
    },
  },
  {
    id: 'f',
    title: 'activate: deploy the repository\'s VCL — clone, upload what changed, validate, activate',
    story: 'A merge to main changed main.vcl. The action clones the active version, sends only the VCL that differs, comments the clone with the commit, validates it, checks nobody else deployed meanwhile, and activates it.',
    with: { 'api-token': TOKENS.global.token, mode: 'activate', 'service-id': SITE.id, 'vcl-files': '*.vcl' },
    comments: { 'api-token': 'activate needs a global token', 'vcl-files': 'main.vcl (changed) and headers.vcl (unchanged)' },
    files: { 'main.vcl': NEW_MAIN_VCL, 'headers.vcl': HEADERS_VCL },
    setup(fake) {
      fake.addService({ ...SITE, versions: SITE_VERSIONS });
    },
    expectedCode: 0,
    checks(run, fake) {
      const after = fake.service(SITE.id);
      const vclWrites = fake.writes().filter((r) => /\/vcl/.test(r.path));
      return [
        [after.activeVersion === 3, 'version 3 (the clone) is active', String(after.activeVersion)],
        [vclWrites.length === 1, 'only the changed main.vcl was sent', String(vclWrites.length)],
        [run.outputs['previous-version'] === '2', 'the previous-version output is 2', run.outputs['previous-version']],
        [after.versions[2]?.comment === VERSION_COMMENT, `version 3's comment is the run's: ${VERSION_COMMENT}`, after.versions[2]?.comment],
      ];
    },
  },
  {
    id: 'g',
    title: 'activate: a VCL with a typo never becomes a version',
    story: 'The same deploy with a typo in main.vcl: Fastly\'s linter finds it before anything is cloned, so no version is made, the line is annotated, and production stays as it is.',
    with: { 'api-token': TOKENS.global.token, mode: 'activate', 'service-id': BROKEN.id, 'vcl-files': '*.vcl' },
    comments: { 'api-token': 'activate needs a global token' },
    files: { 'main.vcl': NEW_MAIN_VCL.replace('call add_security_headers;', 'SYNTAX ERROR'), 'headers.vcl': HEADERS_VCL },
    setup(fake) {
      fake.addService({ ...BROKEN, versions: SITE_VERSIONS });
    },
    expectedCode: 1,
    checks(run, fake, log) {
      return [
        [fake.service(BROKEN.id).activeVersion === 2, 'production stays on version 2', String(fake.service(BROKEN.id).activeVersion)],
        [/Error: .*Syntax error/.test(log), "Fastly's lint message is an error in the log"],
        [fake.service(BROKEN.id).versions.length === SITE_VERSIONS.length, 'no version was cloned', String(fake.service(BROKEN.id).versions.length)],
        [/nothing was cloned/.test(run.summary), 'the summary says nothing was cloned'],
      ];
    },
  },
  {
    id: 'h',
    title: 'update-dictionary: make the redirects dictionary match redirects.json',
    story: 'redirects.json in the repository is the truth. The action reads the dictionary, sends only what differs (one entry changed, one new, one deleted with null), and leaves the rest alone.',
    with: { 'api-token': TOKENS.global.token, mode: 'update-dictionary', 'service-id': SITE.id, dictionary: 'redirects', 'items-file': 'redirects.json' },
    comments: { 'items-file': '{"/old": "/new", …, "/gone": null}' },
    files: { 'redirects.json': `${JSON.stringify({ '/old-pricing': '/pricing', '/blog/2019/launch': '/blog/launch', '/summer-sale': '/sale', '/gone': null }, null, 2)}\n` },
    setup(fake) {
      fake.addDictionary(SITE.id, { name: 'redirects', items: { '/old-pricing': '/pricing', '/blog/2019/launch': '/blog/2019/launch', '/gone': '/nowhere' } });
    },
    expectedCode: 0,
    checks(run, fake) {
      const items = fake.dictionaryItems(SITE.id, 'redirects');
      const patches = fake.writes().filter((r) => r.method === 'PATCH');
      return [
        [patches.length === 1, 'one PATCH carried every change', String(patches.length)],
        [items['/blog/2019/launch'] === '/blog/launch' && items['/summer-sale'] === '/sale' && !('/gone' in items), 'the dictionary now matches redirects.json', JSON.stringify(items)],
        [/1 created, 1 updated, 1 deleted, 1 unchanged/.test(run.summary), 'the summary counts the changes'],
      ];
    },
  },
  {
    id: 'i',
    title: 'stats: yesterday\'s traffic for two services, with a hit-ratio gate',
    story: 'A scheduled run reports each service\'s requests, hit ratio, errors and bandwidth with an hourly trend, and fails the step if a service caches too little. www is healthy; api caches 62% of its traffic, under the 70% gate.',
    with: { 'api-token': TOKENS.global.token, mode: 'stats', 'service-id': `${WWW.id} ${API.id}`, 'stats-from': '1 day ago', 'stats-by': 'hour', 'min-hit-ratio': '0.7' },
    comments: { 'api-token': 'global:read is enough for stats' },
    setup(fake) {
      // A daily curve: quiet at night, busy in the afternoon (UTC).
      const curve = (/** @type {number} */ start) => 0.3 + 0.7 * Math.sin((Math.PI * ((start / 3600) % 24)) / 24);
      const traffic = (/** @type {number} */ peak, /** @type {number} */ hitRatio, /** @type {number} */ errorShare) => (/** @type {number} */ start) => {
        const requests = Math.round(peak * curve(start));
        const cacheable = Math.round(requests * 0.95);
        const hits = Math.round(cacheable * hitRatio);
        const errors = Math.round(requests * errorShare);
        return { requests, hits, miss: cacheable - hits, pass: requests - cacheable, bandwidth: requests * 48_000, status_2xx: requests - errors, status_3xx: 0, status_4xx: 0, status_5xx: errors };
      };
      fake.setStats(WWW.id, traffic(120_000, 0.94, 0.001));
      fake.setStats(API.id, traffic(30_000, 0.62, 0.004));
    },
    expectedCode: 1,
    checks(run, _fake, log) {
      return [
        [/Error: api \(7i6HN3TK9wS159v2gPAZ8A\): hit ratio 62\.0% is below min-hit-ratio 70\.0%/.test(log), 'the gate names api, its 62.0% and the 70.0% limit'],
        [/^0\.\d{1,4}$/.test(run.outputs['hit-ratio'] ?? ''), 'the hit-ratio output is a ratio', run.outputs['hit-ratio']],
        [run.summary.includes('```mermaid'), 'the summary has a chart per service'],
      ];
    },
  },
  {
    id: 'j',
    title: 'activate with a health check: the new version breaks the site, so it is rolled back',
    story: 'After activating, the action requests the site until it answers 2xx twice in a row. This site answers 503 to every request, so when health-check-timeout passes the action re-activates the version that was active before and fails the step.',
    with: { 'api-token': TOKENS.global.token, mode: 'activate', 'service-id': BLOG.id, 'vcl-files': '*.vcl', 'health-check-url': ORIGIN_URL, 'health-check-timeout': '4' },
    comments: { 'api-token': 'activate needs a global token', 'health-check-url': 'a site of its own on this machine' },
    files: { 'main.vcl': NEW_MAIN_VCL, 'headers.vcl': HEADERS_VCL },
    origin: 503,
    staged: 'The site behind Fastly answers every request with HTTP 503 once the new version is live.',
    setup(fake) {
      fake.addService({ ...BLOG, versions: SITE_VERSIONS });
    },
    expectedCode: 1,
    checks(run, fake, log, origin) {
      const activations = fake.writes().filter((r) => r.path.endsWith('/activate')).map((r) => r.path.split('/')[4]);
      return [
        [activations.join() === '3,2', 'version 3 was activated, then version 2 again', activations.join(', ') || 'none'],
        [fake.service(BLOG.id).activeVersion === 2, 'production is back on version 2', String(fake.service(BLOG.id).activeVersion)],
        [run.outputs['rolled-back'] === 'true' && run.outputs.version === '2', 'outputs rolled-back is true and version is 2', `${run.outputs['rolled-back']}, ${run.outputs.version}`],
        [/Error: Version 3 of \S+ failed its health check \(HTTP 503 .*rolled back to 2/.test(log), 'the error says what the site answered and where production is now'],
        [origin.requests.length >= 2 && origin.requests.every((headers) => !('fastly-key' in headers)), `the site was asked ${origin.requests.length} times, never with the Fastly token`],
      ];
    },
  },
  {
    id: 'k',
    title: 'update-kv-store: KV redirects from a JSON file, one batch, one delete',
    story: 'kv-redirects.json is the truth for the KV store a Compute service reads redirects from. The action lists the keys, reads the values the file keeps, and writes only what differs: one value changed, one new key with metadata, one key deleted with null.',
    with: { 'api-token': TOKENS.global.token, mode: 'update-kv-store', 'kv-store': 'redirects', 'items-file': 'kv-redirects.json' },
    comments: { 'items-file': '{"/old": "/new", "/docs": {"value", "metadata"}, "/gone": null}' },
    files: {
      'kv-redirects.json': `${JSON.stringify({ '/old-pricing': '/pricing', '/docs/v1': { value: '/docs/v2', metadata: '{"status":301}' }, '/blog': '/journal', '/retired': null }, null, 2)}\n`,
    },
    setup(fake) {
      fake.addKvStore({ name: 'redirects', keys: { '/old-pricing': '/pricing', '/blog': '/news', '/retired': '/nowhere' } });
    },
    expectedCode: 0,
    checks(run, fake) {
      const writes = fake.writes().map((r) => `${r.method} ${r.path.replace(/\/resources\/stores\/kv\/[^/]+/, '…')}`);
      return [
        [writes.join() === 'PUT …/batch,DELETE …/keys/%2Fretired?force=true', 'one NDJSON batch and one delete, nothing else', writes.join(', ')],
        [/1 created, 1 updated, 1 deleted, 1 unchanged/.test(run.summary), 'the summary counts the changes'],
      ];
    },
  },
  {
    id: 'l',
    title: 'update-acl: a blocklist file kept in the repository',
    story: 'blocklist.txt holds the ACL, one entry a line. The action reads the ACL on the active version, and sends one PATCH with only the difference: a new range, a negation added (by the entry\'s id), and with delete-missing the entry the file no longer names.',
    with: { 'api-token': TOKENS.global.token, mode: 'update-acl', 'service-id': SITE.id, acl: 'blocklist', 'entries-file': 'blocklist.txt', 'delete-missing': 'true' },
    comments: { 'delete-missing': 'the file is the whole truth' },
    files: { 'blocklist.txt': '# abuse seen on 2026-11-20\n192.0.2.0/24      # scraper farm\n!192.0.2.128/25   # our office inside it\n2001:db8:bad::/48\n' },
    setup(fake) {
      fake.addAcl(SITE.id, { name: 'blocklist', entries: [{ ip: '192.0.2.0', subnet: 24, comment: 'scraper farm' }, { ip: '192.0.2.128', subnet: 25, comment: 'our office inside it' }, { ip: '203.0.113.9', subnet: null }] });
    },
    expectedCode: 0,
    checks(run, fake) {
      const patches = fake.writes().filter((r) => r.method === 'PATCH');
      const ops = patches.flatMap((r) => JSON.parse(r.body).entries.map((/** @type {{ op: string }} */ e) => e.op));
      const entries = fake.aclEntries(SITE.id, 'blocklist').map((e) => `${e.negated ? '!' : ''}${e.ip}/${e.subnet ?? 32}`);
      return [
        [patches.length === 1 && ops.join() === 'delete,update,create', 'one PATCH: a delete, an update, a create', ops.join(', ')],
        [entries.join() === '192.0.2.0/24,!192.0.2.128/25,2001:db8:bad::/48', 'the ACL now matches blocklist.txt', entries.join(', ')],
      ];
    },
  },
  {
    id: 'm',
    title: 'activate with package: a new Compute package, uploaded into a clone, checked by its files hash, activated',
    story: "pkg/edge-app.tar.gz is what `fastly compute build` made in an earlier step. The action hashes it as Fastly does and reads the live version's package first: they differ, so it clones the live version, uploads the package into the clone, checks that Fastly computed the same files hash, then validates and activates. With the package already live, it would clone and upload nothing.",
    with: { 'api-token': TOKENS.global.token, mode: 'activate', 'service-id': EDGE.id, package: 'pkg/edge-app.tar.gz' },
    comments: { package: 'built by `fastly compute build` in an earlier step' },
    files: { 'pkg/edge-app.tar.gz': NEW_PACKAGE },
    setup(fake) {
      fake.addService({ ...EDGE, type: 'wasm', versions: [{ locked: true }, { active: true }] });
      fake.setPackage(EDGE.id, 1, LIVE_PACKAGE);
      fake.setPackage(EDGE.id, 2, LIVE_PACKAGE);
    },
    expectedCode: 0,
    checks(run, fake) {
      const writes = fake.writes().map((r) => `${r.method} ${r.path.replace(/^\/service\/[^/]+/, '…')}`);
      return [
        [writes.filter((w) => w.endsWith('/package')).join() === 'PUT …/version/3/package', 'one upload, into the clone (version 3)', writes.join(', ')],
        [fake.service(EDGE.id).activeVersion === 3, 'version 3 is active', String(fake.service(EDGE.id).activeVersion)],
        [run.outputs['package-uploaded'] === 'true' && run.outputs.version === '3', 'outputs package-uploaded is true and version is 3', `${run.outputs['package-uploaded']}, ${run.outputs.version}`],
      ];
    },
  },
];

/**
 * A site of the scenario's own on 127.0.0.1, answering `status` to everything.
 * @param {number} status @returns {Promise<Origin & { close: () => Promise<void> }>}
 */
async function startOrigin(status) {
  /** @type {Origin['requests']} */
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.headers);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(`${status}\n`);
  });
  await new Promise((listening) => server.listen(0, '127.0.0.1', () => listening(undefined)));
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((closed) => server.close(() => closed(undefined))) };
}

/** @param {string} text */
const section = (text) => style.bold(text);

/** Prints lines, each indented. @param {string[]} lines @param {string} [indent] */
function print(lines, indent = '  ') {
  for (const line of lines) console.log(line === '' ? '' : indent + line);
}

/**
 * The step as a workflow would hold it, in YAML that parses to these inputs
 * (`*.vcl` unquoted would be an alias). The token shows as a secret would.
 * @param {Record<string, string>} given @param {Record<string, string> | undefined} notes @param {string} apiUrl
 */
function workflowStep(given, notes, apiUrl) {
  const lines = ['- uses: your-org/fastly-deploy-action@v1', '  with:'];
  const entries = Object.entries({ ...given, 'api-url': apiUrl }).map(([name, value]) => [
    name,
    name === 'api-token' ? '${{ secrets.FASTLY_TOKEN }}' : value.includes('\n') ? value : yamlScalar(value),
  ]);
  /** @type {Record<string, string>} */
  const comments = { ...notes, 'api-url': 'the simulated Fastly' };
  const keyWidth = Math.max(...entries.filter(([, v = '']) => !v.includes('\n')).map(([k = '', v = '']) => k.length + v.length)) + 2;
  for (const [name = '', value = ''] of entries) {
    const comment = comments[name] ? style.gray(`# ${comments[name]}`) : '';
    if (!value.includes('\n')) {
      lines.push(`    ${pad(`${name}: ${value}`, keyWidth + 2)}${comment}`.trimEnd());
      continue;
    }
    const rows = value.split('\n');
    lines.push(`    ${name}: |`);
    rows.slice(0, 3).forEach((row) => lines.push(`      ${row}`));
    if (rows.length > 3) lines.push(`      ${style.gray(`… ${rows.length - 3} more lines (${rows.length} in all)`)}`);
  }
  return lines;
}

/**
 * A one-line value that YAML reads back as the same text: plain where it
 * already is (`4`, `true`: the runner hands every input over as a string),
 * quoted where not.
 * @param {string} value
 */
function yamlScalar(value) {
  try {
    const read = parse(value);
    if (read !== null && typeof read !== 'object' && String(read) === value) return value;
  } catch {
    // not YAML as it is: quoted below
  }
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

/** The request's path with IDs, keys and URLs replaced by placeholders. @param {string} path */
function pathPattern(path) {
  const [pathname = ''] = path.split('?');
  if (pathname.startsWith('/purge/')) return '/purge/{host}/{path}';
  return pathname.replace(/^\/service\/[^/]+/, '/service/{id}').replace(/^(\/service\/\{id\}\/purge)\/.+$/, '$1/{key}');
}

/** @type {Record<string, string>} */
const ROUTE_NAMES = {
  '/tokens/self': 'token check',
  '/service/{id}/purge': 'batch key purge',
  '/service/{id}/purge/{key}': 'single key purge',
  '/service/{id}/purge_all': 'purge everything',
  '/purge/{host}/{path}': 'URL purge',
};

/** "3 × POST /service/{id}/purge  → 200", grouped, in order of first appearance. @param {FakeFastly} fake */
function requestLines(fake) {
  /** @type {Map<string, { method: string, pattern: string, statuses: Map<number, number>, keys: number[] }>} */
  const groups = new Map();
  for (const request of fake.requests) {
    const pattern = pathPattern(request.path);
    const id = `${request.method} ${pattern}`;
    const group = groups.get(id) ?? { method: request.method, pattern, statuses: new Map(), keys: /** @type {number[]} */ ([]) };
    groups.set(id, group);
    group.statuses.set(request.status, (group.statuses.get(request.status) ?? 0) + 1);
    if (pattern === '/service/{id}/purge' && request.status < 400) {
      try {
        group.keys.push(JSON.parse(request.body).surrogate_keys.length);
      } catch {
        // not a batch body: nothing to count
      }
    }
  }
  if (groups.size === 0) return [style.gray('none')];
  const rows = [...groups.values()].map((group) => {
    const total = [...group.statuses.values()].reduce((a, b) => a + b, 0);
    const statuses = [...group.statuses].map(([status, n]) => {
      const label = status === 0 ? 'no answer' : String(status);
      const painted = status >= 400 || status === 0 ? style.red(label) : style.green(label);
      return group.statuses.size > 1 ? `${n} × ${painted}` : painted;
    });
    const about = [ROUTE_NAMES[group.pattern] ?? '', group.keys.length > 0 ? `keys per batch: ${group.keys.join(', ')}` : ''];
    return { what: `${String(total).padStart(3)} × ${group.method} ${group.pattern}`, answers: statuses.join(', '), about: about.filter(Boolean).join('; ') };
  });
  const whatWidth = Math.max(...rows.map((row) => displayWidth(row.what)));
  const answerWidth = Math.max(...rows.map((row) => displayWidth(row.answers)));
  return rows.map((row) => `${pad(row.what, whatWidth)}  → ${pad(row.answers, answerWidth)}  ${style.gray(row.about)}`.trimEnd());
}

/** What the simulated Fastly holds now: "600 key purges (soft) on www". @param {FakeFastly} fake */
function purgeLines(fake) {
  const names = new Map([[WWW.id, 'www'], [API.id, 'api']]);
  /** @type {Map<string, number>} */
  const groups = new Map();
  for (const purge of fake.purges) {
    const where = purge.serviceId ? `service ${names.get(purge.serviceId) ?? purge.serviceId}` : `host ${(purge.target ?? '').split('/')[0]}`;
    const what = { all: 'purge-all', key: 'key purge', url: 'URL purge' }[purge.kind];
    const how = purge.kind === 'all' ? '' : purge.soft ? ' (soft)' : ' (hard)';
    const id = `${what}|${how}|${where}`;
    groups.set(id, (groups.get(id) ?? 0) + 1);
  }
  if (groups.size === 0) return [style.gray('none')];
  return [...groups].map(([id, n]) => {
    const [what = '', how = '', where = ''] = id.split('|');
    return `${String(n).padStart(3)} × ${what}${how} on ${where}`;
  });
}

/** One line per output; long values shortened, JSON sized up. @param {Record<string, string>} outputs @param {string[]} secrets */
function outputLines(outputs, secrets) {
  const entries = Object.entries(outputs);
  if (entries.length === 0) return [style.gray('none')];
  const nameWidth = Math.max(...entries.map(([name]) => name.length));
  const room = Math.max(30, WIDTH - nameWidth - 6);
  return entries.map(([name, raw]) => {
    const value = mask(raw, secrets);
    if (value === '') return `${pad(name, nameWidth)}  ${style.gray('(empty)')}`;
    let size = `${value.length.toLocaleString('en-US')} chars`;
    try {
      const parsed = JSON.parse(value);
      if (parsed && typeof parsed === 'object') {
        const n = Array.isArray(parsed) ? parsed.length : Object.keys(parsed).length;
        size = `${n.toLocaleString('en-US')} ${Array.isArray(parsed) ? 'items' : 'fields'}, ${size}`;
      }
    } catch {
      // not JSON
    }
    const flat = value.replace(/\n/g, '⏎');
    const shortened = flat.length <= room ? flat : `${flat.slice(0, room - size.length - 6)}… ${style.gray(`(${size})`)}`;
    return `${pad(name, nameWidth)}  ${shortened}`;
  });
}

/** @param {Scenario} scenario @param {FakeFastly} fake */
async function play(scenario, fake) {
  fake.reset();
  scenario.setup?.(fake);
  const origin = scenario.origin === undefined ? undefined : await startOrigin(scenario.origin);
  const given = Object.fromEntries(Object.entries(scenario.with).map(([name, value]) => [name, origin ? value.replace('{origin}', origin.url) : value]));
  try {
    const run = await runAction({ ...given, 'api-url': fake.url }, { env: RUN_CONTEXT, files: scenario.files ?? {}, workspace: true, timeoutMs: 30_000 });

    const title = ` ${scenario.id}. ${scenario.title} `;
    console.log(style.cyan(style.bold(`━━${title}${'━'.repeat(Math.max(2, WIDTH - 2 - displayWidth(title)))}`)));
    print(wrap(scenario.story, WIDTH - 2));
    if (scenario.staged) print(wrap(`${style.yellow('Staged:')} ${scenario.staged}`, WIDTH - 2));
    console.log('');
    print(workflowStep(given, scenario.comments, fake.url), '    ');

    const { lines: logLines, hidden } = githubLog(run.lines, { secrets: ALL_TOKENS, style });
    const log = logLines.join('\n');
    const hiddenNote = Object.entries(hidden).map(([name, n]) => `${n} × ::${name}::`).join(', ');
    console.log('');
    console.log(section('Log') + style.gray(hiddenNote ? `  (as GitHub shows it; hidden: ${hiddenNote})` : '  (as GitHub shows it)'));
    // Long lines wrap with a hanging indent, so a wrapped line still reads as one.
    const shownLog = logLines.flatMap((line) => {
      const indent = /^ */.exec(line)?.[0] ?? '';
      return wrap(line.slice(indent.length), WIDTH - 4 - indent.length).map((row, i) => `${indent}${i === 0 ? '' : '    '}${row}`);
    });
    print(shownLog.length > 0 ? shownLog.map((line) => `${style.gray('│')} ${line}`) : [style.gray('│ (empty: the action logged nothing)')]);
    const codeText = run.timedOut ? 'killed: no exit after 30 s' : run.code === null ? `killed by ${run.signal}` : String(run.code);
    const codeOk = run.code === scenario.expectedCode;
    const paintCode = run.code === 0 ? style.green : style.red;
    console.log(`${section('Exit code')} ${paintCode(codeText)} ${style.gray(`after ${(run.ms / 1000).toFixed(1)} s${run.code !== 0 && codeOk ? ', as this scenario expects' : ''}`)}`);

    console.log('');
    console.log(section('Requests the simulated Fastly received'));
    print(requestLines(fake));
    console.log(section('Purges it recorded'));
    print(purgeLines(fake));

    console.log('');
    console.log(section('Outputs'));
    print(outputLines(run.outputs, ALL_TOKENS));

    console.log('');
    console.log(section('Job summary') + style.gray(`  (rendered; tables cut at ${MAX_TABLE_ROWS} rows, the full text is in ${relative(process.cwd(), SUMMARY_OUT) || SUMMARY_OUT})`));
    const summary = mask(run.summary, ALL_TOKENS);
    print(summary.trim() === '' ? [style.gray('(empty)')] : renderSummary(summary, { color, width: WIDTH - 4, maxRows: MAX_TABLE_ROWS }).split('\n').map((line) => `${style.gray('│')} ${line}`));

    /** @type {Check[]} */
    const checks = [
      [codeOk, `exit code ${scenario.expectedCode}`, codeText],
      ...scenario.checks(run, fake, log, origin ?? { url: '', requests: [] }),
      [tokenExposure(run, given['api-token'] ?? '').length === 0, 'the token appears nowhere but in the hidden ::add-mask:: command', tokenExposure(run, given['api-token'] ?? '').join('; ')],
    ];
    console.log('');
    console.log(section('Checks'));
    for (const [ok, what, got] of checks) {
      print(wrap(ok ? `${style.green('✔')} ${what}` : `${style.red('✘')} ${what}${got === undefined ? '' : style.red(` (got: ${got})`)}`, WIDTH - 2));
    }
    console.log('');
    return { scenario, run, ok: checks.every(([ok]) => ok) };
  } finally {
    await origin?.close();
  }
}

/** @param {Array<{ scenario: Scenario, run: ActionRun }>} results */
function summaryFile(results) {
  const parts = [
    '# fastly-deploy-action: job summaries from `npm run demo`',
    'Each section is the `GITHUB_STEP_SUMMARY` of one run of `dist/index.js` against the simulated Fastly, unchanged.',
  ];
  for (const { scenario, run } of results) {
    const inputs = Object.entries(scenario.with)
      .map(([name, value]) => `${name}: ${name === 'api-token' ? '***' : value.includes('\n') ? `(${value.split('\n').length} lines)` : value}`)
      .join(' · ');
    parts.push('---', `## ${scenario.id}. ${scenario.title}`, `<p><sub>with: ${escapeHtml(inputs)} · exit code ${run.code}</sub></p>`, mask(run.summary, ALL_TOKENS).trim());
  }
  return `${parts.join('\n\n')}\n`;
}

/** @param {string} text */
const escapeHtml = (text) => text.replace(/[&<>]/g, (char) => `&#${char.charCodeAt(0)};`);

// `npm run demo | head` closes the pipe early: finish the run quietly (the fake still closes, summary.md is still written).
process.stdout.on('error', (error) => {
  const code = /** @type {NodeJS.ErrnoException} */ (error).code;
  if (code !== 'EPIPE' && code !== 'ERR_STREAM_DESTROYED') throw error;
});

async function main() {
  if (!existsSync(ACTION)) {
    console.error(style.red(`${ACTION} is missing: run \`npm run bundle\` first.`));
    return 1;
  }
  const problem = node24Problem('The demo');
  if (problem) {
    console.error(style.red(problem));
    return 1;
  }
  const fake = await startFakeFastly({ latencyMs: 10 });
  /** @type {Array<{ scenario: Scenario, run: ActionRun, ok: boolean }>} */
  const results = [];
  try {
    fake.addService(WWW);
    fake.addService(API);
    for (const { token, scopes, name, services } of Object.values(TOKENS)) fake.addToken({ token, scopes: [...scopes], name, services });

    console.log(style.bold('fastly-deploy-action demo'));
    const intro = `Runs ${relative(process.cwd(), ACTION) || ACTION} once per scenario, the way a GitHub runner does: on Node 24 (node_modules/node24), `
      + "with the inputs in INPUT_* variables (action.yml's defaults included) and fresh GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. "
      + `Fastly is simulated in this process (${fake.url}); nothing leaves this machine.`;
    print(wrap(intro, WIDTH - 2));
    console.log('');
    for (const scenario of SCENARIOS) results.push(await play(scenario, fake));
  } finally {
    await fake.close();
  }

  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(SUMMARY_OUT, summaryFile(results));
  const failed = results.filter((r) => !r.ok);
  const where = relative(process.cwd(), SUMMARY_OUT) || SUMMARY_OUT;
  console.log(style.bold('━'.repeat(WIDTH)));
  if (failed.length === 0) {
    const failing = SCENARIOS.filter((s) => s.expectedCode !== 0).map((s) => s.id);
    console.log(style.green(`✔ All ${results.length} scenarios behaved as expected`) + ` (${failing.slice(0, -1).join(', ')} and ${failing.at(-1)} are meant to fail the step: exit code 1).`);
  } else {
    console.log(style.red(`✘ ${failed.length} of ${results.length} scenarios did not behave as expected: ${failed.map((r) => r.scenario.id).join(', ')}.`));
  }
  console.log(`The raw job summaries are in ${where}: open it in a Markdown viewer.`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(style.red(`The demo itself failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
    process.exitCode = 1;
  },
);
