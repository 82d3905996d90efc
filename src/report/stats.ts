import * as core from '@actions/core';
import type { StatsBucket } from '../fastly/stats.js';
import type { ServiceStats, StatsOutcome, StatsTotals } from '../modes/stats-outcome.js';
import { ratio, sum } from '../modes/stats-outcome.js';
import { code, count, escape, table, utc } from './html.js';
import type { Presented } from './presented.js';

/** A trend wider than this is grouped into fewer points: a row of 1,440 minutes reads as noise. */
const MAX_POINTS = 48;
const BLOCKS = '▁▂▃▄▅▆▇█';

export function presentStats(outcome: StatsOutcome): Presented {
  const failing = outcome.services.filter(s => s.gateFailures.length > 0 || s.error);
  const overall = weightedHitRatio(outcome.services);
  return {
    failed: failing.length > 0,
    headline: headline(outcome, failing, overall),
    sections: [windowLine(outcome), figures(outcome), ...outcome.services.map(s => trend(outcome, s))],
    result: {
      window: { from: iso(outcome.window.from), to: iso(outcome.window.to), by: outcome.window.by },
      hitRatio: overall ?? null,
      services: outcome.services.map(s => ({
        serviceId: s.serviceId,
        serviceName: s.serviceName,
        ...s.totals,
        hitRatio: s.hitRatio ?? null,
        errorRatio: s.errorRatio ?? null,
        buckets: s.buckets.length,
        gateFailures: s.gateFailures,
        ...(s.error ? { error: s.error } : {})
      }))
    },
    outputs: { 'hit-ratio': overall === undefined ? '' : String(Number(overall.toFixed(4))) },
    warnings: outcome.services.flatMap(s => s.gateNotes),
    log: () => log(outcome, failing)
  };
}

/** Over all services, each service's hit ratio weighted by its requests (the contract's definition). */
function weightedHitRatio(services: readonly ServiceStats[]): number | undefined {
  const rated = services.filter(s => s.hitRatio !== undefined);
  const requests = rated.reduce((total, s) => total + s.totals.requests, 0);
  return ratio(rated.reduce((total, s) => total + (s.hitRatio ?? 0) * s.totals.requests, 0), requests);
}

function headline(outcome: StatsOutcome, failing: readonly ServiceStats[], overall: number | undefined): string {
  if (failing.length > 0) {
    const [first] = failing;
    return first?.gateFailures[0] ?? first?.error ?? 'failed';
  }
  const requests = outcome.services.reduce((total, s) => total + s.totals.requests, 0);
  if (requests === 0) return 'no traffic in the window';
  const where = outcome.services.length === 1 ? (outcome.services[0]?.serviceName ?? '') : `${outcome.services.length} services`;
  return `${where}: ${count(requests)} requests, hit ratio ${percent(overall)}`;
}

function windowLine(outcome: StatsOutcome): string {
  const { from, to, by } = outcome.window;
  const gates = [
    outcome.minHitRatio === undefined ? '' : `min-hit-ratio ${percent(outcome.minHitRatio)}`,
    outcome.maxErrorRatio === undefined ? '' : `max-error-ratio ${percent(outcome.maxErrorRatio)}`
  ].filter(Boolean);
  const gateText = gates.length > 0 ? `; gates: ${gates.join(', ')}` : '';
  return `<p>From ${utc(new Date(from * 1000))} to ${utc(new Date(to * 1000))}, by ${by}${gateText}. Fastly's most recent buckets arrive 2–15 minutes late.</p>`;
}

function figures(outcome: StatsOutcome): string {
  const rows = outcome.services.map(s => row(`${escape(s.serviceName)}<br>${code(s.serviceId)}`, s.totals, s, outcome));
  if (outcome.services.length > 1) {
    const totals = sum(outcome.services.map(s => s.totals));
    const hitRatio = weightedHitRatio(outcome.services);
    rows.push(row('<b>Total</b>', totals, { hitRatio, errorRatio: ratio(totals.status5xx, totals.requests), error: undefined, buckets: [] }, outcome));
  }
  const head = ['Service', 'Requests', 'Hit ratio', 'Miss', 'Pass', 'Bandwidth', '2xx', '3xx', '4xx', '5xx', '5xx share'];
  return table(head, rows);
}

type Figures = Pick<ServiceStats, 'hitRatio' | 'errorRatio' | 'error' | 'buckets'>;

function row(label: string, t: StatsTotals, s: Figures, outcome: StatsOutcome): string[] {
  if (s.error) return [label, `❌ ${escape(s.error)}`, '', '', '', '', '', '', '', '', ''];
  if (t.requests === 0) return [label, 'no traffic', '—', '—', '—', '—', '—', '—', '—', '—', '—'];
  const lowHit = outcome.minHitRatio !== undefined && s.hitRatio !== undefined && s.hitRatio < outcome.minHitRatio;
  const highErr = outcome.maxErrorRatio !== undefined && s.errorRatio !== undefined && s.errorRatio > outcome.maxErrorRatio;
  const mark = (bad: boolean, text: string, threshold: number | undefined) => (bad ? `❌ <b>${text}</b> (limit ${percent(threshold)})` : text);
  return [
    label,
    count(t.requests),
    mark(lowHit, percent(s.hitRatio), outcome.minHitRatio),
    count(t.miss),
    count(t.pass),
    bytes(t.bandwidth),
    count(t.status2xx),
    count(t.status3xx),
    count(t.status4xx),
    count(t.status5xx),
    mark(highErr, percent(s.errorRatio), outcome.maxErrorRatio)
  ];
}

function trend(outcome: StatsOutcome, s: ServiceStats): string {
  if (s.error) return '';
  const title = `#### ${escape(s.serviceName)} (${code(s.serviceId)})`;
  const notes = s.gateNotes.map(note => `\n\n<p>⚠️ ${escape(note)}</p>`).join('');
  if (s.totals.requests === 0) {
    return `${title}\n\n<p>No traffic in this window: a new service, a quiet period, or buckets not yet in (they arrive 2–15 minutes late).</p>${notes}`;
  }
  const points = group(s.buckets);
  const requests = points.map(p => p.requests);
  const hitRatios = points.map(p => ratio(p.hits, p.hits + p.miss));
  const spark = table(
    ['', `Trend (${points.length} points, ${labelOf(points[0], outcome)} → ${labelOf(points.at(-1), outcome)})`],
    [
      ['Requests', `<code>${sparkline(requests)}</code>`],
      ['Hit ratio', `<code>${sparkline(hitRatios, 0, 1)}</code>`]
    ]
  );
  const name = s.serviceName.replace(/[^\w .-]/g, '');
  const top = Math.max(1, ...requests);
  const chart = [
    '```mermaid',
    'xychart-beta',
    `  title "${name}: requests (bars), hit ratio (line, top of chart = 100%)"`,
    `  x-axis [${points.map(p => `"${labelOf(p, outcome)}"`).join(', ')}]`,
    // From 0, so bars are to scale and the top of the chart is where a 100% hit ratio lies.
    `  y-axis "Requests" 0 --> ${top}`,
    `  bar [${requests.join(', ')}]`,
    `  line [${hitRatios.map(r => Math.round((r ?? 0) * top)).join(', ')}]`,
    '```'
  ].join('\n');
  return `${title}\n\n${spark}\n\n${chart}${notes}`;
}

/** Sums neighbouring buckets so a trend has at most MAX_POINTS points. */
function group(buckets: readonly StatsBucket[]): StatsBucket[] {
  const size = Math.ceil(buckets.length / MAX_POINTS);
  const points: StatsBucket[] = [];
  for (let i = 0; i < buckets.length; i += size) {
    const slice = buckets.slice(i, i + size);
    points.push({ start: slice[0]?.start ?? 0, ...sum(slice) });
  }
  return points;
}

function sparkline(values: readonly (number | undefined)[], min?: number, max?: number): string {
  const known = values.filter((v): v is number => v !== undefined);
  const low = min ?? Math.min(...known);
  const high = max ?? Math.max(...known);
  return values
    .map(v => (v === undefined ? ' ' : BLOCKS[high === low ? BLOCKS.length - 1 : Math.round(((v - low) / (high - low)) * (BLOCKS.length - 1))]))
    .join('');
}

function labelOf(point: StatsBucket | undefined, outcome: StatsOutcome): string {
  if (!point) return '';
  const text = new Date(point.start * 1000).toISOString();
  // Short labels: a day of hourly points must not overlap.
  if (outcome.window.by === 'day') return text.slice(5, 10);
  return outcome.window.by === 'hour' ? `${text.slice(11, 13)}h` : text.slice(11, 16);
}

function percent(value: number | undefined): string {
  return value === undefined ? '—' : `${(value * 100).toFixed(1)}%`;
}

function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${count(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function log(outcome: StatsOutcome, failing: readonly ServiceStats[]): string | undefined {
  for (const s of outcome.services) {
    const figures = s.totals.requests === 0 ? 'no traffic' : `${count(s.totals.requests)} requests, hit ratio ${percent(s.hitRatio)}, 5xx ${percent(s.errorRatio)}`;
    core.info(`${s.serviceId} (${s.serviceName}): ${s.error ?? figures}`);
    if (failing.length > 1) for (const message of [...s.gateFailures, ...(s.error ? [s.error] : [])]) core.error(message);
  }
  const messages = failing.flatMap(s => [...s.gateFailures, ...(s.error ? [s.error] : [])]);
  if (messages.length === 0) return undefined;
  return messages.length === 1 ? messages[0] : `${messages.length} checks failed. First: ${messages[0]}`;
}
