import { ActionError } from '../../errors.js';
import type { FastlyApi } from '../../fastly/client.js';
import type { KvStore } from '../../fastly/kv-stores.js';
import { type CurrentKvValue, type KvPlan, type WantedKvItems, diffKv } from '../../inputs/kv-items.js';
import { forEachLimited } from '../../pool.js';

/** KV reads are not rate limited; this many values are read at once. */
export const KV_READS_IN_FLIGHT = 16;

/**
 * What a run would change in one KV store, from reads alone: the starting
 * state (how many keys, and the generation of every key compared) and every
 * create, update and delete, as plain data. `applyKvStorePlan` writes exactly this.
 */
export interface KvStorePlan {
  readonly kind: 'kv-store';
  /** The store as asked for (a name or an ID). */
  readonly asked: string;
  readonly store: KvStore;
  readonly keysBefore: number;
  /** [key, generation] of each existing key whose value was read, in the wanted state's order. */
  readonly generations: readonly (readonly [string, string])[];
  readonly diff: KvPlan;
}

export async function planKvStore(api: FastlyApi, asked: string, wanted: WantedKvItems, deleteMissing: boolean): Promise<KvStorePlan> {
  const store = await api.findKvStore(asked);
  if (!store) throw new ActionError(`KV store '${asked}' not found by name or by ID; check 'kv-store'`);
  const keys = await api.listKvKeys(store.id);
  const listed = new Set(keys);
  // Only keys that could be unchanged or updated need their value; a key to delete or create does not.
  const toRead = [...wanted].filter(([key, want]) => want !== null && listed.has(key)).map(([key]) => key);
  const current = new Map<string, CurrentKvValue & { generation: string }>();
  await forEachLimited(toRead, KV_READS_IN_FLIGHT, async key => {
    const value = await api.getKvValue(store.id, key);
    if (value) current.set(key, value);
  });
  return {
    kind: 'kv-store',
    asked,
    store,
    keysBefore: keys.length,
    generations: toRead.flatMap(key => {
      const generation = current.get(key)?.generation;
      return generation === undefined ? [] : [[key, generation] as const];
    }),
    diff: diffKv(wanted, keys, current, deleteMissing)
  };
}
