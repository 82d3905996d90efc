import { ActionError } from '../errors.js';
import type { FastlyApi } from '../fastly/client.js';
import { FastlyError, FastlyNetworkError } from '../fastly/errors.js';
import { CloneWithoutNumber, type Environment, type ServiceDetails, type Vcl } from '../fastly/versions.js';
import { checkHealth } from '../health-check.js';
import { lineDiff } from '../line-diff.js';
import type { ActivateSettings } from '../settings.js';
import type { VclFile } from '../vcl-files.js';
import type { ActivateOutcome, ServiceActivation, VclChange } from './activate-outcome.js';

/** Services one after another: writes to one service are never concurrent, and neither are deploys. */
export async function run(settings: ActivateSettings, api: FastlyApi): Promise<ActivateOutcome> {
  const services: ServiceActivation[] = [];
  for (const serviceId of settings.serviceIds) {
    const result = emptyResult(serviceId);
    try {
      await deploy(settings, api, result);
    } catch (error) {
      result.status = error instanceof ConflictError ? 'conflict' : 'failed';
      result.error = error instanceof Error ? error.message : String(error);
    }
    services.push(result);
  }
  return {
    mode: 'activate',
    dryRun: settings.dryRun,
    clone: settings.clone,
    environment: settings.environment,
    comment: settings.comment,
    healthCheckUrl: settings.healthCheckUrl,
    healthCheckTimeoutMs: settings.healthCheckTimeoutMs,
    services
  };
}

class ConflictError extends ActionError {}

async function deploy(settings: ActivateSettings, api: FastlyApi, result: ServiceActivation): Promise<void> {
  const sid = result.serviceId;
  const details = await api.serviceDetails(sid);
  result.serviceName = details.name;
  result.previousVersion = activeOn(details, settings.environment);
  result.activeVersion = result.previousVersion;
  const base = pickBase(details, settings.version);
  result.baseVersion = base;

  if (!settings.clone) {
    result.newVersion = base;
    if (base === result.previousVersion) {
      result.status = 'unchanged';
      return;
    }
    if (settings.dryRun) {
      result.status = 'planned';
      return;
    }
    await validateAndActivate(settings, api, result, base);
    return;
  }

  if (settings.dryRun) {
    const current = settings.vclFiles.length > 0 ? await api.listVcl(sid, base) : [];
    planVcl(settings, current, result);
    result.diffTitle = `Repository VCL against version ${base}`;
    result.diff = repositoryDiff(current, settings.vclFiles, result.vcl);
    result.status = 'planned';
    return;
  }

  const clone = await cloneOnce(api, details, base);
  result.newVersion = clone;
  await api.setComment(sid, clone, settings.comment).catch((error: unknown) => {
    const why = error instanceof Error ? error.message : String(error);
    throw new ActionError(`${why}; version ${clone}, cloned from ${base} but not commented, was left as a draft and nothing was activated`);
  });
  if (settings.vclFiles.length > 0) {
    // The clone's own VCL, not the base's: only what differs from it is sent.
    planVcl(settings, await api.listVcl(sid, clone), result);
    await uploadVcl(api, sid, clone, settings.vclFiles, result);
  }
  await validateAndActivate(settings, api, result, clone);
}

function emptyResult(serviceId: string): ServiceActivation {
  return {
    serviceId,
    serviceName: serviceId,
    status: 'failed',
    previousVersion: undefined,
    baseVersion: undefined,
    newVersion: undefined,
    activeVersion: undefined,
    vcl: [],
    mainVcl: undefined,
    validation: undefined,
    warning: undefined,
    diff: undefined,
    diffTitle: undefined,
    health: undefined,
    error: undefined
  };
}

function activeOn(details: ServiceDetails, environment: Environment): number | undefined {
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
  if (!numbers.includes(wanted)) {
    const range = numbers.length > 0 ? ` (it has versions ${Math.min(...numbers)}–${Math.max(...numbers)})` : '';
    throw new ActionError(`Version ${wanted} does not exist on service ${details.id}${range}; check 'version'`);
  }
  return wanted;
}

/**
 * Each clone call makes a new version, so a clone whose answer was lost is
 * not repeated: the versions are re-read to say what Fastly may have made.
 */
async function cloneOnce(api: FastlyApi, details: ServiceDetails, base: number): Promise<number> {
  try {
    return (await api.cloneVersion(details.id, base)).number;
  } catch (error) {
    const lost =
      (error instanceof FastlyError && error.status >= 500) || error instanceof FastlyNetworkError || error instanceof CloneWithoutNumber;
    if (!lost || !(error instanceof Error)) throw error;
    const highest = Math.max(0, ...details.versions.map(v => v.number));
    const after = await api.serviceDetails(details.id).catch(() => undefined);
    const made = after?.versions.filter(v => v.number > highest).map(v => v.number) ?? [];
    const maybe = made.length > 0
      ? `Fastly now has version ${made.join(', ')}, which may be that clone (left as a draft).`
      : after ? 'No new version appeared.' : 'The versions could not be re-read to check.';
    throw new ActionError(`${error.message}. A clone is not safe to repeat, so it was not retried; nothing was activated. ${maybe}`);
  }
}

function planVcl(settings: ActivateSettings, current: readonly Vcl[], result: ServiceActivation): void {
  const byName = new Map(current.map(vcl => [vcl.name, vcl]));
  result.vcl = settings.vclFiles.map((file): VclChange => {
    const existing = byName.get(file.name);
    const action = !existing ? 'create' : existing.content === file.content ? 'unchanged' : 'update';
    return { name: file.name, action, path: file.path };
  });
  const wantsMain = settings.vclFiles.some(file => file.name === settings.vclMain);
  const alreadyMain = current.some(vcl => vcl.main && vcl.name === settings.vclMain);
  result.mainVcl = wantsMain && !alreadyMain ? settings.vclMain : undefined;
}

async function uploadVcl(api: FastlyApi, sid: string, version: number, files: readonly VclFile[], result: ServiceActivation): Promise<void> {
  for (const change of result.vcl) {
    const file = files.find(f => f.name === change.name);
    if (!file || change.action === 'unchanged') continue;
    if (change.action === 'create') {
      await api.createVcl(sid, version, { name: file.name, content: file.content, main: file.name === result.mainVcl });
    } else {
      await api.updateVcl(sid, version, file.name, file.content);
    }
  }
  const mainIsNew = result.vcl.some(change => change.name === result.mainVcl && change.action === 'create');
  if (result.mainVcl && !mainIsNew) await api.setMainVcl(sid, version, result.mainVcl);
}

async function validateAndActivate(settings: ActivateSettings, api: FastlyApi, result: ServiceActivation, version: number): Promise<void> {
  const sid = result.serviceId;
  result.validation = await api.validateVersion(sid, version);
  if (!result.validation.ok) {
    result.status = 'invalid';
    const kept = settings.clone ? `version ${version} was left as a draft` : `version ${version} was not activated`;
    result.error = `Fastly found version ${version} of ${sid} invalid; ${kept} and ${settings.environment} stays on version ${result.previousVersion ?? 'none'}`;
    return;
  }
  // Another deploy may have activated a version since the run read the service: never activate over it.
  const now = activeOn(await api.serviceDetails(sid), settings.environment);
  if (now !== result.previousVersion) {
    result.activeVersion = now;
    const kept = settings.clone ? `version ${version} was left as a draft` : 'nothing was activated';
    throw new ConflictError(
      `Version ${now ?? 'none'} became active on ${settings.environment} of ${sid} while this run was deploying ` +
        `(it started from ${result.previousVersion ?? 'none'}); another deploy? ${kept}. Re-run once the other deploy is done.`
    );
  }
  result.warning = await api.activateVersion(sid, version, settings.environment);
  result.activeVersion = version;
  result.status = 'activated';
  if (result.previousVersion !== undefined) {
    result.diffTitle = `Generated VCL: version ${result.previousVersion} → ${version}`;
    result.diff = await api.vclDiff(sid, result.previousVersion, version);
  }
  if (settings.healthCheckUrl) await checkOrRollBack(settings, api, result, version, settings.healthCheckUrl);
}

/** A version that activates but breaks the site must not stay: go back to the one before, and confirm it. */
async function checkOrRollBack(settings: ActivateSettings, api: FastlyApi, result: ServiceActivation, version: number, url: string): Promise<void> {
  const sid = result.serviceId;
  const env = settings.environment;
  result.health = await checkHealth(url, settings.healthCheckTimeoutMs);
  if (result.health.healthy) return;
  const what = `Version ${version} of ${sid} failed its health check (${result.health.observed} from ${url})`;
  const previous = result.previousVersion;
  if (previous === undefined) {
    result.status = 'rollback-failed';
    result.error = `${what}, and no version was active before it: ${env} stays on the unhealthy version ${version}. A person is needed now.`;
    return;
  }
  try {
    await api.activateVersion(sid, previous, env);
    const now = activeOn(await api.serviceDetails(sid), env);
    if (now !== previous) throw new ActionError(`Fastly reports version ${now ?? 'none'} active, not ${previous}`);
    result.activeVersion = previous;
    result.status = 'rolled-back';
    result.error = `${what}; version ${version} was rolled back to ${previous}, which is active on ${env} again.`;
  } catch (error) {
    result.status = 'rollback-failed';
    const why = error instanceof Error ? error.message : String(error);
    result.error = `ROLLBACK FAILED: ${what}, and re-activating version ${previous} failed: ${why}. ${env} is on the unhealthy version ${version}: a person is needed now.`;
  }
}

function repositoryDiff(current: readonly Vcl[], files: readonly VclFile[], changes: readonly VclChange[]): string | undefined {
  const parts = changes
    .filter(change => change.action !== 'unchanged')
    .map(change => {
      const before = current.find(vcl => vcl.name === change.name)?.content ?? '';
      const after = files.find(file => file.name === change.name)?.content ?? '';
      return `# ${change.name} (${change.action === 'create' ? 'new' : 'changed'})\n${lineDiff(before, after)}`;
    });
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}
