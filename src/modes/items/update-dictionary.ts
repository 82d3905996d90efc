import { ActionError, expectedMessage } from '../../errors.js';
import type { FastlyApi } from '../../fastly/client.js';
import type { UpdateDictionarySettings } from '../../inputs/settings.js';
import type { StoreSync } from './outcome.js';
import { type ItemsPlan, type PlannedStore, newStoreSync, planItems } from './sync-items.js';

/** Reads only, service after service; a service that fails is reported and the next one still gets its plan. */
export async function plan(settings: UpdateDictionarySettings, api: FastlyApi): Promise<ItemsPlan> {
  const stores: PlannedStore[] = [];
  for (const serviceId of settings.serviceIds) {
    const sync = newStoreSync('dictionary', serviceId, settings.dictionary);
    let planned: PlannedStore = { sync, patch: undefined, read: undefined };
    try {
      planned = await planDictionary(settings, api, sync, serviceId);
    } catch (error) {
      sync.error = expectedMessage(error);
      sync.status = 'failed';
    }
    stores.push(planned);
  }
  return { mode: settings.mode, stores };
}

async function planDictionary(settings: UpdateDictionarySettings, api: FastlyApi, sync: StoreSync, serviceId: string): Promise<PlannedStore> {
  const { activeVersion } = await api.serviceDetails(serviceId);
  if (activeVersion === undefined) {
    throw new ActionError(`Service ${serviceId} has no active version, so it has no edge dictionary '${settings.dictionary}' to update`);
  }
  const dictionary = await api.findDictionary(serviceId, activeVersion, settings.dictionary);
  if (!dictionary) {
    throw new ActionError(
      `Edge dictionary '${settings.dictionary}' not found on service ${serviceId} (active version ${activeVersion}); ` +
        "check 'dictionary', or create it in a version of the service first"
    );
  }
  sync.id = dictionary.id;
  sync.writeOnly = dictionary.writeOnly;
  if (dictionary.writeOnly && settings.deleteMissing) {
    throw new ActionError(
      `Edge dictionary '${settings.dictionary}' on ${serviceId} is write-only: its keys cannot be read, so 'delete-missing: true' cannot know what to delete`
    );
  }
  // A write-only dictionary's values cannot be read back, so a doubtful batch stays failed.
  const read = dictionary.writeOnly ? undefined : () => api.listDictionaryItems(serviceId, dictionary.id);
  planItems(sync, await read?.(), settings.items, settings.deleteMissing);
  return { sync, patch: ops => api.patchDictionaryItems(serviceId, dictionary.id, ops), read };
}
