import { ActionError, expectedMessage } from '../../errors.js';
import type { FastlyApi } from '../../fastly/client.js';
import type { UpdateConfigStoreSettings } from '../../inputs/settings.js';
import type { ItemsOutcome } from './outcome.js';
import { newStoreSync, syncItems } from './sync-items.js';

export async function run(settings: UpdateConfigStoreSettings, api: FastlyApi): Promise<ItemsOutcome> {
  const sync = newStoreSync('config-store', undefined, settings.configStore);
  try {
    const store = await api.findConfigStore(settings.configStore);
    if (!store) {
      throw new ActionError(`Config store '${settings.configStore}' not found by name or by ID; check 'config-store'`);
    }
    sync.id = store.id;
    const read = () => api.listConfigStoreItems(store.id);
    await syncItems(sync, await read(), settings.items, {
      deleteMissing: settings.deleteMissing,
      dryRun: settings.dryRun,
      patch: ops => api.patchConfigStoreItems(store.id, ops),
      read
    });
  } catch (error) {
    sync.error = expectedMessage(error);
    sync.status = 'failed';
  }
  return { mode: settings.mode, stores: [sync] };
}
