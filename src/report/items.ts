import * as core from '@actions/core';
import type { ItemChange, ItemsOutcome, StoreSync } from '../modes/items-outcome.js';
import { code, count, details, escape, plural, table } from './html.js';
import { groupByReason } from './group-by-reason.js';
import { MAX_FAILURES_IN_RESULT, type Presented } from './presented.js';

/** Fastly's default cap on items per edge dictionary (raised per account on request). */
const DICTIONARY_ITEM_CAP = 1000;
const VALUES_SHOWN = 10;
const MAX_VALUE_SHOWN = 200;
const MAX_KEYS_LISTED = 500;

export function presentItems(outcome: ItemsOutcome): Presented {
  const failing = outcome.stores.filter(s => s.status === 'failed');
  return {
    failed: failing.length > 0,
    headline: headline(outcome, failing),
    sections: [overview(outcome), ...outcome.stores.map(s => storeSection(outcome, s))],
    result: {
      deleteMissing: outcome.deleteMissing,
      stores: outcome.stores.map(s => {
        const failed = s.failed.slice(0, MAX_FAILURES_IN_RESULT);
        return {
          kind: s.kind,
          ...(s.serviceId ? { serviceId: s.serviceId } : {}),
          name: s.name,
          id: s.id ?? null,
          writeOnly: s.writeOnly,
          status: s.status,
          ...counts(s),
          before: s.before ?? null,
          after: s.after ?? null,
          batches: s.batches,
          failedCount: s.failed.length,
          failed,
          ...(failed.length < s.failed.length ? { failedOmitted: s.failed.length - failed.length } : {}),
          ...(s.error ? { error: s.error } : {})
        };
      })
    },
    outputs: {},
    warnings: outcome.stores.flatMap(capWarning),
    log: () => log(outcome, failing)
  };
}

function counts(s: StoreSync) {
  const of = (action: ItemChange['action']) => s.changes.filter(c => c.action === action).length;
  return { created: of('create'), updated: of('update'), deleted: of('delete'), upserted: of('upsert'), unchanged: s.unchanged };
}

function label(s: StoreSync): string {
  return s.kind === 'dictionary' ? `dictionary '${s.name}' on ${s.serviceId}` : `config store '${s.name}'`;
}

function headline(outcome: ItemsOutcome, failing: readonly StoreSync[]): string {
  const totals = outcome.stores.map(counts).reduce((a, b) => ({
    created: a.created + b.created,
    updated: a.updated + b.updated,
    deleted: a.deleted + b.deleted,
    upserted: a.upserted + b.upserted,
    unchanged: a.unchanged + b.unchanged
  }));
  const parts = [`${count(totals.created)} created`, `${count(totals.updated)} updated`, `${count(totals.deleted)} deleted`];
  if (totals.upserted > 0) parts.push(`${count(totals.upserted)} written blind`);
  parts.push(`${count(totals.unchanged)} unchanged`);
  const [only] = outcome.stores;
  const where = outcome.stores.length === 1 && only ? label(only) : plural(outcome.stores.length, outcome.mode === 'update-dictionary' ? 'dictionary' : 'store', 'dictionaries');
  if (outcome.dryRun) return `nothing was changed; the plan for ${where}: ${parts.join(', ')}`;
  if (failing.length > 0) return `${where}: ${failing.length === 1 && outcome.stores.length === 1 ? 'failed' : `${failing.length} failed`}`;
  return `${where} in the wanted state: ${parts.join(', ')}`;
}

function overview(outcome: ItemsOutcome): string {
  const anyBlind = outcome.stores.some(s => s.writeOnly);
  const head = ['Target', 'Created', 'Updated', 'Deleted', ...(anyBlind ? ['Written blind'] : []), 'Unchanged', 'Items after', outcome.dryRun ? 'Would send' : 'Batches', 'Result'];
  const rows = outcome.stores.map(s => {
    const c = counts(s);
    const result = s.status === 'synced' ? '✅ synced' : s.status === 'planned' ? '🧪 planned' : `❌ ${s.error ? 'stopped' : `${count(s.failed.length)} failed`}`;
    const target = s.kind === 'dictionary' ? `${code(s.name)} on ${code(s.serviceId ?? '')}` : code(s.name);
    return [target, count(c.created), count(c.updated), count(c.deleted), ...(anyBlind ? [count(c.upserted)] : []), count(c.unchanged), s.after === undefined ? '—' : count(s.after), count(s.batches), result];
  });
  const note = outcome.deleteMissing
    ? '<p><code>delete-missing: true</code>: every existing key the wanted state does not name is deleted.</p>'
    : '';
  return `${table(head, rows)}${note ? `\n\n${note}` : ''}`;
}

function storeSection(outcome: ItemsOutcome, s: StoreSync): string {
  const parts: string[] = [];
  if (s.error) parts.push(`<p>❌ ${escape(s.error)}</p>`);
  if (s.writeOnly) parts.push(`<p>${escape(capitalise(label(s)))} is write-only: its items cannot be read, so every wanted key was sent as an upsert, and no value is shown here.</p>`);
  if (s.changes.length > 0) parts.push(changesTable(outcome, s));
  const groups = [...groupByReason(s.failed.map(f => ({ item: f.key, reason: f.reason })))];
  if (groups.length > 0) {
    const rows = groups.map(([reason, keys]) => [escape(reason), count(keys.length), keys.slice(0, 50).map(code).join(' ') + (keys.length > 50 ? ` … and ${count(keys.length - 50)} more` : '')]);
    parts.push(details(`${escape(capitalise(label(s)))}: ${plural(s.failed.length, 'change')} failed`, table(['Reason', 'Count', 'Keys'], rows), true));
  }
  for (const warning of capWarning(s)) parts.push(`<p>⚠️ ${escape(warning)}</p>`);
  return parts.length > 0 ? [`#### ${escape(capitalise(label(s)))}`, ...parts].join('\n\n') : '';
}

function changesTable(outcome: ItemsOutcome, s: StoreSync): string {
  const verb = outcome.dryRun ? 'Would be' : 'Change';
  const word = { create: 'created', update: 'updated', delete: 'deleted', upsert: 'written' } as const;
  const shown = s.changes.slice(0, VALUES_SHOWN).map(c => [code(c.key), word[c.action], valueCell(s, c)]);
  const first = table(['Key', verb, 'Value'], shown);
  const rest = s.changes.slice(VALUES_SHOWN);
  if (rest.length === 0) return first;
  const listed = rest.slice(0, MAX_KEYS_LISTED).map(c => `${code(c.key)} (${word[c.action]})`).join(', ');
  const more = rest.length > MAX_KEYS_LISTED ? ` … and ${count(rest.length - MAX_KEYS_LISTED)} more (see the step's log)` : '';
  return `${first}\n\n${details(`${plural(rest.length, 'more change')}`, `<p>${listed}${more}</p>`)}`;
}

function valueCell(s: StoreSync, c: ItemChange): string {
  if (c.value === undefined) return '—';
  if (s.writeOnly) return '(hidden)';
  return code(c.value.length > MAX_VALUE_SHOWN ? `${c.value.slice(0, MAX_VALUE_SHOWN)}…` : c.value);
}

function capWarning(s: StoreSync): string[] {
  if (s.kind !== 'dictionary' || s.after === undefined || s.after <= DICTIONARY_ITEM_CAP) return [];
  return [
    `Edge dictionary '${s.name}' on ${s.serviceId} will hold ${count(s.after)} items, more than Fastly's default limit of ${count(DICTIONARY_ITEM_CAP)}; ` +
      'unless Fastly raised it for your account, writes past it are refused (a config store has no such limit).'
  ];
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function log(outcome: ItemsOutcome, failing: readonly StoreSync[]): string | undefined {
  for (const s of outcome.stores) {
    const c = counts(s);
    const blind = c.upserted > 0 ? `, ${c.upserted} written blind (write-only)` : '';
    core.info(`${capitalise(label(s))}: ${outcome.dryRun ? 'would make ' : ''}${c.created} created, ${c.updated} updated, ${c.deleted} deleted${blind}, ${c.unchanged} unchanged, in ${plural(s.batches, 'batch', 'batches')}`);
    if (s.changes.length > VALUES_SHOWN) {
      core.startGroup(`All ${s.changes.length} changes to ${label(s)}`);
      for (const change of s.changes) core.info(`${change.action} ${change.key}`);
      core.endGroup();
    }
    if (s.failed.length > 0) {
      core.startGroup(`Failed on ${label(s)}: ${plural(s.failed.length, 'change')}`);
      for (const failure of s.failed) core.info(`${failure.key}: ${failure.reason}`);
      core.endGroup();
    }
    if (failing.length > 1 && s.status === 'failed') core.error(s.error ?? `${capitalise(label(s))}: ${s.failed.length} changes failed. First: ${s.failed[0]?.reason}`);
  }
  const [first] = failing;
  if (!first) return undefined;
  const why =
    first.error ??
    `${count(first.failed.length)} of ${plural(first.changes.length, 'change')} to ${label(first)} failed. First: ${first.failed[0]?.key}: ${first.failed[0]?.reason}`;
  return failing.length === 1 ? why : `${failing.length} of ${outcome.stores.length} ${outcome.mode === 'update-dictionary' ? 'dictionaries' : 'stores'} failed. First: ${why}`;
}
