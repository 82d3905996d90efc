import { CancelledError, type Cancellation, NOT_CANCELLABLE } from '../../cancel.js';
import { ActionError, expectedMessage, messageOf } from '../../errors.js';
import type { FastlyApi } from '../../fastly/client.js';
import { FastlyError, FastlyNetworkError, FastlyRateLimitError } from '../../fastly/errors.js';
import { CloneWithoutNumber, type Environment, type ServiceDetails, type Vcl } from '../../fastly/versions.js';
import { checkHealth } from '../../origin/health-check.js';
import type { ActivateSettings } from '../../inputs/settings.js';
import type { VclFile } from '../../inputs/vcl-files.js';
import { unifiedDiff } from '../../unified-diff.js';
import type { ActivateOutcome, ServiceActivation, VclChange } from './outcome.js';

/** Services one after another: writes to one service are never concurrent, and neither are deploys. */
export async function run(settings: ActivateSettings, api: FastlyApi, cancel: Cancellation = NOT_CANCELLABLE): Promise<ActivateOutcome> {
  const services: ServiceActivation[] = [];
  for (const serviceId of settings.serviceIds) {
    const result = emptyResult(serviceId);
    try {
      await deploy(settings, api, cancel, result);
    } catch (error) {
      result.error = expectedMessage(error);
      result.status = error instanceof ConflictError ? 'conflict' : 'failed';
    }
    services.push(result);
  }
  return { mode: 'activate', services };
}

class ConflictError extends ActionError {}

async function deploy(settings: ActivateSettings, api: FastlyApi, cancel: Cancellation, result: ServiceActivation): Promise<void> {
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
    await validateAndActivate(settings, api, cancel, result, base);
    return;
  }

  if (settings.dryRun) {
    const current = settings.vclFiles.length > 0 ? await api.listVcl(sid, base) : [];
    planVcl(settings, current, result);
    result.diffTitle = `Repository VCL against version ${base}`;
    result.diff = repositoryDiff(current, base, settings.vclFiles, result.vcl);
    result.status = 'planned';
    return;
  }

  const clone = await cloneOnce(api, details, base);
  result.newVersion = clone;
  await api.setComment(sid, clone, settings.comment).catch((error: unknown) => {
    const why = messageOf(error);
    throw new ActionError(`${why}; version ${clone}, cloned from ${base} but not commented, was left as a draft and nothing was activated`);
  });
  if (settings.vclFiles.length > 0) {
    // The clone's own VCL, not the base's: only what differs from it is sent.
    planVcl(settings, await api.listVcl(sid, clone), result);
    await uploadVcl(api, sid, clone, settings.vclFiles, result);
  }
  await validateAndActivate(settings, api, cancel, result, clone);
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
    notes: [],
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

async function validateAndActivate(settings: ActivateSettings, api: FastlyApi, cancel: Cancellation, result: ServiceActivation, version: number): Promise<void> {
  const sid = result.serviceId;
  result.validation = await api.validateVersion(sid, version);
  if (!result.validation.ok) {
    result.status = 'invalid';
    const kept = settings.clone ? `version ${version} was left as a draft` : `version ${version} was not activated`;
    result.error = `Fastly found version ${version} of ${sid} invalid; ${kept} and ${settings.environment} stays on version ${result.previousVersion ?? 'none'}`;
    return;
  }
  let landed: Landed;
  try {
    landed = await activateGuarded(api, sid, version, settings.environment, result.previousVersion);
  } catch (error) {
    if (!(error instanceof Superseded)) throw error;
    result.activeVersion = error.active;
    const kept = settings.clone ? `version ${version} was left as a draft` : 'nothing was activated';
    throw new ConflictError(
      `Version ${error.active ?? 'none'} became active on ${settings.environment} of ${sid} while this run was deploying ` +
        `(it started from ${result.previousVersion ?? 'none'}); another deploy? ${kept}. Re-run once the other deploy is done.`
    );
  }
  result.warning = landed.warning;
  result.notes.push(...landed.notes);
  result.activeVersion = version;
  result.status = 'activated';
  if (settings.healthCheckUrl) await checkOrRollBack(settings, api, cancel, result, version, settings.healthCheckUrl);
  if (result.previousVersion !== undefined && !cancel.stop.aborted) {
    result.diffTitle = `Generated VCL: version ${result.previousVersion} → ${version}`;
    result.diff = await api.vclDiff(sid, result.previousVersion, version).catch(() => undefined);
  }
}

/** Another deploy made `active` live: this run must not touch the environment. */
class Superseded extends Error {
  constructor(readonly active: number | undefined) {
    super(`version ${active ?? 'none'} is active`);
  }
}

interface Landed {
  readonly warning: string | undefined;
  /** How the activation was known to have landed, when its answer did not say so. */
  readonly notes: readonly string[];
}

/**
 * Activates `version` on `env` only while `expected` is the version there:
 * the active version is re-read before every attempt, the first and each
 * retry, so a retry never lands over another deploy (Superseded). After an
 * attempt that failed, lost its answer or answered something else than the
 * activation, that read also tells whether it landed after all. The reads
 * that settle a doubt go through the clean-up client: a cancel must not hide
 * a version that went live.
 */
async function activateGuarded(api: FastlyApi, sid: string, version: number, env: Environment, expected: number | undefined): Promise<Landed> {
  const settle = api.forCleanUp();
  let warning: string | undefined;
  let doubt: Error | undefined;
  for (let retry = 0; ; retry++) {
    const active = activeOn(await (doubt ? settle : api).serviceDetails(sid), env);
    if (active === version && doubt) return { warning, notes: [landedAnyway(doubt, version, env)] };
    if (active !== expected) throw new Superseded(active);
    try {
      const answer = await api.activateVersion(sid, version, env);
      warning = answer.warning ?? warning;
      if (answer.confirmed) return { warning, notes: doubt ? [`Activated on attempt ${retry + 1}; before it: ${doubt.message}`] : [] };
      doubt = new ActionError(`Fastly answered the activation of version ${version} of ${sid} with HTTP 2xx but did not confirm it active on ${env}`);
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      doubt = error;
      if (!isRetryable(error)) break;
    }
    if (!(await api.pauseBeforeRetry(retry, doubt))) break;
  }
  const active = await settle.serviceDetails(sid).then(details => activeOn(details, env), () => undefined);
  if (active === version) return { warning, notes: [landedAnyway(doubt, version, env)] };
  throw doubt;
}

function landedAnyway(doubt: Error, version: number, env: Environment): string {
  return `${doubt.message}; re-reading the service shows version ${version} active on ${env}, so the run carried on as activated.`;
}

/** Worth another guarded attempt: Fastly may not have acted, or said nothing usable. */
function isRetryable(error: Error): boolean {
  if (error instanceof CancelledError) return false;
  if (error instanceof FastlyRateLimitError) return error.why === 'retries-spent';
  if (error instanceof FastlyError) return error.status >= 500;
  return error instanceof FastlyNetworkError || error instanceof ActionError;
}

/**
 * A version that activates but breaks the site must not stay: go back to the
 * one before, unless another deploy has made a version active meanwhile. A
 * cancel during the check counts as not healthy: the version would stay live
 * unchecked. The rollback goes through the clean-up client, so it still
 * happens after a cancel, within the clean-up deadline.
 */
async function checkOrRollBack(
  settings: ActivateSettings,
  api: FastlyApi,
  cancel: Cancellation,
  result: ServiceActivation,
  version: number,
  url: string
): Promise<void> {
  const sid = result.serviceId;
  const env = settings.environment;
  result.health = await checkHealth(url, settings.healthCheckTimeoutMs, cancel.stop);
  if (result.health.healthy) return;
  const what = result.health.cancelled
    ? `Version ${version} of ${sid} had not passed its health check of ${url} when the run was cancelled`
    : `Version ${version} of ${sid} failed its health check (${result.health.observed} from ${url})`;
  const previous = result.previousVersion;
  if (previous === undefined) {
    result.status = result.health.cancelled ? 'unchecked' : 'rollback-failed';
    result.error = `${what}, and no version was active before it: ${env} stays on the ${result.health.cancelled ? 'unchecked' : 'unhealthy'} version ${version}. A person is needed now.`;
    return;
  }
  try {
    const landed = await activateGuarded(api.forCleanUp(), sid, previous, env, version);
    result.notes.push(...landed.notes);
    result.activeVersion = previous;
    result.status = 'rolled-back';
    result.error = `${what}; version ${version} was rolled back to ${previous}, which is active on ${env} again.`;
  } catch (error) {
    if (error instanceof Superseded) {
      result.activeVersion = error.active;
      result.status = 'superseded';
      result.error =
        `${what}, but another deploy made version ${error.active ?? 'none'} active on ${env} meanwhile, ` +
        `so nothing was rolled back: version ${error.active ?? 'none'} is live. Check it.`;
      return;
    }
    const why = messageOf(error);
    if (result.health.cancelled) {
      result.status = 'unchecked';
      result.error =
        `${what}, and rolling back to version ${previous} could not be done in time (${why}). ` +
        `Version ${version} is live on ${env} and unchecked; version ${previous} was live before. A person is needed now.`;
      return;
    }
    result.status = 'rollback-failed';
    result.error = `ROLLBACK FAILED: ${what}, and re-activating version ${previous} failed: ${why}. ${env} is on the unhealthy version ${version}: a person is needed now.`;
  }
}

function repositoryDiff(current: readonly Vcl[], base: number, files: readonly VclFile[], changes: readonly VclChange[]): string | undefined {
  const parts = changes
    .filter(change => change.action !== 'unchanged')
    .map(change => {
      const before = current.find(vcl => vcl.name === change.name);
      const file = files.find(f => f.name === change.name);
      return unifiedDiff(before && { name: `${before.name} (version ${base})`, text: before.content }, { name: change.path, text: file?.content ?? '' });
    });
  return parts.length > 0 ? parts.join('\n') : undefined;
}
