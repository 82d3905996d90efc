// @ts-check
/**
 * Config stores: account-level, so their paths name no service. Their items
 * take the same batches as edge dictionaries' (see dictionaries.mjs), with
 * one character less per key, and are listed whole: no paging is documented.
 *
 * Scope: `global` to write, `global` or `global:read` to read. A token limited
 * to some services may still use them: the server checks a token's services
 * only against a service in the path, and Fastly does not document tying a
 * store to a service token, so the fake does not invent a refusal.
 *
 * @typedef {import('./server.mjs').Ctx} Ctx
 * @typedef {import('./server.mjs').Route} Route
 * @typedef {import('./server.mjs').Answer} Answer
 * @typedef {import('./dictionaries.mjs').Items} Items
 * @typedef {{ id: string, name: string, createdAt: string, updatedAt: string, items: Items }} ConfigStore
 * @typedef {{ name: string, id: string, items?: Record<string, string> }} ConfigStoreSpec
 */
import { decoded, iso, newItems, notFound, patchItems } from './dictionaries.mjs';

const MAX_KEY = 255;

/** @param {ConfigStoreSpec} spec @param {number} now @returns {ConfigStore} */
export const newConfigStore = ({ name, id, items = {} }, now) => ({
  id, name, createdAt: iso(now), updatedAt: iso(now), items: newItems(items, now),
});

/** @param {ConfigStore} store */
const storeJson = (store) => ({
  id: store.id, name: store.name, created_at: store.createdAt, updated_at: store.updatedAt, deleted_at: null,
});

/**
 * A route on one store, by id; 404 for an unknown one.
 * @param {string} method @param {string} tail  regex source for the path after the id
 * @param {(ctx: Ctx, store: ConfigStore) => Answer} handler @returns {Route}
 */
const onStore = (method, tail, handler) => ({
  method,
  pattern: new RegExp(`^/resources/stores/config/(?<id>[^/]+)${tail}$`),
  scope: 'global',
  handler(ctx) {
    const store = ctx.state.configStores.get(decoded(ctx.params.id) ?? '');
    return store ? handler(ctx, store) : notFound();
  },
});

/** @type {Route[]} */
export const configStoreRoutes = [
  {
    method: 'GET',
    pattern: /^\/resources\/stores\/config$/,
    scope: 'global',
    handler(ctx) {
      const name = ctx.query.get('name');
      const stores = [...ctx.state.configStores.values()].filter((store) => name === null || store.name === name);
      if (name !== null && stores.length === 0 && ctx.state.shapes.unknownStoreName === 404) return notFound();
      return { status: 200, json: stores.map(storeJson) };
    },
  },
  onStore('GET', '', (_ctx, store) => ({ status: 200, json: storeJson(store) })),
  onStore('GET', '/items', (_ctx, store) => ({
    status: 200,
    json: [...store.items].map(([key, item]) => ({
      item_key: key, item_value: item.value, store_id: store.id, created_at: item.createdAt, updated_at: item.updatedAt,
    })),
  })),
  onStore('PATCH', '/items', (ctx, store) => patchItems(ctx, store, MAX_KEY)),
];
