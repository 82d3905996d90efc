import * as core from '@actions/core';
import { MAX_PURGE_IDS_CHARS, type PurgeOutcome, type PurgeTarget, idEntry } from '../modes/purge-outcome.js';
import { code, count, details, escape, plural, table } from './html.js';
import { groupByReason } from './group-by-reason.js';
import { MAX_FAILURES_IN_RESULT, type Presented } from './presented.js';

/** Caps that keep the summary far below GitHub's 1 MiB whatever the list lengths; the outputs and log hold the rest. */
const MAX_TARGET_ROWS = 100;
const MAX_FAILING_TARGETS = 20;
const MAX_FAILED_ITEMS_SHOWN = 500;
const MAX_REASONS = 20;
const MAX_ITEMS_PER_REASON = 50;
const MAX_ID_ROWS = 100;
const IDS_SHOWN_OPEN = 10;

export function presentPurge(outcome: PurgeOutcome): Presented {
  const failed = outcome.targets.reduce((sum, target) => sum + target.failed.length, 0);
  const { json: purgeIds, omitted } = purgeIdsJson(outcome);
  return {
    failed: failed > 0,
    headline: headline(outcome, failed),
    sections: [overview(outcome), ...passesSection(outcome), targetTable(outcome), failuresSection(outcome.targets), idsSection(outcome, omitted)],
    result: resultOf(outcome),
    outputs: {
      'purged-count': String(purgedTotal(outcome)),
      'purge-ids': purgeIds
    },
    warnings:
      omitted > 0 ? [`The purge-ids output leaves out ${count(omitted)} purge IDs: GitHub caps an output at 1 MiB.`] : [],
    log: () => logOutcome(outcome)
  };
}

function headline(outcome: PurgeOutcome, failed: number): string {
  const requested = outcome.targets.reduce((sum, t) => sum + t.requested, 0);
  if (outcome.dryRun) {
    const what = outcome.mode === 'purge-all' ? `everything on ${itemNoun(outcome.mode, requested)}` : itemNoun(outcome.mode, requested);
    return `nothing was sent; the plan purges ${what}`;
  }
  if (failed > 0) return `${count(failed)} of ${itemNoun(outcome.mode, requested)} failed`;
  if (outcome.mode === 'purge-all') return `everything purged on ${itemNoun(outcome.mode, requested)}`;
  return `${itemNoun(outcome.mode, requested)} purged (${outcome.soft ? 'soft' : 'hard'})`;
}

function itemNoun(mode: PurgeOutcome['mode'], n: number): string {
  const noun = { 'purge-keys': 'key', 'purge-urls': 'URL', 'purge-all': 'service' }[mode];
  return `${count(n)} ${n === 1 ? noun : `${noun}s`}`;
}

function resultOf(outcome: PurgeOutcome): Record<string, unknown> {
  let failureBudget = MAX_FAILURES_IN_RESULT;
  const targetJson = (target: PurgeTarget) => {
    const failed = target.failed.slice(0, Math.max(0, failureBudget));
    failureBudget -= failed.length;
    return {
      [target.kind === 'host' ? 'host' : 'serviceId']: target.name,
      requested: target.requested,
      purged: target.purgedCount,
      failedCount: target.failed.length,
      failed,
      ...(failed.length < target.failed.length ? { failedOmitted: target.failed.length - failed.length } : {}),
      requests: target.requests
    };
  };
  const targets = outcome.targets.map(targetJson);
  return {
    ...(outcome.mode === 'purge-all' ? {} : { soft: outcome.soft }),
    ...(outcome.mode === 'purge-urls' ? { hosts: targets } : { services: targets })
  };
}

function overview(outcome: PurgeOutcome): string {
  if (outcome.mode === 'purge-all') {
    return '<p>Purge-all cannot be soft: everything cached for each service is evicted (a hard purge), and the next requests go to the origin.</p>';
  }
  return outcome.soft
    ? '<p>Soft purge: content is marked stale and revalidated with the origin, not evicted.</p>'
    : '<p>Hard purge: content is evicted; the next requests go to the origin.</p>';
}

/** The wait for the origin and the second pass, when asked for: what happened, or in a dry run what would. */
function passesSection(outcome: PurgeOutcome): string[] {
  const parts: string[] = [];
  const waitFor = outcome.waitFor;
  if (waitFor) {
    const what = `${code(waitFor.url)} to serve ${code(waitFor.text)} on 3 consecutive tries`;
    parts.push(
      outcome.waited
        ? `<p>⏳ Waited for ${what}: done after ${plural(outcome.waited.tries, 'try', 'tries')} in ${seconds(outcome.waited.durationMs)}, then purged.</p>`
        : `<p>⏳ A real run would first wait for ${what} (up to ${seconds(waitFor.timeoutMs)}), and purge nothing if it never does.</p>`
    );
  }
  if (outcome.secondPassDelayMs !== undefined) {
    const delay = seconds(outcome.secondPassDelayMs);
    const second = outcome.targets.reduce((sum, t) => ({ purged: sum.purged + (t.secondPass?.purged ?? 0), failed: sum.failed + (t.secondPass?.failed ?? 0) }), { purged: 0, failed: 0 });
    parts.push(
      outcome.dryRun
        ? `<p>🔁 Purge twice: every request would be sent again ${delay} after the first pass (Fastly's advice for services with shielding).</p>`
        : `<p>🔁 Purged twice, ${delay} apart (Fastly's advice for services with shielding): the second pass purged ${count(second.purged)}` +
            `${second.failed > 0 ? `, ${count(second.failed)} failed` : ''}. An item counts as purged when both passes purged it.</p>`
    );
  }
  return parts;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function targetTable(outcome: PurgeOutcome): string {
  const rows = outcome.targets.slice(0, MAX_TARGET_ROWS).map(target => {
    const failed = outcome.dryRun ? '—' : target.failed.length > 0 ? `❌ ${count(target.failed.length)}` : '0';
    if (outcome.mode === 'purge-all') {
      return [code(target.name), outcome.dryRun ? '🧪 planned' : target.failed.length > 0 ? '❌ failed' : '✅ purged'];
    }
    const row = [code(target.name), count(target.requested), outcome.dryRun ? '—' : count(target.purgedCount), failed];
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


/** `omitted`: purge IDs the purge-ids output leaves out. */
function idsSection(outcome: PurgeOutcome, omitted: number): string {
  if (outcome.dryRun || outcome.mode === 'purge-all') return '';
  const total = purgedTotal(outcome);
  if (total === 0) return '';
  const several = outcome.targets.length > 1;
  const rows: string[][] = [];
  for (const target of outcome.targets) {
    for (const [item, id] of target.ids) {
      if (rows.length === MAX_ID_ROWS) break;
      rows.push([...(several ? [code(target.name)] : []), code(item), code(id || '—')]);
    }
  }
  const head = [...(several ? [outcome.mode === 'purge-urls' ? 'Host' : 'Service'] : []), outcome.mode === 'purge-urls' ? 'URL' : 'Key', 'Purge ID'];
  const more = total - rows.length;
  const where =
    omitted === 0
      ? ' in the <code>purge-ids</code> output'
      : `; the <code>purge-ids</code> output holds the first ${count(total - omitted)} (GitHub caps an output at 1 MiB)`;
  const body = table(head, rows) + (more > 0 ? `\n\n<p>… and ${plural(more, 'more purge ID')}${where}.</p>` : '');
  return details(`Purge IDs (${count(total)})`, body, total <= IDS_SHOWN_OPEN);
}

function purgeIdsJson(outcome: PurgeOutcome): { json: string; omitted: number } {
  if (outcome.mode === 'purge-all') return { json: '{}', omitted: 0 };
  const entries: string[] = [];
  let size = 2;
  for (const target of outcome.targets) {
    for (const [item, id] of target.ids) {
      const entry = idEntry(item, id);
      if (size + entry.length + 1 > MAX_PURGE_IDS_CHARS) continue;
      entries.push(entry);
      size += entry.length + 1;
    }
  }
  return { json: `{${entries.join(',')}}`, omitted: purgedTotal(outcome) - entries.length };
}

function purgedTotal(outcome: PurgeOutcome): number {
  return outcome.targets.reduce((sum, target) => sum + target.purgedCount, 0);
}

/**
 * One line per target, so a run that went well still leaves a readable log;
 * then every failed item. Answers the step's failure message, if any.
 */
function logOutcome(outcome: PurgeOutcome): string | undefined {
  const twice = outcome.secondPassDelayMs === undefined ? '' : `, twice ${seconds(outcome.secondPassDelayMs)} apart`;
  const how = `${outcome.mode === 'purge-all' ? 'hard, purge-all' : outcome.soft ? 'soft' : 'hard'}${twice}`;
  for (const target of outcome.targets) {
    const what = outcome.mode === 'purge-all' ? 'everything' : itemNoun(outcome.mode, target.requested);
    const line = outcome.dryRun
      ? `${target.name}: would purge ${what} (${how}) in ${plural(target.requests, 'request')}`
      : `${target.name}: purged ${outcome.mode === 'purge-all' ? what : `${target.purgedCount} of ${what}`} (${how})` +
        (target.failed.length > 0 ? `; ${target.failed.length} failed` : '');
    core.info(line);
  }
  const failing = outcome.targets.filter(target => target.failed.length > 0);
  for (const target of failing) {
    core.startGroup(`Failed on ${target.name}: ${itemNoun(outcome.mode, target.failed.length)}`);
    for (const failure of target.failed) core.info(`${failure.item}: ${failure.reason}`);
    core.endGroup();
    // With one failing target the step's own error says the same; annotate each only when there are several.
    if (failing.length > 1) {
      core.error(`${target.name}: ${target.failed.length} of ${itemNoun(outcome.mode, target.requested)} failed. First: ${target.failed[0]?.reason}`);
    }
  }
  const first = failing[0]?.failed[0];
  if (!first) return undefined;
  const failed = failing.reduce((sum, target) => sum + target.failed.length, 0);
  const requested = outcome.targets.reduce((sum, target) => sum + target.requested, 0);
  const what = `${failed} of ${itemNoun(outcome.mode, requested)} failed to purge`;
  return failed === 1
    ? `${what}: ${first.item}: ${first.reason}`
    : `${what} (the job summary groups them by reason). First: ${first.item}: ${first.reason}`;
}
