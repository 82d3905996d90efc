// @ts-check
/**
 * Edge dictionaries. A dictionary belongs to a service; Fastly attaches it to
 * the versions that list it, but the fake shows it on every version of its
 * service, which is all the action relies on. Items are versionless: a batch
 * applies at once. Config stores take the same batches, so the item rules
 * here serve them too.
 *
 * @typedef {import('./server.mjs').Ctx} Ctx
 * @typedef {import('./server.mjs').Route} Route
 * @typedef {import('./server.mjs').Answer} Answer
 * @typedef {{ value: string, createdAt: string, updatedAt: string }} Item
 * @typedef {Map<string, Item>} Items  in creation order: a Map keeps it, and an update keeps the key's place
 * @typedef {{ id: string, name: string, writeOnly: boolean, createdAt: string, updatedAt: string, items: Items }} Dictionary
 * @typedef {{ name: string, id: string, writeOnly?: boolean, items?: Record<string, string> }} DictionarySpec
 */

const MAX_OPS = 1000;
const MAX_VALUE = 8000;
const DICTIONARY_MAX_KEY = 256;
const DEFAULT_PER_PAGE = 100;
// Fastly documents no page larger than its default. Refusing more (rather than quietly clamping) makes a
// client that asks for more fail here instead of reading a short page as the whole list.
const MAX_PER_PAGE = 100;
// Fastly's Link headers name the API host whatever host was asked: a client follows their path and query.
const LINK_ORIGIN = 'https://api.fastly.com';
const OPS = ['create', 'update', 'upsert', 'delete'];

/** @param {number} now */
export const iso = (now) => new Date(now).toISOString();

/** Fresh each time: the server may add headers to an answer. @returns {Answer} */
export const notFound = () => ({ status: 404, json: { msg: 'Record not found' } });

/** @param {string} detail @returns {Answer} */
const badRequest = (detail) => ({ status: 400, json: { msg: 'Bad request', detail } });

/** A bad percent-encoding names nothing. @param {string | undefined} encoded */
export function decoded(encoded) {
  try {
    return decodeURIComponent(encoded ?? '');
  } catch {
    return null;
  }
}

/** @param {Record<string, string>} items  key → value, created in this order @param {number} now @returns {Items} */
export const newItems = (items, now) => new Map(Object.entries(items)
  .map(([key, value]) => [key, { value, createdAt: iso(now), updatedAt: iso(now) }]));

/** Integer-like keys come first in a plain object, whatever the creation order. @param {Items} items */
export const plainItems = (items) => Object.fromEntries([...items].map(([key, item]) => [key, item.value]));

/** @param {DictionarySpec} spec @param {number} now @returns {Dictionary} */
export const newDictionary = ({ name, id, writeOnly = false, items = {} }, now) => ({
  id, name, writeOnly, createdAt: iso(now), updatedAt: iso(now), items: newItems(items, now),
});

/**
 * Applies one op to `items`, or says why it is refused.
 * @param {Items} items @param {unknown} entry @param {number} maxKey @param {string} at @returns {string | null}
 */
function applyOp(items, entry, maxKey, at) {
  const { op, item_key: key, item_value: value } = /** @type {Record<string, unknown>} */ (entry ?? {});
  if (typeof key !== 'string') return `op without a string item_key: ${JSON.stringify(entry)}`;
  const quoted = JSON.stringify(key);
  if (typeof op !== 'string' || !OPS.includes(op)) return `unknown op ${JSON.stringify(op)} for key ${quoted}`;
  if (key === '') return `${op} of an empty key`;
  if (key.length > maxKey) return `${op} of key ${quoted} longer than ${maxKey} characters`;
  if (op === 'delete') return items.delete(key) ? null : `delete of missing key ${quoted}`;
  if (typeof value !== 'string') return `${op} of key ${quoted} without a string item_value`;
  if (value.length > MAX_VALUE) return `${op} of key ${quoted} with a value over ${MAX_VALUE} characters`;
  const old = items.get(key);
  if (op === 'create' && old) return `create of existing key ${quoted}`;
  if (op === 'update' && !old) return `update of missing key ${quoted}`;
  items.set(key, { value, createdAt: old?.createdAt ?? at, updatedAt: at });
  return null;
}

/**
 * The batch PATCH of dictionaries and config stores. Whether Fastly rejects a whole
 * batch for one bad op is not confirmed, so the fake is all-or-nothing, the strict
 * reading: the ops run in order on a copy that replaces `owner.items` only if all pass.
 * @param {Ctx} ctx @param {{ items: Items }} owner @param {number} maxKey @returns {Answer}
 */
export function patchItems(ctx, owner, maxKey) {
  if (!(ctx.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
    return badRequest('The body must be application/json');
  }
  let ops;
  try {
    ops = JSON.parse(ctx.body)?.items;
  } catch {
    return badRequest('The body is not valid JSON');
  }
  if (!Array.isArray(ops)) return badRequest('The body must be {"items": [...]}');
  if (ops.length > MAX_OPS) return { status: 400, json: { msg: `Batch size exceeds maximum of ${MAX_OPS} operations` } };
  const next = new Map(owner.items);
  for (const op of ops) {
    const refusal = applyOp(next, op, maxKey, iso(ctx.now));
    if (refusal) return badRequest(refusal);
  }
  owner.items = next;
  return { status: 200, json: { status: 'ok' } };
}

/** @param {string | null} value @param {number} fallback  NaN for anything but digits */
const whole = (value, fallback) => (value === null ? fallback : /^\d+$/.test(value) ? Number(value) : NaN);

/** @param {URLSearchParams} query @returns {{ page: number, perPage: number } | string} the page, or why it is refused */
function paging(query) {
  // Other orders would leave the client's paging unchecked: refuse them rather than ignore them.
  if ((query.get('sort') ?? 'created') !== 'created' || (query.get('direction') ?? 'ascend') !== 'ascend') {
    return 'The fake sorts by created, ascending only';
  }
  const page = whole(query.get('page'), 1);
  const perPage = whole(query.get('per_page'), DEFAULT_PER_PAGE);
  if (!(page >= 1)) return 'page must be a whole number from 1';
  if (!(perPage >= 1 && perPage <= MAX_PER_PAGE)) return `per_page must be a whole number from 1 to ${MAX_PER_PAGE}`;
  return { page, perPage };
}

/** @param {Ctx} ctx */
const dictionariesOf = (ctx) => ctx.state.dictionaries.get(ctx.serviceId ?? '') ?? [];

/**
 * A route on the items of one of the service's dictionaries, by id; 404 for an unknown one.
 * @param {string} method @param {(ctx: Ctx, dictionary: Dictionary) => Answer} handler @returns {Route}
 */
const onItems = (method, handler) => ({
  method,
  pattern: /^\/service\/(?<sid>[^/]+)\/dictionary\/(?<did>[^/]+)\/items$/,
  scope: 'global',
  handler(ctx) {
    const id = decoded(ctx.params.did);
    const dictionary = dictionariesOf(ctx).find((d) => d.id === id);
    return dictionary ? handler(ctx, dictionary) : notFound();
  },
});

/** @type {Route[]} */
export const dictionaryRoutes = [
  {
    method: 'GET',
    pattern: /^\/service\/(?<sid>[^/]+)\/version\/(?<n>\d+)\/dictionary\/(?<name>[^/]+)$/,
    scope: 'global',
    handler(ctx) {
      const version = Number(ctx.params.n);
      const service = ctx.state.services.get(ctx.serviceId ?? '');
      const name = decoded(ctx.params.name);
      const dictionary = dictionariesOf(ctx).find((d) => d.name === name);
      if (!service?.versions.some((v) => v.number === version) || !dictionary) return notFound();
      return {
        status: 200,
        json: {
          id: dictionary.id, name: dictionary.name, service_id: service.id, version, write_only: dictionary.writeOnly,
          created_at: dictionary.createdAt, updated_at: dictionary.updatedAt, deleted_at: null,
        },
      };
    },
  },
  onItems('GET', (ctx, dictionary) => {
    // Fastly's answer here is not confirmed; refusing makes the action cope without the keys.
    if (dictionary.writeOnly) return { status: 403, json: { msg: 'Dictionary is write-only' } };
    const wanted = paging(ctx.query);
    if (typeof wanted === 'string') return badRequest(wanted);
    const { page, perPage } = wanted;
    const all = [...dictionary.items];
    const json = all.slice((page - 1) * perPage, page * perPage).map(([key, item]) => ({
      item_key: key, item_value: item.value, dictionary_id: dictionary.id, service_id: ctx.serviceId,
      created_at: item.createdAt, updated_at: item.updatedAt, deleted_at: null,
    }));
    const last = Math.max(1, Math.ceil(all.length / perPage));
    if (last === 1) return { status: 200, json };
    /** @param {number} n @param {string} rel */
    const link = (n, rel) => `<${LINK_ORIGIN}/service/${ctx.params.sid}/dictionary/${ctx.params.did}/items`
      + `?page=${n}&per_page=${perPage}&sort=created&direction=ascend>; rel="${rel}"`;
    // Fastly's order: last, next, then on later pages prev and first.
    const links = [
      link(last, 'last'),
      ...(page < last ? [link(page + 1, 'next')] : []),
      ...(page > 1 ? [link(Math.min(page - 1, last), 'prev'), link(1, 'first')] : []),
    ];
    return { status: 200, json, headers: { Link: links.join(', ') } };
  }),
  onItems('PATCH', (ctx, dictionary) => patchItems(ctx, dictionary, DICTIONARY_MAX_KEY)),
];
