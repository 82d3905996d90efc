import type { PlannedWrite } from '../fastly/transport.js';
import type { TokenCheck } from '../token-check.js';
import { code, count, escape, plural, utc } from './html.js';
import type { Presented } from './presented.js';
import { type RunReport, isRateLimitLow } from './run-report.js';

const MAX_PLANNED_SHOWN = 10;
const MAX_BODY_SHOWN = 2000;

export function renderSummary(report: RunReport, presented: Presented | undefined): string {
  const parts = [headline(report, presented)];
  if (report.error !== undefined) parts.push(`<p>❌ ${escape(report.error)}</p>`);
  if (presented) parts.push(...presented.sections);
  if (report.dryRun && report.planned) parts.push(planSection(report.planned.shown, report.planned.total));
  parts.push(tokenSection(report.tokenCheck), ...warningLines(report), usageLine(report), rateLimitLine(report));
  return `${parts.filter(part => part !== '').join('\n\n')}\n`;
}

function headline(report: RunReport, presented: Presented | undefined): string {
  const mode = report.mode === '' ? 'fastly-deploy-action' : `Fastly ${escape(report.mode)}`;
  if (!presented) return `### ❌ ${mode}: stopped before any change`;
  if (report.dryRun && report.error === undefined && !presented.failed) return `### 🧪 ${mode} (dry run): ${presented.headline}`;
  if (presented.failed || report.error !== undefined) return `### ❌ ${mode}: ${presented.headline}`;
  return `### ✅ ${mode}: ${presented.headline}`;
}

function planSection(shown: readonly PlannedWrite[], total: number): string {
  if (total === 0) return '';
  const blocks = shown.slice(0, MAX_PLANNED_SHOWN).map(write => {
    const headers = Object.entries(write.headers).map(([name, value]) => `${name}: ${value}`);
    const lines = [`${write.method} ${write.path}`, ...headers];
    const body = write.body === undefined ? '' : `\n\n${shortBody(write.body)}`;
    return `<pre>${escape(lines.join('\n'))}${escape(body)}</pre>`;
  });
  const more = total - blocks.length;
  const tail = more > 0 ? `\n\n<p>… and ${plural(more, 'more request')} of the same form.</p>` : '';
  return `#### Plan: ${plural(total, 'request')} that a real run would send\n\n${blocks.join('\n')}${tail}`;
}

function shortBody(body: string): string {
  return body.length > MAX_BODY_SHOWN ? `${body.slice(0, MAX_BODY_SHOWN)}… (${count(body.length)} characters in all)` : body;
}

function tokenSection(check: TokenCheck | undefined): string {
  if (!check) return '';
  if (check.status === 'skipped') return '<p>Token check: skipped (<code>token-check: false</code>).</p>';
  if (check.status === 'not-permitted') return `<p>Token check: ${escape(check.notices.join(' '))}</p>`;
  const token = check.token;
  if (!token) return '';
  const scopes = token.scopes.map(code).join(', ') || 'none';
  const services = token.services.length > 0 ? `services ${token.services.map(code).join(', ')}` : 'all services';
  const expiry = token.expiresAt ? `expires ${utc(token.expiresAt)}` : 'no expiry';
  const name = token.name ? `${code(token.name)} ` : '';
  return `<p>Token ${name}checked: scope ${scopes}; ${services}; ${expiry}.</p>`;
}

function warningLines(report: RunReport): string[] {
  const warnings = [...report.warnings, ...(report.tokenCheck?.warnings ?? [])];
  return warnings.map(warning => `<p>⚠️ ${escape(warning)}</p>`);
}

function usageLine(report: RunReport): string {
  const usage = report.usage;
  if (!usage || usage.requests === 0) return '';
  const retries = usage.retries > 0 ? `, ${plural(usage.retries, 'retry', 'retries')} among them` : ', no retry';
  const wait = usage.rateLimitWaitMs > 0 ? `; waited ${(usage.rateLimitWaitMs / 1000).toFixed(1)} s for a rate-limit window` : '';
  return `<p>Fastly API: ${plural(usage.requests, 'request')} sent${retries}${wait}.</p>`;
}

function rateLimitLine(report: RunReport): string {
  const rateLimit = report.rateLimit;
  if (rateLimit?.remaining === undefined) {
    return report.dryRun
      ? '<p>Rate limit: no write was sent, so Fastly reported no figures.</p>'
      : '<p>Rate limit: Fastly reported no figures in this run.</p>';
  }
  const reset = rateLimit.reset ? `; the window resets at ${utc(rateLimit.reset)}` : '';
  const low = isRateLimitLow(rateLimit) ? '⚠️ ' : '';
  return `<p>${low}Rate limit: ${count(rateLimit.remaining)} API writes left this hour${reset}.</p>`;
}
