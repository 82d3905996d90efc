import type { Cancellation } from '../../cancel.js';
import { type FastlyApi, MAX_KEYS_PER_PURGE } from '../../fastly/client.js';
import { chunks, forEachLimited } from '../../pool.js';
import type { PurgeKeysSettings } from '../../inputs/settings.js';
import { type PurgeOutcome, TargetTally, Unconfirmed } from './outcome.js';

/**
 * Batches in flight per service. Not the `concurrency` input, which the
 * contract gives to URL purges; a few parallel batches keep 100,000 keys
 * (391 requests) quick without crowding one service.
 */
const BATCHES_IN_FLIGHT = 4;

export async function run(settings: PurgeKeysSettings, api: FastlyApi, cancel: Cancellation): Promise<PurgeOutcome> {
  const targets: TargetTally[] = [];
  for (const serviceId of settings.serviceIds) {
    const tally = new TargetTally('service', serviceId, settings.dryRun);
    tally.requested = settings.keys.length;
    await forEachLimited(
      chunks(settings.keys, MAX_KEYS_PER_PURGE),
      BATCHES_IN_FLIGHT,
      batch =>
        tally.send(batch, async () => {
          const { ids, unconfirmed } = await api.purgeKeys(serviceId, batch, settings.soft, settings.environment);
          const failure = new Unconfirmed(unconfirmed);
          return key => ids.get(key) ?? failure;
        }),
      { signal: cancel.stop, skip: batch => tally.notSent(batch) }
    );
    targets.push(tally);
  }
  return { mode: settings.mode, targets };
}
