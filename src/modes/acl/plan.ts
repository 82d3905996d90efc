import { ActionError } from '../../errors.js';
import type { AclRef, ComputeAclOp, VclAclOp } from '../../fastly/acls.js';
import type { FastlyApi } from '../../fastly/client.js';
import { type AclDiff, diffComputeAcl, diffVclAcl } from '../../inputs/acl-entries.js';
import type { AclTarget } from '../../inputs/settings.js';

/**
 * What a run would change in one ACL, from reads alone: where it starts (the
 * service's active version for a VCL ACL, the entry count) and every create,
 * update and delete in the batches that will be sent, as plain data.
 * `applyAclPlan` writes exactly this.
 */
export type AclPlan =
  | (AclPlanCommon & { readonly kind: 'vcl-acl'; readonly serviceId: string; readonly version: number; readonly diff: AclDiff<VclAclOp> })
  | (AclPlanCommon & { readonly kind: 'compute-acl'; readonly diff: AclDiff<ComputeAclOp> });

interface AclPlanCommon {
  /** The ACL as asked for (a name, or for a Compute ACL a name or an ID). */
  readonly asked: string;
  readonly acl: AclRef;
  readonly entriesBefore: number;
}

export async function planVclAcl(api: FastlyApi, serviceId: string, target: Extract<AclTarget, { kind: 'vcl-acl' }>, deleteMissing: boolean): Promise<AclPlan> {
  const { activeVersion } = await api.serviceDetails(serviceId);
  if (activeVersion === undefined) {
    throw new ActionError(`Service ${serviceId} has no active version, so it has no ACL '${target.name}' to update`);
  }
  const acl = await api.findVclAcl(serviceId, activeVersion, target.name);
  if (!acl) {
    throw new ActionError(
      `ACL '${target.name}' not found on service ${serviceId} (active version ${activeVersion}); check 'acl', or create it in a version of the service first`
    );
  }
  const current = await api.listVclAclEntries(serviceId, acl.id);
  return {
    kind: 'vcl-acl',
    asked: target.name,
    acl,
    serviceId,
    version: activeVersion,
    entriesBefore: current.length,
    diff: diffVclAcl(target.entries, current, deleteMissing)
  };
}

export async function planComputeAcl(api: FastlyApi, target: Extract<AclTarget, { kind: 'compute-acl' }>, deleteMissing: boolean): Promise<AclPlan> {
  const acl = await api.findComputeAcl(target.name);
  if (!acl) throw new ActionError(`Compute ACL '${target.name}' not found by name or by ID; check 'compute-acl'`);
  const current = await api.listComputeAclEntries(acl.id);
  return { kind: 'compute-acl', asked: target.name, acl, entriesBefore: current.length, diff: diffComputeAcl(target.entries, current, deleteMissing) };
}
