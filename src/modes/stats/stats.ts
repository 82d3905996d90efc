import { expectedMessage } from '../../errors.js';
import type { FastlyApi } from '../../fastly/client.js';
import type { StatsSettings } from '../../inputs/settings.js';
import { type ServiceStats, type StatsOutcome, ratio, sum } from './outcome.js';

export async function run(settings: StatsSettings, api: FastlyApi): Promise<StatsOutcome> {
  const services: ServiceStats[] = [];
  for (const serviceId of settings.serviceIds) {
    const stats: ServiceStats = {
      serviceId,
      serviceName: serviceId,
      buckets: [],
      totals: sum([]),
      hitRatio: undefined,
      errorRatio: undefined,
      gateFailures: [],
      gateNotes: [],
      error: undefined
    };
    try {
      // The name makes the report readable; a token that may not read the service still gets its stats.
      stats.serviceName = (await api.serviceDetails(serviceId).catch(() => undefined))?.name ?? serviceId;
      const { from, to, by } = settings.window;
      stats.buckets = (await api.serviceStats(serviceId, from, to, by)).sort((a, b) => a.start - b.start);
      stats.totals = sum(stats.buckets);
      stats.hitRatio = ratio(stats.totals.hits, stats.totals.hits + stats.totals.miss);
      stats.errorRatio = ratio(stats.totals.status5xx, stats.totals.requests);
      judge(settings, stats);
    } catch (error) {
      stats.error = expectedMessage(error);
    }
    services.push(stats);
  }
  return { mode: 'stats', services };
}


function judge(settings: StatsSettings, stats: ServiceStats): void {
  const who = `${stats.serviceName} (${stats.serviceId})`;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const { minHitRatio, maxErrorRatio } = settings;
  if (minHitRatio !== undefined) {
    if (stats.hitRatio === undefined) stats.gateNotes.push(`min-hit-ratio not checked for ${who}: no cacheable traffic in the window`);
    else if (stats.hitRatio < minHitRatio) {
      stats.gateFailures.push(`${who}: hit ratio ${pct(stats.hitRatio)} is below min-hit-ratio ${pct(minHitRatio)}`);
    }
  }
  if (maxErrorRatio !== undefined) {
    if (stats.errorRatio === undefined) stats.gateNotes.push(`max-error-ratio not checked for ${who}: no requests in the window`);
    else if (stats.errorRatio > maxErrorRatio) {
      stats.gateFailures.push(`${who}: 5xx share ${pct(stats.errorRatio)} is above max-error-ratio ${pct(maxErrorRatio)}`);
    }
  }
}
