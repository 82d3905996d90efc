import { ActionError } from '../errors.js';
import { listOf, objectWith } from './answers.js';
import { FastlyError, FastlyUnconfirmedError, isRecord } from './errors.js';
import type { Transport } from './transport.js';

export type Environment = 'production' | 'staging';

export interface VersionInfo {
  readonly number: number;
  readonly active: boolean;
  readonly locked: boolean;
  readonly staging: boolean;
  readonly comment: string;
}

export interface ServiceDetails {
  readonly id: string;
  readonly name: string;
  /** `vcl`, or `wasm` for a Compute service; undefined when Fastly did not say. */
  readonly type: string | undefined;
  /** Active on production; undefined for a service never activated. */
  readonly activeVersion: number | undefined;
  readonly versions: readonly VersionInfo[];
}

export interface Vcl {
  readonly name: string;
  readonly content: string;
  readonly main: boolean;
}

export interface Validation {
  readonly ok: boolean;
  /** Fastly's messages: msg, then errors (its shapes vary; all are kept). */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/** A domain of a version, with the address of Fastly's staging environment for it when Fastly gave one. */
export interface Domain {
  readonly name: string;
  readonly stagingIp: string | undefined;
}

export interface ActivationAnswer {
  /** Fastly's answer names the version and says it is live there; otherwise only a re-read can tell. */
  readonly confirmed: boolean;
  /** Fastly's warning (`msg`) with the activation. */
  readonly warning: string | undefined;
}

/** The version and VCL calls, in the client's terms; client.ts exposes them on FastlyApi. */
export function versionCalls(transport: Transport) {
  const service = (sid: string) => `/service/${encodeURIComponent(sid)}`;
  const version = (sid: string, n: number) => `${service(sid)}/version/${n}`;
  return {
    async serviceDetails(sid: string): Promise<ServiceDetails> {
      const body = record(await transport.send({ method: 'GET', path: `${service(sid)}/details`, verify: serviceAnswer }));
      // The service's own environments[] may be the only place a staged version shows: the recorded
      // details list none on their versions.
      const staged = onEnvironment(body.environments, 'staging');
      const versions = (body.versions as unknown[]).map(toVersion).map(v => (v.number === staged && !v.staging ? { ...v, staging: true } : v));
      const active = isRecord(body.active_version) ? toVersion(body.active_version).number : undefined;
      return {
        id: sid,
        name: typeof body.name === 'string' ? body.name : sid,
        type: typeof body.type === 'string' ? body.type : undefined,
        activeVersion: active ?? versions.find(v => v.active)?.number ?? onEnvironment(body.environments, 'production'),
        versions
      };
    },
    async cloneVersion(sid: string, n: number): Promise<VersionInfo> {
      let body: unknown;
      try {
        body = await transport.send({ method: 'PUT', path: `${version(sid, n)}/clone`, safeToRepeat: false });
      } catch (error) {
        // A 2xx that is not JSON made a clone or not: the caller finds out which, as for an answer without a number.
        if (error instanceof FastlyUnconfirmedError) throw new CloneWithoutNumber(sid, n);
        throw error;
      }
      const clone = toVersion(body);
      if (!Number.isSafeInteger(clone.number) || clone.number < 1) throw new CloneWithoutNumber(sid, n);
      return clone;
    },
    async setComment(sid: string, n: number, comment: string): Promise<void> {
      await transport.send({ method: 'PUT', path: version(sid, n), form: { comment }, verify: versionAnswer });
    },
    async listVcl(sid: string, n: number): Promise<Vcl[]> {
      const body = await transport.send({ method: 'GET', path: `${version(sid, n)}/vcl`, verify: listOf('name', 'VCLs') });
      return (body as Record<string, unknown>[]).map(v => ({
        name: String(v.name ?? ''),
        content: typeof v.content === 'string' ? v.content : '',
        main: v.main === true || v.main === 'true'
      }));
    },
    async createVcl(sid: string, n: number, vcl: Vcl): Promise<void> {
      const form = { name: vcl.name, content: vcl.content, main: String(vcl.main) };
      await transport.send({ method: 'POST', path: `${version(sid, n)}/vcl`, form, verify: objectWith('name', 'VCL', vcl.name) });
    },
    async updateVcl(sid: string, n: number, name: string, content: string): Promise<void> {
      await transport.send({
        method: 'PUT',
        path: `${version(sid, n)}/vcl/${encodeURIComponent(name)}`,
        form: { content },
        verify: objectWith('name', 'VCL', name)
      });
    },
    async setMainVcl(sid: string, n: number, name: string): Promise<void> {
      await transport.send({ method: 'PUT', path: `${version(sid, n)}/vcl/${encodeURIComponent(name)}/main`, verify: objectWith('name', 'VCL', name) });
    },
    /** A failure comes as a 2xx with "status": "error" or, unconfirmed but handled, as a 400 or 422 refusal. */
    async validateVersion(sid: string, n: number): Promise<Validation> {
      let body: Record<string, unknown>;
      try {
        body = record(await transport.send({ method: 'GET', path: `${version(sid, n)}/validate`, verify: validationAnswer }));
      } catch (error) {
        if (error instanceof FastlyError && (error.status === 400 || error.status === 422)) {
          return { ok: false, errors: [error.reason], warnings: [] };
        }
        throw error;
      }
      // `errors` carries the detail (line numbers); `msg` is its headline, so only one is kept.
      const detailed = strings(body.errors);
      const errors = detailed.length > 0 ? detailed : strings(body.msg);
      return { ok: body.status === 'ok', errors, warnings: [...strings(body.warnings), ...strings(body.messages)] };
    },
    /**
     * One attempt, never repeated by the transport: the caller re-reads the
     * active version before each attempt (another deploy may have activated
     * one meanwhile). The answer confirms the activation only when it is the
     * version asked for, active (or staged) on that environment.
     */
    async activateVersion(sid: string, n: number, environment: Environment): Promise<ActivationAnswer> {
      const suffix = environment === 'staging' ? '/activate/staging' : '/activate';
      const body = record(await transport.send({ method: 'PUT', path: `${version(sid, n)}${suffix}`, once: true }));
      const warning = typeof body.msg === 'string' && body.msg.trim() !== '' ? body.msg : undefined;
      const live = environment === 'staging' ? body.staging === true || deployedOn(body.environments, 'staging', n) : body.active === true;
      return { confirmed: Number(body.number) === n && live, warning };
    },
    /** With `include=staging_ips`: each domain's staging IP. */
    async listDomains(sid: string, n: number): Promise<Domain[]> {
      const body = await transport.send({ method: 'GET', path: `${version(sid, n)}/domain?include=staging_ips`, verify: listOf('name', 'domains') });
      return (body as Record<string, unknown>[]).map(d => ({
        name: String(d.name),
        stagingIp: typeof d.staging_ip === 'string' && d.staging_ip.trim() !== '' ? d.staging_ip.trim() : undefined
      }));
    },
    /** Takes `n` off staging: Fastly then has nothing staged. */
    async deactivateStaging(sid: string, n: number): Promise<void> {
      await transport.send({ method: 'PUT', path: `${version(sid, n)}/deactivate/staging`, verify: versionAnswer });
    },
    /**
     * What changed between two versions. Fastly's reference gives the generated VCL at `/vcl/diff/…`; the recorded
     * traffic shows the older `/diff/…`, the service's configuration as text. The first is asked once, and its
     * error answer (a route this API does not have) falls back to the second: a diff is worth showing either way.
     */
    async versionDiff(sid: string, from: number, to: number): Promise<VersionDiff> {
      try {
        const body = record(await transport.send({ method: 'GET', path: `${service(sid)}/vcl/diff/from/${from}/to/${to}?format=text`, once: true }));
        return { of: 'generated-vcl', text: typeof body.diff === 'string' ? body.diff : '' };
      } catch (error) {
        if (!(error instanceof FastlyError)) throw error;
      }
      const body = record(await transport.send({ method: 'GET', path: `${service(sid)}/diff/from/${from}/to/${to}` }));
      return { of: 'configuration', text: typeof body.diff === 'string' ? body.diff : '' };
    }
  };
}

/** Fastly's diff of two versions: of their generated VCL, or of their configuration. */
export interface VersionDiff {
  readonly of: 'generated-vcl' | 'configuration';
  readonly text: string;
}

export type VersionCalls = ReturnType<typeof versionCalls>;

/** Fastly made a clone (it said 200) but not which: the caller must find the draft it left. */
export class CloneWithoutNumber extends ActionError {
  override readonly name = 'CloneWithoutNumber';

  constructor(sid: string, base: number) {
    super(`Fastly answered the clone of version ${base} of ${sid} without a version number`);
  }
}

function toVersion(value: unknown): VersionInfo {
  const v = record(value);
  const number = Number(v.number);
  return {
    number,
    active: v.active === true,
    locked: v.locked === true,
    // Fastly documents `staging` as unused and lists a staged version under environments[]: either shape counts.
    staging: v.staging === true || deployedOn(v.environments, 'staging', number),
    comment: typeof v.comment === 'string' ? v.comment : ''
  };
}

/** The version an `environments[]` list names for `name`. */
function onEnvironment(environments: unknown, name: string): number | undefined {
  const entry = Array.isArray(environments) ? environments.find(e => isRecord(e) && e.name === name) : undefined;
  const number = isRecord(entry) ? Number(entry.active_version) : NaN;
  return Number.isSafeInteger(number) && number > 0 ? number : undefined;
}

/** Fastly lists an environment in `environments[]` only where the version is deployed. */
function deployedOn(environments: unknown, name: string, number: number): boolean {
  return Array.isArray(environments) && environments.some(e => isRecord(e) && e.name === name && Number(e.active_version) === number);
}

function versionAnswer(body: unknown): string | undefined {
  return isRecord(body) && Number.isInteger(body.number) ? undefined : 'its answer is not the version object it returns';
}

function serviceAnswer(body: unknown): string | undefined {
  if (!isRecord(body) || !Array.isArray(body.versions)) return 'its answer is not the service with its versions it returns';
  return body.versions.every(v => versionAnswer(v) === undefined) ? undefined : 'its answer lists a version without a number';
}

function validationAnswer(body: unknown): string | undefined {
  return isRecord(body) && (body.status === 'ok' || body.status === 'error')
    ? undefined
    : 'its answer has no "status" of "ok" or "error", so the validation result is unknown';
}

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** A string, an array of strings, or objects with a message: Fastly's validation shapes are not all confirmed. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() === '' ? [] : [value];
  if (!Array.isArray(value)) return [];
  return value.flatMap(item => (isRecord(item) ? strings(item.message ?? item.msg ?? item.detail ?? item.title) : strings(item)));
}
