import { ActionError, expectedMessage } from '../../errors.js';
import type { FastlyApi } from '../../fastly/client.js';
import type { Environment, ServiceDetails } from '../../fastly/versions.js';
import type { ActivateSettings } from '../../inputs/settings.js';
import type { LintFinding, VclServicePart } from '../../plan/kinds/vcl-service.js';
import { planPackage } from './package.js';
import { lintVclFiles, planVclContent } from './vcl-plan.js';

/** One service's plan (its VCL files or its Compute package against the base), and what reading it gave that the deploy starts from. */
export interface ServicePlan {
  readonly part: VclServicePart;
  /** Undefined when the plan failed. */
  readonly details: ServiceDetails | undefined;
  /** Why the plan failed, as thrown. */
  readonly failure: unknown;
}

/**
 * Reads only: the service's versions with lint beside them, then the base's
 * VCL when files are given. Nothing here writes (lint changes nothing).
 */
export async function planService(settings: ActivateSettings, api: FastlyApi, serviceId: string): Promise<ServicePlan> {
  let part: VclServicePart = {
    kind: 'vcl-service',
    serviceId,
    serviceName: serviceId,
    environment: settings.environment,
    activeVersion: undefined,
    baseVersion: undefined,
    clone: settings.clone,
    files: [],
    mainVcl: undefined,
    package: undefined,
    diff: undefined,
    lint: [],
    alreadyLive: false,
    error: undefined
  };
  const files = settings.vclFiles;
  // Lint goes beside the reads: the base's VCL is asked for as soon as the versions are known, not after lint.
  const linting: Promise<LintFinding[]> = settings.lint && files.length > 0 ? lintVclFiles(api, serviceId, files) : Promise.resolve([]);
  const linted = linting.then(
    findings => ({ ok: true as const, findings }),
    (error: unknown) => ({ ok: false as const, error })
  );
  try {
    const details = await api.serviceDetails(serviceId);
    const active = activeOn(details, settings.environment);
    part = { ...part, serviceName: details.name, activeVersion: active };
    const base = pickBase(details, settings.version);
    part = { ...part, baseVersion: base };
    const current = settings.clone && files.length > 0 ? await api.listVcl(serviceId, base) : undefined;
    const lint = await linted;
    if (!lint.ok) throw lint.error;
    part = { ...part, lint: lint.findings };
    if (!settings.clone) return { part: { ...part, alreadyLive: base === active }, details, failure: undefined };
    if (settings.package) {
      // The live version already having these files makes an empty plan: nothing is cloned.
      const change = await planPackage(api, serviceId, base, settings.package);
      part = { ...part, package: change, alreadyLive: change.action === 'unchanged' && base === active };
    } else if (current) {
      const content = planVclContent(files, settings.vclMain, current, base);
      part = { ...part, files: content.files, mainVcl: content.mainVcl, diff: content.diff, alreadyLive: content.same && base === active };
    }
    return { part, details, failure: undefined };
  } catch (error) {
    await linted;
    return { part: { ...part, error: expectedMessage(error) }, details: undefined, failure: error };
  }
}

export function activeOn(details: ServiceDetails, environment: Environment): number | undefined {
  return environment === 'staging' ? details.versions.find(v => v.staging)?.number : details.activeVersion;
}

function pickBase(details: ServiceDetails, wanted: ActivateSettings['version']): number {
  const numbers = details.versions.map(v => v.number);
  if (wanted === 'latest') {
    if (numbers.length === 0) throw new ActionError(`Service ${details.id} has no version to start from`);
    return Math.max(...numbers);
  }
  if (wanted === 'active') {
    if (details.activeVersion === undefined) {
      throw new ActionError(`Service ${details.id} has no active version; set 'version' to 'latest' or a version number`);
    }
    return details.activeVersion;
  }
  if (wanted === 'staged') {
    const staged = activeOn(details, 'staging');
    if (staged === undefined) {
      throw new ActionError(
        `Nothing is staged on service ${details.id}, so there is no staged version to start from; stage one first (mode: activate, environment: staging) or set 'version'`
      );
    }
    return staged;
  }
  if (!numbers.includes(wanted)) {
    const range = numbers.length > 0 ? ` (it has versions ${Math.min(...numbers)}–${Math.max(...numbers)})` : '';
    throw new ActionError(`Version ${wanted} does not exist on service ${details.id}${range}; check 'version'`);
  }
  return wanted;
}
