import type { FastlyApi } from '../fastly/client.js';
import { forEachLimited } from '../pool.js';
import type { PurgeUrlsSettings } from '../settings.js';
import { type PurgeOutcome, TargetTally } from './purge-outcome.js';

/** URL purges go by host, not service, so results are grouped by host. */
export async function run(settings: PurgeUrlsSettings, api: FastlyApi): Promise<PurgeOutcome> {
  const byHost = new Map<string, TargetTally>();
  const tallyOf = (url: string): TargetTally => {
    const host = new URL(url).host;
    let tally = byHost.get(host);
    if (!tally) {
      tally = new TargetTally('host', host, settings.dryRun);
      byHost.set(host, tally);
    }
    return tally;
  };
  for (const url of settings.urls) tallyOf(url).requested += 1;
  await forEachLimited(settings.urls, settings.concurrency, url =>
    tallyOf(url).send([url], async () => ({ [url]: await api.purgeUrl(url, settings.soft) }))
  );
  return { mode: settings.mode, soft: settings.soft, dryRun: settings.dryRun, targets: [...byHost.values()] };
}
