import { expectedMessage } from '../../errors.js';
import type { ComputeAclOp, VclAclOp } from '../../fastly/acls.js';
import type { FastlyApi } from '../../fastly/client.js';
import type { UpdateAclSettings } from '../../inputs/settings.js';
import type { ItemChange, ItemsOutcome, StoreSync } from '../items/outcome.js';
import { itemsPart, newStoreSync, settle } from '../items/sync-items.js';
import type { ItemsStorePart } from '../../plan/kinds/items-store.js';
import { applyAclPlan } from './apply.js';
import { type AclPlan, planComputeAcl, planVclAcl } from './plan.js';

/** One ACL's plan; `plan` is undefined when it could not be made (`sync.error` says why). */
export interface PlannedAcl {
  readonly sync: StoreSync;
  readonly plan: AclPlan | undefined;
}

/**
 * A VCL ACL on each service in turn (one that fails is reported and the next
 * still gets its plan), or the one Compute ACL, each planned from reads alone.
 */
export async function plan(settings: UpdateAclSettings, api: FastlyApi): Promise<PlannedAcl[]> {
  const { acl } = settings;
  const targets =
    acl.kind === 'vcl-acl'
      ? settings.serviceIds.map(sid => ({ sid, plan: () => planVclAcl(api, sid, acl, settings.deleteMissing) }))
      : [{ sid: undefined, plan: () => planComputeAcl(api, acl, settings.deleteMissing) }];
  const planned: PlannedAcl[] = [];
  for (const target of targets) {
    const sync = newStoreSync(acl.kind, target.sid, acl.name);
    try {
      const made = await target.plan();
      describePlan(sync, made);
      planned.push({ sync, plan: made });
    } catch (error) {
      sync.error = expectedMessage(error);
      sync.status = 'failed';
      planned.push({ sync, plan: undefined });
    }
  }
  return planned;
}

/** The plan part: the service's active version (for a VCL ACL) and the entry count are the starting state. */
export function planPart({ sync, plan: made }: PlannedAcl): ItemsStorePart {
  return itemsPart(sync, made && { entries: made.entriesBefore, version: made.kind === 'vcl-acl' ? made.version : null });
}

/** Writes exactly each plan, one ACL after another; an empty plan sends nothing. */
export async function apply(settings: UpdateAclSettings, api: FastlyApi, planned: readonly PlannedAcl[]): Promise<ItemsOutcome> {
  for (const { sync, plan: made } of planned) {
    if (!made) continue;
    try {
      settle(sync, await applyAclPlan(api, made), settings.dryRun);
    } catch (error) {
      sync.error = expectedMessage(error);
      sync.status = 'failed';
    }
  }
  return { mode: settings.mode, stores: planned.map(p => p.sync) };
}

function describePlan(sync: StoreSync, plan: AclPlan): void {
  const changes: ItemChange[] = [];
  for (const batch of plan.diff.batches) {
    batch.keys.forEach((key, at) => {
      const op = batch.ops[at];
      if (op) changes.push(changeOf(key, op));
    });
  }
  // In the order a reader expects, not the order the batches send them in.
  const rank = { create: 0, update: 1, delete: 2, upsert: 3 } as const;
  sync.id = plan.acl.id;
  sync.changes = changes.sort((a, b) => rank[a.action] - rank[b.action]);
  sync.unchanged = plan.diff.unchanged;
  sync.before = plan.entriesBefore;
  sync.after = plan.entriesBefore + plan.diff.created.length - plan.diff.deleted.length;
}

/** The entry as a line of `entries` would give it: `!` for negation, `# comment`, or the Compute action. */
function changeOf(key: string, op: VclAclOp | ComputeAclOp): ItemChange {
  if (op.op === 'delete') return { key, action: 'delete' };
  const value = 'action' in op ? op.action : `${op.negated === 1 ? '!' : ''}${key}${op.comment === '' ? '' : ` # ${op.comment}`}`;
  return { key, action: op.op, value };
}
