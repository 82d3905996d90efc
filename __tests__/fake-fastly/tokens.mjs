// @ts-check
/**
 * `GET /tokens/self`: any valid token may look itself up, unless the test
 * made it one that may not (Fastly does not document whether purge-only tokens can).
 *
 * @typedef {import('./server.mjs').Route} Route
 */

/** @type {Route[]} */
export const tokenRoutes = [
  {
    method: 'GET',
    pattern: /^\/tokens\/self$/,
    scope: null,
    handler({ token }) {
      if (!token.selfLookup) return { status: 403, json: { msg: 'You are not authorized to perform this action' } };
      return {
        status: 200,
        json: {
          id: token.id,
          name: token.name,
          user_id: 'fake-user',
          customer_id: 'fake-customer',
          created_at: token.createdAt,
          last_used_at: token.lastUsedAt,
          expires_at: token.expiresAt,
          scope: token.scopes.join(' '),
          scopes: token.scopes,
          services: token.services,
        },
      };
    },
  },
];
