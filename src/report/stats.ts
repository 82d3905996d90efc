import type { StatsBucket } from '../fastly/stats.js';
import type { ServiceStats, StatsOutcome, StatsTotals } from '../modes/stats/outcome.js';
import { ratio, sum } from '../modes/stats/outcome.js';
import type { StatsSettings } from '../inputs/settings.js';
import { EMPTY, type Html, code, count, escape, html, join, mermaidText, table, utc } from './html.js';
import type { LogLine, Presented } from './presented.js';

/** A trend wider than this is grouped into fewer points: a row of 1,440 minutes reads as noise. */
const MAX_POINTS = 48;
const BLOCKS = '▁▂▃▄▅▆▇█';

export function presentStats(settings: StatsSettings, outcome: StatsOutcome): Presented {
  const failing = outcome.services.filter(s => s.gateFailures.length > 0 || s.error);
  const overall = weightedHitRatio(outcome.services);
  return {
    failed: failing.length > 0,
    headline: headline(outcome, failing, overall),
    sections: [windowLine(settings), figures(settings, outcome), ...outcome.services.map(s => trend(settings, outcome, s))],
    result: {
      window: { from: iso(settings.window.from), to: iso(settings.window.to), by: settings.window.by },
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
    log: logLines(outcome, failing),
    failure: failureMessage(failing)
  };
}

/** Over all services, each service's hit ratio weighted by its requests (the contract's definition). */
function weightedHitRatio(services: readonly ServiceStats[]): number | undefined {
  const rated = services.filter(s => s.hitRatio !== undefined);
  const requests = rated.reduce((total, s) => total + s.totals.requests, 0);
  return ratio(rated.reduce((total, s) => total + (s.hitRatio ?? 0) * s.totals.requests, 0), requests);
}

function headline(outcome: StatsOutcome, failing: readonly ServiceStats[], overall: number | undefined): Html {
  if (failing.length > 0) {
    const [first] = failing;
    return escape(first?.gateFailures[0] ?? first?.error ?? 'failed');
  }
  const requests = outcome.services.reduce((total, s) => total + s.totals.requests, 0);
  if (requests === 0) return html`no traffic in the window`;
  const where = outcome.services.length === 1 ? escape(outcome.services[0]?.serviceName ?? '') : html`${count(outcome.services.length)} services`;
  return html`${where}: ${count(requests)} requests, hit ratio ${percent(overall)}`;
}

function windowLine(settings: StatsSettings): Html {
  const { from, to, by } = settings.window;
  const gates = [
    settings.minHitRatio === undefined ? EMPTY : html`min-hit-ratio ${percent(settings.minHitRatio)}`,
    settings.maxErrorRatio === undefined ? EMPTY : html`max-error-ratio ${percent(settings.maxErrorRatio)}`
  ].filter(Boolean);
  const gateText = gates.length > 0 ? html`; gates: ${join(gates, ', ')}` : EMPTY;
  return html`<p>From ${utc(new Date(from * 1000))} to ${utc(new Date(to * 1000))}, by ${escape(by)}${gateText}. Fastly's most recent buckets arrive 2–15 minutes late.</p>`;
}

function figures(settings: StatsSettings, outcome: StatsOutcome): Html {
  const rows = outcome.services.map(s => row(settings, html`${escape(s.serviceName)}<br>${code(s.serviceId)}`, s.totals, s));
  if (outcome.services.length > 1) {
    const totals = sum(outcome.services.map(s => s.totals));
    const hitRatio = weightedHitRatio(outcome.services);
    rows.push(row(settings, html`<b>Total</b>`, totals, { hitRatio, errorRatio: ratio(totals.status5xx, totals.requests), error: undefined, buckets: [] }));
  }
  const head = [html`Service`, html`Requests`, html`Hit ratio`, html`Miss`, html`Pass`, html`Bandwidth`, html`2xx`, html`3xx`, html`4xx`, html`5xx`, html`5xx share`];
  return table(head, rows);
}

type Figures = Pick<ServiceStats, 'hitRatio' | 'errorRatio' | 'error' | 'buckets'>;

function row(settings: StatsSettings, label: Html, t: StatsTotals, s: Figures): Html[] {
  if (s.error) return [label, html`❌ ${escape(s.error)}`, ...Array<Html>(9).fill(EMPTY)];
  if (t.requests === 0) return [label, html`no traffic`, ...Array<Html>(9).fill(html`—`)];
  const lowHit = settings.minHitRatio !== undefined && s.hitRatio !== undefined && s.hitRatio < settings.minHitRatio;
  const highErr = settings.maxErrorRatio !== undefined && s.errorRatio !== undefined && s.errorRatio > settings.maxErrorRatio;
  const mark = (bad: boolean, text: Html, threshold: number | undefined) => (bad ? html`❌ <b>${text}</b> (limit ${percent(threshold)})` : text);
  return [
    label,
    count(t.requests),
    mark(lowHit, percent(s.hitRatio), settings.minHitRatio),
    count(t.miss),
    count(t.pass),
    bytes(t.bandwidth),
    count(t.status2xx),
    count(t.status3xx),
    count(t.status4xx),
    count(t.status5xx),
    mark(highErr, percent(s.errorRatio), settings.maxErrorRatio)
  ];
}

function trend(settings: StatsSettings, outcome: StatsOutcome, s: ServiceStats): Html {
  if (s.error) return EMPTY;
  const title = html`#### ${escape(s.serviceName)} (${code(s.serviceId)})`;
  const notes = join(s.gateNotes.map(note => html`\n\n<p>⚠️ ${escape(note)}</p>`), '');
  if (s.totals.requests === 0) {
    return html`${title}\n\n<p>No traffic in this window: a new service, a quiet period, or buckets not yet in (they arrive 2–15 minutes late).</p>${notes}`;
  }
  const points = group(s.buckets);
  const requests = points.map(p => p.requests);
  const hitRatios = points.map(p => ratio(p.hits, p.hits + p.miss));
  const spark = table(
    [EMPTY, html`Trend (${points.length} points, ${escape(labelOf(settings, points[0]))} → ${escape(labelOf(settings, points.at(-1)))})`],
    [
      [html`Requests`, code(sparkline(requests))],
      [html`Hit ratio`, code(sparkline(hitRatios, 0, 1))]
    ]
  );
  const top = Math.max(1, ...requests);
  const chart = join(
    [
      html`\`\`\`mermaid`,
      html`xychart-beta`,
      html`  title "${mermaidText(s.serviceName)}: requests (bars), hit ratio (line, top of chart = 100%)"`,
      html`  x-axis [${join(points.map(p => html`"${mermaidText(labelOf(settings, p))}"`), ', ')}]`,
      // From 0, so bars are to scale and the top of the chart is where a 100% hit ratio lies.
      html`  y-axis "Requests" 0 --> ${top}`,
      html`  bar [${mermaidText(requests.join(', '))}]`,
      html`  line [${mermaidText(hitRatios.map(r => Math.round((r ?? 0) * top)).join(', '))}]`,
      html`\`\`\``
    ],
    '\n'
  );
  return html`${title}\n\n${spark}\n\n${chart}${notes}`;
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

function labelOf(settings: StatsSettings, point: StatsBucket | undefined): string {
  if (!point) return '';
  const text = new Date(point.start * 1000).toISOString();
  // Short labels: a day of hourly points must not overlap.
  if (settings.window.by === 'day') return text.slice(5, 10);
  return settings.window.by === 'hour' ? `${text.slice(11, 13)}h` : text.slice(11, 16);
}

function percent(value: number | undefined): Html {
  return value === undefined ? html`—` : escape(`${(value * 100).toFixed(1)}%`);
}

function bytes(n: number): Html {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? html`${count(value)} B` : escape(`${value.toFixed(1)} ${units[unit]}`);
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function logLines(outcome: StatsOutcome, failing: readonly ServiceStats[]): LogLine[] {
  return outcome.services.flatMap((s): LogLine[] => {
    const figures = s.totals.requests === 0 ? 'no traffic' : `${count(s.totals.requests)} requests, hit ratio ${percent(s.hitRatio)}, 5xx ${percent(s.errorRatio)}`;
    const errors = failing.length > 1 ? [...s.gateFailures, ...(s.error ? [s.error] : [])] : [];
    return [{ level: 'info', text: `${s.serviceId} (${s.serviceName}): ${s.error ?? figures}` }, ...errors.map((text): LogLine => ({ level: 'error', text }))];
  });
}

function failureMessage(failing: readonly ServiceStats[]): string | undefined {
  const messages = failing.flatMap(s => [...s.gateFailures, ...(s.error ? [s.error] : [])]);
  if (messages.length === 0) return undefined;
  return messages.length === 1 ? messages[0] : `${messages.length} checks failed. First: ${messages[0]}`;
}
