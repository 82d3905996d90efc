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
import type { Plan } from '../plan/plan.js';
import type { ActivateOutcome } from './activate/outcome.js';
import { apply as applyActivate, plan as planActivate, planParts } from './activate/activate.js';
import type { ItemsOutcome } from './items/outcome.js';
import type { PurgeOutcome } from './purge/outcome.js';
import type { StatsOutcome } from './stats/outcome.js';
import { run as purgeAll } from './purge/purge-all.js';
import { run as purgeKeys } from './purge/purge-keys.js';
import { runPasses } from './purge/passes.js';
import { run as purgeUrls } from './purge/purge-urls.js';
import { run as stats } from './stats/stats.js';
import { type ItemsPlan, applyPlan, itemsPart } from './items/sync-items.js';
import { plan as planConfigStore } from './items/update-config-store.js';
import { plan as planDictionary } from './items/update-dictionary.js';
import * as kvStore from './kv/update-kv-store.js';
import * as acl from './acl/update-acl.js';

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
 * A mode ready to run. A configuration mode has made its plan (reads only);
 * `apply` executes exactly that plan. The other modes have none.
 */
export interface PreparedMode {
  readonly plan: Plan | undefined;
  apply(): Promise<ModeRun>;
}

/**
 * A cancel ends each mode early with what it did; what it did not do is in
 * its outcome as not sent (the transport refuses every request after it).
 */
export async function prepareMode(settings: Settings, api: FastlyApi, cancel: Cancellation): Promise<PreparedMode> {
  switch (settings.mode) {
    case 'activate': {
      const planned = await planActivate(settings, api);
      return {
        plan: { mode: settings.mode, parts: planParts(planned) },
        apply: async () => ({ kind: 'activate', settings, outcome: await applyActivate(settings, api, planned, cancel) })
      };
    }
    case 'update-dictionary':
      return itemsMode(settings, await planDictionary(settings, api));
    case 'update-config-store':
      return itemsMode(settings, await planConfigStore(settings, api));
    case 'purge-keys':
      return unplanned(async () => ({ kind: 'purge', settings, outcome: await runPasses(settings, api, cancel, purgeKeys) }));
    case 'purge-urls':
      return unplanned(async () => ({ kind: 'purge', settings, outcome: await runPasses(settings, api, cancel, purgeUrls) }));
    case 'purge-all':
      return unplanned(async () => ({ kind: 'purge', settings, outcome: await runPasses(settings, api, cancel, purgeAll) }));
    case 'stats':
      return unplanned(async () => ({ kind: 'stats', settings, outcome: await stats(settings, api) }));
    case 'update-kv-store': {
      const planned = await kvStore.plan(settings, api);
      return {
        plan: { mode: settings.mode, parts: [kvStore.planPart(planned)] },
        apply: async () => ({ kind: 'items', settings, outcome: await kvStore.apply(settings, api, planned) })
      };
    }
    case 'update-acl': {
      const planned = await acl.plan(settings, api);
      return {
        plan: { mode: settings.mode, parts: planned.map(acl.planPart) },
        apply: async () => ({ kind: 'items', settings, outcome: await acl.apply(settings, api, planned) })
      };
    }
  }
}

function itemsMode(settings: UpdateDictionarySettings | UpdateConfigStoreSettings, planned: ItemsPlan): PreparedMode {
  return {
    plan: { mode: settings.mode, parts: planned.stores.map(s => itemsPart(s.sync)) },
    apply: async () => ({ kind: 'items', settings, outcome: await applyPlan(planned, settings.dryRun) })
  };
}

function unplanned(apply: () => Promise<ModeRun>): PreparedMode {
  return { plan: undefined, apply };
}
