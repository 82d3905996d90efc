// @ts-check
/**
 * A fake Fastly API on a real HTTP server: stateful, as strict as Fastly about
 * tokens, scopes and rate limits, and able to inject the failures the action's
 * retry paths must survive. Domain routes live in their own modules.
 *
 * @typedef {'global' | 'global:read' | 'purge_select' | 'purge_all'} Scope
 * @typedef {{ token: string, id: string, name: string, scopes: string[], services: string[],
 *   expiresAt: string | null, selfLookup: boolean, createdAt: string, lastUsedAt: string | null }} Token
 * @typedef {{ id: string, name: string, type: import('./versions.mjs').ServiceType, versions: import('./versions.mjs').Version[],
 *   activeVersion: number | null, stagingVersion: number | null, domains: import('./domains.mjs').DomainSpec[] }} Service
 * @typedef {{ kind: 'key' | 'url' | 'all', serviceId: string | null, target: string | null,
 *   soft: boolean, environment: 'production' | 'staging', id: string | null, at: number }} Purge
 * @typedef {{ method: string, path: string, headers: Record<string, string>, body: string,
 *   at: number, status: number, bytes?: Buffer }} LoggedRequest
 * @typedef {{ tokens: Map<string, Token>, services: Map<string, Service>, purges: Purge[], purgeSeq: number,
 *   activationWarnings: Map<string, string>, dictionaries: Map<string, import('./dictionaries.mjs').Dictionary[]>,
 *   configStores: Map<string, import('./config-stores.mjs').ConfigStore>,
 *   stats: Map<string, import('./stats.mjs').StatsGenerator>, shapes: Shapes,
 *   kvStores: Map<string, import('./kv-stores.mjs').KvStore>, kv: KvSettings,
 *   acls: Map<string, import('./acls.mjs').Acl[]>, computeAcls: Map<string, import('./acls.mjs').ComputeAcl> }} State
 *   warnings, dictionaries, stats and VCL ACLs by service id, config stores, KV stores and Compute ACLs by their id
 * @typedef {object} Shapes  answers whose real shape no recording confirms; the action must take either
 * @property {'environments' | 'flag' | 'service'} staged  a staged version shown in environments[] of the version
 *   and of the service (the documented way), only by `staging: true` (what the Fastly CLI reads), or only in the
 *   service's environments[] of /details (the recorded details list no environments on its versions)
 * @property {200 | 400} failedValidation  200 {"status":"error","msg"} as documented, or a 400 refusal
 * @property {'empty' | 404} unknownStoreName  GET /resources/stores/config?name= (and /resources/stores/kv?name=) of no
 *   store: an empty list or 404
 * @property {'wrapped' | 'bare' | 400} lint  lint's answer: in data.attributes (the SDKs), bare (the reference page),
 *   or for invalid VCL a 400 carrying the bare object
 * @typedef {{ maxValueBytes: number, batchCommits: boolean }} KvSettings  batchCommits: the good lines of a failed batch land
 * @typedef {{ status: number, json?: unknown, text?: string, bytes?: Buffer, headers?: Record<string, string>,
 *   purge?: boolean, unmetered?: boolean }} Answer
 *   `json` is sent with Content-Type application/json; `text` or `bytes` is sent as is, with only `headers`.
 *   `purge`: a key or URL purge, which Fastly answers without Fastly-RateLimit-* headers.
 *   `unmetered`: from a route whose writes carry no Fastly-RateLimit-* headers (KV, Compute ACLs).
 * @typedef {object} Ctx
 * @property {string} method
 * @property {string} url           the fake's own base URL, for absolute links
 * @property {string} path          path with query string, as received
 * @property {URLSearchParams} query
 * @property {Record<string, string | undefined>} params  the route pattern's named groups, still percent-encoded
 * @property {string | null} serviceId  the `sid` group, already checked: known, and allowed for the token
 * @property {Record<string, string>} headers  lower-case keys
 * @property {string} body   read as UTF-8
 * @property {Buffer} bytes  the body as received
 * @property {Token} token
 * @property {State} state
 * @property {number} now
 * @typedef {object} Route
 * @property {string} method
 * @property {RegExp} pattern  matched against the path without query; name the service group `sid`
 * @property {Scope | null} scope  null: any valid token
 * @property {'write' | 'purge' | null} [budget]  what a success spends; default: writes for non-GET, nothing for GET
 * @property {boolean} [unmetered]  KV and Compute ACL writes: no budget spent, no rate-limit headers
 * @property {(ctx: Ctx) => Answer} handler  synchronous, so budget checks and state changes cannot interleave
 * @typedef {{ limit: number, remaining: number, resetAt: number }} Budget
 * @typedef {object} FaultSpec
 * @property {string} [method]
 * @property {string | RegExp} [path]  a string is a prefix of the path with query string
 * @property {number} [times]
 * @property {'status' | 'drop' | 'slow' | 'non-json' | 'echo-headers' | 'drip' | 'raw'} kind  echo-headers: a proxy's HTML error page
 *   that repeats the request's headers, raw and as a base64 (and base64url) debug blob;
 *   'drip': the route runs, then its answer goes out one byte a second for `delayMs` (leading spaces, which JSON
 *   allows) before the body: never silent for long, and done late; 'raw': `text` sent as is,
 *   with only `headers`, e.g. a 200 with malformed JSON, an HTML page or an empty body
 * @property {number} [status]  default 502 for 'non-json', 200 for 'raw', 503 otherwise
 * @property {unknown} [body]
 * @property {string} [text]  the body of a 'raw' answer
 * @property {Record<string, string>} [headers]
 * @property {number} [delayMs]
 * @property {boolean} [afterHandler]  every kind but 'slow': the route runs first, then its answer is
 *   replaced: Fastly did it, but the client never learns
 * @typedef {Required<Omit<FaultSpec, 'method' | 'path' | 'body'>> & Pick<FaultSpec, 'method' | 'path' | 'body'>} Fault
 * @typedef {{ method?: string, path?: string | RegExp, times: number, action: () => void }} Intercept
 * @typedef {Awaited<ReturnType<typeof startFakeFastly>>} FakeFastly
 */
import { createServer } from 'node:http';
import { aclContents, aclRoutes, newAcl, newComputeAcl } from './acls.mjs';
import { flatHeaders, readBody } from '../fakes/requests.mjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { configStoreRoutes, newConfigStore } from './config-stores.mjs';
import { dictionaryRoutes, newDictionary, plainItems } from './dictionaries.mjs';
import { domainRoutes } from './domains.mjs';
import { DEFAULT_MAX_VALUE_BYTES, kvContents, kvStoreRoutes, newKvStore } from './kv-stores.mjs';
import { packageRoutes, storedPackage } from './packages.mjs';
import { purgeRoutes } from './purge.mjs';
import { statsRoutes } from './stats.mjs';
import { LINT_PATH, lintRoutes } from './lint.mjs';
import { tokenRoutes } from './tokens.mjs';
import { activate, newService, snapshot, versionRoutes } from './versions.mjs';

/** @type {Route[]} */
const ROUTES = [...purgeRoutes, ...tokenRoutes, ...versionRoutes, ...lintRoutes, ...packageRoutes, ...dictionaryRoutes, ...configStoreRoutes,
  ...statsRoutes, ...kvStoreRoutes, ...aclRoutes, ...domainRoutes];

const HOUR_MS = 3_600_000;
const REMAINING = 'Fastly-RateLimit-Remaining';
const RESET = 'Fastly-RateLimit-Reset';
const NOT_AUTHORIZED = 'You are not authorized to perform this action';
const BAD_GATEWAY_HTML = '<html><body><h1>502 Bad Gateway</h1></body></html>';

/** @param {string} method */
const isRead = (method) => method === 'GET' || method === 'HEAD';

/** @param {number} status @param {string} msg @returns {Answer} */
const fail = (status, msg) => ({ status, json: { msg } });

/** @param {number} limit @param {number} now @returns {Budget} */
const fullBudget = (limit, now) => ({ limit, remaining: limit, resetAt: (Math.floor(now / HOUR_MS) + 1) * HOUR_MS });

/** Refills a budget whose window has ended. @param {Budget} budget @param {number} now */
function current(budget, now) {
  if (now >= budget.resetAt) Object.assign(budget, fullBudget(budget.limit, now));
  return budget;
}

/** @param {Budget} budget @returns {Record<string, string>} */
const rateHeaders = (budget) => ({
  [REMAINING]: String(Math.max(0, budget.remaining)),
  [RESET]: String(Math.ceil(budget.resetAt / 1000)),
});

/** @param {import('node:http').ServerResponse} res @param {Answer} answer */
function send(res, { status, json, text, bytes, headers = {} }) {
  const body = json === undefined ? (bytes ?? text ?? '') : JSON.stringify(json);
  const head = json === undefined ? { ...headers } : { 'Content-Type': 'application/json', ...headers };
  res.writeHead(status, { ...head, 'Content-Length': String(Buffer.byteLength(body)) }).end(body);
}

/**
 * Spends one use of the first spec matching the request, and returns it.
 * @template {{ method?: string, path?: string | RegExp, times: number }} T
 * @param {T[]} specs @param {string} method @param {string} path  with query string
 */
function take(specs, method, path) {
  const spec = specs.find((s) => s.times > 0
    && (s.method === undefined || s.method.toUpperCase() === method)
    && (s.path === undefined || (typeof s.path === 'string' ? path.startsWith(s.path) : path.search(s.path) >= 0)));
  if (spec) spec.times -= 1;
  return spec;
}

/** @param {Fault} fault @param {LoggedRequest} request @returns {Answer} */
function faultAnswer(fault, request) {
  if (fault.kind === 'echo-headers') {
    const lines = Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`).join('\n');
    const blob = JSON.stringify({ path: request.path, headers: request.headers });
    const text = `<html><body><h1>${fault.status} Proxy error</h1><p>debug=${Buffer.from(blob).toString('base64')}</p>`
      + `<p>trace=${Buffer.from(`x${blob}`).toString('base64url')}</p><pre>${request.method} ${request.path}\n${lines}</pre></body></html>`;
    return { status: fault.status, text, headers: { 'Content-Type': 'text/html', ...fault.headers } };
  }
  if (fault.kind === 'raw') return { status: fault.status, text: fault.text, headers: fault.headers };
  if (fault.kind === 'non-json') {
    return { status: fault.status, text: BAD_GATEWAY_HTML, headers: { 'Content-Type': 'text/html', ...fault.headers } };
  }
  return { status: fault.status, json: fault.body ?? { msg: 'Service Unavailable' }, headers: fault.headers };
}

/**
 * Headers at once, then a space a second for `delayMs`, then the body.
 * @param {import('node:http').ServerResponse} res @param {Answer} answer @param {number} delayMs @param {AbortSignal} signal
 */
async function drip(res, { status, json, text, headers = {} }, delayMs, signal) {
  const body = json === undefined ? (text ?? '') : JSON.stringify(json);
  const spaces = Math.ceil(delayMs / 1000);
  const head = json === undefined ? { ...headers } : { 'Content-Type': 'application/json', ...headers };
  res.writeHead(status, { ...head, 'Content-Length': String(spaces + Buffer.byteLength(body)) });
  for (let i = 0; i < spaces && !res.destroyed; i++) {
    res.write(' ');
    await sleep(1000, undefined, { signal });
  }
  res.end(body);
}

/** What the fake answers where the real shape is not confirmed, until setShapes() or reset(). @returns {Shapes} */
const defaultShapes = () => ({ staged: 'environments', failedValidation: 200, unknownStoreName: 'empty', lint: /** @type {Shapes['lint']} */ ('wrapped') });

/** @returns {KvSettings} */
const defaultKv = () => ({ maxValueBytes: DEFAULT_MAX_VALUE_BYTES, batchCommits: true });

/** @param {{ latencyMs?: number, writeLimit?: number, purgeLimit?: number }} [options] */
export async function startFakeFastly({ latencyMs = 0, writeLimit = 1000, purgeLimit = 100000 } = {}) {
  /** @type {State} */
  const state = {
    tokens: new Map(), services: new Map(), purges: [], purgeSeq: 0, activationWarnings: new Map(),
    dictionaries: new Map(), configStores: new Map(), stats: new Map(), shapes: defaultShapes(),
    kvStores: new Map(), kv: defaultKv(), acls: new Map(), computeAcls: new Map(),
  };
  /** @type {LoggedRequest[]} */
  let requests = [];
  /** @type {Fault[]} */
  let faults = [];
  /** @type {Intercept[]} */
  let intercepts = [];
  let latency = latencyMs;
  let inFlight = 0;
  let maxInFlight = 0;
  let tokenSeq = 0;
  let storeSeq = 0;
  // Known once the server listens, before any request can arrive.
  let url = '';
  const budgets = { write: fullBudget(writeLimit, Date.now()), purge: fullBudget(purgeLimit, Date.now()) };
  // Aborts the latency and 'slow' waits on close, so no timer outlives the server.
  const shutdown = new AbortController();

  /** @param {string} id */
  function serviceNamed(id) {
    const service = state.services.get(id);
    if (!service) throw new Error(`fake-fastly: no service ${id}`);
    return service;
  }

  /** Auth, routing, scopes, service checks, budgets, then the route's handler. @param {LoggedRequest} entry @param {number} now @returns {Answer} */
  function dispatch(entry, now) {
    const key = entry.headers['fastly-key'];
    const token = key === undefined ? undefined : state.tokens.get(key);
    if (!token || (token.expiresAt !== null && Date.parse(token.expiresAt) <= now)) {
      return fail(401, 'Provided credentials are missing or invalid');
    }
    token.lastUsedAt = new Date(now).toISOString();

    const queryAt = entry.path.indexOf('?');
    const pathname = queryAt < 0 ? entry.path : entry.path.slice(0, queryAt);
    const method = entry.method === 'HEAD' ? 'GET' : entry.method;
    /** @type {string[]} */
    const otherMethods = [];
    let found;
    for (const route of ROUTES) {
      const match = route.pattern.exec(pathname);
      if (!match) continue;
      if (route.method === method) {
        found = { route, params: match.groups ?? {} };
        break;
      }
      otherMethods.push(route.method);
    }
    if (!found) {
      if (otherMethods.length === 0) return fail(404, 'Record not found');
      return { status: 405, json: { msg: 'Method Not Allowed' }, headers: { Allow: otherMethods.join(', ') } };
    }

    const { route, params } = found;
    const scopes = token.scopes;
    const scoped = route.scope === null || scopes.includes('global') || scopes.includes(route.scope)
      || (isRead(method) && scopes.includes('global:read'));
    if (!scoped) return fail(403, NOT_AUTHORIZED);
    const serviceId = params.sid ?? null;
    if (serviceId !== null) {
      if (token.services.length > 0 && !token.services.includes(serviceId)) return fail(403, NOT_AUTHORIZED);
      if (!state.services.has(serviceId)) {
        return { status: 400, json: { msg: 'Bad request', detail: 'Invalid value for service_id' } };
      }
    }

    const spends = route.unmetered ? null : route.budget === undefined ? (isRead(method) ? null : 'write') : route.budget;
    const budget = spends === null ? null : current(budgets[spends], now);
    if (budget && budget.remaining <= 0) {
      return { ...fail(429, 'You have exceeded your hourly rate limit. Please wait.'), headers: rateHeaders(budget) };
    }
    const query = new URLSearchParams(queryAt < 0 ? '' : entry.path.slice(queryAt + 1));
    /** @type {Answer} */
    let answer;
    try {
      take(intercepts, entry.method, entry.path)?.action();
      answer = route.handler({ method, url, path: entry.path, query, params, serviceId, headers: entry.headers, body: entry.body,
        bytes: entry.bytes ?? Buffer.alloc(0), token, state, now });
    } catch (error) {
      return { status: 500, json: { msg: 'fake-fastly route handler or intercept threw', detail: String(error) } };
    }
    if (budget && answer.status < 400) budget.remaining -= 1;
    if (spends === 'purge') return { ...answer, purge: true };
    return route.unmetered ? { ...answer, unmetered: true } : answer;
  }

  /** @param {LoggedRequest} entry @returns {Answer} */
  function respond(entry) {
    const now = Date.now();
    const answer = dispatch(entry, now);
    // Recorded key and URL purges carry no rate-limit headers: they spend a separate allowance.
    if (isRead(entry.method) || answer.purge || answer.unmetered) return answer;
    return { ...answer, headers: { ...rateHeaders(current(budgets.write, now)), ...answer.headers } };
  }

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
  async function handle(req, res) {
    const method = req.method ?? 'GET';
    /** @type {LoggedRequest} */
    const entry = { method, path: req.url ?? '/', headers: flatHeaders(req.headers), body: '', at: Date.now(), status: 0 };
    requests.push(entry);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const fault = take(faults, method, entry.path);
    try {
      entry.bytes = await readBody(req);
      entry.body = entry.bytes.toString('utf8');
      if (latency > 0) await sleep(latency, undefined, { signal: shutdown.signal });
      if (fault?.kind === 'slow') await sleep(fault.delayMs, undefined, { signal: shutdown.signal });
      if (fault?.kind === 'drip') {
        const answer = respond(entry);
        entry.status = answer.status;
        await drip(res, answer, fault.delayMs, shutdown.signal);
        return;
      }
      // Fastly acts on it; the fault's answer below still replaces the real one, in the log too.
      if (fault?.afterHandler && fault.kind !== 'slow') respond(entry);
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      let answer;
      if (fault && fault.kind !== 'slow') answer = faultAnswer(fault, entry);
      else {
        answer = respond(entry);
        if (fault) answer.headers = { ...answer.headers, ...fault.headers };
      }
      entry.status = answer.status;
      send(res, answer);
    } catch {
      // The client went away or the fake is closing: nobody is left to answer.
      req.socket.destroy();
    } finally {
      inFlight -= 1;
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(undefined));
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  url = `http://127.0.0.1:${port}`;

  /** @param {Budget} budget @param {number} resetInSeconds */
  const exhaust = (budget, resetInSeconds) => Object.assign(budget, { remaining: 0, resetAt: Date.now() + resetInSeconds * 1000 });

  return {
    url,
    get requests() { return requests; },
    get purges() { return state.purges; },
    get maxInFlight() { return maxInFlight; },
    /** Requests that could change something: lint changes nothing. */
    writes: () => requests.filter((r) => !isRead(r.method) && !LINT_PATH.test(r.path.replace(/\?.*/, ''))),

    /** @param {{ token: string, scopes?: Scope[], services?: string[], expiresAt?: string | null, name?: string, selfLookup?: boolean }} spec */
    addToken({ token, scopes = ['global'], services = [], expiresAt = null, name = 'test token', selfLookup = true }) {
      tokenSeq += 1;
      state.tokens.set(token, {
        token, id: `fake-token-${tokenSeq}`, name, scopes: [...scopes], services: [...services], expiresAt, selfLookup,
        createdAt: new Date().toISOString(), lastUsedAt: null,
      });
    },
    /**
     * Adding an id again replaces that service, versions, dictionaries, stats and all.
     * @param {import('./versions.mjs').ServiceSpec} spec
     */
    addService(spec) {
      state.services.set(spec.id, newService(spec, Date.now()));
      state.dictionaries.delete(spec.id);
      state.acls.delete(spec.id);
      state.stats.delete(spec.id);
    },
    /**
     * Adding a name again replaces that dictionary, items and all.
     * @param {string} sid
     * @param {{ name: string, id?: string, writeOnly?: boolean, items?: Record<string, string> }} spec  items: key → value, created in this order
     * @returns {string} the dictionary's id
     */
    addDictionary(sid, { id = `fake-dict-${(storeSeq += 1)}`, ...spec }) {
      serviceNamed(sid);
      const dictionaries = (state.dictionaries.get(sid) ?? []).filter((d) => d.name !== spec.name);
      state.dictionaries.set(sid, [...dictionaries, newDictionary({ ...spec, id }, Date.now())]);
      return id;
    },
    /** The items as they are now, key → value. @param {string} sid @param {string} name @returns {Record<string, string>} */
    dictionaryItems(sid, name) {
      const dictionary = state.dictionaries.get(sid)?.find((d) => d.name === name);
      if (!dictionary) throw new Error(`fake-fastly: service ${sid} has no dictionary ${name}`);
      return plainItems(dictionary.items);
    },
    /**
     * Adding an id again replaces that store; a name belongs to one store only, as on Fastly.
     * @param {{ name: string, id?: string, items?: Record<string, string> }} spec  items: key → value, created in this order
     * @returns {string} the store's id
     */
    addConfigStore({ id = `fake-config-store-${(storeSeq += 1)}`, ...spec }) {
      const taken = [...state.configStores.values()].find((store) => store.name === spec.name && store.id !== id);
      if (taken) throw new Error(`fake-fastly: config store ${taken.id} is named ${spec.name} already`);
      state.configStores.set(id, newConfigStore({ ...spec, id }, Date.now()));
      return id;
    },
    /** The items as they are now, key → value. @param {string} id @returns {Record<string, string>} */
    configStoreItems(id) {
      const store = state.configStores.get(id);
      if (!store) throw new Error(`fake-fastly: no config store ${id}`);
      return plainItems(store.items);
    },
    /**
     * Adding an id again replaces that store; a name belongs to one store only, as on Fastly.
     * @param {{ name: string, id?: string, keys?: Record<string, string | import('./kv-stores.mjs').KvEntrySpec> }} spec
     * @returns {string} the store's id
     */
    addKvStore({ id = `fake-kv-store-${(storeSeq += 1)}`, name, keys = {} }) {
      const taken = [...state.kvStores.values()].find((store) => store.name === name && store.id !== id);
      if (taken) throw new Error(`fake-fastly: KV store ${taken.id} is named ${name} already`);
      state.kvStores.set(id, newKvStore(name, id, keys, Date.now()));
      return id;
    },
    /** Each key as it is now: value as UTF-8 text, metadata, generation, TTL. @param {string} id */
    kvStoreKeys(id) {
      const store = state.kvStores.get(id);
      if (!store) throw new Error(`fake-fastly: no KV store ${id}`);
      return kvContents(store);
    },
    /**
     * Until reset(): the largest value accepted (413 beyond), and whether the good
     * lines of a failed batch are written (Fastly does not say).
     * @param {Partial<KvSettings>} settings
     */
    setKv(settings) {
      Object.assign(state.kv, settings);
    },
    /**
     * Adding a name again replaces that ACL, entries and all.
     * @param {string} sid @param {{ name: string, id?: string, entries?: import('./acls.mjs').AclEntrySpec[] }} spec
     * @returns {string} the ACL's id
     */
    addAcl(sid, { id = `fake-acl-${(storeSeq += 1)}`, name, entries = [] }) {
      serviceNamed(sid);
      const acls = (state.acls.get(sid) ?? []).filter((a) => a.name !== name);
      state.acls.set(sid, [...acls, newAcl(name, id, entries, Date.now())]);
      return id;
    },
    /** The entries as they are now, in creation order, with their ids. @param {string} sid @param {string} name */
    aclEntries(sid, name) {
      const acl = state.acls.get(sid)?.find((a) => a.name === name);
      if (!acl) throw new Error(`fake-fastly: service ${sid} has no ACL ${name}`);
      return aclContents(acl);
    },
    /**
     * Adding an id again replaces that ACL.
     * @param {{ name: string, id?: string, entries?: Record<string, 'ALLOW' | 'BLOCK'> }} spec  entries: prefix → action
     * @returns {string} the ACL's id
     */
    addComputeAcl({ id = `fake-compute-acl-${(storeSeq += 1)}`, name, entries = {} }) {
      state.computeAcls.set(id, newComputeAcl(name, id, entries));
      return id;
    },
    /** prefix → action, as they are now. @param {string} id @returns {Record<string, string>} */
    computeAclEntries(id) {
      const acl = state.computeAcls.get(id);
      if (!acl) throw new Error(`fake-fastly: no Compute ACL ${id}`);
      return Object.fromEntries(acl.entries);
    },
    /** @param {string} id */
    service: (id) => snapshot(serviceNamed(id)),
    /**
     * Gives a version the package in `archive` (the bytes of a .tar.gz), as a deploy before this one did;
     * locked or not. Throws for an archive Fastly would refuse.
     * @param {string} id @param {number} number @param {Buffer} archive
     */
    setPackage(id, number, archive) {
      const version = serviceNamed(id).versions.find((v) => v.number === number);
      if (!version) throw new Error(`fake-fastly: service ${id} has no version ${number}`);
      const stored = storedPackage(archive, Date.now());
      if (!stored) throw new Error('fake-fastly: not a package Fastly would take');
      version.package = stored;
    },
    /**
     * The service's domains, on every version, each with its staging IP (null or absent: listed without one).
     * @param {string} id @param {import('./domains.mjs').DomainSpec[]} domains
     */
    setDomains(id, domains) {
      serviceNamed(id).domains = domains.map((domain) => ({ ...domain }));
    },
    /** Every later activation of the service answers `msg` with it, until null or reset(). @param {string} id @param {string | null} msg */
    setActivationWarning(id, msg) {
      serviceNamed(id);
      if (msg === null) state.activationWarnings.delete(id);
      else state.activationWarnings.set(id, msg);
    },
    /**
     * The service's historical stats, one generator call per bucket, until reset().
     * @param {string} sid @param {import('./stats.mjs').StatsGenerator} generator
     */
    setStats(sid, generator) {
      serviceNamed(sid);
      state.stats.set(sid, generator);
    },
    /**
     * Runs `action` just before the handler of a matching request that passed auth, scope,
     * service and budget checks, e.g. to have another deploy change the service mid-run.
     * @param {{ method?: string, path?: string | RegExp, times?: number }} spec  a string path is a prefix of the path with query
     * @param {() => void} action
     */
    intercept({ method, path, times = 1 }, action) {
      intercepts.push({ method, path, times, action });
    },
    /**
     * What the activate routes do, without a request and without validating, as another deploy would.
     * @param {string} id @param {number} number @param {import('./versions.mjs').Environment} [environment]
     */
    activate(id, number, environment = 'production') {
      const service = serviceNamed(id);
      const version = service.versions.find((v) => v.number === number);
      if (!version) throw new Error(`fake-fastly: service ${id} has no version ${number}`);
      activate(service, version, environment, Date.now());
    },
    /** @param {FaultSpec} spec */
    fault({ method, path, times = 1, kind, status = kind === 'non-json' ? 502 : kind === 'raw' ? 200 : 503, body, text = '', headers = {}, delayMs = 5000, afterHandler = false }) {
      faults.push({ method, path, times, kind, status, body, text, headers, delayMs, afterHandler });
    },
    /** Picks the shape of the answers no recording confirms, until reset(). @param {Partial<Shapes>} shapes */
    setShapes(shapes) {
      Object.assign(state.shapes, shapes);
    },
    /** @param {number} resetInSeconds */
    exhaustWrites: (resetInSeconds) => void exhaust(budgets.write, resetInSeconds),
    /** @param {number} resetInSeconds */
    exhaustPurges: (resetInSeconds) => void exhaust(budgets.purge, resetInSeconds),
    /** @param {number} ms */
    setLatency(ms) {
      latency = ms;
    },
    /**
     * Keeps tokens, services (versions included), dictionaries, stores and ACLs as they are:
     * a test wanting fresh ones adds a new service id, dictionary or ACL name, or store.
     */
    reset() {
      requests = [];
      state.purges = [];
      state.activationWarnings.clear();
      state.stats.clear();
      state.shapes = defaultShapes();
      state.kv = defaultKv();
      faults = [];
      intercepts = [];
      maxInFlight = inFlight;
      budgets.write = fullBudget(writeLimit, Date.now());
      budgets.purge = fullBudget(purgeLimit, Date.now());
    },
    /** @returns {Promise<void>} */
    close() {
      return new Promise((resolve, reject) => {
        shutdown.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
