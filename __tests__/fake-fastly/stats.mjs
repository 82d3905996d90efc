// @ts-check
/**
 * Historical stats: `GET /stats/service/{sid}`. Traffic comes from a generator the
 * test sets per service; the fake adds what Fastly derives (`errors`, `hit_ratio`)
 * and fields the action has no use for, so a parser must pick fields by name.
 *
 * @typedef {import('./server.mjs').Ctx} Ctx
 * @typedef {import('./server.mjs').Route} Route
 * @typedef {import('./server.mjs').Answer} Answer
 * @typedef {'minute' | 'hour' | 'day'} By
 * @typedef {{ requests: number, hits: number, miss: number, pass: number, bandwidth: number,
 *   status_2xx: number, status_3xx: number, status_4xx: number, status_5xx: number }} Traffic
 * @typedef {(startTime: number, by: By) => Traffic | null} StatsGenerator
 *   startTime in Unix seconds; null: no traffic, so no bucket
 */

/** Seconds per bucket. @type {Record<By, number>} */
const STEP = { minute: 60, hour: 3600, day: 86400 };
/** Fastly keeps minutely data 35 days and hourly 375; this also bounds the loop over buckets. @type {Record<By, number>} */
const KEPT = { minute: 35 * 86400, hour: 375 * 86400, day: Infinity };
const UNITS = { minute: 60, hour: 3600, day: 86400, week: 604800 };
const RELATIVE = /^(\d+) (minute|hour|day|week)s? ago$/;

/** @param {string} msg @returns {Answer} */
const invalid = (msg) => ({ status: 400, json: { status: 'error', msg } });

/**
 * Unix seconds, `now`, or `N unit(s) ago`; null for anything else.
 * @param {string} text @param {number} now  Unix seconds
 */
function parseTime(text, now) {
  if (/^\d+$/.test(text)) return Number(text);
  if (text === 'now') return now;
  const match = RELATIVE.exec(text);
  if (!match) return null;
  return now - Number(match[1]) * UNITS[/** @type {keyof typeof UNITS} */ (match[2])];
}

/** Fastly shows 4 decimals (233 / 234 → 0.9957). @param {Traffic} traffic */
function hitRatio({ hits, miss }) {
  return hits + miss === 0 ? null : Math.round((hits / (hits + miss)) * 10000) / 10000;
}

/** @param {string} sid @param {number} startTime @param {Traffic} traffic */
function bucket(sid, startTime, traffic) {
  const headerSize = traffic.requests * 250;
  return {
    start_time: startTime,
    service_id: sid,
    header_size: headerSize,
    ...traffic,
    errors: traffic.status_5xx,
    hit_ratio: hitRatio(traffic),
    body_size: Math.max(0, traffic.bandwidth - headerSize),
  };
}

/** @type {Route[]} */
export const statsRoutes = [
  {
    method: 'GET',
    pattern: /^\/stats\/service\/(?<sid>[^/]+)$/,
    scope: 'global:read',
    handler(ctx) {
      const sid = /** @type {string} */ (ctx.serviceId);
      const now = Math.floor(ctx.now / 1000);
      const fromText = ctx.query.get('from') ?? '1 day ago';
      const toText = ctx.query.get('to') ?? 'now';
      const by = ctx.query.get('by') ?? 'day';
      const from = parseTime(fromText, now);
      const to = parseTime(toText, now);
      if (from === null) return invalid('Invalid value for from');
      if (to === null) return invalid('Invalid value for to');
      if (!(by === 'minute' || by === 'hour' || by === 'day')) return invalid('Invalid value for by');
      if (from > to) return invalid('Invalid value for from: after to');

      const step = STEP[by];
      const generator = ctx.state.stats.get(sid);
      const data = [];
      // Buckets not yet started or past retention do not exist, whatever the generator says.
      const end = Math.min(to, now);
      for (let start = Math.ceil(Math.max(from, now - KEPT[by]) / step) * step; generator && start < end; start += step) {
        const traffic = generator(start, by);
        if (traffic) data.push(bucket(sid, start, traffic));
      }
      return {
        status: 200,
        json: { status: 'success', meta: { from: fromText, to: toText, by, region: ctx.query.get('region') ?? 'all' }, msg: null, data },
      };
    },
  },
];
