import type { Validation } from '../../fastly/versions.js';
import type { HealthReport } from '../../origin/health-check.js';

export interface VclChange {
  readonly name: string;
  readonly action: 'create' | 'update' | 'unchanged';
  /** The repository file it comes from. */
  readonly path: string;
}

/**
 * 'activated': the new (or rollback) version is active; 'unchanged': it already was;
 * 'planned': dry run; 'invalid': validation failed; 'conflict': another deploy
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
