import { ActionError } from '../../errors.js';
import type { FastlyApi } from '../../fastly/client.js';
import type { PackageMetadata } from '../../fastly/packages.js';
import type { ComputePackage } from '../../inputs/compute-package.js';
import type { PackageChange, PackageFacts } from './outcome.js';

/**
 * A Compute package as a content step, in the shape of the VCL one: read what
 * is live, plan against it, upload into the clone. The live read comes before
 * the clone, because an unchanged package deploys nothing at all.
 */
export async function planPackage(api: FastlyApi, sid: string, base: number, wanted: ComputePackage): Promise<PackageChange> {
  const live = await api.getPackage(sid, base);
  const before = live && factsOf(live);
  const same = before?.filesHash !== undefined && before.filesHash === wanted.filesHash;
  return { path: wanted.path, before, after: factsOf(wanted), action: same ? 'unchanged' : 'upload', uploaded: false };
}

/**
 * Uploads into the clone what the plan says differs. Sending it again into
 * the same draft only replaces the draft's package, so the client may repeat
 * it; Fastly's files hash must then be the one computed here, or the draft
 * holds something else than what was read and is not activated.
 */
export async function uploadPackage(api: FastlyApi, sid: string, clone: number, base: number, wanted: ComputePackage, plan: PackageChange): Promise<PackageChange> {
  if (plan.action === 'unchanged') return plan;
  const left = `version ${clone}, cloned from ${base}, was left as a draft and nothing was activated`;
  let answer;
  try {
    answer = await api.uploadPackage(sid, clone, wanted.path);
  } catch (error) {
    // A defect stays one, for main.ts to report with its stack.
    if (!(error instanceof ActionError)) throw error;
    throw new ActionError(`Uploading the package '${wanted.path}' failed: ${error.message}; ${left}`);
  }
  if (answer === undefined) return plan;
  if (answer.filesHash !== wanted.filesHash) {
    throw new ActionError(
      `Fastly took the package '${wanted.path}' into version ${clone} of ${sid} with the files hash ${short(answer.filesHash)}, ` +
        `but it hashes to ${short(wanted.filesHash)} here: the upload is not the package that was read; ${left}. ` +
        'Re-run the deploy; if it happens again, rebuild the package.'
    );
  }
  return { ...plan, after: { ...factsOf(answer), filesHash: answer.filesHash }, uploaded: true };
}

/** The first 12 hex digits: enough to tell packages apart at a glance; the result output has the whole hash. */
export function short(hash: string | undefined): string {
  return hash === undefined ? 'unknown' : hash.slice(0, 12);
}

function factsOf(metadata: PackageMetadata | ComputePackage): PackageFacts {
  return { name: metadata.name, language: metadata.language, size: metadata.size, filesHash: metadata.filesHash };
}
