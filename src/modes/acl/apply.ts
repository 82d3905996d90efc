import { expectedMessage } from '../../errors.js';
import type { ComputeAclEntry, ComputeAclOp, VclAclEntry, VclAclOp } from '../../fastly/acls.js';
import type { FastlyApi } from '../../fastly/client.js';
import { computePrefix, currentPrefix } from '../../inputs/acl-entries.js';
import { mayHaveLanded } from '../items/sync-items.js';
import type { AclPlan } from './plan.js';

export interface AclApplied {
  readonly batches: number;
  readonly failed: readonly { readonly key: string; readonly reason: string }[];
}

/**
 * Writes exactly the plan's batches, one after another; a refused batch fails
 * its entries and the next one still goes. A batch that failed in doubt (its
 * answer lost, a 5xx) is judged op by op against a fresh read. A Compute ACL
 * applies a batch shortly after its 202, so a read right after may lag: an op
 * not yet visible stays failed, never claimed.
 */
export async function applyAclPlan(api: FastlyApi, plan: AclPlan): Promise<AclApplied> {
  const failed: { key: string; reason: string }[] = [];
  const batches = plan.diff.batches;
  for (const [index, batch] of batches.entries()) {
    try {
      if (plan.kind === 'vcl-acl') await api.patchVclAclEntries(plan.serviceId, plan.acl.id, plan.diff.batches[index]?.ops ?? []);
      else await api.patchComputeAclEntries(plan.acl.id, plan.diff.batches[index]?.ops ?? []);
    } catch (error) {
      const reason = expectedMessage(error);
      const done = mayHaveLanded(error) ? await landedOps(api, plan, index) : undefined;
      batch.keys.forEach((key, at) => {
        if (!done?.has(at)) failed.push({ key, reason });
      });
    }
  }
  return { batches: batches.length, failed };
}

/** Which ops of batch `index` the ACL now shows done; undefined when it cannot be read either. */
async function landedOps(api: FastlyApi, plan: AclPlan, index: number): Promise<Set<number> | undefined> {
  try {
    if (plan.kind === 'vcl-acl') {
      const now = await api.listVclAclEntries(plan.serviceId, plan.acl.id);
      return doneIndexes(plan.diff.batches[index]?.ops ?? [], op => vclDone(op, now));
    }
    const now = await api.listComputeAclEntries(plan.acl.id);
    return doneIndexes(plan.diff.batches[index]?.ops ?? [], op => computeDone(op, now));
  } catch {
    return undefined;
  }
}

function doneIndexes<Op>(ops: readonly Op[], done: (op: Op) => boolean): Set<number> {
  return new Set(ops.flatMap((op, at) => (done(op) ? [at] : [])));
}

function vclDone(op: VclAclOp, now: readonly VclAclEntry[]): boolean {
  if (op.op === 'delete') return !now.some(entry => entry.id === op.id);
  const prefix = `${op.ip}/${op.subnet}`;
  return now.some(entry => currentPrefix(entry.ip, entry.subnet) === prefix && entry.negated === (op.negated === 1) && entry.comment === op.comment);
}

function computeDone(op: ComputeAclOp, now: readonly ComputeAclEntry[]): boolean {
  const target = computePrefix(op.prefix);
  const entry = now.find(e => computePrefix(e.prefix) === target);
  return op.op === 'delete' ? entry === undefined : entry?.action === op.action;
}
