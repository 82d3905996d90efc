import type { Cancellation } from '../../cancel.js';
import type { FastlyApi } from '../../fastly/client.js';
import { realClock } from '../../origin/poll-url.js';
import type { PurgeSettings } from '../../inputs/settings.js';
import { waitForOrigin } from '../../origin/wait-for-origin.js';
import type { PurgeOutcome, PurgeTarget } from './outcome.js';

/**
 * What every purge mode does around its own pass: wait until the origin serves
 * the new build, purge, and with purge-twice wait and purge everything again
 * (the shield may have handed the edge a stale copy while the first purge spread).
 */
export async function runPasses<S extends PurgeSettings>(
  settings: S,
  api: FastlyApi,
  cancel: Cancellation,
  pass: (settings: S, api: FastlyApi, cancel: Cancellation) => Promise<PurgeOutcome>
): Promise<PurgeOutcome> {
  const waited = settings.waitFor && !settings.dryRun ? await waitForOrigin(settings.waitFor, cancel.stop) : undefined;
  const first = await pass(settings, api, cancel);
  const extras = { waited };
  if (settings.secondPassDelayMs === undefined) return { ...first, ...extras };
  if (!settings.dryRun) await realClock.sleep(settings.secondPassDelayMs, cancel.stop);
  // What the first pass purged stays purged: a cancel that skips the second must not make it look undone.
  if (cancel.stop.aborted) return { ...first, ...extras, secondPassCancelled: true };
  const second = await pass(settings, api, cancel);
  return { ...first, ...extras, targets: first.targets.map(target => combine(target, second.targets.find(t => t.name === target.name))) };
}

/** One row per item: purged only if both passes purged it; a failure in either pass is listed with its pass. */
function combine(first: PurgeTarget, second: PurgeTarget | undefined): PurgeTarget {
  const failedFirst = new Set(first.failed.map(f => f.item));
  // Every item the first pass did not fail, it purged.
  const failedOnlySecond = (second?.failed ?? []).filter(f => !failedFirst.has(f.item));
  const lost = new Set(failedOnlySecond.map(f => f.item));
  return {
    ...first,
    requests: first.requests + (second?.requests ?? 0),
    purgedCount: first.purgedCount - lost.size,
    ids: new Map([...first.ids].filter(([item]) => !lost.has(item))),
    failed: [
      ...first.failed.map(f => ({ item: f.item, reason: `first pass: ${f.reason}` })),
      ...failedOnlySecond.map(f => ({ item: f.item, reason: `second pass: ${f.reason}` }))
    ],
    secondPass: second ? { purged: second.purgedCount, failed: second.failed.length } : undefined
  };
}
