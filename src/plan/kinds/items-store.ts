import type { PlanSection } from '../../github/plan-comment.js';
import type { PlanKind } from '../kind.js';
import { field, list, record, text } from './read-back.js';

export interface ItemChangePlan {
  readonly key: string;
  readonly action: 'create' | 'update' | 'delete' | 'upsert';
  /** SHA-256 of the new value (absent for a delete): the comment is public, a value need not be. */
  readonly valueSha256: string | undefined;
}

/** `update-dictionary` or `update-config-store` on one store: the items read and what changes. */
export interface ItemsStorePart {
  readonly kind: 'items-store';
  readonly store: 'dictionary' | 'config-store' | 'kv-store' | 'vcl-acl' | 'compute-acl';
  /** The service, for dictionaries. */
  readonly serviceId: string | undefined;
  /** The name asked for. */
  readonly name: string;
  readonly id: string | undefined;
  /** Items read; undefined for a write-only dictionary. */
  readonly before: number | undefined;
  /** SHA-256 over the items read, sorted: the starting state. */
  readonly beforeSha256: string | undefined;
  readonly changes: readonly ItemChangePlan[];
  readonly unchanged: number;
  readonly error: string | undefined;
}

const STORE_NAMES: Readonly<Record<ItemsStorePart['store'], string>> = {
  dictionary: 'edge dictionary',
  'config-store': 'config store',
  'kv-store': 'KV store',
  'vcl-acl': 'ACL',
  'compute-acl': 'Compute ACL'
};

const noun = (store: ItemsStorePart['store'], n: number): string =>
  store === 'vcl-acl' || store === 'compute-acl' ? (n === 1 ? 'entry' : 'entries') : store === 'kv-store' ? (n === 1 ? 'key' : 'keys') : n === 1 ? 'item' : 'items';

/** Keys named in one sentence at most; the rest are counted. */
const KEYS_NAMED = 5;

export const itemsStore: PlanKind<ItemsStorePart> = {
  target: part => (part.serviceId === undefined ? part.name : `${part.serviceId}/${part.name}`),
  changesNothing: part => part.error === undefined && part.changes.length === 0,
  encode: part => ({
    store: part.store,
    id: part.id ?? null,
    before: part.before ?? null,
    state: part.beforeSha256 ?? null,
    changes: [...part.changes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(c => ({ key: c.key, action: c.action, value: c.valueSha256 ?? null })),
    error: part.error ?? null
  }),
  differences(reviewed, fresh) {
    const was = record(reviewed);
    const what = `${STORE_NAMES[fresh.store]} '${fresh.name}'${fresh.serviceId ? ` of ${fresh.serviceId}` : ''}`;
    const out: string[] = [];
    if (field(was, 'id') !== (fresh.id ?? null)) out.push(`the ${what} is another store than the one reviewed`);
    if (field(was, 'state') !== (fresh.beforeSha256 ?? null)) {
      const then = field(was, 'before');
      out.push(`the items of the ${what} changed since the review (${typeof then === 'number' ? then : 'unknown'} then, ${fresh.before ?? 'unknown'} now)`);
    }
    const reviewedChanges = new Map(list(field(was, 'changes')).map(c => [text(field(record(c), 'key')), record(c)]));
    const more = fresh.changes.length - reviewedChanges.size;
    if (more !== 0) {
      const n = Math.abs(more);
      out.push(`${n} ${more > 0 ? 'more' : 'fewer'} ${noun(fresh.store, 1)} ${n === 1 ? 'change' : 'changes'} than reviewed`);
    }
    const differing: string[] = [];
    for (const change of fresh.changes) {
      const before = reviewedChanges.get(change.key);
      reviewedChanges.delete(change.key);
      if (!before) differing.push(`'${change.key}' (${change.action}, not reviewed)`);
      else if (field(before, 'action') !== change.action) differing.push(`'${change.key}' (${change.action}, reviewed as ${text(field(before, 'action'))})`);
      else if (field(before, 'value') !== (change.valueSha256 ?? null)) differing.push(`'${change.key}' (another value than reviewed)`);
    }
    for (const key of reviewedChanges.keys()) differing.push(`'${key}' (reviewed, no longer changed)`);
    if (differing.length > 0) {
      const rest = differing.length > KEYS_NAMED ? ` and ${differing.length - KEYS_NAMED} more` : '';
      out.push(`keys that differ: ${differing.slice(0, KEYS_NAMED).join(', ')}${rest}`);
    }
    return out;
  },
  headline(part) {
    const name = STORE_NAMES[part.store];
    const what = `${name.charAt(0).toUpperCase()}${name.slice(1)} ${part.name}${part.serviceId ? ` (${part.serviceId})` : ''}`;
    if (part.error !== undefined) return `${what}: no plan: ${part.error}`;
    const from = part.before === undefined ? 'write-only, items unknown' : `${part.before} ${noun(part.store, part.before)}`;
    if (part.changes.length === 0) return `${what}: ${from}: already live, nothing to change`;
    const counts = (['create', 'update', 'upsert', 'delete'] as const)
      .map(action => [action, part.changes.filter(c => c.action === action).length] as const)
      .filter(([, n]) => n > 0)
      .map(([action, n]) => `${n} to ${action}`);
    return `${what}: ${from}: ${counts.join(', ')}, ${part.unchanged} unchanged`;
  },
  sections(part): PlanSection[] {
    if (part.changes.length === 0) return [];
    const text = part.changes.map(c => `${c.action === 'delete' ? '-' : c.action === 'create' ? '+' : '~'} ${c.key} (${c.action})`).join('\n');
    return [{ title: `Keys of ${itemsStore.target(part)}`, code: { language: 'diff', text }, collapsed: true }];
  }
};
