import { CancelledError, type Cancellation, NOT_CANCELLABLE } from '../../cancel.js';
import { ActionError, expectedMessage, messageOf } from '../../errors.js';
import type { FastlyApi } from '../../fastly/client.js';
import { FastlyError, FastlyNetworkError, FastlyRateLimitError } from '../../fastly/errors.js';
import { noStagingAddress, stagingAddressOf } from '../../fastly/staging-address.js';
import { CloneWithoutNumber, type Environment, type ServiceDetails } from '../../fastly/versions.js';
import { type HealthReport, checkHealth } from '../../origin/health-check.js';
import type { ActivateSettings } from '../../inputs/settings.js';
import type { VclFile } from '../../inputs/vcl-files.js';
import type { VclServicePart } from '../../plan/kinds/vcl-service.js';
import type { ActivateOutcome, ServiceActivation } from './outcome.js';
import { uploadPackage } from './package.js';
import { type ServicePlan, activeOn, planService } from './plan.js';

/** Every service's plan, made before any write. */
export interface ActivatePlan {
  readonly services: readonly ServicePlan[];
}

/** Reads only: each service's starting version, the VCL files against it, lint. */
export async function plan(settings: ActivateSettings, api: FastlyApi): Promise<ActivatePlan> {
  const services: ServicePlan[] = [];
  for (const serviceId of settings.serviceIds) services.push(await planService(settings, api, serviceId));
  return { services };
}

export function planParts(planned: ActivatePlan): VclServicePart[] {
  return planned.services.map(s => s.part);
}

/** Services one after another: writes to one service are never concurrent, and neither are deploys. */
export async function apply(settings: ActivateSettings, api: FastlyApi, planned: ActivatePlan, cancel: Cancellation = NOT_CANCELLABLE): Promise<ActivateOutcome> {
  const services: ServiceActivation[] = [];
  for (const service of planned.services) services.push(await deploy(settings, api, cancel, service));
  return { mode: 'activate', services };
}

class ConflictError extends ActionError {}

/** What the steps of one deploy found out; each step returns its part. */
type Known = Omit<ServiceActivation, 'status' | 'error' | 'activeVersion'>;

/**
 * How a deploy ended. `verdict` alone turns it into the service's status,
 * error and active version.
 */
type End =
  | { readonly kind: 'unchanged' | 'planned' | 'activated' | 'lint-failed' }
  | { readonly kind: 'invalid'; readonly version: number }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'unhealthy'; readonly version: number; readonly health: HealthReport; readonly rollback: Rollback };

/** What became of the rollback after a failed health check. */
type Rollback =
  | { readonly kind: 'no-previous' }
  | { readonly kind: 'done'; readonly to: number }
  /** Staging, where nothing was staged before: taken off it. */
  | { readonly kind: 'deactivated' }
  | { readonly kind: 'superseded'; readonly active: number | undefined }
  /** `to` undefined: taking the version off staging failed. */
  | { readonly kind: 'failed'; readonly to: number | undefined; readonly why: string };

/** Executes one service's plan: nothing when it is already live or lint failed; otherwise clone, upload, validate, activate. */
async function deploy(settings: ActivateSettings, api: FastlyApi, cancel: Cancellation, planned: ServicePlan): Promise<ServiceActivation> {
  const { part, details } = planned;
  let known: Known = knownOf(part);
  let active = part.activeVersion;
  let end: End;
  let comment: (() => Promise<void>) | undefined;
  if (!details || part.baseVersion === undefined) return finish({ kind: 'failed', error: planned.failure });
  if (part.lint.some(f => f.severity === 'error')) return finish({ kind: 'lint-failed' });
  const base = part.baseVersion;
  try {
    let version = base;
    if (!settings.clone) {
      known = { ...known, newVersion: base };
      if (part.alreadyLive) return finish({ kind: 'unchanged' });
      if (settings.dryRun) return finish({ kind: 'planned' });
    } else if (part.alreadyLive) {
      return finish({ kind: 'unchanged' });
    } else if (settings.dryRun) {
      if (!settings.package) known = { ...known, diffTitle: `Repository VCL against version ${base}`, diff: part.diff };
      return finish({ kind: 'planned' });
    } else {
      const clone = await cloneOnce(api, details, base);
      version = clone;
      known = { ...known, newVersion: clone };
      if (settings.package && part.package) {
        known = { ...known, package: await uploadPackage(api, part.serviceId, clone, base, settings.package, part.package) };
      } else {
        await uploadVcl(api, part.serviceId, clone, settings.vclFiles, part);
      }
      comment = commentBeside(api, part.serviceId, clone, base, settings.comment);
    }
    const checked = await activateChecked(settings, api, cancel, known, version, comment);
    known = { ...known, ...checked.learned };
    if (checked.active) active = checked.active.version;
    end = checked.end;
  } catch (error) {
    end = { kind: 'failed', error };
  }
  return finish(end);

  function finish(ending: End): ServiceActivation {
    return { ...known, ...verdict(settings, known, ending, active) };
  }
}

function knownOf(part: VclServicePart): Known {
  return {
    serviceId: part.serviceId,
    serviceName: part.serviceName,
    previousVersion: part.activeVersion,
    baseVersion: part.baseVersion,
    newVersion: undefined,
    vcl: part.files.map(({ name, action, path }) => ({ name, action, path })),
    mainVcl: part.mainVcl,
    package: part.package,
    lint: part.lint,
    validation: undefined,
    warning: undefined,
    notes: [],
    diff: undefined,
    diffTitle: undefined,
    health: undefined
  };
}

/** The one place a deploy's status and error are decided. */
function verdict(settings: ActivateSettings, known: Known, end: End, active: number | undefined): Pick<ServiceActivation, 'status' | 'error' | 'activeVersion'> {
  const sid = known.serviceId;
  const env = settings.environment;
  switch (end.kind) {
    case 'unchanged':
    case 'planned':
    case 'activated':
      return { status: end.kind, error: undefined, activeVersion: active };
    case 'lint-failed': {
      const errors = known.lint.filter(f => f.severity === 'error');
      const paths = [...new Set(errors.map(f => f.path))].join(', ');
      const error = `Fastly's linter found ${errors.length} ${errors.length === 1 ? 'error' : 'errors'} in ${paths} for ${sid}; nothing was cloned and ${env} stays on version ${known.previousVersion ?? 'none'}`;
      return { status: 'lint-failed', error, activeVersion: active };
    }
    case 'invalid': {
      const kept = settings.clone ? `version ${end.version} was left as a draft` : `version ${end.version} was not activated`;
      const error = `Fastly found version ${end.version} of ${sid} invalid; ${kept} and ${env} stays on version ${known.previousVersion ?? 'none'}`;
      return { status: 'invalid', error, activeVersion: active };
    }
    case 'failed':
      return { status: end.error instanceof ConflictError ? 'conflict' : 'failed', error: expectedMessage(end.error), activeVersion: active };
    case 'unhealthy':
      return unhealthyVerdict(end, sid, env, active);
  }
}

function unhealthyVerdict(end: Extract<End, { kind: 'unhealthy' }>, sid: string, env: Environment, active: number | undefined): Pick<ServiceActivation, 'status' | 'error' | 'activeVersion'> {
  const { version, health, rollback } = end;
  const what = health.cancelled
    ? `Version ${version} of ${sid} had not passed its health check of ${health.url} when the run was cancelled`
    : `Version ${version} of ${sid} failed its health check (${health.observed} from ${health.url})`;
  switch (rollback.kind) {
    case 'no-previous':
      return {
        status: health.cancelled ? 'unchecked' : 'rollback-failed',
        error: `${what}, and no version was active before it: ${env} stays on the ${health.cancelled ? 'unchecked' : 'unhealthy'} version ${version}. A person is needed now.`,
        activeVersion: active
      };
    case 'done':
      return { status: 'rolled-back', error: `${what}; version ${version} was rolled back to ${rollback.to}, which is active on ${env} again.`, activeVersion: rollback.to };
    case 'deactivated':
      return {
        status: 'rolled-back',
        error: `${what}; nothing was staged before it, so staging was deactivated: no version is on staging now, and production was not touched.`,
        activeVersion: undefined
      };
    case 'superseded':
      return {
        status: 'superseded',
        error:
          `${what}, but another deploy made version ${rollback.active ?? 'none'} active on ${env} meanwhile, ` +
          `so nothing was rolled back: version ${rollback.active ?? 'none'} is live. Check it.`,
        activeVersion: rollback.active
      };
    case 'failed': {
      const off = `taking version ${version} off staging`;
      const goingBack = rollback.to === undefined ? off : `re-activating version ${rollback.to}`;
      if (health.cancelled) {
        return {
          status: 'unchecked',
          error:
            `${what}, and ${rollback.to === undefined ? off : `rolling back to version ${rollback.to}`} could not be done in time (${rollback.why}). ` +
            `Version ${version} is live on ${env} and unchecked; ${rollback.to === undefined ? 'nothing was staged' : `version ${rollback.to} was live`} before. A person is needed now.`,
          activeVersion: active
        };
      }
      return {
        status: 'rollback-failed',
        error: `ROLLBACK FAILED: ${what}, and ${goingBack} failed: ${rollback.why}. ${env} is on the unhealthy version ${version}: a person is needed now.`,
        activeVersion: active
      };
    }
  }
}

/** The comment changes nothing Fastly validates: it is written while the clone is validated, one write at a time still. */
function commentBeside(api: FastlyApi, sid: string, clone: number, base: number, text: string): () => Promise<void> {
  return () =>
    api.setComment(sid, clone, text).catch((error: unknown) => {
      throw new ActionError(`${messageOf(error)}; version ${clone}, cloned from ${base} but not commented, was left as a draft and nothing was activated`);
    });
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

async function uploadVcl(api: FastlyApi, sid: string, version: number, files: readonly VclFile[], plan: Pick<VclServicePart, 'files' | 'mainVcl'>): Promise<void> {
  for (const change of plan.files) {
    const file = files.find(f => f.name === change.name);
    if (!file || change.action === 'unchanged') continue;
    if (change.action === 'create') {
      await api.createVcl(sid, version, { name: file.name, content: file.content, main: file.name === plan.mainVcl });
    } else {
      await api.updateVcl(sid, version, file.name, file.content);
    }
  }
  const mainIsNew = plan.files.some(change => change.name === plan.mainVcl && change.action === 'create');
  if (plan.mainVcl && !mainIsNew) await api.setMainVcl(sid, version, plan.mainVcl);
}

/** What validating, activating and checking one version learned, how it ended, and what is active after it. */
interface Checked {
  readonly learned: Partial<Known>;
  readonly end: End;
  /** Set when the active version changed (or was found changed by another deploy). */
  readonly active?: { readonly version: number | undefined };
}

/**
 * Validates (with `besideValidation`, the clone's comment, alongside),
 * activates under the guard, checks health (rolling back if it fails) and
 * reads Fastly's diff. A failure part-way still answers what was learned before it.
 */
async function activateChecked(
  settings: ActivateSettings,
  api: FastlyApi,
  cancel: Cancellation,
  known: Known,
  version: number,
  besideValidation: (() => Promise<void>) | undefined
): Promise<Checked> {
  const sid = known.serviceId;
  const env = settings.environment;
  let learned: Partial<Known> = {};
  let end: End = { kind: 'activated' };
  const previous = known.previousVersion;
  // Fastly's diff compares two versions, not what is active: it is read while the new one is validated. A Compute
  // service has no generated VCL to compare.
  const diffing =
    previous === undefined || settings.package ? Promise.resolve(undefined) : api.versionDiff(sid, previous, version).catch(() => undefined);
  try {
    const [validated, beside, address] = await Promise.allSettled([
      api.validateVersion(sid, version),
      besideValidation?.(),
      healthCheckAddress(settings, api, sid, version)
    ]);
    const kept = settings.clone ? `version ${version} was left as a draft and nothing was activated` : 'nothing was activated';
    // A validation that never answered (a cancel, a network failure) says nothing of the draft by itself.
    if (validated.status === 'rejected') throw validated.reason instanceof ActionError ? new ActionError(`${validated.reason.message}; ${kept}`) : validated.reason;
    const validation = validated.value;
    learned = { validation };
    if (beside.status === 'rejected') throw beside.reason;
    if (!validation.ok) {
      await diffing;
      return { learned, end: { kind: 'invalid', version } };
    }
    if (address.status === 'rejected') {
      throw new ActionError(`${messageOf(address.reason)}; ${kept}`);
    }
    const activation = await activateGuarded(api, sid, version, env, known.previousVersion);
    learned = { ...learned, warning: activation.warning, notes: [...known.notes, ...activation.notes] };
    if (settings.healthCheckUrl) {
      const health = await checkHealth(settings.healthCheckUrl, settings.healthCheckTimeoutMs, cancel.stop, undefined, address.value);
      learned = { ...learned, health };
      if (!health.healthy) {
        const rollback = await rollBack(api, sid, env, version, known.previousVersion);
        learned = { ...learned, notes: [...(learned.notes ?? []), ...rollback.notes] };
        end = { kind: 'unhealthy', version, health, rollback: rollback.result };
      }
    }
    const diff = await diffing;
    if (previous !== undefined && !cancel.stop.aborted) {
      const of = diff?.of === 'configuration' ? 'Service configuration' : 'Generated VCL';
      learned = { ...learned, diffTitle: `${of}: version ${previous} → ${version}`, diff: diff?.text };
    }
    return { learned, end, active: { version } };
  } catch (error) {
    await diffing;
    if (!(error instanceof Superseded)) return { learned, end: { kind: 'failed', error } };
    const kept = settings.clone ? `version ${version} was left as a draft` : 'nothing was activated';
    const conflict = new ConflictError(
      `Version ${error.active ?? 'none'} became active on ${env} of ${sid} while this run was deploying ` +
        `(it started from ${known.previousVersion ?? 'none'}); another deploy? ${kept}. Re-run once the other deploy is done.`
    );
    return { learned, end: { kind: 'failed', error: conflict }, active: { version: error.active } };
  }
}

/**
 * On staging, the health check goes through the staging IP of the URL's host,
 * from the domains of the version being staged. It is read beside validation,
 * before activating: a URL staging cannot serve fails with nothing activated.
 */
async function healthCheckAddress(settings: ActivateSettings, api: FastlyApi, sid: string, version: number): Promise<string | undefined> {
  if (settings.environment !== 'staging' || settings.healthCheckUrl === undefined) return undefined;
  const { hostname } = new URL(settings.healthCheckUrl);
  const domains = await api.listDomains(sid, version);
  const address = stagingAddressOf(domains, hostname);
  if (address === undefined) throw noStagingAddress(sid, version, domains, hostname);
  return address;
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
      const landed = { warning, notes: doubt ? [`Activated on attempt ${retry + 1}; before it: ${doubt.message}`] : [] };
      if (answer.confirmed) return landed;
      // Fastly answers a staging activation with `environments: []` and an unused `staging` flag: only a re-read can
      // confirm it, and that is no doubt worth a warning (nor a pause before it).
      if (env === 'staging' && activeOn(await settle.serviceDetails(sid), env) === version) return landed;
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
async function rollBack(
  api: FastlyApi,
  sid: string,
  env: Environment,
  version: number,
  previous: number | undefined
): Promise<{ readonly result: Rollback; readonly notes: readonly string[] }> {
  if (previous === undefined) {
    return env === 'staging' ? { result: await offStaging(api.forCleanUp(), sid, version), notes: [] } : { result: { kind: 'no-previous' }, notes: [] };
  }
  try {
    const landed = await activateGuarded(api.forCleanUp(), sid, previous, env, version);
    return { result: { kind: 'done', to: previous }, notes: landed.notes };
  } catch (error) {
    if (error instanceof Superseded) return { result: { kind: 'superseded', active: error.active }, notes: [] };
    return { result: { kind: 'failed', to: previous, why: messageOf(error) }, notes: [] };
  }
}

/**
 * Takes `version` off staging, guarded as an activation is: only while it is
 * the staged one; after a failed attempt, a re-read tells whether it went.
 */
async function offStaging(api: FastlyApi, sid: string, version: number): Promise<Rollback> {
  const staged = async () => activeOn(await api.serviceDetails(sid), 'staging');
  try {
    const before = await staged();
    if (before !== version) return { kind: 'superseded', active: before };
    await api.deactivateStaging(sid, version);
    return { kind: 'deactivated' };
  } catch (error) {
    const after = await staged().catch(() => version);
    return after === undefined ? { kind: 'deactivated' } : { kind: 'failed', to: undefined, why: messageOf(error) };
  }
}
