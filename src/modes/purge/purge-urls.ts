import type { Cancellation } from '../../cancel.js';
import type { FastlyApi } from '../../fastly/client.js';
import { forEachLimited } from '../../pool.js';
import type { PurgeUrlsSettings } from '../../inputs/settings.js';
import { type PurgeOutcome, TargetTally } from './outcome.js';

/** URL purges go by host, not service, so results are grouped by host. */
export async function run(settings: PurgeUrlsSettings, api: FastlyApi, cancel: Cancellation): Promise<PurgeOutcome> {
  const byHost = new Map<string, TargetTally>();
  const tallyOf = (parsed: URL) => {
    let tally = byHost.get(parsed.host);
    if (!tally) {
      tally = new TargetTally('host', parsed.host, settings.dryRun);
      byHost.set(parsed.host, tally);
    }
    tally.requested += 1;
    return tally;
  };
  // Each URL is parsed once, when its turn comes: 100,000 URL objects up front would be 100,000 times the garbage.
  await forEachLimited(
    settings.urls,
    settings.concurrency,
    url => {
      const parsed = new URL(url);
      return tallyOf(parsed).send([url], async () => {
        const id = await api.purgeUrl(parsed, settings.soft);
        return () => id;
      });
    },
    { signal: cancel.stop, skip: url => tallyOf(new URL(url)).notSent([url]) }
  );
  return { mode: settings.mode, targets: [...byHost.values()] };
}
