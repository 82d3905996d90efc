import { NOT_CANCELLABLE, sleepUnless } from '../cancel.js';
import { USER_AGENT } from '../version.js';
import { FastlyUnconfirmedError, isRecord } from './errors.js';
import { statusOk } from './answers.js';
import type { RateLimitSnapshot } from './rate-limit.js';
import { type ApiUsage, type PlannedWrites, Transport, type TransportOptions } from './transport.js';
import { type AclCalls, aclCalls } from './acls.js';
import { type ItemCalls, itemCalls } from './items.js';
import { type KvStoreCalls, kvStoreCalls } from './kv-stores.js';
import { type LintCalls, lintCalls } from './lint.js';
import { type PackageCalls, packageCalls } from './packages.js';
import type { Environment } from './versions.js';
import { StagingPurger } from './staging-purge.js';
import { type StatsCalls, statsCalls } from './stats.js';
import { type VersionCalls, versionCalls } from './versions.js';

export interface TokenInfo {
  readonly name: string | undefined;
  readonly scopes: readonly string[];
  /** Service IDs the token is limited to; empty means every service. */
  readonly services: readonly string[];
  readonly expiresAt: Date | undefined;
}

/**
 * Purge ID per surrogate key Fastly confirmed; a key it did not confirm is
 * absent, and `unconfirmed` says why, for the caller to report per key.
 */
export interface PurgeIds {
  readonly ids: ReadonlyMap<string, string>;
  readonly unconfirmed: string;
}

/** What the modes may ask of Fastly. HTTP stays behind it. */
export interface FastlyApi extends VersionCalls, LintCalls, PackageCalls, ItemCalls, KvStoreCalls, AclCalls, StatsCalls {
  tokenSelf(): Promise<TokenInfo>;
  /** One batch of at most 256 keys (Fastly's limit). */
  /** On `staging`, with Fastly-Purge-Environment: without it a purge hits production. */
  purgeKeys(serviceId: string, keys: readonly string[], soft: boolean, environment?: Environment): Promise<PurgeIds>;
  /** Answers the purge ID ('' if none was given). */
  /** Takes the parsed URL: a caller that needs its host too parses it once. */
  purgeUrl(url: URL, soft: boolean): Promise<string>;
  purgeAll(serviceId: string, environment?: Environment): Promise<void>;
  /** PURGE sent to `address`, the staging IP of the URL's host; a write like the others (token check, dry run). */
  purgeUrlOnStaging(url: URL, address: string, soft: boolean): Promise<string>;
  rateLimit(): RateLimitSnapshot;
  usage(): ApiUsage;
  /** In a dry run: the writes that were not sent. */
  plannedWrites(): PlannedWrites;
  /**
   * For a call the caller repeats itself (an activation, between guard
   * reads): waits the backoff (or the 429 window) before retry `retry`
   * (0-based) after `error`, and answers whether to retry at all.
   */
  pauseBeforeRetry(retry: number, error: unknown): Promise<boolean>;
  /** The same client for clean-up after a cancel (a rollback): its requests may go until the clean-up deadline. */
  forCleanUp(): FastlyApi;
  /** Reads go on meanwhile; no write leaves before `check` has passed, and none after it failed. */
  holdWritesUntil(check: Promise<unknown>): void;
  dispose(): void;
}

export const MAX_KEYS_PER_PURGE = 256;

export interface ClientOptions
  extends Partial<Omit<TransportOptions, 'baseUrl' | 'token' | 'maxRetries' | 'timeoutMs' | 'dryRun'>> {
  readonly baseUrl: string;
  readonly token: string;
  readonly maxRetries: number;
  readonly timeoutMs: number;
  readonly dryRun: boolean;
}

const SOFT_PURGE = Object.freeze({ 'Fastly-Soft-Purge': '1' });
const ON_STAGING = Object.freeze({ 'Fastly-Purge-Environment': 'staging' });
const SOFT_ON_STAGING = Object.freeze({ ...SOFT_PURGE, ...ON_STAGING });

export function createFastlyClient(options: ClientOptions): FastlyApi {
  const transport = new Transport({
    userAgent: USER_AGENT,
    sleep: sleepUnless,
    now: Date.now,
    random: Math.random,
    log: () => undefined,
    ...options
  });
  const { token, timeoutMs, cancel } = options;
  return apiOver(transport, new StagingPurger({ token, timeoutMs, userAgent: options.userAgent ?? USER_AGENT, stop: (cancel ?? NOT_CANCELLABLE).stop }));
}

function apiOver(transport: Transport, staging: StagingPurger): FastlyApi {
  const soft = (isSoft: boolean) => (isSoft ? SOFT_PURGE : undefined);
  // One frozen object per combination: 100,000 purges should not make 100,000 header objects.
  const purgeHeaders = (isSoft: boolean, environment: Environment) =>
    environment === 'staging' ? (isSoft ? SOFT_ON_STAGING : ON_STAGING) : soft(isSoft);

  return {
    ...versionCalls(transport),
    ...lintCalls(transport),
    ...packageCalls(transport),
    ...itemCalls(transport),
    ...kvStoreCalls(transport),
    ...aclCalls(transport),
    ...statsCalls(transport),
    async tokenSelf() {
      return toTokenInfo(await transport.send({ method: 'GET', path: '/tokens/self' }));
    },
    async purgeKeys(serviceId, keys, isSoft, environment = 'production') {
      if (keys.length > MAX_KEYS_PER_PURGE) {
        throw new RangeError(`purgeKeys takes at most ${MAX_KEYS_PER_PURGE} keys, got ${keys.length}`);
      }
      let body: unknown;
      let status = 200;
      try {
        body = await transport.send({
          method: 'POST',
          path: `/service/${encodeURIComponent(serviceId)}/purge`,
          json: { surrogate_keys: keys },
          headers: purgeHeaders(isSoft, environment),
          verify: answer => missingPurgeIds(answer, keys)
        });
      } catch (error) {
        // Retries could not get every key confirmed: the keys that were confirmed are purged all the same.
        if (!(error instanceof FastlyUnconfirmedError) || confirmedIds(error.answer, keys).size === 0) throw error;
        body = error.answer;
        status = error.status;
      }
      return {
        ids: confirmedIds(body, keys),
        unconfirmed: `Fastly answered HTTP ${status} but did not confirm this key (its answer held no purge ID for it)`
      };
    },
    async purgeUrl({ host, pathname, search }, isSoft) {
      const body = await transport.send({
        method: 'POST',
        path: `/purge/${host}${pathname}${search}`,
        headers: soft(isSoft),
        verify: statusOk
      });
      return isRecord(body) ? stringOr(body.id, '') : '';
    },
    async purgeAll(serviceId, environment = 'production') {
      await transport.send({
        method: 'POST',
        path: `/service/${encodeURIComponent(serviceId)}/purge_all`,
        headers: purgeHeaders(false, environment),
        verify: statusOk
      });
    },
    async purgeUrlOnStaging(url, address, isSoft) {
      const headers: Record<string, string> = { Host: url.host, ...soft(isSoft) };
      if (!(await transport.mayWrite({ method: 'PURGE', path: `${url.href} (through the staging IP ${address})`, headers, body: undefined }))) return '';
      return staging.purge(url, address, isSoft);
    },
    rateLimit: () => transport.rateLimitSnapshot(),
    usage: () => transport.apiUsage(),
    plannedWrites: () => transport.plannedWrites(),
    pauseBeforeRetry: (retry, error) => transport.pauseBeforeRetry(retry, error),
    forCleanUp: () => apiOver(transport.forCleanUp(), staging),
    holdWritesUntil: check => transport.holdWritesUntil(check),
    dispose: () => {
      transport.dispose();
      staging.dispose();
    }
  };
}

/** The keys Fastly's batch answer maps to a purge ID (a non-empty string). */
function confirmedIds(body: unknown, keys: readonly string[]): Map<string, string> {
  const ids = new Map<string, string>();
  if (!isRecord(body)) return ids;
  for (const key of keys) {
    const id = Object.hasOwn(body, key) ? body[key] : undefined;
    if (typeof id === 'string' && id !== '') ids.set(key, id);
  }
  return ids;
}

function missingPurgeIds(body: unknown, keys: readonly string[]): string | undefined {
  if (!isRecord(body)) return 'its answer is not the object of purge IDs a key purge returns';
  const missing = keys.length - confirmedIds(body, keys).size;
  return missing === 0 ? undefined : `its answer did not confirm ${missing} of ${keys.length} keys (no purge ID for them)`;
}

function toTokenInfo(body: unknown): TokenInfo {
  const record = isRecord(body) ? body : {};
  const scopes = Array.isArray(record.scopes)
    ? record.scopes.filter((s): s is string => typeof s === 'string')
    : stringOr(record.scope, '').split(/\s+/).filter(Boolean);
  const services = Array.isArray(record.services)
    ? record.services.filter((s): s is string => typeof s === 'string')
    : [];
  const expires = typeof record.expires_at === 'string' ? new Date(record.expires_at) : undefined;
  return {
    name: typeof record.name === 'string' ? record.name : undefined,
    scopes,
    services,
    expiresAt: expires && !Number.isNaN(expires.getTime()) ? expires : undefined
  };
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}
