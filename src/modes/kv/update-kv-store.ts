import { expectedMessage } from '../../errors.js';
import type { FastlyApi } from '../../fastly/client.js';
import type { UpdateKvStoreSettings } from '../../inputs/settings.js';
import type { ItemChange, ItemsOutcome, StoreSync } from '../items/outcome.js';
import { newStoreSync } from '../items/sync-items.js';
import { applyKvStorePlan } from './apply.js';
import { type KvStorePlan, planKvStore } from './plan.js';

/** Plan from reads alone, then write exactly that plan; an empty plan sends nothing. */
export async function run(settings: UpdateKvStoreSettings, api: FastlyApi): Promise<ItemsOutcome> {
  const sync = newStoreSync('kv-store', undefined, settings.kvStore);
  try {
    const plan = await planKvStore(api, settings.kvStore, settings.items, settings.deleteMissing);
    describePlan(sync, plan);
    const applied = await applyKvStorePlan(api, plan);
    sync.batches = applied.batches;
    sync.singleWrites = applied.deletes;
    sync.failed = [...applied.failed];
    sync.status = settings.dryRun ? 'planned' : sync.failed.length > 0 ? 'failed' : 'synced';
  } catch (error) {
    sync.error = expectedMessage(error);
    sync.status = 'failed';
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
