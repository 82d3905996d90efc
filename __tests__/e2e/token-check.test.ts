import { describe, expect, it } from '@jest/globals';
import { PURGE_TOKEN, SERVICE, SERVICE_2, TOKEN, useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, readable, runAction } from './run-action.js';

const ctx = useFakeFastly();

describe('token check', () => {
  it('stops on an unknown or expired token after the one look-up', async () => {
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a', 'api-token': 'no-such-token-abc123' }));
    expect(run.code).toBe(1);
    expect(ctx.fake.requests.map(r => `${r.method} ${r.path}`)).toEqual(['GET /tokens/self']);
    expect(run.errors).toEqual([
      "Fastly refused the token in 'api-token' (HTTP 401: Provided credentials are missing or invalid): it is unknown, revoked or expired. Create a token in Fastly (Account → API tokens) and update the secret."
    ]);
    expect(run.summary).toContain('### ❌ Fastly purge-keys: stopped before any change');
    expect(JSON.parse(run.outputs.result ?? '{}')).toMatchObject({ ok: false, error: expect.stringContaining('HTTP 401') });
    expectNoStackTrace(run);
  });

  it('refuses a token without the scope the mode needs, with zero writes', async () => {
    ctx.fake.addToken({ token: 'read-only-token-xyz', scopes: ['global:read'] });
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a', 'api-token': 'read-only-token-xyz' }));
    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(run.errors).toEqual([
      "The token in 'api-token' has 'global:read', but mode 'purge-keys' needs the 'purge_select' scope (or 'global'); create a token with 'purge_select'."
    ]);
  });

  it('refuses a token not allowed on one of the services, naming it, with zero writes', async () => {
    ctx.fake.addToken({ token: 'only-svc1-token', scopes: ['purge_select'], services: [SERVICE] });
    const run = await runAction(
      ctx.inputs({ mode: 'purge-keys', keys: 'a', 'api-token': 'only-svc1-token', 'service-id': `${SERVICE},${SERVICE_2}` })
    );
    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(run.errors[0]).toContain(`is not allowed on service '${SERVICE_2}' (it is limited to ${SERVICE})`);
  });

  it('reads the service while the token is checked, and holds every write until the check passed', async () => {
    const sid = 'TOKENOVERLAPSVC';
    ctx.fake.addService({ id: sid, name: 'overlap', versions: [{ active: true }] });
    ctx.fake.addDictionary(sid, { name: 'flags', items: { a: '1' } });
    ctx.fake.fault({ method: 'GET', path: '/tokens/self', kind: 'slow', delayMs: 300 });
    const run = await runAction(ctx.inputs({ mode: 'update-dictionary', 'api-token': TOKEN, 'service-id': sid, dictionary: 'flags', items: '{"a": "2"}' }));
    expect(run.code).toBe(0);
    expect(ctx.fake.maxInFlight).toBe(2);
    const order = ctx.fake.requests.map(r => `${r.method} ${r.path.replace(/\?.*/, '')}`);
    expect(order.slice(0, 2).sort()).toEqual(['GET /tokens/self', `GET /service/${sid}/details`].sort());
    expect(order.at(-1)).toMatch(/^PATCH /);
    expect(ctx.fake.dictionaryItems(sid, 'flags')).toEqual({ a: '2' });
  });

  it('refuses a token without the scope an activation needs: its reads may have started, no write leaves', async () => {
    const sid = 'TOKENREFUSEDSVC';
    ctx.fake.addService({ id: sid, name: 'refused', versions: [{ active: true }] });
    ctx.fake.addToken({ token: 'read-only-activate-token', scopes: ['global:read'] });
    const run = await runAction(ctx.inputs({ mode: 'activate', 'service-id': sid, 'api-token': 'read-only-activate-token' }));
    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(run.errors).toEqual([
      "The token in 'api-token' has 'global:read', but mode 'activate' needs the 'global' scope (or 'global'); create a token with 'global'."
    ]);
    expect(run.summary).toContain('### ❌ Fastly activate: stopped before any change');
    expectNoStackTrace(run);
  });

  it('warns about a global token used to purge and one expiring within 7 days', async () => {
    ctx.fake.addToken({ token: 'expiring-global-token', scopes: ['global'], expiresAt: new Date(Date.now() + 3 * 86_400_000 + 60_000).toISOString() });
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a', 'api-token': 'expiring-global-token' }));
    expect(run.code).toBe(0);
    expect(run.warnings).toEqual([
      expect.stringMatching(/^The token in 'api-token' expires at \S+ \(in 3 days\); create a new one before then\.$/),
      "The token in 'api-token' has the 'global' scope, but mode 'purge-keys' needs only 'purge_select': a token limited to that scope (and to these services) does less harm if it leaks."
    ]);
    expect(readable(run.summary)).toContain("⚠️ The token in 'api-token' has the 'global' scope");
  });

  it('carries on with a notice when the token may not look itself up', async () => {
    ctx.fake.addToken({ token: 'purge-no-self-token', scopes: ['purge_select'], selfLookup: false });
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a', 'api-token': 'purge-no-self-token' }));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('::notice::The token may not look itself up (GET /tokens/self answered 403)');
    expect(ctx.fake.purges).toHaveLength(1);
  });

  it('skips the look-up with token-check: false', async () => {
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a', 'token-check': 'false' }));
    expect(run.code).toBe(0);
    expect(ctx.fake.requests.map(r => r.method)).toEqual(['POST']);
    expect(run.summary).toContain('Token check: skipped');
  });

  it('sends the token as Fastly-Key and a User-Agent naming the action', async () => {
    await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'a', 'api-token': TOKEN }));
    for (const request of ctx.fake.requests) {
      expect(request.headers['fastly-key']).toBe(TOKEN);
      expect(request.headers['user-agent']).toMatch(/^fastly-deploy-action\/\d+\.\d+\.\d+/);
    }
    expect(PURGE_TOKEN).not.toBe(TOKEN);
  });

  it.each([
    ['update-kv-store', () => ({ 'service-id': '', 'kv-store': ctx.fake.addKvStore({ name: 'token-kv', keys: { a: '1' } }), items: '{"a": "2"}' })],
    ['update-acl', () => ({ 'service-id': '', 'compute-acl': ctx.fake.addComputeAcl({ name: 'token-acl', entries: {} }), entries: '192.0.2.0/24 BLOCK' })]
  ])('refuses a read-only token for %s, which needs global, with zero writes', async (mode, setup) => {
    ctx.fake.addToken({ token: 'read-only-store-token', scopes: ['global:read'] });
    const run = await runAction(ctx.inputs({ mode, 'api-token': 'read-only-store-token', ...setup() }));
    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(run.errors).toEqual([`The token in 'api-token' has 'global:read', but mode '${mode}' needs the 'global' scope (or 'global'); create a token with 'global'.`]);
  });
});
