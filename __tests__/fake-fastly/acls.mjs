// @ts-check
/**
 * ACLs of both kinds. A VCL ACL belongs to a service and, like a dictionary in
 * this fake, shows on every version of it; its entries are versionless, have
 * ids, list with `negated` as the string "0"/"1" and `subnet` null for a host
 * sent without one, page by `Link` (default 20, at most 100) and change in
 * all-or-nothing PATCH batches of at most 1000 ops, like other config writes.
 * A Compute ACL is account-level: entries by prefix, cursor pages, and a PATCH
 * answered 202 with no body and no rate-limit headers.
 *
 * Fastly does not document refusing a second entry for the same address and
 * prefix; the fake refuses it, the strict reading, so a client that would
 * create duplicates fails here.
 *
 * @typedef {import('./server.mjs').Ctx} Ctx
 * @typedef {import('./server.mjs').Route} Route
 * @typedef {import('./server.mjs').Answer} Answer
 * @typedef {{ id: string, ip: string, subnet: number | null, negated: boolean, comment: string, createdAt: string, updatedAt: string }} AclEntry
 * @typedef {{ id: string, name: string, createdAt: string, updatedAt: string, entries: AclEntry[] }} Acl
 * @typedef {{ ip: string, subnet?: number | null, negated?: boolean, comment?: string }} AclEntrySpec
 * @typedef {{ id: string, name: string, entries: Map<string, 'ALLOW' | 'BLOCK'> }} ComputeAcl
 */
import { isIP } from 'node:net';
import { decoded, iso, notFound } from './dictionaries.mjs';

const MAX_OPS = 1000;
const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 100;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
let entrySeq = 0;

/** @param {string} detail @returns {Answer} */
const badRequest = (detail) => ({ status: 400, json: { msg: 'Bad request', detail } });

/** @param {number} now @param {AclEntrySpec} spec @returns {AclEntry} */
const newEntry = (now, { ip, subnet = null, negated = false, comment = '' }) => ({
  id: `fake-acl-entry-${(entrySeq += 1)}`, ip, subnet, negated, comment, createdAt: iso(now), updatedAt: iso(now),
});

/** @param {string} name @param {string} id @param {AclEntrySpec[]} entries @param {number} now @returns {Acl} */
export const newAcl = (name, id, entries, now) => ({
  id, name, createdAt: iso(now), updatedAt: iso(now), entries: entries.map((spec) => newEntry(now, spec)),
});

/** @param {string} name @param {string} id @param {Record<string, 'ALLOW' | 'BLOCK'>} entries @returns {ComputeAcl} */
export const newComputeAcl = (name, id, entries) => ({ id, name, entries: new Map(Object.entries(entries)) });

/** The entries as tests read them. @param {Acl} acl */
export const aclContents = (acl) => acl.entries.map(({ id, ip, subnet, negated, comment }) => ({ id, ip, subnet, negated, comment }));

/** @param {unknown} value @returns {boolean | undefined} Fastly takes 0/1, as numbers, strings or booleans */
function negatedOf(value) {
  if (value === undefined || value === 0 || value === '0' || value === false) return value === undefined ? undefined : false;
  if (value === 1 || value === '1' || value === true) return true;
  throw new Error(`negated must be 0 or 1, got ${JSON.stringify(value)}`);
}

/** @param {string} ip @param {unknown} subnet @returns {number | null} */
function subnetOf(ip, subnet) {
  if (subnet === undefined || subnet === null) return null;
  const max = isIP(ip) === 6 ? 128 : 32;
  const n = typeof subnet === 'string' && /^\d+$/.test(subnet) ? Number(subnet) : subnet;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) throw new Error(`subnet must be 0 to ${max} for ${ip}`);
  return n;
}

/**
 * Applies one op to `entries`; throws why it is refused.
 * @param {AclEntry[]} entries @param {unknown} op @param {number} now @returns {AclEntry[]}
 */
function applyAclOp(entries, op, now) {
  const { op: kind, id, ip, subnet, negated, comment } = /** @type {Record<string, unknown>} */ (op ?? {});
  if (kind === 'create') {
    if (typeof ip !== 'string' || isIP(ip) === 0) throw new Error(`create needs a valid ip, got ${JSON.stringify(ip)}`);
    if (comment !== undefined && typeof comment !== 'string') throw new Error('comment must be a string');
    const entry = newEntry(now, { ip, subnet: subnetOf(ip, subnet), negated: negatedOf(negated) ?? false, comment: comment ?? '' });
    if (entries.some((e) => e.ip === entry.ip && (e.subnet ?? -1) === (entry.subnet ?? -1))) {
      throw new Error(`an entry for ${ip}/${entry.subnet ?? ''} exists already`);
    }
    return [...entries, entry];
  }
  if (kind !== 'update' && kind !== 'delete') throw new Error(`unknown op ${JSON.stringify(kind)}`);
  const old = entries.find((e) => e.id === id);
  if (typeof id !== 'string' || !old) throw new Error(`${kind} of unknown entry id ${JSON.stringify(id)}`);
  if (kind === 'delete') return entries.filter((e) => e !== old);
  if (ip !== undefined && (typeof ip !== 'string' || isIP(ip) === 0)) throw new Error(`update needs a valid ip, got ${JSON.stringify(ip)}`);
  if (comment !== undefined && typeof comment !== 'string') throw new Error('comment must be a string');
  const nextIp = /** @type {string | undefined} */ (ip) ?? old.ip;
  const updated = {
    ...old,
    ip: nextIp,
    subnet: subnet === undefined ? old.subnet : subnetOf(nextIp, subnet),
    negated: negatedOf(negated) ?? old.negated,
    comment: /** @type {string | undefined} */ (comment) ?? old.comment,
    updatedAt: iso(now),
  };
  return entries.map((e) => (e === old ? updated : e));
}

/** @param {string | null} value @param {number} fallback  NaN for anything but digits */
const whole = (value, fallback) => (value === null ? fallback : /^\d+$/.test(value) ? Number(value) : NaN);

/** @param {Ctx} ctx */
const aclsOf = (ctx) => ctx.state.acls.get(ctx.serviceId ?? '') ?? [];

/**
 * A route on the entries of one of the service's ACLs, by id; 404 for an unknown one.
 * @param {string} method @param {(ctx: Ctx, acl: Acl) => Answer} handler @returns {Route}
 */
const onEntries = (method, handler) => ({
  method,
  pattern: /^\/service\/(?<sid>[^/]+)\/acl\/(?<aid>[^/]+)\/entries$/,
  scope: 'global',
  handler(ctx) {
    const id = decoded(ctx.params.aid);
    const acl = aclsOf(ctx).find((a) => a.id === id);
    return acl ? handler(ctx, acl) : notFound();
  },
});

/** @param {Ctx} ctx @param {Acl} acl @returns {Answer} */
function listEntries(ctx, acl) {
  if ((ctx.query.get('sort') ?? 'created') !== 'created' || (ctx.query.get('direction') ?? 'ascend') !== 'ascend') {
    return badRequest('The fake sorts by created, ascending only');
  }
  const page = whole(ctx.query.get('page'), 1);
  const perPage = whole(ctx.query.get('per_page'), DEFAULT_PER_PAGE);
  if (!(page >= 1)) return badRequest('page must be a whole number from 1');
  if (!(perPage >= 1 && perPage <= MAX_PER_PAGE)) return badRequest(`per_page must be a whole number from 1 to ${MAX_PER_PAGE}`);
  const json = acl.entries.slice((page - 1) * perPage, page * perPage).map((e) => ({
    id: e.id, acl_id: acl.id, service_id: ctx.serviceId, ip: e.ip, subnet: e.subnet, negated: e.negated ? '1' : '0',
    comment: e.comment, created_at: e.createdAt, updated_at: e.updatedAt, deleted_at: null,
  }));
  const last = Math.max(1, Math.ceil(acl.entries.length / perPage));
  if (last === 1) return { status: 200, json };
  /** @param {number} n @param {string} rel */
  const link = (n, rel) => `<${ctx.url}/service/${ctx.params.sid}/acl/${ctx.params.aid}/entries`
    + `?page=${n}&per_page=${perPage}&sort=created&direction=ascend>; rel="${rel}"`;
  // Fastly's order: last, next, then prev and first on later pages.
  const links = [link(last, 'last'), ...(page < last ? [link(page + 1, 'next')] : []),
    ...(page > 1 ? [link(page - 1, 'prev'), link(1, 'first')] : [])];
  return { status: 200, json, headers: { Link: links.join(', ') } };
}

/** @param {Ctx} ctx @returns {unknown[] | Answer} the ops of a JSON {"entries": [...]} body, or the refusal */
function entryOps(ctx) {
  if (!(ctx.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
    return badRequest('The body must be application/json');
  }
  let ops;
  try {
    ops = JSON.parse(ctx.body)?.entries;
  } catch {
    return badRequest('The body is not valid JSON');
  }
  if (!Array.isArray(ops)) return badRequest('The body must be {"entries": [...]}');
  if (ops.length > MAX_OPS) return { status: 400, json: { msg: `Batch size exceeds maximum of ${MAX_OPS} operations` } };
  return ops;
}

/** @param {Ctx} ctx @param {Acl} acl @returns {Answer} */
function patchEntries(ctx, acl) {
  const ops = entryOps(ctx);
  if (!Array.isArray(ops)) return ops;
  let next = acl.entries;
  try {
    for (const op of ops) next = applyAclOp(next, op, ctx.now);
  } catch (error) {
    return badRequest(/** @type {Error} */ (error).message);
  }
  acl.entries = next;
  return { status: 200, json: { status: 'ok' } };
}

/** @param {string} prefix @returns {boolean} an address, a slash and a length that leaves no host bits set */
function validPrefix(prefix) {
  const [, ip = '', digits = ''] = /^([^/]+)\/(\d{1,3})$/.exec(prefix) ?? [];
  const family = isIP(ip);
  const length = Number(digits);
  if (family === 0 || length > (family === 4 ? 32 : 128)) return false;
  const bits = family === 4 ? ipv4Bits(ip) : ipv6Bits(ip);
  return bits !== null && /^0*$/.test(bits.slice(length));
}

/** @param {string} ip */
const ipv4Bits = (ip) => ip.split('.').map((part) => Number(part).toString(2).padStart(8, '0')).join('');

/** @param {string} ip @returns {string | null} */
function ipv6Bits(ip) {
  if (ip.includes('.')) return null;
  const [head, tail] = ip.split('::');
  /** @param {string | undefined} s */
  const groups = (s) => (s === undefined || s === '' ? [] : s.split(':'));
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return all.map((g) => parseInt(g, 16).toString(2).padStart(16, '0')).join('');
}

/**
 * @param {ComputeAcl} acl @param {unknown} op @returns {string | null} why the op is refused
 */
function applyComputeOp(acl, op) {
  const { op: kind, prefix, action } = /** @type {Record<string, unknown>} */ (op ?? {});
  if (typeof prefix !== 'string' || !validPrefix(prefix)) return `invalid prefix ${JSON.stringify(prefix)}`;
  if (kind === 'delete') return acl.entries.delete(prefix) ? null : `delete of missing prefix ${prefix}`;
  if (kind !== 'create' && kind !== 'update') return `unknown op ${JSON.stringify(kind)}`;
  if (action !== 'ALLOW' && action !== 'BLOCK') return `action must be ALLOW or BLOCK, got ${JSON.stringify(action)}`;
  if (kind === 'create' && acl.entries.has(prefix)) return `create of existing prefix ${prefix}`;
  if (kind === 'update' && !acl.entries.has(prefix)) return `update of missing prefix ${prefix}`;
  acl.entries.set(prefix, action);
  return null;
}

/**
 * A route on one Compute ACL, by id; 404 for an unknown one.
 * @param {string} method @param {string} tail @param {(ctx: Ctx, acl: ComputeAcl) => Answer} handler @returns {Route}
 */
const onComputeAcl = (method, tail, handler) => ({
  method,
  pattern: new RegExp(`^/resources/acls/(?<id>[^/]+)${tail}$`),
  scope: 'global',
  unmetered: true,
  handler(ctx) {
    const acl = ctx.state.computeAcls.get(decoded(ctx.params.id) ?? '');
    return acl ? handler(ctx, acl) : { status: 404, json: { title: 'Not Found', detail: 'ACL not found', status: 404 } };
  },
});

/** @type {Route[]} */
export const aclRoutes = [
  {
    method: 'GET',
    pattern: /^\/service\/(?<sid>[^/]+)\/version\/(?<n>\d+)\/acl\/(?<name>[^/]+)$/,
    scope: 'global',
    handler(ctx) {
      const version = Number(ctx.params.n);
      const service = ctx.state.services.get(ctx.serviceId ?? '');
      const name = decoded(ctx.params.name);
      const acl = aclsOf(ctx).find((a) => a.name === name);
      if (!service?.versions.some((v) => v.number === version) || !acl) return notFound();
      return {
        status: 200,
        json: {
          id: acl.id, name: acl.name, service_id: service.id, version: String(version),
          created_at: acl.createdAt, updated_at: acl.updatedAt, deleted_at: null,
        },
      };
    },
  },
  onEntries('GET', listEntries),
  onEntries('PATCH', patchEntries),
  {
    method: 'GET',
    pattern: /^\/resources\/acls$/,
    scope: 'global',
    handler(ctx) {
      const data = [...ctx.state.computeAcls.values()].map(({ id, name }) => ({ id, name }));
      return { status: 200, json: { data, meta: { total: data.length } } };
    },
  },
  onComputeAcl('GET', '', (_ctx, acl) => ({ status: 200, json: { name: acl.name, id: acl.id } })),
  onComputeAcl('GET', '/entries', (ctx, acl) => {
    const limit = whole(ctx.query.get('limit'), DEFAULT_LIMIT);
    if (!(limit >= 1 && limit <= MAX_LIMIT)) {
      return { status: 400, json: { title: 'Bad Request', detail: `limit must be 1 to ${MAX_LIMIT}`, status: 400 } };
    }
    const cursor = ctx.query.get('cursor') ?? '';
    const start = cursor === '' ? 0 : Number(Buffer.from(cursor, 'base64').toString('utf8').replace(/^,/, ''));
    if (!Number.isSafeInteger(start) || start < 0 || (cursor !== '' && Buffer.from(`,${start}`).toString('base64') !== cursor)) {
      return { status: 400, json: { title: 'Bad Request', detail: 'Invalid cursor', status: 400 } };
    }
    const all = [...acl.entries];
    const entries = all.slice(start, start + limit).map(([prefix, action]) => ({ prefix, action }));
    const more = start + limit < all.length;
    // Fastly's recorded cursor "LDE=" is base64 of ",1": the fake's are made the same way.
    const meta = { limit, ...(more ? { next_cursor: Buffer.from(`,${start + limit}`).toString('base64') } : {}) };
    return { status: 200, json: { entries, meta } };
  }),
  onComputeAcl('PATCH', '/entries', (ctx, acl) => {
    const ops = entryOps(ctx);
    if (!Array.isArray(ops)) return ops;
    const copy = { ...acl, entries: new Map(acl.entries) };
    for (const op of ops) {
      const refusal = applyComputeOp(copy, op);
      if (refusal) return { status: 400, json: { title: 'Bad Request', detail: refusal, status: 400 } };
    }
    acl.entries = copy.entries;
    return { status: 202, text: '' };
  }),
];
