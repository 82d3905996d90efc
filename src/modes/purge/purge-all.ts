import type { Cancellation } from '../../cancel.js';
import type { FastlyApi } from '../../fastly/client.js';
import type { PurgeAllSettings } from '../../inputs/settings.js';
import { type PurgeOutcome, TargetTally } from './outcome.js';

export async function run(settings: PurgeAllSettings, api: FastlyApi, cancel: Cancellation): Promise<PurgeOutcome> {
  const targets: TargetTally[] = [];
  for (const serviceId of settings.serviceIds) {
    const tally = new TargetTally('service', serviceId, settings.dryRun);
    tally.requested = 1;
    if (cancel.stop.aborted) tally.notSent([serviceId]);
    else await tally.send([serviceId], async () => {
      await api.purgeAll(serviceId, settings.environment);
      return () => '';
    });
    targets.push(tally);
  }
  return { mode: settings.mode, targets };
}
