// @ts-check
/**
 * Purge routes. Key and URL purges spend the purge allowance (one unit per
 * request, whatever the batch size), purge_all spends the write budget, as on Fastly.
 *
 * @typedef {import('./server.mjs').Ctx} Ctx
 * @typedef {import('./server.mjs').Route} Route
 * @typedef {import('./server.mjs').Purge} Purge
 */

const MAX_BATCH_KEYS = 256;

/**
 * Soft is the header's presence, whatever its value; purge_all cannot be soft.
 * The environment is staging only when Fastly-Purge-Environment says so.
 * purge_all answers without an id, so its record has none either.
 * @param {Ctx} ctx @param {Purge['kind']} kind @param {string | null} target
 */
function record(ctx, kind, target) {
  const id = kind === 'all' ? null : `1234-${(ctx.state.purgeSeq += 1)}`;
  const soft = kind !== 'all' && 'fastly-soft-purge' in ctx.headers;
  // Fastly-Purge-Environment: staging purges staging's cache; without it, production's.
  const environment = ctx.headers['fastly-purge-environment'] === 'staging' ? 'staging' : 'production';
  ctx.state.purges.push({ kind, serviceId: ctx.serviceId, target, soft, environment, id, at: ctx.now });
  return id;
}

/** @param {string} body @returns {string[] | string} the keys, or why they are refused */
function batchKeys(body) {
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'Bad request: the body must be JSON {"surrogate_keys": [...]}';
  }
  const keys = parsed?.surrogate_keys;
  if (!Array.isArray(keys) || keys.length === 0) return 'Bad request: surrogate_keys must be a non-empty array';
  if (keys.length > MAX_BATCH_KEYS) return 'Batch surrogate key request only supports up to 256 surrogate keys';
  if (!keys.every((key) => typeof key === 'string' && key !== '')) {
    return 'Bad request: surrogate_keys must hold non-empty strings';
  }
  return keys;
}

/** @type {Route[]} */
export const purgeRoutes = [
  {
    method: 'POST',
    pattern: /^\/service\/(?<sid>[^/]+)\/purge$/,
    scope: 'purge_select',
    budget: 'purge',
    handler(ctx) {
      const keys = batchKeys(ctx.body);
      if (typeof keys === 'string') return { status: 400, json: { msg: keys } };
      const ids = Object.fromEntries(keys.map((key) => [key, record(ctx, 'key', key)]));
      // Fastly's recorded batch answers carry no Content-Type.
      return { status: 200, text: JSON.stringify(ids) };
    },
  },
  {
    method: 'POST',
    pattern: /^\/service\/(?<sid>[^/]+)\/purge\/(?<key>[^/]+)$/,
    scope: 'purge_select',
    budget: 'purge',
    handler(ctx) {
      let key;
      try {
        key = decodeURIComponent(ctx.params.key ?? '');
      } catch {
        return { status: 400, json: { msg: 'Bad request: the surrogate key is not valid percent-encoding' } };
      }
      return { status: 200, json: { status: 'ok', id: record(ctx, 'key', key) } };
    },
  },
  {
    method: 'POST',
    pattern: /^\/service\/(?<sid>[^/]+)\/purge_all$/,
    scope: 'purge_all',
    budget: 'write',
    handler(ctx) {
      record(ctx, 'all', null);
      return { status: 200, json: { status: 'ok' } };
    },
  },
  {
    method: 'POST',
    pattern: /^\/purge\/./,
    scope: 'purge_select',
    budget: 'purge',
    handler(ctx) {
      const id = record(ctx, 'url', ctx.path.slice('/purge/'.length));
      return { status: 200, json: { status: 'ok', id } };
    },
  },
];
