import type { StatsBucket } from '../../fastly/stats.js';

export type StatsTotals = Omit<StatsBucket, 'start'>;

export interface ServiceStats {
  readonly serviceId: string;
  serviceName: string;
  buckets: StatsBucket[];
  totals: StatsTotals;
  /** hits / (hits + miss); undefined without cacheable traffic. */
  hitRatio: number | undefined;
  /** 5xx / requests; undefined without requests. */
  errorRatio: number | undefined;
  /** The gates this service failed, as messages naming the figure and the threshold. */
  gateFailures: string[];
  /** Gates that could not be judged (no traffic). */
  gateNotes: string[];
  error: string | undefined;
}

export interface StatsOutcome {
  readonly mode: 'stats';
  readonly services: readonly ServiceStats[];
}

export function ratio(part: number, whole: number): number | undefined {
  return whole > 0 ? part / whole : undefined;
}

const ZERO: StatsTotals = { requests: 0, hits: 0, miss: 0, pass: 0, bandwidth: 0, status2xx: 0, status3xx: 0, status4xx: 0, status5xx: 0 };

/** Field by field, for a window or a group of buckets. */
export function sum(buckets: readonly StatsTotals[]): StatsTotals {
  return buckets.reduce<StatsTotals>(
    (total, b) => ({
      requests: total.requests + b.requests,
      hits: total.hits + b.hits,
      miss: total.miss + b.miss,
      pass: total.pass + b.pass,
      bandwidth: total.bandwidth + b.bandwidth,
      status2xx: total.status2xx + b.status2xx,
      status3xx: total.status3xx + b.status3xx,
      status4xx: total.status4xx + b.status4xx,
      status5xx: total.status5xx + b.status5xx
    }),
    ZERO
  );
}
