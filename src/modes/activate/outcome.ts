import type { Validation } from '../../fastly/versions.js';
import type { HealthReport } from '../../origin/health-check.js';
import type { LintFinding } from '../../plan/kinds/vcl-service.js';

export interface VclChange {
  readonly name: string;
  readonly action: 'create' | 'update' | 'unchanged';
  /** The repository file it comes from. */
  readonly path: string;
}

/** What Fastly's package metadata (or the package read here) says of a Compute package. */
export interface PackageFacts {
  readonly name: string | undefined;
  readonly language: string | undefined;
  /** Bytes of the `.tar.gz`. */
  readonly size: number | undefined;
  readonly filesHash: string | undefined;
}

export interface PackageChange {
  /** The `package` input. */
  readonly path: string;
  /** The base version's package; undefined when it has none. */
  readonly before: PackageFacts | undefined;
  /** The package read here; after an upload, as Fastly answered it. */
  readonly after: PackageFacts;
  /** 'unchanged': the base already has these files (same files hash), so the clone keeps them. */
  readonly action: 'upload' | 'unchanged';
  /** Sent and confirmed by Fastly's files hash. */
  readonly uploaded: boolean;
}

/**
 * 'activated': the new (or rollback) version is active; 'unchanged': it already was;
 * 'planned': dry run; 'lint-failed': Fastly's linter found errors, nothing was cloned; 'invalid': validation failed; 'conflict': another deploy
 * activated a version meanwhile; 'rolled-back': the health check failed and the
 * previous version is active again; 'rollback-failed': it failed and going back
 * did too; 'superseded': it failed, but another deploy had made a version
 * active meanwhile, so nothing was rolled back; 'unchecked': the run was
 * cancelled before the health check passed and the rollback could not be
 * done in time; 'failed': any other error.
 */
export type ActivationStatus =
  | 'activated'
  | 'unchanged'
  | 'planned'
  | 'lint-failed'
  | 'invalid'
  | 'conflict'
  | 'rolled-back'
  | 'rollback-failed'
  | 'superseded'
  | 'unchecked'
  | 'failed';

export interface ServiceActivation {
  readonly serviceId: string;
  readonly serviceName: string;
  readonly status: ActivationStatus;
  /** Active on the environment when the run started. */
  readonly previousVersion: number | undefined;
  readonly baseVersion: number | undefined;
  /** The clone, or with clone: false the version being activated. */
  readonly newVersion: number | undefined;
  /** Active on the environment at the end. */
  readonly activeVersion: number | undefined;
  readonly vcl: readonly VclChange[];
  /** The VCL made main, when that changes. */
  readonly mainVcl: string | undefined;
  /** With `package`: the base's package against the one read. */
  readonly package: PackageChange | undefined;
  /** Fastly's linter on the repository files, before anything was cloned. */
  readonly lint: readonly LintFinding[];
  readonly validation: Validation | undefined;
  /** Fastly's warning with the activation. */
  readonly warning: string | undefined;
  /** What the run had to find out for itself (an activation whose answer was lost, then seen live). */
  readonly notes: readonly string[];
  /** Fastly's generated-VCL diff previous → new; in a dry run, the repository's changes. */
  readonly diff: string | undefined;
  readonly diffTitle: string | undefined;
  readonly health: HealthReport | undefined;
  readonly error: string | undefined;
}

export interface ActivateOutcome {
  readonly mode: 'activate';
  readonly services: readonly ServiceActivation[];
}

export function isActivationFailure(status: ActivationStatus): boolean {
  return status !== 'activated' && status !== 'unchanged' && status !== 'planned';
}
