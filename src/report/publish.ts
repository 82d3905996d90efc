import type { ApiUsage, PlannedWrite, PlannedWrites } from '../fastly/transport.js';
import type { RateLimitSnapshot } from '../fastly/rate-limit.js';
import * as log from '../log.js';
import type { ModeRun } from '../modes/index.js';
import { appendSummary } from '../runner.js';
import { scrub } from '../secrets.js';
import type { TokenCheck } from '../token-check.js';
import type { PlanReview } from '../review.js';
import { presentActivation } from './activate.js';
import { MAX_OUTPUT_BYTES, MAX_SUMMARY_BYTES, bytes } from './budget.js';
import { EMPTY, type Html, code, count, escape, flat, html, join, plural, utc } from './html.js';
import { presentItems } from './items.js';
import type { LogLine, Presented } from './presented.js';
import { presentPurge } from './purge.js';
import { presentStats } from './stats.js';

/** Everything a run learned, for the outputs, the summary and the log. */
export interface RunReport {
  readonly mode: string;
  readonly dryRun: boolean;
  readonly tokenCheck: TokenCheck | undefined;
  /** The mode's settings and outcome; absent when the run stopped before its mode finished. */
  readonly run: ModeRun | undefined;
  /** Why the run stopped early, if it did. */
  readonly error: string | undefined;
  readonly rateLimit: RateLimitSnapshot | undefined;
  readonly planned: PlannedWrites | undefined;
  readonly usage: ApiUsage | undefined;
  /** The signal that cancelled the run, if one did. */
  readonly cancelledBy?: string | undefined;
  /** The plan's digest and what became of it on GitHub, for the modes that plan. */
  readonly review?: PlanReview | undefined;
  /** Input warnings; the token check carries its own. */
  readonly warnings: readonly string[];
}

/** Below this share of the hourly budget the summary and log warn. */
export const LOW_RATE_LIMIT_SHARE = 0.1;

export function isRateLimitLow(rateLimit: RateLimitSnapshot | undefined): boolean {
  return rateLimit?.remaining !== undefined && rateLimit.remaining < rateLimit.limit * LOW_RATE_LIMIT_SHARE;
}

/**
 * Sets the outputs, logs what a person needs (every failure, warnings) and
 * writes the job summary. Answers the failure message for main.ts, if any.
 */
export async function publish(report: RunReport): Promise<string | undefined> {
  const presented = report.run && present(report.run);
  for (const [name, value] of Object.entries(outputsFor(report, presented))) log.setOutput(name, value);
  for (const notice of report.tokenCheck?.notices ?? []) log.notice(notice);
  for (const warning of [...report.warnings, ...(report.tokenCheck?.warnings ?? [])]) log.warning(warning);
  for (const warning of presented?.warnings ?? []) log.warning(warning);
  for (const warning of report.review?.warnings ?? []) log.warning(warning);
  if (report.review) log.info(`Plan digest: ${report.review.digest}${report.review.note ? ` (${report.review.note})` : ''}`);
  const rateLimit = report.rateLimit;
  if (isRateLimitLow(rateLimit) && rateLimit?.remaining !== undefined) {
    const reset = rateLimit.reset ? ` (the window resets at ${utc(rateLimit.reset)})` : '';
    log.warning(`Only ${rateLimit.remaining} Fastly API writes are left this hour${reset}.`);
  }
  writeLog(presented?.log ?? []);
  await writeSummary(renderSummary(report, presented));
  const why = report.error ?? presented?.failure;
  if (report.cancelledBy === undefined) return why;
  return `The run was cancelled (${report.cancelledBy}): ${why ?? 'everything asked for had been done'}`;
}

async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    log.info('No GITHUB_STEP_SUMMARY file: the job summary follows in the log.');
    log.infoLines(markdown);
    return;
  }
  await appendSummary(scrub(markdown));
}

function writeLog(lines: readonly LogLine[]): void {
  for (const line of lines) {
    if ('group' in line) {
      log.startGroup(line.group);
      for (const text of line.lines) log.info(text);
      log.endGroup();
    } else if ('annotate' in line) {
      log.annotate(line.annotate, line.text, line);
    } else if (line.level === 'error') {
      log.error(line.text);
    } else {
      log.info(line.text);
    }
  }
}

export function present(run: ModeRun): Presented {
  switch (run.kind) {
    case 'purge':
      return presentPurge(run.settings, run.outcome);
    case 'activate':
      return presentActivation(run.settings, run.outcome);
    case 'items':
      return presentItems(run.settings, run.outcome);
    case 'stats':
      return presentStats(run.settings, run.outcome);
  }
}

const MAX_ERROR_CHARS = 10_000;

/** The outputs every mode sets; each kind of outcome adds its own. */
export function outputsFor(report: RunReport, presented: Presented | undefined): Record<string, string> {
  const outputs = {
    result: JSON.stringify({
      mode: report.mode,
      dryRun: report.dryRun,
      ok: succeeded(report, presented),
      ...(report.error === undefined ? {} : { error: report.error }),
      ...(report.cancelledBy === undefined ? {} : { cancelled: report.cancelledBy }),
      ...presented?.result,
      ...(report.dryRun && report.planned ? { plannedRequests: report.planned.total } : {}),
      rateLimit: {
        remaining: report.rateLimit?.remaining ?? null,
        reset: report.rateLimit?.reset?.toISOString() ?? null
      }
    }),
    ...presented?.outputs,
    ...(report.review ? { 'plan-digest': report.review.digest, 'plan-comment-url': report.review.commentUrl ?? '' } : {}),
    'rate-limit-remaining': report.rateLimit?.remaining === undefined ? '' : String(report.rateLimit.remaining),
    'rate-limit-reset': report.rateLimit?.reset?.toISOString() ?? ''
  };
  if (bytes(outputs.result) >= MAX_OUTPUT_BYTES) outputs.result = cutResult(report, presented, bytes(outputs.result));
  return outputs;
}

/** `ok` in `result`: false whenever the step fails (a cancel fails it too). */
function succeeded(report: RunReport, presented: Presented | undefined): boolean {
  return report.error === undefined && !presented?.failed && report.cancelledBy === undefined;
}

/**
 * The last line of defence for GitHub's 1 MB: the kind's lists already fit
 * their budget, but an error may carry a long input. What every consumer
 * reads stays; the rest is said to be cut.
 */
function cutResult(report: RunReport, presented: Presented | undefined, size: number): string {
  const error = report.error === undefined ? {} : { error: report.error.length > MAX_ERROR_CHARS ? `${report.error.slice(0, MAX_ERROR_CHARS)}…` : report.error };
  return JSON.stringify({
    mode: report.mode,
    dryRun: report.dryRun,
    ok: succeeded(report, presented),
    ...error,
    cut: `The result was ${size} bytes, over GitHub's 1 MB for an output; the job summary and the log have the details.`
  });
}

const MAX_PLANNED_SHOWN = 10;
const MAX_BODY_SHOWN = 2000;

export function renderSummary(report: RunReport, presented: Presented | undefined): Html {
  const parts = [headline(report, presented)];
  if (report.cancelledBy !== undefined) parts.push(cancelSection(report.cancelledBy));
  if (report.error !== undefined) parts.push(html`<p>❌ ${escape(report.error)}</p>`);
  if (presented) parts.push(...presented.sections);
  if (report.review) parts.push(reviewSection(report.review));
  if (report.dryRun && report.planned) parts.push(planSection(report.planned.shown, report.planned.total));
  parts.push(tokenSection(report.tokenCheck), ...warningLines(report), usageLine(report), rateLimitLine(report));
  return html`${join(withinCap(parts.filter(part => part !== '')), '\n\n')}\n`;
}

/**
 * The last line of defence for GitHub's 1 MiB: the lists already fit their
 * budget, but a headline, error or warning may carry a long input. Parts are
 * kept in order while they fit; the rest is said to be cut.
 */
function withinCap(parts: readonly Html[]): Html[] {
  const note = (n: number) => html`<p>… and ${plural(n, 'more part')} of this summary, cut: GitHub drops a summary over 1 MiB. The log has every failure.</p>`;
  const room = MAX_SUMMARY_BYTES - bytes(note(parts.length)) - 2;
  let used = 0;
  const kept: Html[] = [];
  for (const part of parts) {
    used += bytes(part) + 2;
    if (used > room) break;
    kept.push(part);
  }
  return kept.length === parts.length ? kept : [...kept, note(parts.length - kept.length)];
}

function headline(report: RunReport, presented: Presented | undefined): Html {
  const mode = report.mode === '' ? html`fastly-deploy-action` : html`Fastly ${escape(report.mode)}`;
  if (report.cancelledBy !== undefined) {
    return html`### 🛑 ${mode}: cancelled (${escape(report.cancelledBy)}): ${presented ? flat(presented.headline) : html`stopped before any change`}`;
  }
  if (!presented) return html`### ❌ ${mode}: stopped before any change`;
  const text = flat(presented.headline);
  if (report.dryRun && report.error === undefined && !presented.failed) return html`### 🧪 ${mode} (dry run): ${text}`;
  if (presented.failed || report.error !== undefined) return html`### ❌ ${mode}: ${text}`;
  return html`### ✅ ${mode}: ${text}`;
}

function cancelSection(by: string): Html {
  return html`<p>🛑 <b>The run was cancelled</b> (${escape(by)}). Nothing new was started after it; requests in flight were given a moment to finish. Every item not done is listed as not sent because the run was cancelled.</p>`;
}

function planSection(shown: readonly PlannedWrite[], total: number): Html {
  if (total === 0) return EMPTY;
  const blocks = shown.slice(0, MAX_PLANNED_SHOWN).map(write => {
    const headers = Object.entries(write.headers).map(([name, value]) => `${name}: ${value}`);
    const lines = [`${write.method} ${write.path}`, ...headers];
    const body = write.body === undefined ? '' : `\n\n${shortBody(write.body)}`;
    return html`<pre>${escape(lines.join('\n'))}${escape(body)}</pre>`;
  });
  const more = total - blocks.length;
  const tail = more > 0 ? html`\n\n<p>… and ${plural(more, 'more request')} of the same form.</p>` : EMPTY;
  return html`#### Plan: ${plural(total, 'request')} that a real run would send\n\n${join(blocks, '\n')}${tail}`;
}

function reviewSection(review: PlanReview): Html {
  const link = review.commentUrl && /^https?:\/\//.test(review.commentUrl) ? html` (<a href="${escape(review.commentUrl)}">the plan comment</a>)` : EMPTY;
  const note = review.note ? html` ${escape(review.note)}` : EMPTY;
  const warnings = review.warnings.map(w => html`\n\n<p>⚠️ ${escape(w)}</p>`);
  return html`<p>Plan digest ${code(review.digest)}.${note}${link}</p>${join(warnings, '')}`;
}

function shortBody(body: string): string {
  return body.length > MAX_BODY_SHOWN ? `${body.slice(0, MAX_BODY_SHOWN)}… (${count(body.length)} characters in all)` : body;
}

function tokenSection(check: TokenCheck | undefined): Html {
  if (!check) return EMPTY;
  if (check.status === 'skipped') return html`<p>Token check: skipped (<code>token-check: false</code>).</p>`;
  if (check.status === 'not-permitted') return html`<p>Token check: ${escape(check.notices.join(' '))}</p>`;
  const token = check.token;
  if (!token) return EMPTY;
  const scopes = join(token.scopes.map(code), ', ') || html`none`;
  const services = token.services.length > 0 ? html`services ${join(token.services.map(code), ', ')}` : html`all services`;
  const expiry = token.expiresAt ? html`expires ${utc(token.expiresAt)}` : html`no expiry`;
  const name = token.name ? html`${code(token.name)} ` : EMPTY;
  return html`<p>Token ${name}checked: scope ${scopes}; ${services}; ${expiry}.</p>`;
}

function warningLines(report: RunReport): Html[] {
  const warnings = [...report.warnings, ...(report.tokenCheck?.warnings ?? [])];
  return warnings.map(warning => html`<p>⚠️ ${escape(warning)}</p>`);
}

function usageLine(report: RunReport): Html {
  const usage = report.usage;
  if (!usage || usage.requests === 0) return EMPTY;
  const retries = usage.retries > 0 ? html`, ${plural(usage.retries, 'retry', 'retries')} among them` : html`, no retry`;
  const wait = usage.rateLimitWaitMs > 0 ? html`; waited ${escape((usage.rateLimitWaitMs / 1000).toFixed(1))} s for a rate-limit window` : EMPTY;
  return html`<p>Fastly API: ${plural(usage.requests, 'request')} sent${retries}${wait}.</p>`;
}

function rateLimitLine(report: RunReport): Html {
  const rateLimit = report.rateLimit;
  if (rateLimit?.remaining === undefined) {
    return report.dryRun
      ? html`<p>Rate limit: no write was sent, so Fastly reported no figures.</p>`
      : html`<p>Rate limit: Fastly reported no figures in this run.</p>`;
  }
  const reset = rateLimit.reset ? html`; the window resets at ${utc(rateLimit.reset)}` : EMPTY;
  const low = isRateLimitLow(rateLimit) ? html`⚠️ ` : EMPTY;
  return html`<p>${low}Rate limit: ${count(rateLimit.remaining)} API writes left this hour${reset}.</p>`;
}
