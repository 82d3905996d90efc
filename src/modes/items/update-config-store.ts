import { ActionError, expectedMessage } from '../../errors.js';
import type { FastlyApi } from '../../fastly/client.js';
import type { UpdateConfigStoreSettings } from '../../inputs/settings.js';
import { type ItemsPlan, type PlannedStore, newStoreSync, planItems } from './sync-items.js';

/** Reads only: the store and its items, and what changes. */
export async function plan(settings: UpdateConfigStoreSettings, api: FastlyApi): Promise<ItemsPlan> {
  const sync = newStoreSync('config-store', undefined, settings.configStore);
  let planned: PlannedStore = { sync, patch: undefined, read: undefined };
  try {
    const store = await api.findConfigStore(settings.configStore);
    if (!store) {
      throw new ActionError(`Config store '${settings.configStore}' not found by name or by ID; check 'config-store'`);
    }
    sync.id = store.id;
    const read = () => api.listConfigStoreItems(store.id);
    planItems(sync, await read(), settings.items, settings.deleteMissing);
    planned = { sync, patch: ops => api.patchConfigStoreItems(store.id, ops), read };
  } catch (error) {
    sync.error = expectedMessage(error);
    sync.status = 'failed';
  }
  return { mode: settings.mode, stores: [planned] };
}
