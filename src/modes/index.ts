import type { FastlyApi } from '../fastly/client.js';
import type { Settings } from '../settings.js';
import type { ActivateOutcome } from './activate-outcome.js';
import { run as activate } from './activate.js';
import type { ItemsOutcome } from './items-outcome.js';
import type { PurgeOutcome } from './purge-outcome.js';
import type { StatsOutcome } from './stats-outcome.js';
import { run as purgeAll } from './purge-all.js';
import { run as purgeKeys } from './purge-keys.js';
import { runPasses } from './purge-passes.js';
import { run as purgeUrls } from './purge-urls.js';
import { run as stats } from './stats.js';
import { run as updateConfigStore } from './update-config-store.js';
import { run as updateDictionary } from './update-dictionary.js';

export type Outcome = PurgeOutcome | ActivateOutcome | ItemsOutcome | StatsOutcome;

export function runMode(settings: Settings, api: FastlyApi): Promise<Outcome> {
  switch (settings.mode) {
    case 'purge-keys':
      return runPasses(settings, api, purgeKeys);
    case 'purge-urls':
      return runPasses(settings, api, purgeUrls);
    case 'purge-all':
      return runPasses(settings, api, purgeAll);
    case 'activate':
      return activate(settings, api);
    case 'update-dictionary':
      return updateDictionary(settings, api);
    case 'update-config-store':
      return updateConfigStore(settings, api);
    case 'stats':
      return stats(settings, api);
  }
}
