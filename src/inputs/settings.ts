import { InputError } from '../errors.js';
import type { Environment } from '../fastly/versions.js';
import { readRunContext, versionComment } from '../github/context.js';
import {
  type InputReader,
  parseHttpUrl,
  purgeUrl,
  readBoolean,
  readChoice,
  readInteger,
  readListWithFile,
  splitList,
  surrogateKey
} from './parsers.js';
import type { ComputePackage } from './compute-package.js';
import { type VclFile, readVclFiles } from './vcl-files.js';
import { type StatsWindow, readRatio, readStatsWindow } from './stats-window.js';
import { type WantedItems, readWantedItems } from './wanted-items.js';
import { type WantedKvItems, readWantedKvItems } from './kv-items.js';
import { type WantedComputeEntry, type WantedVclEntry, parseComputeAclEntries, parseVclAclEntries, readWantedAclEntries } from './acl-entries.js';

export const MODES = [
  'purge-keys',
  'purge-urls',
  'purge-all',
  'activate',
  'update-dictionary',
  'update-config-store',
  'stats',
  'update-kv-store',
  'update-acl'
] as const;
export type Mode = (typeof MODES)[number];

/** The modes that change configuration: they plan first, and take the plan comment and require-reviewed-plan. */
const PLANNED: readonly Mode[] = ['activate', 'update-dictionary', 'update-config-store', 'update-kv-store', 'update-acl'];


interface CommonSettings {
  readonly token: string;
  /** Without a trailing slash. */
  readonly apiUrl: string;
  readonly serviceIds: readonly string[];
  readonly dryRun: boolean;
  readonly tokenCheck: boolean;
  readonly maxRetries: number;
  readonly requestTimeoutMs: number;
  readonly review: ReviewSettings;
}

/** The plan on the pull request, and deploying only what was reviewed: for the modes that change configuration. */
export interface ReviewSettings {
  /** For GitHub's API; '' when the step has none. */
  readonly githubToken: string;
  /** auto: on a pull_request(_target) event with dry-run. */
  readonly planComment: 'auto' | 'true' | 'false';
  readonly requireReviewedPlan: boolean;
}

/** Before purging, the origin must serve `text` on 3 consecutive tries. */
export interface WaitFor {
  readonly url: string;
  readonly text: string;
  readonly timeoutMs: number;
}

/** What every purge mode shares: waiting for the origin, and a second pass. */
interface PurgeCommon extends CommonSettings {
  /** With `staging`, key purges and purge-all carry `Fastly-Purge-Environment: staging`; URL purges go to the staging IP. */
  readonly environment: Environment;
  readonly waitFor: WaitFor | undefined;
  /** Undefined: one pass. Otherwise the wait before the second pass. */
  readonly secondPassDelayMs: number | undefined;
}

export interface PurgeKeysSettings extends PurgeCommon {
  readonly mode: 'purge-keys';
  readonly keys: readonly string[];
  readonly soft: boolean;
}

export interface PurgeUrlsSettings extends PurgeCommon {
  readonly mode: 'purge-urls';
  /** Absolute http(s) URLs, normalised; strings rather than URL objects to keep 100,000 of them cheap. */
  readonly urls: readonly string[];
  readonly soft: boolean;
  readonly concurrency: number;
}

export interface PurgeAllSettings extends PurgeCommon {
  readonly mode: 'purge-all';
}

export interface ActivateSettings extends CommonSettings {
  readonly mode: 'activate';
  readonly version: 'active' | 'latest' | 'staged' | number;
  readonly clone: boolean;
  readonly comment: string;
  /** Read and checked before any request. */
  readonly vclFiles: readonly VclFile[];
  readonly vclMain: string;
  /** Read by readInputs (streamed, before any request); readSettings leaves it undefined. */
  readonly package: ComputePackage | undefined;
  readonly environment: Environment;
  /** Checked after activating; a failed check re-activates the previous version. */
  readonly healthCheckUrl: string | undefined;
  readonly healthCheckTimeoutMs: number;
  /** Lint every VCL file before anything is cloned. */
  readonly lint: boolean;
}

export interface ItemsSettings extends CommonSettings {
  readonly items: WantedItems;
  readonly deleteMissing: boolean;
}

export interface UpdateDictionarySettings extends ItemsSettings {
  readonly mode: 'update-dictionary';
  readonly dictionary: string;
}

export interface UpdateConfigStoreSettings extends ItemsSettings {
  readonly mode: 'update-config-store';
  /** A name or an ID: looked up by name first. */
  readonly configStore: string;
}

export interface StatsSettings extends CommonSettings {
  readonly mode: 'stats';
  readonly window: StatsWindow;
  readonly minHitRatio: number | undefined;
  readonly maxErrorRatio: number | undefined;
}

export interface UpdateKvStoreSettings extends CommonSettings {
  readonly mode: 'update-kv-store';
  /** A name or an ID: looked up by name first. */
  readonly kvStore: string;
  readonly items: WantedKvItems;
  readonly deleteMissing: boolean;
}

/** `acl`: a VCL service's ACL, on the active version of each service; `compute-acl`: an account's Compute ACL. */
export type AclTarget =
  | { readonly kind: 'vcl-acl'; readonly name: string; readonly entries: readonly WantedVclEntry[] }
  | { readonly kind: 'compute-acl'; readonly name: string; readonly entries: readonly WantedComputeEntry[] };

export interface UpdateAclSettings extends CommonSettings {
  readonly mode: 'update-acl';
  readonly acl: AclTarget;
  readonly deleteMissing: boolean;
}

export type PurgeSettings = PurgeKeysSettings | PurgeUrlsSettings | PurgeAllSettings;

export type Settings =
  | PurgeKeysSettings
  | PurgeUrlsSettings
  | PurgeAllSettings
  | ActivateSettings
  | UpdateDictionarySettings
  | UpdateConfigStoreSettings
  | StatsSettings
  | UpdateKvStoreSettings
  | UpdateAclSettings;

/** Fastly's key limits: dictionaries 256 characters, config stores 255. */
const MAX_DICTIONARY_KEY = 256;
const MAX_CONFIG_STORE_KEY = 255;

/**
 * Which modes use each optional input, to warn about inputs a mode ignores.
 * Only inputs without a default: the runner sets defaulted ones on every run.
 */
const INPUT_MODES: Readonly<Record<string, readonly Mode[]>> = {
  keys: ['purge-keys'],
  'keys-file': ['purge-keys'],
  urls: ['purge-urls'],
  'urls-file': ['purge-urls'],
  comment: ['activate'],
  'vcl-files': ['activate'],
  package: ['activate'],
  'health-check-url': ['activate'],
  'wait-for-url': ['purge-keys', 'purge-urls', 'purge-all'],
  'wait-for-text': ['purge-keys', 'purge-urls', 'purge-all'],
  'purge-twice-delay': ['purge-keys', 'purge-urls', 'purge-all'],
  'service-id': ['purge-keys', 'purge-urls', 'purge-all', 'activate', 'update-dictionary', 'stats', 'update-acl'],
  'min-hit-ratio': ['stats'],
  'max-error-ratio': ['stats'],
  dictionary: ['update-dictionary'],
  'config-store': ['update-config-store'],
  items: ['update-dictionary', 'update-config-store', 'update-kv-store'],
  'items-file': ['update-dictionary', 'update-config-store', 'update-kv-store'],
  'kv-store': ['update-kv-store'],
  acl: ['update-acl'],
  'compute-acl': ['update-acl'],
  entries: ['update-acl'],
  'entries-file': ['update-acl']
};

/** Inputs that mean something only next to another setting, to warn when that setting is missing. */
const INPUT_NEEDS: readonly { name: string; where: string; missing: (read: InputReader) => boolean }[] = [
  { name: 'wait-for-text', where: "without 'wait-for-url'", missing: read => read('wait-for-url') === '' },
  { name: 'purge-twice-delay', where: "without 'purge-twice: true'", missing: read => read('purge-twice').toLowerCase() !== 'true' },
  { name: 'comment', where: "with 'clone: false' (the version is not a new clone)", missing: read => read('clone').toLowerCase() === 'false' },
  { name: 'service-id', where: "with 'compute-acl' (a Compute ACL belongs to the account, not to a service)", missing: read => read('mode') === 'update-acl' && read('compute-acl') !== '' }
];

const SERVICE_ID = /^[A-Za-z0-9]+$/;
const DAY = 86_400;
/** With backoff capped at 20 s a retry, 20 retries already outlast any real outage a step should wait through. */
const MAX_RETRIES = 20;

export interface ReadSettings {
  readonly settings: Settings;
  /** Inputs that were set but mean nothing for the chosen mode. */
  readonly warnings: readonly string[];
}

/**
 * readSettings, then what can only be read streamed: the Compute package is
 * gunzipped, unpacked and hashed here, still before any request is sent. Its
 * reader (tar, gzip, TOML) is loaded only by a run that has a package.
 */
export async function readInputs(read: InputReader, nowMs: number = Date.now()): Promise<ReadSettings> {
  const parsed = readSettings(read, nowMs);
  const path = read('package');
  if (parsed.settings.mode !== 'activate' || path === '') return parsed;
  const { readComputePackage } = await import('./compute-package.js');
  return { ...parsed, settings: { ...parsed.settings, package: await readComputePackage(path) } };
}

export function readSettings(read: InputReader, nowMs: number = Date.now()): ReadSettings {
  const mode = readMode(read);
  const common = readCommon(read);
  const usedByMode = (name: string) => INPUT_MODES[name]?.includes(mode) ?? true;
  const warnings = [
    ...Object.keys(INPUT_MODES)
      .filter(name => read(name) !== '' && !usedByMode(name))
      .map(name => `Input '${name}' is not used by mode '${mode}' and was ignored`),
    ...INPUT_NEEDS.filter(({ name, missing }) => read(name) !== '' && usedByMode(name) && missing(read)).map(
      ({ name, where }) => `Input '${name}' is not used ${where} and was ignored`
    )
  ];
  if (common.review.requireReviewedPlan && !PLANNED.includes(mode)) {
    throw new InputError(
      `Input 'require-reviewed-plan' is 'true' but mode '${mode}' makes no plan to review; it applies to ${PLANNED.map(m => `'${m}'`).join(', ')}`
    );
  }
  return { settings: readModeSettings(read, mode, common, nowMs), warnings };
}

function readMode(read: InputReader): Mode {
  return readChoice(read, 'mode', MODES);
}

function readCommon(read: InputReader): CommonSettings {
  const token = read('api-token');
  if (token === '') {
    throw new InputError("Input 'api-token' is required: a Fastly API token, e.g. ${{ secrets.FASTLY_API_TOKEN }}");
  }
  if (/\s/.test(token)) {
    throw new InputError("Input 'api-token' must be one token without spaces or line breaks; check the secret's value");
  }
  // Node refuses such a header at the first request, with an error that blames the network.
  if (/[^\x21-\x7e]/.test(token)) {
    throw new InputError(
      "Input 'api-token' holds a character an HTTP header cannot carry (a token is letters, digits and punctuation); check the secret's value"
    );
  }
  const apiUrl = parseHttpUrl('api-url', read('api-url') || 'https://api.fastly.com');
  const serviceIds = splitList(read('service-id'));
  const badId = serviceIds.find(id => !SERVICE_ID.test(id));
  if (badId !== undefined) {
    throw new InputError(`Input 'service-id' must be Fastly service IDs (letters and digits), got '${badId}'`);
  }
  return {
    token,
    apiUrl: apiUrl.href.replace(/\/+$/, ''),
    serviceIds,
    dryRun: readBoolean(read, 'dry-run', false),
    tokenCheck: readBoolean(read, 'token-check', true),
    maxRetries: readInteger(read, 'max-retries', 5, { min: 0, max: MAX_RETRIES }),
    requestTimeoutMs: readSeconds(read, 'request-timeout', 30, { min: 1, max: 300 }) * 1000,
    review: readReview(read)
  };
}

function readReview(read: InputReader): ReviewSettings {
  const githubToken = read('github-token');
  if (/[^\x21-\x7e]/.test(githubToken)) {
    throw new InputError("Input 'github-token' must be one token without spaces or line breaks; the default, ${{ github.token }}, is the job's own");
  }
  const planComment = read('plan-comment') === '' ? 'auto' : readChoice(read, 'plan-comment', ['auto', 'true', 'false'] as const);
  return { githubToken, planComment, requireReviewedPlan: readBoolean(read, 'require-reviewed-plan', false) };
}

function readModeSettings(read: InputReader, mode: Mode, common: CommonSettings, nowMs: number): Settings {
  switch (mode) {
    case 'purge-keys':
      return {
        ...requireServices(common, mode),
        ...readPurgeCommon(read, mode),
        mode,
        keys: requireItems(readListWithFile(read, 'keys', 'keys-file', surrogateKey), 'keys', 'surrogate key'),
        soft: readBoolean(read, 'soft-purge', true)
      };
    case 'purge-urls': {
      const purge = readPurgeCommon(read, mode);
      if (purge.environment === 'staging' && common.serviceIds.length === 0) {
        throw new InputError(
          "Input 'service-id' is required for mode 'purge-urls' with 'environment: staging': a URL is purged on staging by a PURGE sent to the staging IP of its host, read from the service's domains"
        );
      }
      return {
        ...common,
        ...purge,
        mode,
        urls: requireItems(
          readListWithFile(read, 'urls', 'urls-file', purgeUrl),
          'urls',
          'URL'
        ),
        soft: readBoolean(read, 'soft-purge', true),
        concurrency: readInteger(read, 'concurrency', 16, { min: 1, max: 64 })
      };
    }
    case 'purge-all':
      return { ...requireServices(common, mode), ...readPurgeCommon(read, mode), mode };
    case 'activate':
      return readActivate(read, requireServices(common, mode));
    case 'update-dictionary':
      return {
        ...requireServices(common, mode),
        mode,
        dictionary: requireInput(read, mode, 'dictionary', 'the edge dictionary name'),
        ...readItems(read, MAX_DICTIONARY_KEY)
      };
    case 'update-config-store':
      return {
        ...withoutServices(common),
        mode,
        configStore: requireInput(read, mode, 'config-store', 'the config store name or ID'),
        ...readItems(read, MAX_CONFIG_STORE_KEY)
      };
    case 'stats':
      return {
        ...requireServices(common, mode),
        mode,
        window: readStatsWindow(read, nowMs),
        minHitRatio: readRatio(read, 'min-hit-ratio'),
        maxErrorRatio: readRatio(read, 'max-error-ratio')
      };
    case 'update-kv-store':
      return readKvStore(read, common);
    case 'update-acl':
      return readAcl(read, common);
  }
}

function readKvStore(read: InputReader, common: CommonSettings): UpdateKvStoreSettings {
  const kvStore = requireInput(read, 'update-kv-store', 'kv-store', 'the KV store name or ID');
  const items = readWantedKvItems(read);
  const deleteMissing = readBoolean(read, 'delete-missing', false);
  refuseEmptied(read, deleteMissing, ![...items.values()].some(value => value !== null), "'items' and 'items-file' keep no key", 'key in the store');
  return { ...withoutServices(common), mode: 'update-kv-store', kvStore, items, deleteMissing };
}

function readAcl(read: InputReader, common: CommonSettings): UpdateAclSettings {
  const vclName = read('acl');
  const computeName = read('compute-acl');
  if (vclName === '' && computeName === '') {
    throw new InputError(
      "Input 'acl' or 'compute-acl' is required for mode 'update-acl': the name of a VCL service's ACL (with 'service-id'), or a Compute ACL's name or ID"
    );
  }
  if (vclName !== '' && computeName !== '') {
    throw new InputError("Inputs 'acl' and 'compute-acl' are both set; set exactly one: 'acl' for a VCL service's ACL, 'compute-acl' for a Compute ACL");
  }
  const acl: AclTarget =
    vclName !== ''
      ? { kind: 'vcl-acl', name: vclName, entries: readWantedAclEntries(read, parseVclAclEntries) }
      : { kind: 'compute-acl', name: computeName, entries: readWantedAclEntries(read, parseComputeAclEntries) };
  const deleteMissing = readBoolean(read, 'delete-missing', false);
  refuseEmptied(read, deleteMissing, acl.entries.length === 0, "'entries' and 'entries-file' hold no entry", 'entry in the ACL');
  return { ...(acl.kind === 'vcl-acl' ? requireServices(common, 'update-acl') : withoutServices(common)), mode: 'update-acl', acl, deleteMissing };
}

function refuseEmptied(read: InputReader, deleteMissing: boolean, keepsNone: boolean, what: string, thing: string): void {
  const allowEmpty = readBoolean(read, 'allow-empty', false);
  if (deleteMissing && keepsNone && !allowEmpty) {
    throw new InputError(`Input 'delete-missing' is 'true' but ${what}, so every ${thing} would be deleted; set 'allow-empty: true' if emptying it is meant`);
  }
}

/**
 * With `delete-missing`, a wanted state that keeps no key deletes everything:
 * an emptied file or a `{}` left in by mistake must not do that silently.
 */
function readItems(read: InputReader, maxKeyLength: number): Pick<ItemsSettings, 'items' | 'deleteMissing'> {
  const items = readWantedItems(read, maxKeyLength);
  const deleteMissing = readBoolean(read, 'delete-missing', false);
  const allowEmpty = readBoolean(read, 'allow-empty', false);
  const keepsNone = ![...items.values()].some(value => value !== null);
  if (deleteMissing && keepsNone && !allowEmpty) {
    throw new InputError(
      "Input 'delete-missing' is 'true' but 'items' and 'items-file' keep no key, so every item in the store would be deleted; " +
        "set 'allow-empty: true' if emptying it is meant"
    );
  }
  return { items, deleteMissing };
}

function requireInput(read: InputReader, mode: Mode, name: string, what: string): string {
  const value = read(name);
  if (value === '') throw new InputError(`Input '${name}' is required for mode '${mode}': ${what}`);
  return value;
}

/** Fastly's purging guide: about 2 s between passes for URL and key purges, about 30 s for purge-all. */
function readPurgeCommon(read: InputReader, mode: Mode): Pick<PurgeCommon, 'environment' | 'waitFor' | 'secondPassDelayMs'> {
  const environment = readEnvironment(read);
  const twice = readBoolean(read, 'purge-twice', false);
  const delay = readSeconds(read, 'purge-twice-delay', mode === 'purge-all' ? 30 : 2, { min: 0, max: DAY });
  const url = read('wait-for-url');
  // Below a second the origin cannot answer the 3 consecutive tries a wait needs.
  const timeout = readSeconds(read, 'wait-timeout', 600, { min: 1, max: DAY });
  let waitFor: WaitFor | undefined;
  if (url !== '') {
    const href = parseHttpUrl('wait-for-url', url).href;
    const text = read('wait-for-text') || process.env.GITHUB_SHA || '';
    if (text === '') {
      throw new InputError("Input 'wait-for-text' is required with 'wait-for-url' when the run has no commit SHA (GITHUB_SHA)");
    }
    waitFor = { url: href, text, timeoutMs: timeout * 1000 };
  }
  return { environment, waitFor, secondPassDelayMs: twice ? delay * 1000 : undefined };
}

function readEnvironment(read: InputReader): Environment {
  return read('environment') === '' ? 'production' : readChoice(read, 'environment', ['production', 'staging'] as const);
}

function readSeconds(read: InputReader, name: string, fallback: number, range: { min: number; max: number }): number {
  const raw = read(name);
  if (raw === '') return fallback;
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (value >= range.min && value <= range.max) return value;
  throw new InputError(`Input '${name}' must be a number of seconds from ${range.min} to ${range.max}, got '${raw}'`);
}

function readActivate(read: InputReader, common: CommonSettings): ActivateSettings {
  const clone = readBoolean(read, 'clone', true);
  if (read('vcl-files') !== '' && !clone) {
    throw new InputError("Input 'vcl-files' needs 'clone: true': VCL is uploaded into a new clone, never into an existing version");
  }
  if (read('package') !== '') {
    if (read('vcl-files') !== '') {
      throw new InputError("Inputs 'package' and 'vcl-files' exclude each other: a Compute service deploys a package, a VCL service its VCL; set one");
    }
    if (!clone) {
      throw new InputError("Input 'package' needs 'clone: true': a package is uploaded into a new clone, never into an existing version");
    }
  }
  const vclFiles = readVclFiles(read('vcl-files'));
  return {
    ...common,
    mode: 'activate',
    version: readVersion(read),
    clone,
    comment: read('comment') || defaultComment(),
    vclFiles,
    vclMain: read('vcl-main') || 'main',
    package: undefined,
    environment: readEnvironment(read),
    healthCheckUrl: read('health-check-url') === '' ? undefined : parseHttpUrl('health-check-url', read('health-check-url')).href,
    healthCheckTimeoutMs: readInteger(read, 'health-check-timeout', 60, { min: 1, max: 3600 }) * 1000,
    lint: readBoolean(read, 'lint', true)
  };
}

function readVersion(read: InputReader): ActivateSettings['version'] {
  const raw = read('version') || 'active';
  if (raw === 'active' || raw === 'latest' || raw === 'staged') return raw;
  if (/^\d+$/.test(raw) && Number(raw) >= 1 && Number.isSafeInteger(Number(raw))) return Number(raw);
  throw new InputError(`Input 'version' must be 'active', 'latest', 'staged' or a version number, got '${raw}'`);
}

/** An account's store or ACL: a 'service-id' given anyway was warned about as ignored, so the token check must not judge it either. */
function withoutServices(common: CommonSettings): CommonSettings {
  return { ...common, serviceIds: [] };
}

function requireServices(common: CommonSettings, mode: Mode): CommonSettings {
  if (common.serviceIds.length === 0) {
    throw new InputError(`Input 'service-id' is required for mode '${mode}': one or more Fastly service IDs`);
  }
  return common;
}

function requireItems(items: string[], name: string, what: string): string[] {
  if (items.length === 0) {
    throw new InputError(
      `Input '${name}' or '${name}-file' must name at least one ${what} (separated by commas, spaces or newlines)`
    );
  }
  return items;
}

/** The comment needs nothing from the event payload: one that cannot be read must not stop an activation. */
function defaultComment(): string {
  return versionComment(readRunContext({ env: { ...process.env, GITHUB_EVENT_PATH: undefined } }));
}
