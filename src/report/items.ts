import type { ItemChange, ItemsOutcome, StoreSync } from '../modes/items/outcome.js';
import type { ItemsSettings } from '../inputs/settings.js';
import { ByteBudget, RESULT_LIST_BYTES, SUMMARY_LIST_BYTES, bytes, fitting } from './budget.js';
import { EMPTY, type Html, code, count, details, escape, html, join, plural, table } from './html.js';
import { groupByReason } from './group-by-reason.js';
import { type LogLine, MAX_FAILURES_IN_RESULT, type Presented } from './presented.js';

/** Fastly's default cap on items per edge dictionary (raised per account on request). */
const DICTIONARY_ITEM_CAP = 1000;
const VALUES_SHOWN = 10;
const MAX_VALUE_SHOWN = 200;
const MAX_KEYS_LISTED = 500;
const KEYS_PER_REASON = 50;
/** A table row's own tags, counted with its cells. */
const ROW_BYTES = 40;

/** What the report reads of the settings of every store-syncing mode. */
type SyncSettings = Pick<ItemsSettings, 'dryRun' | 'deleteMissing'>;

export function presentItems(settings: SyncSettings, outcome: ItemsOutcome): Presented {
  const failing = outcome.stores.filter(s => s.status === 'failed');
  const lists = new ByteBudget(SUMMARY_LIST_BYTES);
  const resultLists = new ByteBudget(RESULT_LIST_BYTES);
  let failureBudget = MAX_FAILURES_IN_RESULT;
  return {
    failed: failing.length > 0,
    headline: headline(settings, outcome, failing),
    sections: [overview(settings, outcome), ...outcome.stores.map(s => storeSection(settings, outcome, s, lists))],
    result: {
      deleteMissing: settings.deleteMissing,
      stores: outcome.stores.map(s => {
        const failed = s.failed.slice(0, fitting(s.failed.slice(0, Math.max(0, failureBudget)), JSON.stringify, resultLists).shown.length);
        failureBudget -= failed.length;
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
          ...(s.kind === 'kv-store' ? { keyDeletes: s.singleWrites } : {}),
          failedCount: s.failed.length,
          failed,
          ...(failed.length < s.failed.length ? { failedOmitted: s.failed.length - failed.length } : {}),
          ...(s.error ? { error: s.error } : {})
        };
      })
    },
    outputs: {},
    warnings: outcome.stores.flatMap(capWarning),
    log: logLines(settings, outcome, failing),
    failure: failureMessage(outcome, failing)
  };
}

function counts(s: StoreSync) {
  const of = (action: ItemChange['action']) => s.changes.filter(c => c.action === action).length;
  return { created: of('create'), updated: of('update'), deleted: of('delete'), upserted: of('upsert'), unchanged: s.unchanged };
}

function label(s: StoreSync): string {
  switch (s.kind) {
    case 'dictionary':
      return `dictionary '${s.name}' on ${s.serviceId}`;
    case 'config-store':
      return `config store '${s.name}'`;
    case 'kv-store':
      return `KV store '${s.name}'`;
    case 'vcl-acl':
      return `ACL '${s.name}' on ${s.serviceId}`;
    case 'compute-acl':
      return `Compute ACL '${s.name}'`;
  }
}

/** What one target of the mode is called, for counts of several. */
function targetNoun(mode: ItemsOutcome['mode']): [string, string] {
  if (mode === 'update-dictionary') return ['dictionary', 'dictionaries'];
  if (mode === 'update-acl') return ['ACL', 'ACLs'];
  return ['store', 'stores'];
}

/** What the mode's targets hold: dictionary and config-store items, KV keys, ACL entries. */
function itemNoun(mode: ItemsOutcome['mode']): { one: string; heading: string } {
  if (mode === 'update-kv-store') return { one: 'key', heading: 'Keys' };
  if (mode === 'update-acl') return { one: 'entry', heading: 'Entries' };
  return { one: 'key', heading: 'Items' };
}

function headline(settings: SyncSettings, outcome: ItemsOutcome, failing: readonly StoreSync[]): Html {
  const totals = outcome.stores.map(counts).reduce((a, b) => ({
    created: a.created + b.created,
    updated: a.updated + b.updated,
    deleted: a.deleted + b.deleted,
    upserted: a.upserted + b.upserted,
    unchanged: a.unchanged + b.unchanged
  }));
  const parts = [html`${count(totals.created)} created`, html`${count(totals.updated)} updated`, html`${count(totals.deleted)} deleted`];
  if (totals.upserted > 0) parts.push(html`${count(totals.upserted)} written blind`);
  parts.push(html`${count(totals.unchanged)} unchanged`);
  const [only] = outcome.stores;
  const [one, many] = targetNoun(outcome.mode);
  const where = outcome.stores.length === 1 && only ? escape(label(only)) : plural(outcome.stores.length, one, many);
  const differs = outcome.stores.some(s => s.changes.length > 0);
  if (failing.length === 0 && !differs) return html`${where} already live: nothing differs, ${count(totals.unchanged)} unchanged`;
  if (settings.dryRun) return html`nothing was changed; the plan for ${where}: ${join(parts, ', ')}`;
  if (failing.length > 0) return failing.length === 1 && outcome.stores.length === 1 ? html`${where}: failed` : html`${where}: ${count(failing.length)} failed`;
  return html`${where} in the wanted state: ${join(parts, ', ')}`;
}

function overview(settings: SyncSettings, outcome: ItemsOutcome): Html {
  const anyBlind = outcome.stores.some(s => s.writeOnly);
  const head = [html`Target`, html`Created`, html`Updated`, html`Deleted`, ...(anyBlind ? [html`Written blind`] : []), html`Unchanged`, html`${escape(itemNoun(outcome.mode).heading)} after`, settings.dryRun ? html`Would send` : html`Batches`, html`Result`];
  const rows = outcome.stores.map(s => {
    const c = counts(s);
    const result = s.status === 'synced' ? html`✅ synced` : s.status === 'planned' ? html`🧪 planned` : s.error ? html`❌ stopped` : html`❌ ${count(s.failed.length)} failed`;
    const target = s.serviceId !== undefined ? html`${code(s.name)} on ${code(s.serviceId)}` : code(s.name);
    return [target, count(c.created), count(c.updated), count(c.deleted), ...(anyBlind ? [count(c.upserted)] : []), count(c.unchanged), s.after === undefined ? html`—` : count(s.after), count(s.batches), result];
  });
  const note = settings.deleteMissing
    ? html`\n\n<p><code>delete-missing: true</code>: every existing ${escape(itemNoun(outcome.mode).one)} the wanted state does not name is deleted.</p>`
    : EMPTY;
  return html`${table(head, rows)}${note}`;
}

function storeSection(settings: SyncSettings, outcome: ItemsOutcome, s: StoreSync, budget: ByteBudget): Html {
  const parts: Html[] = [];
  if (s.error) parts.push(html`<p>❌ ${escape(s.error)}</p>`);
  if (s.writeOnly) parts.push(html`<p>${capitalisedLabel(s)} is write-only: its items cannot be read, so every wanted key was sent as an upsert, and no value is shown here.</p>`);
  if (s.changes.length > 0) parts.push(changesTable(settings, outcome, s, budget));
  else if (!s.error) parts.push(html`<p>➖ Already live: every wanted ${escape(itemNoun(outcome.mode).one)} is as ${escape(label(s))} has it, so nothing was sent.</p>`);
  const groups = [...groupByReason(s.failed.map(f => ({ item: f.key, reason: f.reason })))];
  if (groups.length > 0) {
    let hidden = 0;
    const rows: Html[][] = [];
    for (const [reason, keys] of groups) {
      const reasonCell = escape(reason);
      if (!budget.take(bytes(reasonCell) + ROW_BYTES)) {
        hidden += keys.length;
        continue;
      }
      const { shown } = fitting(keys.slice(0, KEYS_PER_REASON), code, budget);
      hidden += keys.length - shown.length;
      rows.push([reasonCell, count(keys.length), html`${join(shown, ' ')}${keys.length > shown.length ? html` … and ${count(keys.length - shown.length)} more` : EMPTY}`]);
    }
    const tail = hidden > 0 ? html`\n\n<p>… and ${plural(hidden, 'more failure')}: the log lists them all.</p>` : EMPTY;
    parts.push(details(html`${capitalisedLabel(s)}: ${plural(s.failed.length, 'change')} failed`, html`${table([html`Reason`, html`Count`, html`Keys`], rows)}${tail}`, true));
  }
  for (const warning of capWarning(s)) parts.push(html`<p>⚠️ ${escape(warning)}</p>`);
  return parts.length > 0 ? join([html`#### ${capitalisedLabel(s)}`, ...parts], '\n\n') : EMPTY;
}

function changesTable(settings: SyncSettings, outcome: ItemsOutcome, s: StoreSync, budget: ByteBudget): Html {
  const verb = settings.dryRun ? html`Would be` : html`Change`;
  const word = { create: html`created`, update: html`updated`, delete: html`deleted`, upsert: html`written` } as const;
  const shown = fitting(s.changes.slice(0, VALUES_SHOWN), c => [code(c.key), word[c.action], valueCell(s, c)], budget, ROW_BYTES).shown;
  const first = outcome.mode === 'update-acl' ? table([html`Entry`, verb, html`As written`], shown) : table([html`Key`, verb, html`Value`], shown);
  const rest = s.changes.slice(shown.length);
  if (rest.length === 0) return first;
  const listed = fitting(rest.slice(0, MAX_KEYS_LISTED), c => html`${code(c.key)} (${word[c.action]})`, budget, 2).shown;
  const unlisted = rest.length - listed.length;
  const more = unlisted > 0 ? html` … and ${plural(unlisted, 'more change')}: the log lists them all` : EMPTY;
  return html`${first}\n\n${details(plural(rest.length, 'more change'), html`<p>${join(listed, ', ')}${more}</p>`)}`;
}

function valueCell(s: StoreSync, c: ItemChange): Html {
  if (c.value === undefined) return html`—`;
  if (s.writeOnly) return html`(hidden)`;
  const shown = (text: string) => code(text.length > MAX_VALUE_SHOWN ? `${text.slice(0, MAX_VALUE_SHOWN)}…` : text);
  return c.metadata === undefined ? shown(c.value) : html`${shown(c.value)} · metadata ${shown(c.metadata)}`;
}

function capWarning(s: StoreSync): string[] {
  if (s.kind !== 'dictionary' || s.after === undefined || s.after <= DICTIONARY_ITEM_CAP) return [];
  return [
    `Edge dictionary '${s.name}' on ${s.serviceId} will hold ${count(s.after)} items, more than Fastly's default limit of ${count(DICTIONARY_ITEM_CAP)}; ` +
      'unless Fastly raised it for your account, writes past it are refused (a config store has no such limit).'
  ];
}

function capitalisedLabel(s: StoreSync): Html {
  return escape(capitalise(label(s)));
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function logLines(settings: SyncSettings, outcome: ItemsOutcome, failing: readonly StoreSync[]): LogLine[] {
  return outcome.stores.flatMap(s => {
    const c = counts(s);
    const blind = c.upserted > 0 ? `, ${c.upserted} written blind (write-only)` : '';
    const lines: LogLine[] = [
      {
        level: 'info',
        text: `${capitalise(label(s))}: ${settings.dryRun ? 'would make ' : ''}${c.created} created, ${c.updated} updated, ${c.deleted} deleted${blind}, ${c.unchanged} unchanged, in ${plural(s.batches, 'batch', 'batches')}${singles(s)}`
      }
    ];
    if (s.changes.length > VALUES_SHOWN) {
      lines.push({ group: `All ${s.changes.length} changes to ${label(s)}`, lines: s.changes.map(change => `${change.action} ${change.key}`) });
    }
    if (s.failed.length > 0) {
      lines.push({ group: `Failed on ${label(s)}: ${plural(s.failed.length, 'change')}`, lines: s.failed.map(failure => `${failure.key}: ${failure.reason}`) });
    }
    if (failing.length > 1 && s.status === 'failed') {
      lines.push({ level: 'error', text: s.error ?? `${capitalise(label(s))}: ${s.failed.length} changes failed. First: ${s.failed[0]?.reason}` });
    }
    return lines;
  });
}

/** KV deletes go one request a key: said beside the batches, so the request count adds up. */
function singles(s: StoreSync): string {
  return s.singleWrites > 0 ? ` and ${plural(s.singleWrites, 'single-key delete')}` : '';
}

function failureMessage(outcome: ItemsOutcome, failing: readonly StoreSync[]): string | undefined {
  const [first] = failing;
  if (!first) return undefined;
  const why =
    first.error ??
    `${count(first.failed.length)} of ${plural(first.changes.length, 'change')} to ${label(first)} failed. First: ${first.failed[0]?.key}: ${first.failed[0]?.reason}`;
  return failing.length === 1 ? why : `${failing.length} of ${outcome.stores.length} ${targetNoun(outcome.mode)[1]} failed. First: ${why}`;
}
