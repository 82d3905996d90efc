import type { FastlyApi } from '../fastly/client.js';
import type { PurgeAllSettings } from '../settings.js';
import { type PurgeOutcome, TargetTally } from './purge-outcome.js';

export async function run(settings: PurgeAllSettings, api: FastlyApi): Promise<PurgeOutcome> {
  const targets: TargetTally[] = [];
  for (const serviceId of settings.serviceIds) {
    const tally = new TargetTally('service', serviceId, settings.dryRun);
    tally.requested = 1;
    await tally.send([serviceId], async () => {
      await api.purgeAll(serviceId);
      return () => '';
    });
    targets.push(tally);
  }
  return { mode: settings.mode, soft: false, dryRun: settings.dryRun, targets };
}
