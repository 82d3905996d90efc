import type { Cancellation } from '../cancel.js';
import type { FastlyApi } from '../fastly/client.js';
import type { Settings } from '../inputs/settings.js';
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

export type Outcome = PurgeOutcome | ActivateOutcome | ItemsOutcome | StatsOutcome;

/**
 * A cancel ends each mode early with what it did; what it did not do is in
 * its outcome as not sent (the transport refuses every request after it).
 */
export function runMode(settings: Settings, api: FastlyApi, cancel: Cancellation): Promise<Outcome> {
  switch (settings.mode) {
    case 'purge-keys':
      return runPasses(settings, api, cancel, purgeKeys);
    case 'purge-urls':
      return runPasses(settings, api, cancel, purgeUrls);
    case 'purge-all':
      return runPasses(settings, api, cancel, purgeAll);
    case 'activate':
      return activate(settings, api, cancel);
    case 'update-dictionary':
      return updateDictionary(settings, api);
    case 'update-config-store':
      return updateConfigStore(settings, api);
    case 'stats':
      return stats(settings, api);
  }
}
