import { expectedMessage } from '../../errors.js';
import type { ComputeAclOp, VclAclOp } from '../../fastly/acls.js';
import type { FastlyApi } from '../../fastly/client.js';
import type { UpdateAclSettings } from '../../inputs/settings.js';
import type { ItemChange, ItemsOutcome, StoreSync } from '../items/outcome.js';
import { newStoreSync } from '../items/sync-items.js';
import { applyAclPlan } from './apply.js';
import { type AclPlan, planComputeAcl, planVclAcl } from './plan.js';

/**
 * A VCL ACL on each service in turn (one that fails is reported and the next
 * still runs), or the one Compute ACL. Each is planned from reads alone, then
 * exactly that plan is written; an empty plan sends nothing.
 */
export async function run(settings: UpdateAclSettings, api: FastlyApi): Promise<ItemsOutcome> {
  const { acl } = settings;
  const targets =
    acl.kind === 'vcl-acl'
      ? settings.serviceIds.map(sid => ({ sid, plan: () => planVclAcl(api, sid, acl, settings.deleteMissing) }))
      : [{ sid: undefined, plan: () => planComputeAcl(api, acl, settings.deleteMissing) }];
  const stores: StoreSync[] = [];
  for (const target of targets) {
    const sync = newStoreSync(acl.kind, target.sid, acl.name);
    try {
      const plan = await target.plan();
      describePlan(sync, plan);
      const applied = await applyAclPlan(api, plan);
      sync.batches = applied.batches;
      sync.failed = [...applied.failed];
      sync.status = settings.dryRun ? 'planned' : sync.failed.length > 0 ? 'failed' : 'synced';
    } catch (error) {
      sync.error = expectedMessage(error);
      sync.status = 'failed';
    }
    stores.push(sync);
  }
  return { mode: settings.mode, stores };
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
