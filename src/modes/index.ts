import type { Cancellation } from '../cancel.js';
import type { FastlyApi } from '../fastly/client.js';
import type {
  ActivateSettings,
  PurgeSettings,
  Settings,
  StatsSettings,
  UpdateAclSettings,
  UpdateConfigStoreSettings,
  UpdateDictionarySettings,
  UpdateKvStoreSettings
} from '../inputs/settings.js';
import type { ActivateOutcome } from './activate/outcome.js';
import { run as activate } from './activate/activate.js';
import type { ItemsOutcome } from './items/outcome.js';
import type { PurgeOutcome } from './purge/outcome.js';
import type { StatsOutcome } from './stats/outcome.js';
import { run as purgeAll } from './purge/purge-all.js';
import { run as purgeKeys } from './purge/purge-keys.js';
import { runPasses } from './purge/passes.js';
import { run as purgeUrls } from './purge/purge-urls.js';
import { run as stats } from './stats/stats.js';
import { run as updateConfigStore } from './items/update-config-store.js';
import { run as updateDictionary } from './items/update-dictionary.js';
import { run as updateKvStore } from './kv/update-kv-store.js';
import { run as updateAcl } from './acl/update-acl.js';

export type Outcome = PurgeOutcome | ActivateOutcome | ItemsOutcome | StatsOutcome;

/**
 * What a mode was asked and what it learned, side by side: the report reads
 * the settings from here, so an outcome holds only what the run found out.
 */
export type ModeRun =
  | { readonly kind: 'purge'; readonly settings: PurgeSettings; readonly outcome: PurgeOutcome }
  | { readonly kind: 'activate'; readonly settings: ActivateSettings; readonly outcome: ActivateOutcome }
  | {
      readonly kind: 'items';
      readonly settings: UpdateDictionarySettings | UpdateConfigStoreSettings | UpdateKvStoreSettings | UpdateAclSettings;
      readonly outcome: ItemsOutcome;
    }
  | { readonly kind: 'stats'; readonly settings: StatsSettings; readonly outcome: StatsOutcome };

/**
 * A cancel ends each mode early with what it did; what it did not do is in
 * its outcome as not sent (the transport refuses every request after it).
 */
export async function runMode(settings: Settings, api: FastlyApi, cancel: Cancellation): Promise<ModeRun> {
  switch (settings.mode) {
    case 'purge-keys':
      return { kind: 'purge', settings, outcome: await runPasses(settings, api, cancel, purgeKeys) };
    case 'purge-urls':
      return { kind: 'purge', settings, outcome: await runPasses(settings, api, cancel, purgeUrls) };
    case 'purge-all':
      return { kind: 'purge', settings, outcome: await runPasses(settings, api, cancel, purgeAll) };
    case 'activate':
      return { kind: 'activate', settings, outcome: await activate(settings, api, cancel) };
    case 'update-dictionary':
      return { kind: 'items', settings, outcome: await updateDictionary(settings, api) };
    case 'update-config-store':
      return { kind: 'items', settings, outcome: await updateConfigStore(settings, api) };
    case 'stats':
      return { kind: 'stats', settings, outcome: await stats(settings, api) };
    case 'update-kv-store':
      return { kind: 'items', settings, outcome: await updateKvStore(settings, api) };
    case 'update-acl':
      return { kind: 'items', settings, outcome: await updateAcl(settings, api) };
  }
}
