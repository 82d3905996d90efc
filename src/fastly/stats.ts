import { ActionError } from '../errors.js';
import type { StatsBy } from '../inputs/stats-window.js';
import { isRecord } from './errors.js';
import type { Transport } from './transport.js';

/** The fields of a Fastly stats bucket the report uses (Fastly sends about 290). */
export interface StatsBucket {
  readonly start: number;
  readonly requests: number;
  readonly hits: number;
  readonly miss: number;
  readonly pass: number;
  readonly bandwidth: number;
  readonly status2xx: number;
  readonly status3xx: number;
  readonly status4xx: number;
  readonly status5xx: number;
}

export function statsCalls(transport: Transport) {
  return {
    async serviceStats(sid: string, from: number, to: number, by: StatsBy): Promise<StatsBucket[]> {
      const path = `/stats/service/${encodeURIComponent(sid)}?from=${from}&to=${to}&by=${by}`;
      const body = await transport.send({ method: 'GET', path });
      if (!isRecord(body) || body.status !== 'success' || !Array.isArray(body.data)) {
        const why = isRecord(body) && typeof body.msg === 'string' ? body.msg : 'not a stats answer';
        throw new ActionError(`Fastly answered GET ${path} without stats: ${why}`);
      }
      return body.data.filter(isRecord).map(bucket => ({
        start: num(bucket.start_time),
        requests: num(bucket.requests),
        hits: num(bucket.hits),
        miss: num(bucket.miss),
        pass: num(bucket.pass),
        bandwidth: num(bucket.bandwidth),
        status2xx: num(bucket.status_2xx),
        status3xx: num(bucket.status_3xx),
        status4xx: num(bucket.status_4xx),
        status5xx: num(bucket.status_5xx)
      }));
    }
  };
}

export type StatsCalls = ReturnType<typeof statsCalls>;

function num(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}
