import { expectedMessage } from '../../errors.js';
import type { FastlyApi } from '../../fastly/client.js';
import type { UpdateKvStoreSettings } from '../../inputs/settings.js';
import type { ItemChange, ItemsOutcome, StoreSync } from '../items/outcome.js';
import { itemsPart, newStoreSync, settle } from '../items/sync-items.js';
import type { ItemsStorePart } from '../../plan/kinds/items-store.js';
import { applyKvStorePlan } from './apply.js';
import { type KvStorePlan, planKvStore } from './plan.js';

/** The store's plan, from reads alone; `plan` is undefined when it could not be made (`sync.error` says why). */
export interface KvModePlan {
  readonly sync: StoreSync;
  readonly plan: KvStorePlan | undefined;
}

export async function plan(settings: UpdateKvStoreSettings, api: FastlyApi): Promise<KvModePlan> {
  const sync = newStoreSync('kv-store', undefined, settings.kvStore);
  try {
    const planned = await planKvStore(api, settings.kvStore, settings.items, settings.deleteMissing);
    describePlan(sync, planned);
    return { sync, plan: planned };
  } catch (error) {
    sync.error = expectedMessage(error);
    sync.status = 'failed';
    return { sync, plan: undefined };
  }
}

/** The plan part: the key count and the generation of every key compared are the starting state. */
export function planPart({ sync, plan: planned }: KvModePlan): ItemsStorePart {
  return itemsPart(sync, planned && { keys: planned.keysBefore, generations: planned.generations.map(([key, generation]) => [key, generation]) });
}

/** Writes exactly the plan; an empty plan sends nothing. */
export async function apply(settings: UpdateKvStoreSettings, api: FastlyApi, { sync, plan: planned }: KvModePlan): Promise<ItemsOutcome> {
  if (planned) {
    try {
      const applied = await applyKvStorePlan(api, planned);
      settle(sync, { batches: applied.batches, singleWrites: applied.deletes, failed: applied.failed }, settings.dryRun);
    } catch (error) {
      sync.error = expectedMessage(error);
      sync.status = 'failed';
    }
  }
  return { mode: settings.mode, stores: [sync] };
}

function describePlan(sync: StoreSync, plan: KvStorePlan): void {
  const { diff } = plan;
  const writes = new Map(diff.batches.flat().map(write => [write.key, write]));
  const changed = (action: 'create' | 'update') => (key: string): ItemChange => {
    const write = writes.get(key);
    return { key, action, value: write?.value ?? '', ...(write?.metadata ? { metadata: write.metadata } : {}) };
  };
  sync.id = plan.store.id;
  sync.changes = [...diff.created.map(changed('create')), ...diff.updated.map(changed('update')), ...diff.deleted.map(key => ({ key, action: 'delete' as const }))];
  sync.unchanged = diff.unchanged.length;
  sync.before = plan.keysBefore;
  sync.after = plan.keysBefore + diff.created.length - diff.deleted.length;
}
