import { neverSent } from '../../cancel.js';
import { expectedMessage } from '../../errors.js';
import type { ComputeAclEntry, ComputeAclOp, VclAclEntry, VclAclOp } from '../../fastly/acls.js';
import type { FastlyApi } from '../../fastly/client.js';
import { type AclBatch, computePrefix, currentPrefix } from '../../inputs/acl-entries.js';
import { mayHaveLanded } from '../items/sync-items.js';
import type { AclPlan } from './plan.js';

export interface AclApplied {
  /** The batches that went out: a cancel keeps the rest from being sent. */
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
  return plan.kind === 'vcl-acl'
    ? applyBatches(vclCalls(api, plan.serviceId, plan.acl.id), plan.diff.batches)
    : applyBatches(computeCalls(api, plan.acl.id), plan.diff.batches);
}

async function applyBatches<Op>(calls: AclCalls<Op>, batches: readonly AclBatch<Op>[]): Promise<AclApplied> {
  const failed: { key: string; reason: string }[] = [];
  let sent = 0;
  for (const batch of batches) {
    try {
      await calls.patch(batch.ops);
      sent += 1;
    } catch (error) {
      const reason = expectedMessage(error);
      if (!neverSent(error)) sent += 1;
      const done = mayHaveLanded(error) ? await landedOps(calls, batch.ops) : undefined;
      batch.keys.forEach((key, at) => {
        if (!done?.has(at)) failed.push({ key, reason });
      });
    }
  }
  return { batches: sent, failed };
}

/** One kind of ACL's batch write, and whether an op of it shows done in a fresh read. */
interface AclCalls<Op> {
  patch(ops: readonly Op[]): Promise<void>;
  /** Each op's "done" in the ACL as it is now. */
  read(): Promise<(op: Op) => boolean>;
}

function vclCalls(api: FastlyApi, sid: string, aclId: string): AclCalls<VclAclOp> {
  return {
    patch: ops => api.patchVclAclEntries(sid, aclId, ops),
    read: async () => {
      const now = await api.listVclAclEntries(sid, aclId);
      return op => vclDone(op, now);
    }
  };
}

function computeCalls(api: FastlyApi, id: string): AclCalls<ComputeAclOp> {
  return {
    patch: ops => api.patchComputeAclEntries(id, ops),
    read: async () => {
      const now = await api.listComputeAclEntries(id);
      return op => computeDone(op, now);
    }
  };
}

/** Which ops of a batch the ACL now shows done; undefined when it cannot be read either. */
async function landedOps<Op>(calls: AclCalls<Op>, ops: readonly Op[]): Promise<Set<number> | undefined> {
  let done: (op: Op) => boolean;
  try {
    done = await calls.read();
  } catch {
    return undefined;
  }
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
