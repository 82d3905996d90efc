import { ActionError } from './errors.js';
import type { FastlyApi, TokenInfo } from './fastly/client.js';
import { FastlyError } from './fastly/errors.js';
import { shorten } from './inputs/parsers.js';
import type { Mode, Settings } from './inputs/settings.js';

export type Scope = 'global' | 'global:read' | 'purge_select' | 'purge_all';

/** The contract's table: the least scope each mode needs. */
export const REQUIRED_SCOPE: Readonly<Record<Mode, Scope>> = {
  'purge-keys': 'purge_select',
  'purge-urls': 'purge_select',
  'purge-all': 'purge_all',
  activate: 'global',
  'update-dictionary': 'global',
  'update-config-store': 'global',
  stats: 'global:read',
  'update-kv-store': 'global',
  'update-acl': 'global'
};

const EXPIRY_WARNING_DAYS = 7;
const DAY_MS = 86_400_000;

export interface TokenCheck {
  /** 'skipped': token-check is false; 'not-permitted': the token may not look itself up. */
  readonly status: 'passed' | 'skipped' | 'not-permitted';
  readonly token: TokenInfo | undefined;
  readonly warnings: readonly string[];
  readonly notices: readonly string[];
}

/**
 * Looks the token up before any write so a wrong token fails with a reason
 * instead of half a deploy. Throws for what would fail anyway; warns for what
 * works but should not be so. A package is for Compute services only: every
 * service's type is checked here too, token-check or not, so a VCL service
 * among several stops the run before the first service is deployed.
 */
export async function checkToken(api: FastlyApi, settings: Settings, now: Date): Promise<TokenCheck> {
  // Both settle: a refused token must be told as such, not as whichever read failed first.
  const [checked, types] = await Promise.allSettled([checkTokenSelf(api, settings, now), refuseNonCompute(api, settings)]);
  if (checked.status === 'rejected') throw checked.reason;
  if (types.status === 'rejected') throw types.reason;
  return checked.value;
}

async function refuseNonCompute(api: FastlyApi, settings: Settings): Promise<void> {
  if (settings.mode !== 'activate' || !settings.package) return;
  const services = await Promise.all(settings.serviceIds.map(id => api.serviceDetails(id)));
  const wrong = services.find(service => service.type !== undefined && service.type !== 'wasm');
  if (!wrong) return;
  throw new ActionError(
    `Service '${wrong.id}' is a ${wrong.type === 'vcl' ? 'VCL' : `'${shorten(wrong.type ?? '', 40)}'`} service, but 'package' deploys to a Compute (wasm) service; ` +
      "check 'service-id', or deploy a VCL service with 'vcl-files'. Nothing was changed."
  );
}

async function checkTokenSelf(api: FastlyApi, settings: Settings, now: Date): Promise<TokenCheck> {
  if (!settings.tokenCheck) return { status: 'skipped', token: undefined, warnings: [], notices: [] };
  let token: TokenInfo;
  try {
    token = await api.tokenSelf();
  } catch (error) {
    if (error instanceof FastlyError && error.status === 401) {
      throw new ActionError(
        `Fastly refused the token in 'api-token' (HTTP 401: ${error.reason}): it is unknown, revoked or expired. ` +
          'Create a token in Fastly (Account → API tokens) and update the secret.'
      );
    }
    if (error instanceof FastlyError && error.status === 403) {
      const notice = 'The token may not look itself up (GET /tokens/self answered 403), so its scope and expiry were not checked.';
      return { status: 'not-permitted', token: undefined, warnings: [], notices: [notice] };
    }
    throw error;
  }
  refuseUnusable(token, settings, now);
  return { status: 'passed', token, warnings: warningsFor(token, settings.mode, now), notices: [] };
}

function grants(scopes: readonly string[], needed: Scope): boolean {
  return scopes.includes('global') || scopes.includes(needed);
}

function refuseUnusable(token: TokenInfo, settings: Settings, now: Date): void {
  const needed = REQUIRED_SCOPE[settings.mode];
  if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) {
    throw new ActionError(
      `The token in 'api-token' expired at ${token.expiresAt.toISOString()}; create a new one and update the secret.`
    );
  }
  if (!grants(token.scopes, needed)) {
    const has = token.scopes.length > 0 ? token.scopes.map(s => `'${s}'`).join(', ') : 'no scope';
    throw new ActionError(
      `The token in 'api-token' has ${has}, but mode '${settings.mode}' needs the '${needed}' scope (or 'global'); ` +
        `create a token with '${needed}'.`
    );
  }
  const outside = settings.serviceIds.filter(id => token.services.length > 0 && !token.services.includes(id));
  if (outside.length > 0) {
    throw new ActionError(
      `The token in 'api-token' is not allowed on service ${outside.map(id => `'${id}'`).join(', ')} ` +
        `(it is limited to ${token.services.join(', ')}); add the service to the token or use another token.`
    );
  }
}

function warningsFor(token: TokenInfo, mode: Mode, now: Date): string[] {
  const warnings: string[] = [];
  const needed = REQUIRED_SCOPE[mode];
  if (token.expiresAt && token.expiresAt.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * DAY_MS) {
    const days = Math.max(0, Math.floor((token.expiresAt.getTime() - now.getTime()) / DAY_MS));
    const within = days === 0 ? 'less than a day' : `${days} day${days === 1 ? '' : 's'}`;
    warnings.push(
      `The token in 'api-token' expires at ${token.expiresAt.toISOString()} (in ${within}); create a new one before then.`
    );
  }
  if (needed !== 'global' && token.scopes.includes('global')) {
    warnings.push(
      `The token in 'api-token' has the 'global' scope, but mode '${mode}' needs only '${needed}': ` +
        'a token limited to that scope (and to these services) does less harm if it leaks.'
    );
  }
  return warnings;
}
