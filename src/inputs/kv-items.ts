import { InputError, messageOf } from '../errors.js';
import { type KvWrite, kvBatchLine } from '../fastly/kv-stores.js';
import { firstDuplicateKey } from './duplicate-keys.js';
import { type InputReader, escapeControls, shorten } from './parsers.js';
import { readTextInputFile } from './read-file.js';

/** What a key should hold: `metadata` '' is none (a plain string value). */
export interface WantedKvValue {
  readonly value: string;
  readonly metadata: string;
  readonly ttl: number | undefined;
}

/** Key → wanted value; null means "delete this key". */
export type WantedKvItems = ReadonlyMap<string, WantedKvValue | null>;

/** What a key holds now, as read back. */
export interface CurrentKvValue {
  readonly value: string;
  readonly metadata: string;
}

export interface KvPlan {
  readonly created: readonly string[];
  readonly updated: readonly string[];
  readonly deleted: readonly string[];
  readonly unchanged: readonly string[];
  /** Upserts in batches for `PUT …/batch`; deletes go one request a key (Fastly has no batch delete). */
  readonly batches: readonly (readonly KvWrite[])[];
}

export const MAX_KV_KEY_BYTES = 1024;
export const MAX_KV_METADATA_BYTES = 2000;
/**
 * Fastly documents no cap on a batch. One that fails leaves every line in
 * doubt until read back, so batches stay at a size a read-back can afford.
 */
export const MAX_KV_BATCH_LINES = 1000;
export const MAX_KV_BATCH_BYTES = 16 * 1024 * 1024;

const FIELDS = new Set(['value', 'metadata', 'ttl']);

/** Why Fastly would refuse `key`, or undefined. */
export function kvKeyProblem(key: string): string | undefined {
  if (key === '' || key === '.' || key === '..') return `is not a key name Fastly accepts ("", "." and ".." are reserved)`;
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KV_KEY_BYTES) return `is ${bytes} bytes in UTF-8; Fastly's limit is ${MAX_KV_KEY_BYTES}`;
  if (key.startsWith('.well-known/acme-challenge/')) return 'starts with .well-known/acme-challenge/, which Fastly reserves';
  const bad = /[#;?^|\r\n]/.exec(key)?.[0];
  if (bad !== undefined) return `contains ${JSON.stringify(bad)}; Fastly refuses keys with # ; ? ^ | or a line break`;
  return undefined;
}

/**
 * The KV wanted state from a parsed JSON object (`input` names where it came
 * from): a string value, null to delete, or {"value", "metadata", "ttl"}.
 */
export function kvWantedFrom(input: string, parsed: unknown): WantedKvItems {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError(`Input '${input}' must be a JSON object of keys, e.g. {"/old": "/new", "gone": null}`);
  }
  const wanted = new Map<string, WantedKvValue | null>();
  for (const [key, raw] of Object.entries(parsed)) {
    const name = `Input '${input}' key '${shorten(key, 60)}'`;
    const problem = kvKeyProblem(key);
    if (problem !== undefined) throw new InputError(`${name} ${problem}; rename the key`);
    wanted.set(key, wantedValue(name, raw));
  }
  return wanted;
}

function wantedValue(name: string, raw: unknown): WantedKvValue | null {
  if (raw === null) return null;
  if (typeof raw === 'string') return { value: raw, metadata: '', ttl: undefined };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError(`${name} must be a string, null (to delete it) or {"value": "…", "metadata": "…", "ttl": 3600}, got ${shorten(JSON.stringify(raw), 60)}`);
  }
  const fields = raw as Record<string, unknown>;
  const unknown = Object.keys(fields).find(field => !FIELDS.has(field));
  if (unknown !== undefined) throw new InputError(`${name} has the field '${shorten(unknown)}'; only "value", "metadata" and "ttl" are known`);
  const { value, metadata = '', ttl } = fields;
  if (typeof value !== 'string') throw new InputError(`${name} needs a string "value"`);
  if (typeof metadata !== 'string') throw new InputError(`${name} has a "metadata" that is not a string; metadata is text, e.g. a JSON string`);
  const metaBytes = Buffer.byteLength(metadata, 'utf8');
  if (metaBytes > MAX_KV_METADATA_BYTES) throw new InputError(`${name} has metadata of ${metaBytes} bytes; Fastly's limit is ${MAX_KV_METADATA_BYTES}`);
  // Fastly answers metadata in an HTTP header, which cannot carry these: it could never be read back as written.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(metadata)) throw new InputError(`${name} has control characters (such as a line break) in its metadata; remove them`);
  if (ttl !== undefined && !(typeof ttl === 'number' && Number.isSafeInteger(ttl) && ttl > 0)) {
    throw new InputError(`${name} has a "ttl" of ${shorten(JSON.stringify(ttl), 30)}; it must be a whole number of seconds above 0`);
  }
  return { value, metadata, ttl: ttl as number | undefined };
}

/**
 * The wanted state against what is there: `currentKeys` from the key list,
 * `current` the values read back for the keys the wanted state names (a key
 * listed but not read back counts as absent). A TTL cannot be read back, so it
 * never makes a key differ; it goes with every write of its key.
 */
export function diffKv(
  wanted: WantedKvItems,
  currentKeys: readonly string[],
  current: ReadonlyMap<string, CurrentKvValue>,
  deleteMissing: boolean
): KvPlan {
  const listed = new Set(currentKeys);
  const created: string[] = [];
  const updated: string[] = [];
  const deleted: string[] = [];
  const unchanged: string[] = [];
  const writes: KvWrite[] = [];
  for (const [key, want] of wanted) {
    const have = listed.has(key) ? current.get(key) : undefined;
    if (want === null) {
      if (listed.has(key)) deleted.push(key);
      else unchanged.push(key);
      continue;
    }
    if (have && have.value === want.value && have.metadata === want.metadata) {
      unchanged.push(key);
      continue;
    }
    (have ? updated : created).push(key);
    // Sent even when empty: leaving it out could keep the metadata the key had.
    writes.push({ key, value: want.value, metadata: want.metadata, ...(want.ttl === undefined ? {} : { ttl: want.ttl }) });
  }
  if (deleteMissing) for (const key of currentKeys) if (!wanted.has(key)) deleted.push(key);
  return { created, updated, deleted, unchanged, batches: batchesOf(writes) };
}

/** At most MAX_KV_BATCH_LINES lines and MAX_KV_BATCH_BYTES bytes each; a larger line goes alone. */
function batchesOf(writes: readonly KvWrite[]): KvWrite[][] {
  const batches: KvWrite[][] = [];
  let batch: KvWrite[] = [];
  let bytes = 0;
  for (const write of writes) {
    const size = Buffer.byteLength(kvBatchLine(write)) + 1;
    if (batch.length > 0 && (batch.length === MAX_KV_BATCH_LINES || bytes + size > MAX_KV_BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(write);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * The KV wanted state from `items` and/or `items-file`, `items` winning on a
 * key both name; every key and value checked here, before any request.
 */
export function readWantedKvItems(read: InputReader): WantedKvItems {
  const file = read('items-file');
  const inline = read('items');
  if (file === '' && inline === '') {
    throw new InputError(`Input 'items' or 'items-file' is required: a JSON object such as {"/old": "/new", "flag": {"value": "on", "metadata": "…"}, "gone": null}`);
  }
  const fromFile = file === '' ? new Map() : kvWantedFrom('items-file', parseObject('items-file', readTextInputFile('items-file', file)));
  const fromInline = inline === '' ? new Map() : kvWantedFrom('items', parseObject('items', inline));
  return new Map([...fromFile, ...fromInline]);
}

function parseObject(name: string, text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(`Input '${name}' must be valid JSON: ${escapeControls(messageOf(error))}`);
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) {
    throw new InputError(`Input '${name}' names the key '${shorten(duplicate)}' twice; JSON would keep only the last value, so keep one`);
  }
  return parsed;
}
