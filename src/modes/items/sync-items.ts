import { neverSent } from '../../cancel.js';
import { expectedMessage } from '../../errors.js';
import { FastlyError, FastlyNetworkError, FastlyUnconfirmedError } from '../../fastly/errors.js';
import { type ItemOp, MAX_OPS_PER_BATCH } from '../../fastly/items.js';
import { chunks } from '../../pool.js';
import type { WantedItems } from '../../inputs/wanted-items.js';
import { canonicalJson, sha256 } from '../../plan/canonical.js';
import type { ItemsStorePart } from '../../plan/kinds/items-store.js';
import type { Canonical } from '../../plan/plan.js';
import type { ItemChange, ItemsOutcome, StoreSync } from './outcome.js';

export function newStoreSync(kind: StoreSync['kind'], serviceId: string | undefined, name: string): StoreSync {
  return {
    kind,
    serviceId,
    name,
    id: undefined,
    writeOnly: false,
    status: 'failed',
    changes: [],
    unchanged: 0,
    before: undefined,
    after: undefined,
    batches: 0,
    singleWrites: 0,
    failed: [],
    error: undefined,
    read: undefined
  };
}

/** A store's plan and how to carry it out; `patch` is undefined when the plan failed. */
export interface PlannedStore {
  readonly sync: StoreSync;
  readonly patch: ((ops: readonly ItemOp[]) => Promise<void>) | undefined;
  readonly read: (() => Promise<ReadonlyMap<string, string>>) | undefined;
}

export interface ItemsPlan {
  readonly mode: ItemsOutcome['mode'];
  readonly stores: readonly PlannedStore[];
}

/** Each store's planned changes, store after store; a store whose plan failed stays failed. */
export async function applyPlan(plan: ItemsPlan, dryRun: boolean): Promise<ItemsOutcome> {
  for (const { sync, patch, read } of plan.stores) {
    if (patch === undefined) continue;
    try {
      await applyItems(sync, { dryRun, patch, read });
    } catch (error) {
      sync.error = expectedMessage(error);
      sync.status = 'failed';
    }
  }
  return { mode: plan.mode, stores: plan.stores.map(s => s.sync) };
}

export interface ApplyOptions {
  readonly dryRun: boolean;
  readonly patch: (ops: readonly ItemOp[]) => Promise<void>;
  readonly read: (() => Promise<ReadonlyMap<string, string>>) | undefined;
}

/**
 * Sends the planned changes in batches of at most 1000, one after another,
 * counting those that went out. A refused batch fails its keys and the next
 * batch still goes. A batch that failed in doubt (see `mayHaveLanded`) is
 * checked against a fresh read, when `read` can give one: an op whose key is
 * now in its wanted state is done, whatever the answers said. No change sends
 * nothing.
 */
export async function applyItems(sync: StoreSync, options: ApplyOptions): Promise<void> {
  // Upserts before deletes: on a write-only dictionary a delete of a key that is not there fails its whole batch.
  const ops = [...sync.changes].sort((a, b) => Number(a.action === 'delete') - Number(b.action === 'delete')).map(toOp);
  let batches = 0;
  const failed: { key: string; reason: string }[] = [];
  for (const batch of chunks(ops, MAX_OPS_PER_BATCH)) {
    // In a dry run the transport records the batch for the plan and sends nothing.
    try {
      await options.patch(batch);
      batches += 1;
    } catch (error) {
      const reason = expectedMessage(error);
      if (!neverSent(error)) batches += 1;
      const landed = mayHaveLanded(error) && options.read ? await reread(options.read) : undefined;
      const missed = landed === undefined ? batch : batch.filter(op => !inWantedState(op, landed));
      failed.push(...missed.map(op => ({ key: op.item_key, reason })));
    }
  }
  settle(sync, { batches, failed }, options.dryRun);
}

/** What a store's writes came to: the requests that went out, the keys not done, the count after, the status. */
export function settle(
  sync: StoreSync,
  sent: { readonly batches: number; readonly singleWrites?: number; readonly failed: readonly { readonly key: string; readonly reason: string }[] },
  dryRun: boolean
): void {
  sync.batches = sent.batches;
  if (sent.singleWrites !== undefined) sync.singleWrites = sent.singleWrites;
  sync.failed = [...sent.failed];
  settleAfter(sync);
  sync.status = dryRun ? 'planned' : sync.failed.length > 0 ? 'failed' : 'synced';
}

/** The count after a run some of whose changes failed: a create not done is not there, a delete not done still is. */
function settleAfter(sync: StoreSync): void {
  if (sync.after === undefined || sync.failed.length === 0) return;
  const failed = new Set(sync.failed.map(f => f.key));
  for (const change of sync.changes) {
    if (!failed.has(change.key)) continue;
    if (change.action === 'create') sync.after -= 1;
    else if (change.action === 'delete') sync.after += 1;
  }
}

/** The plan part of a store: what was read (as a digest) and every change, values as digests. */
/**
 * `start` is the starting state when the items were not read whole (a KV
 * store's key count and generations, an ACL's version and entry count);
 * otherwise the items read are.
 */
export function itemsPart(sync: StoreSync, start?: Canonical): ItemsStorePart {
  const startingState = start ?? (sync.read === undefined ? undefined : Object.fromEntries(sync.read));
  return {
    kind: 'items-store',
    store: sync.kind,
    serviceId: sync.serviceId,
    name: sync.name,
    id: sync.id,
    before: sync.before,
    beforeSha256: startingState === undefined ? undefined : sha256(canonicalJson(startingState)),
    changes: sync.changes.map(c => ({ key: c.key, action: c.action, valueSha256: valueDigest(c) })),
    unchanged: sync.unchanged,
    error: sync.error
  };
}

function valueDigest({ value, metadata }: ItemChange): string | undefined {
  if (value === undefined) return undefined;
  return sha256(metadata === undefined ? value : canonicalJson({ value, metadata }));
}

/**
 * An earlier attempt may have been applied: its answer was lost or unreadable,
 * Fastly failed with a 5xx, or a retry was refused (a 404 for a delete, a
 * conflict for a create) after an attempt whose answer never came back.
 */
export function mayHaveLanded(error: unknown): boolean {
  if (error instanceof FastlyNetworkError || error instanceof FastlyUnconfirmedError) return true;
  if (!(error instanceof FastlyError)) return false;
  return error.status >= 500 || (error.retries > 0 && error.status !== 429);
}

/** The state now, or undefined when it cannot be read either (then the batch stays failed). */
async function reread(read: () => Promise<ReadonlyMap<string, string>>): Promise<ReadonlyMap<string, string> | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

function inWantedState(op: ItemOp, items: ReadonlyMap<string, string>): boolean {
  return op.op === 'delete' ? !items.has(op.item_key) : items.get(op.item_key) === op.item_value;
}

/** What changes, from the items read (undefined: unreadable, so every wanted value is upserted): the store's plan. */
export function planItems(sync: StoreSync, current: ReadonlyMap<string, string> | undefined, wanted: WantedItems, deleteMissing: boolean): void {
  sync.read = current;
  const changes: ItemChange[] = [];
  let unchanged = 0;
  for (const [key, value] of wanted) {
    if (value === null) {
      if (!current || current.has(key)) changes.push({ key, action: 'delete' });
      else unchanged += 1;
    } else if (!current) changes.push({ key, action: 'upsert', value });
    else if (!current.has(key)) changes.push({ key, action: 'create', value });
    else if (current.get(key) !== value) changes.push({ key, action: 'update', value });
    else unchanged += 1;
  }
  if (deleteMissing && current) {
    for (const key of current.keys()) if (!wanted.has(key)) changes.push({ key, action: 'delete' });
  }
  sync.changes = changes;
  sync.unchanged = unchanged;
  sync.before = current?.size;
  const created = changes.filter(c => c.action === 'create').length;
  const deleted = changes.filter(c => c.action === 'delete').length;
  sync.after = current ? current.size + created - deleted : undefined;
}

function toOp(change: ItemChange): ItemOp {
  return change.action === 'delete'
    ? { op: 'delete', item_key: change.key }
    : { op: 'upsert', item_key: change.key, item_value: change.value ?? '' };
}
