import type { Environment, Validation } from '../fastly/versions.js';

export interface VclChange {
  readonly name: string;
  readonly action: 'create' | 'update' | 'unchanged';
  /** The repository file it comes from. */
  readonly path: string;
}

/**
 * 'activated': the new (or rollback) version is active; 'unchanged': it already was;
 * 'planned': dry run; 'invalid': validation failed; 'conflict': another deploy
 * activated a version meanwhile; 'failed': any other error.
 */
export type ActivationStatus = 'activated' | 'unchanged' | 'planned' | 'invalid' | 'conflict' | 'failed';

export interface ServiceActivation {
  readonly serviceId: string;
  serviceName: string;
  status: ActivationStatus;
  /** Active on the environment when the run started. */
  previousVersion: number | undefined;
  baseVersion: number | undefined;
  /** The clone, or with clone: false the version being activated. */
  newVersion: number | undefined;
  /** Active on the environment at the end. */
  activeVersion: number | undefined;
  vcl: VclChange[];
  /** The VCL made main, when that changes. */
  mainVcl: string | undefined;
  validation: Validation | undefined;
  /** Fastly's warning with the activation. */
  warning: string | undefined;
  /** Fastly's generated-VCL diff previous → new; in a dry run, the repository's changes. */
  diff: string | undefined;
  diffTitle: string | undefined;
  error: string | undefined;
}

export interface ActivateOutcome {
  readonly mode: 'activate';
  readonly dryRun: boolean;
  readonly clone: boolean;
  readonly environment: Environment;
  /** The comment a clone gets. */
  readonly comment: string;
  readonly services: readonly ServiceActivation[];
}

export function isActivationFailure(status: ActivationStatus): boolean {
  return status === 'invalid' || status === 'conflict' || status === 'failed';
}
