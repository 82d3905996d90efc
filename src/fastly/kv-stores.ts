import { FastlyError, FastlyUnconfirmedError, isRecord, parseJson } from './errors.js';
import { nextCursor, orNotFound, shaped, walkPages } from './store-reads.js';
import type { Transport } from './transport.js';

export interface KvStore {
  readonly id: string;
  readonly name: string;
}

/** A key's value as UTF-8 text, with what Fastly keeps beside it. */
export interface KvValue {
  readonly value: string;
  /** '' when the key has none. */
  readonly metadata: string;
  /** Beyond 32 bits: a string, never a Number. */
  readonly generation: string;
}

/** One line of a batch upsert. */
export interface KvWrite {
  readonly key: string;
  readonly value: string;
  readonly metadata?: string;
  /** Seconds; sent whenever the key is written, since it cannot be read back. */
  readonly ttl?: number;
}

/** A batch line Fastly refused: `index` is its 0-based line. */
export interface KvLineFailure {
  readonly key: string;
  readonly index: number;
  readonly code: string;
  readonly reason: string;
}

/** Fastly's largest key page, and what it answers without `limit`. */
export const KV_KEYS_PER_PAGE = 1000;

/**
 * A million keys: far beyond a store kept in a repository, so a list running
 * past it is a cursor loop, not a store.
 */
export const MAX_KV_KEY_PAGES = 1000;

const MAX_STORE_PAGES = 100;

/** The NDJSON line of one write: the value goes as base64 of its UTF-8 bytes. */
export function kvBatchLine({ key, value, metadata, ttl }: KvWrite): string {
  return JSON.stringify({
    key,
    value: Buffer.from(value, 'utf8').toString('base64'),
    ...(metadata === undefined ? {} : { metadata }),
    ...(ttl === undefined ? {} : { time_to_live_sec: ttl })
  });
}

/** KV store calls, in the client's terms; client.ts exposes them on FastlyApi. */
export function kvStoreCalls(transport: Transport) {
  const store = (id: string) => `/resources/stores/kv/${encodeURIComponent(id)}`;
  const keyPath = (id: string, key: string) => `${store(id)}/keys/${encodeURIComponent(key)}`;
  return {
    /**
     * By name first, then by ID; undefined when neither finds it. No recording
     * shows the name filter matching nothing: `{"data": []}` or, as config
     * stores may answer, a 404; both mean no store has that name.
     */
    async findKvStore(nameOrId: string): Promise<KvStore | undefined> {
      const endpoint = '/resources/stores/kv';
      let found: KvStore | undefined;
      await walkPages(endpoint, '', MAX_STORE_PAGES, async cursor => {
        const path = `${endpoint}?name=${encodeURIComponent(nameOrId)}${cursor === '' ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const body = (await orNotFound(transport.send({ method: 'GET', path, verify: storeList }))) as { data: KvStore[] } | undefined;
        if (body === undefined) return undefined;
        found = body.data.find(s => s.name === nameOrId);
        return found ? undefined : nextCursor(body);
      });
      if (found) return { id: found.id, name: found.name };
      const byId = (await orNotFound(transport.send({ method: 'GET', path: store(nameOrId), verify: oneStore }))) as KvStore | undefined;
      return byId && { id: byId.id, name: byId.name };
    },

    /**
     * Every key, sorted as Fastly lists them, following `meta.next_cursor`.
     * `consistency=strong`, as go-fastly's recorded list and the CLI's default
     * ask: an eventual list is served from a cache and may miss a key written
     * moments ago, and a plan made from it would delete or rewrite the wrong keys.
     */
    async listKvKeys(id: string): Promise<string[]> {
      const keys: string[] = [];
      const endpoint = `${store(id)}/keys`;
      await walkPages(endpoint, '', MAX_KV_KEY_PAGES, async cursor => {
        const path = `${endpoint}?consistency=strong&limit=${KV_KEYS_PER_PAGE}${cursor === '' ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const body = (await transport.send({ method: 'GET', path, verify: keyList })) as { data: string[] };
        keys.push(...body.data);
        return nextCursor(body);
      });
      return keys;
    },

    /** Undefined for a key that is not there (404). */
    async getKvValue(id: string, key: string): Promise<KvValue | undefined> {
      const path = keyPath(id, key);
      let answer;
      try {
        answer = await transport.sendRaw({ method: 'GET', path });
      } catch (error) {
        if (error instanceof FastlyError && error.status === 404) return undefined;
        throw error;
      }
      const generation = answer.headers.generation ?? '';
      if (!/^\d+$/.test(generation)) {
        throw new FastlyUnconfirmedError('GET', path, answer.status, 'its answer has no Generation header, so it is not a KV value', 0, undefined);
      }
      return { value: answer.text, metadata: answer.headers.metadata ?? '', generation };
    },

    /**
     * One batch upsert. Answers the lines Fastly refused (none on success);
     * whether the others were written is then unknown: read them back.
     */
    async upsertKvBatch(id: string, writes: readonly KvWrite[]): Promise<KvLineFailure[]> {
      const path = `${store(id)}/batch`;
      const text = `${writes.map(kvBatchLine).join('\n')}\n`;
      let body: unknown;
      try {
        body = await transport.send({ method: 'PUT', path, body: { type: 'application/x-ndjson', text }, verify: batchResult });
      } catch (error) {
        const failures = error instanceof FastlyError ? lineFailures(parseJson(error.body), writes) : undefined;
        if (failures === undefined || failures.length === 0) throw error;
        return failures;
      }
      if (transport.dryRun) return [];
      const failures = lineFailures(body, writes);
      if (failures === undefined) {
        throw new FastlyUnconfirmedError('PUT', path, 200, 'its answer names lines the batch does not have', 0, body);
      }
      return failures;
    },

    /** Gone afterwards, whether it was there or not (`force`): a retry after a lost answer is no failure. */
    async deleteKvKey(id: string, key: string): Promise<void> {
      await transport.send({ method: 'DELETE', path: `${keyPath(id, key)}?force=true` });
    }
  };
}

export type KvStoreCalls = ReturnType<typeof kvStoreCalls>;

function isStore(value: unknown): value is KvStore {
  return isRecord(value) && typeof value.id === 'string' && typeof value.name === 'string';
}

const storeList = shaped(b => isRecord(b) && Array.isArray(b.data) && b.data.every(isStore), 'the list of KV stores it returns ({"data": [{"id", "name"}], "meta"})');
const oneStore = shaped(isStore, 'the KV store it returns ({"id", "name"})');
const keyList = shaped(
  b => isRecord(b) && Array.isArray(b.data) && b.data.every(key => typeof key === 'string'),
  'the key list it returns ({"data": ["key", …], "meta"})'
);
const batchResult = shaped(b => isRecord(b) && Array.isArray(b.errors), 'the batch result it returns ({"title", "errors": […]})');

/** The per-line errors of a batch answer; undefined when the answer is not a batch result. */
function lineFailures(body: unknown, writes: readonly KvWrite[]): KvLineFailure[] | undefined {
  if (!isRecord(body) || !Array.isArray(body.errors)) return undefined;
  const failures: KvLineFailure[] = [];
  for (const error of body.errors) {
    if (!isRecord(error) || typeof error.index !== 'number' || writes[error.index] === undefined) return undefined;
    failures.push({
      key: writes[error.index]?.key ?? '',
      index: error.index,
      code: typeof error.code === 'string' || typeof error.code === 'number' ? String(error.code) : '',
      reason: typeof error.reason === 'string' && error.reason.trim() !== '' ? error.reason : 'no reason given'
    });
  }
  return failures;
}
