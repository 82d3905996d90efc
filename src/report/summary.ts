import type { PlannedWrite } from '../fastly/transport.js';
import type { ItemFailure, PurgeOutcome, PurgeTarget } from '../modes/purge-outcome.js';
import type { TokenCheck } from '../token-check.js';
import { code, count, details, escape, plural, table, utc } from './html.js';
import { type RunReport, failedCount, isRateLimitLow, itemNoun } from './run-report.js';

/** Caps that keep the summary far below GitHub's 1 MiB whatever the list lengths; the outputs and log hold the rest. */
const MAX_TARGET_ROWS = 100;
const MAX_FAILING_TARGETS = 20;
const MAX_FAILED_ITEMS_SHOWN = 500;
const MAX_REASONS = 20;
const MAX_ITEMS_PER_REASON = 50;
const MAX_ID_ROWS = 100;
const IDS_SHOWN_OPEN = 10;
const MAX_PLANNED_SHOWN = 10;
const MAX_BODY_SHOWN = 2000;

export function renderSummary(report: RunReport): string {
  const outcome = report.outcome;
  const parts = [headline(report)];
  if (report.error !== undefined) parts.push(`<p>❌ ${escape(report.error)}</p>`);
  if (outcome) parts.push(...purgeSections(outcome));
  if (report.dryRun && report.planned) parts.push(planSection(report.planned.shown, report.planned.total));
  parts.push(tokenSection(report.tokenCheck), ...warningLines(report), usageLine(report), rateLimitLine(report));
  return `${parts.filter(part => part !== '').join('\n\n')}\n`;
}

function headline(report: RunReport): string {
  const mode = report.mode === '' ? 'fastly-deploy-action' : `Fastly ${escape(report.mode)}`;
  const outcome = report.outcome;
  if (report.dryRun && report.error === undefined) return `### 🧪 ${mode} (dry run): nothing was sent`;
  if (!outcome) return `### ❌ ${mode}: stopped before any purge`;
  const requested = outcome.targets.reduce((sum, t) => sum + t.requested, 0);
  const failed = failedCount(report);
  if (failed > 0) return `### ❌ ${mode}: ${count(failed)} of ${itemNoun(outcome.mode, requested)} failed`;
  if (report.error !== undefined) return `### ❌ ${mode}: stopped`;
  const how = outcome.mode === 'purge-all' ? 'everything purged on' : `purged (${outcome.soft ? 'soft' : 'hard'})`;
  return outcome.mode === 'purge-all'
    ? `### ✅ ${mode}: ${how} ${itemNoun(outcome.mode, requested)}`
    : `### ✅ ${mode}: ${itemNoun(outcome.mode, requested)} ${how}`;
}

function purgeSections(outcome: PurgeOutcome): string[] {
  return [overview(outcome), targetTable(outcome), failuresSection(outcome.targets), idsSection(outcome)];
}

function overview(outcome: PurgeOutcome): string {
  if (outcome.mode === 'purge-all') {
    return '<p>Purge-all cannot be soft: everything cached for each service is evicted (a hard purge), and the next requests go to the origin.</p>';
  }
  return outcome.soft
    ? '<p>Soft purge: content is marked stale and revalidated with the origin, not evicted.</p>'
    : '<p>Hard purge: content is evicted; the next requests go to the origin.</p>';
}

function targetTable(outcome: PurgeOutcome): string {
  const rows = outcome.targets.slice(0, MAX_TARGET_ROWS).map(target => {
    const failed = outcome.dryRun ? '—' : target.failed.length > 0 ? `❌ ${count(target.failed.length)}` : '0';
    if (outcome.mode === 'purge-all') {
      return [code(target.name), outcome.dryRun ? '🧪 planned' : target.failed.length > 0 ? '❌ failed' : '✅ purged'];
    }
    const row = [code(target.name), count(target.requested), outcome.dryRun ? '—' : count(target.purged.size), failed];
    return outcome.mode === 'purge-keys' ? [...row, count(target.requests)] : row;
  });
  const head = {
    'purge-all': ['Service', 'Purge-all'],
    'purge-keys': ['Service', 'Keys', 'Purged', 'Failed', 'Batches'],
    'purge-urls': ['Host', 'URLs', 'Purged', 'Failed']
  }[outcome.mode];
  const more = outcome.targets.length - rows.length;
  return table(head, rows) + (more > 0 ? `\n\n<p>… and ${plural(more, 'more row')}: see the <code>result</code> output.</p>` : '');
}

function failuresSection(targets: readonly PurgeTarget[]): string {
  const failing = targets.filter(target => target.failed.length > 0);
  if (failing.length === 0) return '';
  let itemBudget = MAX_FAILED_ITEMS_SHOWN;
  const blocks = failing.slice(0, MAX_FAILING_TARGETS).map(target => {
    const rows = [...groupByReason(target.failed)].slice(0, MAX_REASONS).map(([reason, items]) => {
      const shown = items.slice(0, Math.min(MAX_ITEMS_PER_REASON, itemBudget));
      itemBudget -= shown.length;
      const more = items.length > shown.length ? ` … and ${count(items.length - shown.length)} more` : '';
      return [escape(reason), count(items.length), shown.map(code).join(' ') + more];
    });
    return details(`${code(target.name)}: ${plural(target.failed.length, 'failure')}`, table(['Reason', 'Count', 'Items'], rows), true);
  });
  const moreTargets = failing.length - blocks.length;
  const tail = moreTargets > 0 ? ` ${plural(moreTargets, 'more target')} with failures are in the <code>result</code> output.` : '';
  return ['#### Failed', ...blocks, `<p>The step's log lists every failed item.${tail}</p>`].join('\n\n');
}

function groupByReason(failures: readonly ItemFailure[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { item, reason } of failures) {
    const items = groups.get(reason);
    if (items) items.push(item);
    else groups.set(reason, [item]);
  }
  return groups;
}

function idsSection(outcome: PurgeOutcome): string {
  if (outcome.dryRun || outcome.mode === 'purge-all') return '';
  const total = outcome.targets.reduce((sum, t) => sum + t.purged.size, 0);
  if (total === 0) return '';
  const several = outcome.targets.length > 1;
  const rows = outcome.targets
    .flatMap(target => [...target.purged].slice(0, MAX_ID_ROWS).map(([item, id]) => ({ target, item, id })))
    .slice(0, MAX_ID_ROWS)
    .map(({ target, item, id }) => [...(several ? [code(target.name)] : []), code(item), code(id || '—')]);
  const head = [...(several ? [outcome.mode === 'purge-urls' ? 'Host' : 'Service'] : []), outcome.mode === 'purge-urls' ? 'URL' : 'Key', 'Purge ID'];
  const more = total - rows.length;
  const body = table(head, rows) + (more > 0 ? `\n\n<p>… and ${plural(more, 'more purge ID')} in the <code>purge-ids</code> output.</p>` : '');
  return details(`Purge IDs (${count(total)})`, body, total <= IDS_SHOWN_OPEN);
}

function planSection(shown: readonly PlannedWrite[], total: number): string {
  if (total === 0) return '<p>The plan holds no write.</p>';
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
