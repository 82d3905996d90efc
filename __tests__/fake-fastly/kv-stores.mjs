// @ts-check
/**
 * KV stores: account-level, keys listed sorted in cursor pages of at most
 * 1000, values kept as bytes with their metadata and generation. KV writes
 * carry no rate-limit headers and spend no write budget (FASTLY-API.md).
 *
 * Where Fastly's behaviour is not recorded the fake takes the strict reading:
 * a batch line that breaks a rule fails with its index, and whether the other
 * lines of a failed batch land is a switch (`kvBatchCommits`), since Fastly
 * does not say. Metadata comes back in a header, so the fake refuses metadata
 * a header cannot carry (control characters) rather than answer what it cannot send.
 *
 * @typedef {import('./server.mjs').Ctx} Ctx
 * @typedef {import('./server.mjs').Route} Route
 * @typedef {import('./server.mjs').Answer} Answer
 * @typedef {{ value: Buffer, metadata: string, generation: string, ttl: number | null }} KvEntry
 * @typedef {{ id: string, name: string, createdAt: string, updatedAt: string, keys: Map<string, KvEntry> }} KvStore
 * @typedef {{ value: string, metadata?: string, ttl?: number }} KvEntrySpec  a string value is kept as its UTF-8 bytes
 */
import { decoded, notFound } from './dictionaries.mjs';

const MAX_PAGE = 1000;
const MAX_KEY_BYTES = 1024;
const MAX_METADATA_BYTES = 2000;
export const DEFAULT_MAX_VALUE_BYTES = 25 * 1024 * 1024;
const FORBIDDEN_CHARS = /[#;?^|\r\n]/;
// Fastly's generations are microsecond-like numbers beyond 32 bits; a client keeping a Number would lose digits.
let generationSeq = 1750707676353461n;

/** Fastly's own timestamps here have no T and no zone. @param {number} now */
const kvTime = (now) => new Date(now).toISOString().slice(0, 19).replace('T', ' ');

const nextGeneration = () => String((generationSeq += 1n));

/** @param {string} key @returns {string | null} why Fastly refuses the key, or null */
export function kvKeyRefusal(key) {
  if (key === '' || key === '.' || key === '..') return `Invalid key: ${JSON.stringify(key)} is not a key name`;
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `Invalid key: longer than ${MAX_KEY_BYTES} bytes`;
  if (key.startsWith('.well-known/acme-challenge/')) return 'Invalid key: keys may not start with .well-known/acme-challenge/';
  if (FORBIDDEN_CHARS.test(key)) return 'Invalid key: keys may not contain # ; ? ^ | CR or LF';
  return null;
}

/** @param {string} metadata @returns {string | null} */
function metadataRefusal(metadata) {
  if (Buffer.byteLength(metadata) > MAX_METADATA_BYTES) return `metadata longer than ${MAX_METADATA_BYTES} bytes`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(metadata)) return 'metadata with control characters';
  return null;
}

/** @param {string} name @param {string} id @param {Record<string, string | KvEntrySpec>} keys @param {number} now @returns {KvStore} */
export function newKvStore(name, id, keys, now) {
  const store = { id, name, createdAt: kvTime(now), updatedAt: kvTime(now), keys: new Map() };
  for (const [key, spec] of Object.entries(keys)) {
    const { value, metadata = '', ttl = null } = typeof spec === 'string' ? { value: spec } : spec;
    store.keys.set(key, { value: Buffer.from(value, 'utf8'), metadata, generation: nextGeneration(), ttl });
  }
  return store;
}

/** The keys as tests read them: value as UTF-8 text, sorted as Fastly lists them. @param {KvStore} store */
export const kvContents = (store) => Object.fromEntries(sortedKeys(store).map((key) => {
  const entry = /** @type {KvEntry} */ (store.keys.get(key));
  return [key, { value: entry.value.toString('utf8'), metadata: entry.metadata, generation: entry.generation, ttl: entry.ttl }];
}));

/** Byte order of the UTF-8 keys, as a store sorts them. @param {KvStore} store */
const sortedKeys = (store) => [...store.keys.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

/** @param {string} title @param {string} detail @param {number} [status] @returns {Answer} */
const problem = (title, detail, status = 400) => ({ status, json: { title, detail, status } });

/** @param {string | null} value @returns {number | null | undefined} the limit, null when absent, undefined when bad */
function limitOf(value) {
  if (value === null) return null;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_PAGE) return undefined;
  return Number(value);
}

/** Cursors are opaque to clients; this one names the last item of the page before. @param {string} last */
const cursorAfter = (last) => Buffer.from(last, 'utf8').toString('base64url');

/**
 * One cursor page of `all` (already in order), or why the request is refused.
 * @template T @param {T[]} all @param {(item: T) => string} nameOf @param {URLSearchParams} query
 * @returns {{ page: T[], meta: Record<string, unknown> } | Answer}
 */
function cursorPage(all, nameOf, query) {
  const limit = limitOf(query.get('limit'));
  if (limit === undefined) return problem('Bad Request', `limit must be a whole number from 1 to ${MAX_PAGE}`);
  const cursor = query.get('cursor');
  let start = 0;
  if (cursor !== null && cursor !== '') {
    const after = Buffer.from(cursor, 'base64url').toString('utf8');
    if (cursorAfter(after) !== cursor) return problem('Bad Request', 'Invalid cursor');
    start = all.findIndex((item) => Buffer.compare(Buffer.from(nameOf(item)), Buffer.from(after)) > 0);
    if (start < 0) start = all.length;
  }
  const size = limit ?? MAX_PAGE;
  const page = all.slice(start, start + size);
  const last = page[page.length - 1];
  const more = start + size < all.length && last !== undefined;
  return { page, meta: { limit: size, ...(more ? { next_cursor: cursorAfter(nameOf(last)) } : {}) } };
}

/** @param {KvStore} store */
const storeJson = (store) => ({ id: store.id, name: store.name, created_at: store.createdAt, updated_at: store.updatedAt });

/**
 * A route on one store, by id; 404 for an unknown one.
 * @param {string} method @param {string} tail  regex source for the path after the id
 * @param {(ctx: Ctx, store: KvStore) => Answer} handler @returns {Route}
 */
const onStore = (method, tail, handler) => ({
  method,
  pattern: new RegExp(`^/resources/stores/kv/(?<id>[^/]+)${tail}$`),
  scope: 'global',
  unmetered: true,
  handler(ctx) {
    const store = ctx.state.kvStores.get(decoded(ctx.params.id) ?? '');
    return store ? handler(ctx, store) : notFound();
  },
});

/**
 * A route on one key of a store; the key arrives percent-encoded in the path.
 * @param {string} method @param {(ctx: Ctx, store: KvStore, key: string) => Answer} handler @returns {Route}
 */
const onKey = (method, handler) => onStore(method, '/keys/(?<key>[^/]+)', (ctx, store) => {
  const key = decoded(ctx.params.key);
  if (key === null) return problem('Bad Request', 'The key is not valid percent-encoding');
  return handler(ctx, store, key);
});

/** @param {string | undefined} value @returns {number | null | undefined} */
function ttlOf(value) {
  if (value === undefined) return null;
  return /^\d+$/.test(value) && Number(value) > 0 ? Number(value) : undefined;
}

/**
 * Checks one NDJSON line; answers the entry to write or the line's error.
 * @param {unknown} line @param {number} maxValue
 * @returns {{ key: string, entry: Omit<KvEntry, 'generation'> } | { key: string, code: string, reason: string }}
 */
function batchLine(line, maxValue) {
  if (typeof line !== 'object' || line === null || Array.isArray(line)) return { key: '', code: '400', reason: 'Line is not a JSON object' };
  const { key, value, metadata, time_to_live_sec: ttl } = /** @type {Record<string, unknown>} */ (line);
  if (typeof key !== 'string') return { key: '', code: '400', reason: 'Line has no string "key"' };
  const keyRefusal = kvKeyRefusal(key);
  if (keyRefusal) return { key, code: '400', reason: keyRefusal };
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    return { key, code: '400', reason: 'value must be base64' };
  }
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length > maxValue) return { key, code: '413', reason: `value larger than ${maxValue} bytes` };
  if (metadata !== undefined && typeof metadata !== 'string') return { key, code: '400', reason: 'metadata must be a string' };
  const metaRefusal = metadata === undefined ? null : metadataRefusal(metadata);
  if (metaRefusal) return { key, code: '400', reason: metaRefusal };
  if (ttl !== undefined && !(Number.isSafeInteger(ttl) && /** @type {number} */ (ttl) > 0)) {
    return { key, code: '400', reason: 'time_to_live_sec must be a positive whole number' };
  }
  return { key, entry: { value: bytes, metadata: metadata ?? '', ttl: /** @type {number | undefined} */ (ttl) ?? null } };
}

/** @param {Ctx} ctx @param {KvStore} store @returns {Answer} */
function batch(ctx, store) {
  if (!(ctx.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-ndjson')) {
    return problem('Unsupported Media Type', 'The body must be application/x-ndjson', 415);
  }
  const lines = ctx.body.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  /** @type {{ key: string, index: number, code: string, reason: string }[]} */
  const errors = [];
  /** @type {[string, Omit<KvEntry, 'generation'>][]} */
  const good = [];
  lines.forEach((text, index) => {
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      errors.push({ key: '', index, code: '400', reason: 'Line is not valid JSON' });
      return;
    }
    const checked = batchLine(parsed, ctx.state.kv.maxValueBytes);
    if ('entry' in checked) good.push([checked.key, checked.entry]);
    else errors.push({ ...checked, index });
  });
  if (lines.length === 0) errors.push({ key: '', index: 0, code: '400', reason: 'The batch is empty' });
  if (errors.length === 0 || ctx.state.kv.batchCommits) {
    for (const [key, entry] of good) store.keys.set(key, { ...entry, generation: nextGeneration() });
  }
  if (errors.length === 0) return { status: 200, json: { type: '', title: 'success', errors: [] } };
  const status = errors.every((e) => e.code === '413') ? 413 : 400;
  return { status, json: { title: 'Some keys could not be written', type: 'batch-error', errors } };
}

/** @type {Route[]} */
export const kvStoreRoutes = [
  {
    method: 'GET',
    pattern: /^\/resources\/stores\/kv$/,
    scope: 'global',
    handler(ctx) {
      const name = ctx.query.get('name');
      const stores = [...ctx.state.kvStores.values()]
        .filter((store) => name === null || name === '' || store.name === name)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      if (name !== null && name !== '' && stores.length === 0 && ctx.state.shapes.unknownStoreName === 404) {
        return { status: 404, json: { msg: 'Record not found' } };
      }
      const paged = cursorPage(stores, (store) => store.id, ctx.query);
      if ('status' in paged) return paged;
      // The recorded store list counts the stores in meta.total, as the key list does not.
      return { status: 200, json: { data: paged.page.map(storeJson), meta: { ...paged.meta, total: stores.length } } };
    },
  },
  onStore('GET', '', (_ctx, store) => ({ status: 200, json: storeJson(store) })),
  onStore('GET', '/keys', (ctx, store) => {
    const consistency = ctx.query.get('consistency');
    if (consistency !== null && consistency !== 'strong' && consistency !== 'eventual') {
      return problem('Bad Request', 'consistency must be strong or eventual');
    }
    const prefix = ctx.query.get('prefix') ?? '';
    const paged = cursorPage(sortedKeys(store).filter((key) => key.startsWith(prefix)), (key) => key, ctx.query);
    if ('status' in paged) return paged;
    return { status: 200, json: { data: paged.page, meta: paged.meta } };
  }),
  onKey('GET', (_ctx, store, key) => {
    const entry = store.keys.get(key);
    if (!entry) return { status: 404, text: '' };
    return {
      status: 200,
      bytes: entry.value,
      // A header carries bytes: UTF-8 metadata goes out as its bytes, which Node reads back as latin1.
      headers: { 'Content-Type': 'application/octet-stream', Generation: entry.generation, Metadata: Buffer.from(entry.metadata).toString('latin1') },
    };
  }),
  onKey('PUT', (ctx, store, key) => {
    const keyRefusal = kvKeyRefusal(key);
    if (keyRefusal) return problem('Bad Request', keyRefusal);
    if (ctx.bytes.length > ctx.state.kv.maxValueBytes) return problem('Payload Too Large', 'The value is too large', 413);
    const metadata = Buffer.from(ctx.headers.metadata ?? '', 'latin1').toString('utf8');
    const metaRefusal = metadataRefusal(metadata);
    if (metaRefusal) return problem('Bad Request', metaRefusal);
    const ttl = ttlOf(ctx.headers.time_to_live_sec ?? ctx.headers['time-to-live-sec']);
    if (ttl === undefined) return problem('Bad Request', 'time_to_live_sec must be a positive whole number');
    const old = store.keys.get(key);
    const match = ctx.headers['if-generation-match'];
    if ((ctx.query.get('add') === 'true' && old) || (match !== undefined && old?.generation !== match)) return { status: 412, text: '' };
    store.keys.set(key, { value: Buffer.from(ctx.bytes), metadata, ttl, generation: nextGeneration() });
    return { status: 200, text: '' };
  }),
  onKey('DELETE', (ctx, store, key) => {
    if (!store.keys.delete(key) && ctx.query.get('force') !== 'true') return { status: 404, text: '' };
    return { status: 204, text: '' };
  }),
  onStore('PUT', '/batch', batch),
];
