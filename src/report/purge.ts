import { MAX_PURGE_IDS_BYTES, type PurgeOutcome, type PurgeTarget, idEntry } from '../modes/purge/outcome.js';
import type { PurgeSettings } from '../inputs/settings.js';
import { ByteBudget, RESULT_LIST_BYTES, SUMMARY_LIST_BYTES, bytes, fitting } from './budget.js';
import { EMPTY, type Html, code, count, details, escape, html, join, plural, table } from './html.js';
import { groupByReason } from './group-by-reason.js';
import { type LogLine, MAX_FAILURES_IN_RESULT, type Presented } from './presented.js';

/** Caps that keep the summary readable; its bytes are capped by the run's ByteBudget. The outputs and log hold the rest. */
const MAX_TARGET_ROWS = 100;
const MAX_FAILING_TARGETS = 20;
const MAX_REASONS = 20;
const MAX_ITEMS_PER_REASON = 50;
const MAX_ID_ROWS = 100;
const IDS_SHOWN_OPEN = 10;
/** A table row's own tags, counted with its cells. */
const ROW_BYTES = 40;

export function presentPurge(settings: PurgeSettings, outcome: PurgeOutcome): Presented {
  const failed = outcome.targets.reduce((sum, target) => sum + target.failed.length, 0);
  const { json: purgeIds, omitted } = purgeIdsJson(outcome);
  const lists = new ByteBudget(SUMMARY_LIST_BYTES);
  return {
    failed: failed > 0,
    headline: headline(settings, outcome, failed),
    sections: [overview(settings), ...passesSection(settings, outcome), targetTable(settings, outcome), failuresSection(outcome.targets, lists), idsSection(settings, outcome, omitted, lists)],
    result: resultOf(settings, outcome),
    outputs: {
      'purged-count': String(purgedTotal(outcome)),
      'purge-ids': purgeIds
    },
    warnings:
      omitted > 0 ? [`The purge-ids output leaves out ${count(omitted)} purge IDs: GitHub caps an output at 1 MB.`] : [],
    log: logLines(settings, outcome),
    failure: failureMessage(outcome)
  };
}

function headline(settings: PurgeSettings, outcome: PurgeOutcome, failed: number): Html {
  const requested = outcome.targets.reduce((sum, t) => sum + t.requested, 0);
  const items = itemNoun(settings.mode, requested);
  if (settings.dryRun) {
    const what = settings.mode === 'purge-all' ? html`everything on ${items}` : items;
    return html`nothing was sent; the plan purges ${what}`;
  }
  if (failed > 0) return html`${count(failed)} of ${items} failed`;
  if (settings.mode === 'purge-all') return html`everything purged on ${items}`;
  return settings.soft ? html`${items} purged (soft)` : html`${items} purged (hard)`;
}

function itemNoun(mode: PurgeOutcome['mode'], n: number): Html {
  const noun = { 'purge-keys': 'key', 'purge-urls': 'URL', 'purge-all': 'service' }[mode];
  return plural(n, noun);
}

function resultOf(settings: PurgeSettings, outcome: PurgeOutcome): Record<string, unknown> {
  let failureBudget = MAX_FAILURES_IN_RESULT;
  const listBytes = new ByteBudget(RESULT_LIST_BYTES);
  const targetJson = (target: PurgeTarget) => {
    const failed = target.failed.slice(0, fitting(target.failed.slice(0, Math.max(0, failureBudget)), JSON.stringify, listBytes).shown.length);
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
    ...(settings.mode === 'purge-all' ? {} : { soft: settings.soft }),
    ...(settings.mode === 'purge-urls' ? { hosts: targets } : { services: targets })
  };
}

function overview(settings: PurgeSettings): Html {
  const where =
    settings.environment !== 'staging'
      ? EMPTY
      : settings.mode === 'purge-urls'
        ? html`<p>🧪 On Fastly's <b>staging</b> environment: each URL was sent as <code>PURGE</code> to the staging IP of its host, read from the staged version's domains; production's cache was not purged.</p>
`
        : html`<p>🧪 On Fastly's <b>staging</b> environment (<code>Fastly-Purge-Environment: staging</code>): production's cache was not purged. An account where Fastly does not act on that header purges production instead.</p>
`;
  if (settings.mode === 'purge-all') {
    return html`${where}<p>Purge-all cannot be soft: everything cached for each service is evicted (a hard purge), and the next requests go to the origin.</p>`;
  }
  return settings.soft
    ? html`${where}<p>Soft purge: content is marked stale and revalidated with the origin, not evicted.</p>`
    : html`${where}<p>Hard purge: content is evicted; the next requests go to the origin.</p>`;
}

/** The wait for the origin and the second pass, when asked for: what happened, or in a dry run what would. */
function passesSection(settings: PurgeSettings, outcome: PurgeOutcome): Html[] {
  const parts: Html[] = [];
  const waitFor = settings.waitFor;
  if (waitFor) {
    const what = html`${code(waitFor.url)} to serve ${code(waitFor.text)} on 3 consecutive tries`;
    parts.push(
      outcome.waited
        ? html`<p>⏳ Waited for ${what}: done after ${plural(outcome.waited.tries, 'try', 'tries')} in ${seconds(outcome.waited.durationMs)}, then purged.</p>`
        : html`<p>⏳ A real run would first wait for ${what} (up to ${seconds(waitFor.timeoutMs)}), and purge nothing if it never does.</p>`
    );
  }
  if (outcome.secondPassCancelled) {
    parts.push(html`<p>🔁 The second pass was not sent: the run was cancelled before it. What the first pass purged is counted.</p>`);
  } else if (settings.secondPassDelayMs !== undefined) {
    const delay = seconds(settings.secondPassDelayMs);
    const second = outcome.targets.reduce((sum, t) => ({ purged: sum.purged + (t.secondPass?.purged ?? 0), failed: sum.failed + (t.secondPass?.failed ?? 0) }), { purged: 0, failed: 0 });
    parts.push(
      settings.dryRun
        ? html`<p>🔁 Purge twice: every request would be sent again ${delay} after the first pass (Fastly's advice for services with shielding).</p>`
        : html`<p>🔁 Purged twice, ${delay} apart (Fastly's advice for services with shielding): the second pass purged ${count(second.purged)}${second.failed > 0 ? html`, ${count(second.failed)} failed` : EMPTY}. An item counts as purged when both passes purged it.</p>`
    );
  }
  return parts;
}

function seconds(ms: number): Html {
  return html`${Number((ms / 1000).toFixed(1))} s`;
}

function targetTable(settings: PurgeSettings, outcome: PurgeOutcome): Html {
  const rows = outcome.targets.slice(0, MAX_TARGET_ROWS).map(target => {
    const failed = settings.dryRun ? html`—` : target.failed.length > 0 ? html`❌ ${count(target.failed.length)}` : html`0`;
    if (settings.mode === 'purge-all') {
      return [code(target.name), settings.dryRun ? html`🧪 planned` : target.failed.length > 0 ? html`❌ failed` : html`✅ purged`];
    }
    const row = [code(target.name), count(target.requested), settings.dryRun ? html`—` : count(target.purgedCount), failed];
    return settings.mode === 'purge-keys' ? [...row, count(target.requests)] : row;
  });
  const head = {
    'purge-all': [html`Service`, html`Purge-all`],
    'purge-keys': [html`Service`, html`Keys`, html`Purged`, html`Failed`, html`Batches`],
    'purge-urls': [html`Host`, html`URLs`, html`Purged`, html`Failed`]
  }[settings.mode];
  const more = outcome.targets.length - rows.length;
  return html`${table(head, rows)}${more > 0 ? html`\n\n<p>… and ${plural(more, 'more row')}: see the <code>result</code> output.</p>` : EMPTY}`;
}

function failuresSection(targets: readonly PurgeTarget[], budget: ByteBudget): Html {
  const failing = targets.filter(target => target.failed.length > 0);
  if (failing.length === 0) return EMPTY;
  const total = failing.reduce((sum, target) => sum + target.failed.length, 0);
  let shownCount = 0;
  const blocks: Html[] = [];
  for (const target of failing.slice(0, MAX_FAILING_TARGETS)) {
    const rows: Html[][] = [];
    for (const [reason, items] of [...groupByReason(target.failed)].slice(0, MAX_REASONS)) {
      const reasonCell = escape(reason);
      if (!budget.take(bytes(reasonCell) + ROW_BYTES)) break;
      const { shown } = fitting(items.slice(0, MAX_ITEMS_PER_REASON), code, budget);
      shownCount += shown.length;
      const more = items.length > shown.length ? html` … and ${count(items.length - shown.length)} more` : EMPTY;
      rows.push([reasonCell, count(items.length), html`${join(shown, ' ')}${more}`]);
    }
    if (rows.length === 0) break;
    blocks.push(details(html`${code(target.name)}: ${plural(target.failed.length, 'failure')}`, table([html`Reason`, html`Count`, html`Items`], rows), true));
  }
  const hidden = total - shownCount;
  const moreTargets = failing.length - blocks.length;
  const where = moreTargets > 0 ? html` ${plural(moreTargets, 'more target')} with failures are in the <code>result</code> output.` : EMPTY;
  const tail =
    hidden > 0
      ? html`<p>… and ${plural(hidden, 'more failure')}: the log lists them all.${where}</p>`
      : html`<p>The step's log lists every failed item.${where}</p>`;
  return join([html`#### Failed`, ...blocks, tail], '\n\n');
}

/** `omitted`: purge IDs the purge-ids output leaves out. */
function idsSection(settings: PurgeSettings, outcome: PurgeOutcome, omitted: number, budget: ByteBudget): Html {
  if (settings.dryRun || settings.mode === 'purge-all') return EMPTY;
  const total = purgedTotal(outcome);
  if (total === 0) return EMPTY;
  const several = outcome.targets.length > 1;
  const rows: Html[][] = [];
  for (const target of outcome.targets) {
    for (const [item, id] of target.ids) {
      if (rows.length === MAX_ID_ROWS) break;
      const row = [...(several ? [code(target.name)] : []), code(item), code(id || '—')];
      if (!budget.take(row.reduce((sum, cell) => sum + bytes(cell), ROW_BYTES))) break;
      rows.push(row);
    }
  }
  const head = [...(several ? [settings.mode === 'purge-urls' ? html`Host` : html`Service`] : []), settings.mode === 'purge-urls' ? html`URL` : html`Key`, html`Purge ID`];
  const more = total - rows.length;
  const where =
    omitted === 0
      ? html` in the <code>purge-ids</code> output`
      : html`; the <code>purge-ids</code> output holds the first ${count(total - omitted)} (GitHub caps an output at 1 MB)`;
  const body = html`${table(head, rows)}${more > 0 ? html`\n\n<p>… and ${plural(more, 'more purge ID')}${where}.</p>` : EMPTY}`;
  return details(html`Purge IDs (${count(total)})`, body, total <= IDS_SHOWN_OPEN);
}

function purgeIdsJson(outcome: PurgeOutcome): { json: string; omitted: number } {
  if (outcome.mode === 'purge-all') return { json: '{}', omitted: 0 };
  const entries: string[] = [];
  let size = 2;
  for (const target of outcome.targets) {
    for (const [item, id] of target.ids) {
      const entry = idEntry(item, id);
      const entryBytes = bytes(entry) + 1;
      if (size + entryBytes > MAX_PURGE_IDS_BYTES) continue;
      entries.push(entry);
      size += entryBytes;
    }
  }
  return { json: `{${entries.join(',')}}`, omitted: purgedTotal(outcome) - entries.length };
}

function purgedTotal(outcome: PurgeOutcome): number {
  return outcome.targets.reduce((sum, target) => sum + target.purgedCount, 0);
}

/**
 * One line per target, so a run that went well still leaves a readable log;
 * then every failed item.
 */
function logLines(settings: PurgeSettings, outcome: PurgeOutcome): LogLine[] {
  const twice = settings.secondPassDelayMs === undefined ? '' : `, twice ${seconds(settings.secondPassDelayMs)} apart`;
  const how = `${settings.mode === 'purge-all' ? 'hard, purge-all' : settings.soft ? 'soft' : 'hard'}${twice}`;
  const lines: LogLine[] = [];
  for (const target of outcome.targets) {
    const what = settings.mode === 'purge-all' ? 'everything' : itemNoun(settings.mode, target.requested);
    const line = settings.dryRun
      ? `${target.name}: would purge ${what} (${how}) in ${plural(target.requests, 'request')}`
      : `${target.name}: purged ${settings.mode === 'purge-all' ? what : `${target.purgedCount} of ${what}`} (${how})` +
        (target.failed.length > 0 ? `; ${target.failed.length} failed` : '');
    lines.push({ level: 'info', text: line });
  }
  const failing = outcome.targets.filter(target => target.failed.length > 0);
  for (const target of failing) {
    lines.push({ group: `Failed on ${target.name}: ${itemNoun(settings.mode, target.failed.length)}`, lines: target.failed.map(failure => `${failure.item}: ${failure.reason}`) });
    // With one failing target the step's own error says the same; annotate each only when there are several.
    if (failing.length > 1) {
      lines.push({ level: 'error', text: `${target.name}: ${target.failed.length} of ${itemNoun(settings.mode, target.requested)} failed. First: ${target.failed[0]?.reason}` });
    }
  }
  return lines;
}

function failureMessage(outcome: PurgeOutcome): string | undefined {
  const failing = outcome.targets.filter(target => target.failed.length > 0);
  const first = failing[0]?.failed[0];
  if (!first) return undefined;
  const failed = failing.reduce((sum, target) => sum + target.failed.length, 0);
  const requested = outcome.targets.reduce((sum, target) => sum + target.requested, 0);
  const what = `${failed} of ${itemNoun(outcome.mode, requested)} failed to purge`;
  return failed === 1
    ? `${what}: ${first.item}: ${first.reason}`
    : `${what} (the job summary groups them by reason). First: ${first.item}: ${first.reason}`;
}
