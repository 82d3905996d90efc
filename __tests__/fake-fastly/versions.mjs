// @ts-check
/**
 * Service versions and their custom VCL. Which version is active on production
 * and on staging is kept on the service only, so a version's `active` and
 * `staging` flags are derived from it and can never disagree.
 *
 * @typedef {import('./server.mjs').Ctx} Ctx
 * @typedef {import('./server.mjs').Route} Route
 * @typedef {import('./server.mjs').Answer} Answer
 * @typedef {import('./server.mjs').Service} Service
 * @typedef {{ name: string, content: string, main: boolean }} VclSpec
 * @typedef {VclSpec & { createdAt: string, updatedAt: string }} Vcl
 * @typedef {{ number: number, locked: boolean, comment: string, createdAt: string, updatedAt: string, vcls: Vcl[],
 *   package: import('./packages.mjs').StoredPackage | null }} Version
 * @typedef {{ vcls?: VclSpec[], comment?: string, locked?: boolean, active?: boolean, staging?: boolean }} VersionSpec
 * @typedef {'vcl' | 'wasm'} ServiceType  wasm: a Compute service, deployed as a package
 * @typedef {{ id: string, name: string, type?: ServiceType, versions?: VersionSpec[] }} ServiceSpec
 * @typedef {'production' | 'staging'} Environment
 */

const SYNTAX_ERROR = 'SYNTAX ERROR';
// Unchanged lines kept before and after the changed block of a diff.
const CONTEXT = 2;

/** @param {number} now */
const iso = (now) => new Date(now).toISOString();

/** Fresh each time: the server may add headers to an answer. @returns {Answer} */
const notFound = () => ({ status: 404, json: { msg: 'Record not found' } });

/** @param {Vcl[]} vcls */
const byName = (vcls) => [...vcls].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/**
 * Where the version is deployed, as Fastly lists it on the version: an entry
 * per environment it is active on, none otherwise. With the `flag` shape a
 * staged version shows only by `staging: true`, with `service` only in the
 * service's own environments[], so the action must read all three.
 * @param {Service} service @param {number} number @param {import('./server.mjs').Shapes} shapes
 */
function environmentsOf(service, number, shapes) {
  return [
    ...(service.activeVersion === number ? [{ name: 'production', service_id: service.id, active_version: number }] : []),
    ...(service.stagingVersion === number && shapes.staged === 'environments'
      ? [{ name: 'staging', service_id: service.id, active_version: number }] : []),
  ];
}

/**
 * The service's environments[] of `/details`: every environment with a version on it.
 * @param {Service} service @param {import('./server.mjs').Shapes} shapes
 */
function serviceEnvironments(service, shapes) {
  return [
    ...(service.activeVersion === null ? [] : [{ name: 'production', service_id: service.id, active_version: service.activeVersion }]),
    ...(service.stagingVersion === null || shapes.staged === 'flag'
      ? [] : [{ name: 'staging', service_id: service.id, active_version: service.stagingVersion }]),
  ];
}

/** @param {Ctx} ctx @param {Service} service @param {Version} version */
function versionJson(ctx, service, version) {
  return {
    number: version.number,
    active: service.activeVersion === version.number,
    locked: version.locked,
    comment: version.comment,
    // Documented as unused: false unless the fake is asked for the CLI's shape.
    staging: ctx.state.shapes.staged === 'flag' && service.stagingVersion === version.number,
    testing: false,
    deployed: false,
    service_id: service.id,
    created_at: version.createdAt,
    updated_at: version.updatedAt,
    deleted_at: null,
    environments: environmentsOf(service, version.number, ctx.state.shapes),
  };
}

/** @param {Service} service @param {Version} version @param {Vcl} vcl */
const vclJson = (service, version, vcl) => ({
  name: vcl.name, content: vcl.content, main: vcl.main, service_id: service.id, version: version.number,
  created_at: vcl.createdAt, updated_at: vcl.updatedAt,
});

/** @param {VclSpec} vcl @param {number} now @returns {Vcl} */
const newVcl = ({ name, content, main }, now) => ({ name, content, main, createdAt: iso(now), updatedAt: iso(now) });

/** @param {string | null} value */
const isTrue = (value) => value === 'true' || value === '1';

/**
 * The fake's validity rule, standing in for Fastly's compiler.
 * @param {Service} service @param {Version} version @returns {{ msg: string } | null} null when valid
 */
function invalidity(service, version) {
  if (service.type === 'wasm' && !version.package) {
    return { msg: `No package: version ${version.number} of Compute service ${service.id} has none; upload one first` };
  }
  const vcls = byName(version.vcls);
  for (const vcl of vcls) {
    const at = vcl.content.indexOf(SYNTAX_ERROR);
    if (at < 0) continue;
    const before = vcl.content.slice(0, at).split('\n');
    const line = before.length;
    const pos = (before.at(-1) ?? '').length + 1;
    // Fastly's compiler text: the headline, then the position inside it.
    return { msg: `Syntax error: Unexpected 'SYNTAX' in VCL '${vcl.name}'\nAt: (${vcl.name} Line ${line} Pos ${pos})` };
  }
  if (vcls.length > 0 && !vcls.some((vcl) => vcl.main)) return { msg: 'No main VCL' };
  return null;
}

/** Locks the version and makes it the environment's active one, as Fastly does. @param {Service} service @param {Version} version @param {Environment} environment @param {number} now */
export function activate(service, version, environment, now) {
  version.locked = true;
  version.updatedAt = iso(now);
  if (environment === 'production') service.activeVersion = version.number;
  else service.stagingVersion = version.number;
}

/**
 * Versions are numbered 1..n in order; each one marked active or staging is activated
 * in turn (so locked), leaving the last of each current.
 * @param {ServiceSpec} spec @param {number} now @returns {Service}
 */
export function newService({ id, name, type = 'vcl', versions = [] }, now) {
  /** @type {Service} */
  const service = { id, name, type, versions: [], activeVersion: null, stagingVersion: null, domains: [] };
  for (const [index, spec] of versions.entries()) {
    /** @type {Version} */
    const version = {
      number: index + 1, locked: spec.locked ?? false, comment: spec.comment ?? '', createdAt: iso(now), updatedAt: iso(now),
      vcls: (spec.vcls ?? []).map((vcl) => newVcl(vcl, now)), package: null,
    };
    service.versions.push(version);
    if (spec.active) activate(service, version, 'production', now);
    if (spec.staging) activate(service, version, 'staging', now);
  }
  return service;
}

/** A copy the caller may keep or change freely. @param {Service} service */
export function snapshot(service) {
  return {
    id: service.id,
    name: service.name,
    type: service.type,
    activeVersion: service.activeVersion,
    stagingVersion: service.stagingVersion,
    versions: service.versions.map((version) => ({
      number: version.number,
      active: service.activeVersion === version.number,
      locked: version.locked,
      comment: version.comment,
      staging: service.stagingVersion === version.number,
      vcls: version.vcls.map(({ name, content, main }) => ({ name, content, main })),
      package: version.package ? { ...version.package.metadata, authors: [...version.package.metadata.authors] } : null,
    })),
  };
}

/**
 * Trims the common head and tail and shows the rest as one changed block: not a
 * minimal diff, but deterministic and enough to show what changed.
 * @param {string[]} from @param {string[]} to
 */
function lineDiff(from, to) {
  let head = 0;
  while (head < from.length && head < to.length && from[head] === to[head]) head += 1;
  let tail = 0;
  while (head + tail < from.length && head + tail < to.length
    && from[from.length - 1 - tail] === to[to.length - 1 - tail]) tail += 1;
  if (head === from.length && head === to.length) return '';
  return [
    ...from.slice(Math.max(0, head - CONTEXT), head).map((line) => `  ${line}`),
    ...from.slice(head, from.length - tail).map((line) => `- ${line}`),
    ...to.slice(head, to.length - tail).map((line) => `+ ${line}`),
    ...from.slice(from.length - tail, from.length - tail + CONTEXT).map((line) => `  ${line}`),
  ].join('\n');
}

/** @param {Version} version */
const vclLines = (version) => byName(version.vcls).flatMap((vcl) => [`# vcl ${vcl.name}`, ...vcl.content.split('\n')]);

/** The server has checked the `sid` group already. @param {Ctx} ctx */
const serviceOf = (ctx) => /** @type {Service} */ (ctx.state.services.get(ctx.serviceId ?? ''));

/** @param {Service} service @param {string | undefined} n */
const findVersion = (service, n) => service.versions.find((version) => version.number === Number(n));

/** The documented calls take a form; refusing anything else catches a client sending JSON. @param {Ctx} ctx */
function form(ctx) {
  const type = (ctx.headers['content-type'] ?? '').toLowerCase();
  return type.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(ctx.body) : null;
}

/** @returns {Answer} */
const notForm = () => ({ status: 400, json: { msg: 'Bad request', detail: 'The body must be application/x-www-form-urlencoded' } });

/** A bad percent-encoding names no VCL. @param {Version} version @param {string | undefined} encoded */
function findVcl(version, encoded) {
  try {
    const name = decodeURIComponent(encoded ?? '');
    return version.vcls.find((vcl) => vcl.name === name);
  } catch {
    return undefined;
  }
}

/** @param {Version} version @param {string} name */
const duplicate = (version, name) => version.vcls.some((vcl) => vcl.name === name);

/** @param {Version} version @param {Vcl} main */
function makeMain(version, main) {
  for (const vcl of version.vcls) vcl.main = vcl === main;
}

/**
 * A route on one version of a service: 404 for an unknown version and, for
 * `edits`, 422 when the version is locked.
 * @param {string} method @param {string} tail  regex source for the path after /version/{n}
 * @param {boolean} edits @param {(ctx: Ctx, service: Service, version: Version) => Answer} handler
 * @returns {Route}
 */
export function onVersion(method, tail, edits, handler) {
  return {
    method,
    pattern: new RegExp(`^/service/(?<sid>[^/]+)/version/(?<n>\\d+)${tail}$`),
    scope: 'global',
    handler(ctx) {
      const service = serviceOf(ctx);
      const version = findVersion(service, ctx.params.n);
      if (!version) return notFound();
      if (edits && version.locked) {
        const detail = `Version ${version.number} of service ${service.id} is locked and cannot be edited`;
        return { status: 422, json: { msg: 'Version locked', detail } };
      }
      return handler(ctx, service, version);
    },
  };
}

/** @param {Environment} environment @returns {Route} */
const activateRoute = (environment) => onVersion('PUT', environment === 'production' ? '/activate' : '/activate/staging', false,
  (ctx, service, version) => {
    const invalid = invalidity(service, version);
    if (invalid) return { status: 400, json: { msg: 'Version failed validation', detail: invalid.msg } };
    activate(service, version, environment, ctx.now);
    const warning = ctx.state.activationWarnings.get(service.id);
    // Both recorded activations answered environments: [], even though the version was now deployed.
    const json = { ...versionJson(ctx, service, version), environments: [] };
    return { status: 200, json: { ...json, ...(warning === undefined ? {} : { msg: warning }) } };
  });

/** @type {Route[]} */
export const versionRoutes = [
  {
    method: 'GET',
    pattern: /^\/service\/(?<sid>[^/]+)\/details$/,
    scope: 'global',
    handler(ctx) {
      const service = serviceOf(ctx);
      const active = service.versions.find((version) => version.number === service.activeVersion);
      return {
        status: 200,
        json: {
          id: service.id,
          name: service.name,
          type: service.type,
          active_version: active ? versionJson(ctx, service, active) : null,
          versions: service.versions.map((version) => versionJson(ctx, service, version)),
          environments: serviceEnvironments(service, ctx.state.shapes),
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/service\/(?<sid>[^/]+)\/version$/,
    scope: 'global',
    handler(ctx) {
      const service = serviceOf(ctx);
      return { status: 200, json: service.versions.map((version) => versionJson(ctx, service, version)) };
    },
  },
  onVersion('GET', '', false, (ctx, service, version) => ({ status: 200, json: versionJson(ctx, service, version) })),
  onVersion('PUT', '', true, (ctx, service, version) => {
    const fields = form(ctx);
    if (!fields) return notForm();
    version.comment = fields.get('comment') ?? version.comment;
    version.updatedAt = iso(ctx.now);
    return { status: 200, json: versionJson(ctx, service, version) };
  }),
  onVersion('PUT', '/clone', false, (ctx, service, version) => {
    /** @type {Version} */
    const clone = {
      // Versions are never deleted, so numbers run 1..n.
      number: service.versions.length + 1, locked: false, comment: version.comment,
      createdAt: iso(ctx.now), updatedAt: iso(ctx.now), vcls: version.vcls.map((vcl) => newVcl(vcl, ctx.now)),
      // As on Fastly, a clone keeps the package: an upload replaces it.
      package: version.package,
    };
    service.versions.push(clone);
    return { status: 200, json: versionJson(ctx, service, clone) };
  }),
  onVersion('PUT', '/lock', false, (ctx, service, version) => {
    version.locked = true;
    return { status: 200, json: versionJson(ctx, service, version) };
  }),
  // Documented: {"status":"ok"}, or {"status":"error","msg"} in a 200; whether a 4xx is used instead is not confirmed.
  onVersion('GET', '/validate', false, (ctx, service, version) => {
    const invalid = invalidity(service, version);
    if (!invalid) return { status: 200, json: { status: 'ok' } };
    if (ctx.state.shapes.failedValidation === 400) return { status: 400, json: { msg: 'Bad request', detail: invalid.msg } };
    return { status: 200, json: { status: 'error', msg: invalid.msg } };
  }),
  activateRoute('production'),
  activateRoute('staging'),
  // Deactivating a version that is not active leaves it so: Fastly's answer there is not confirmed.
  onVersion('PUT', '/deactivate', false, (ctx, service, version) => {
    if (service.activeVersion === version.number) service.activeVersion = null;
    return { status: 200, json: versionJson(ctx, service, version) };
  }),
  onVersion('PUT', '/deactivate/staging', false, (ctx, service, version) => {
    if (service.stagingVersion === version.number) service.stagingVersion = null;
    return { status: 200, json: versionJson(ctx, service, version) };
  }),
  onVersion('GET', '/vcl', false, (_ctx, service, version) => ({
    status: 200, json: version.vcls.map((vcl) => vclJson(service, version, vcl)),
  })),
  onVersion('POST', '/vcl', true, (ctx, service, version) => {
    const fields = form(ctx);
    if (!fields) return notForm();
    const name = fields.get('name');
    if (!name) return { status: 400, json: { msg: 'Bad request', detail: 'Missing name' } };
    if (duplicate(version, name)) return { status: 409, json: { msg: 'Duplicate record' } };
    const vcl = newVcl({ name, content: fields.get('content') ?? '', main: isTrue(fields.get('main')) }, ctx.now);
    version.vcls.push(vcl);
    if (vcl.main) makeMain(version, vcl);
    return { status: 200, json: vclJson(service, version, vcl) };
  }),
  onVersion('PUT', '/vcl/(?<name>[^/]+)', true, (ctx, service, version) => {
    const vcl = findVcl(version, ctx.params.name);
    if (!vcl) return notFound();
    const fields = form(ctx);
    if (!fields) return notForm();
    const name = fields.get('name') ?? vcl.name;
    if (name !== vcl.name && duplicate(version, name)) return { status: 409, json: { msg: 'Duplicate record' } };
    Object.assign(vcl, { name, content: fields.get('content') ?? vcl.content, updatedAt: iso(ctx.now) });
    return { status: 200, json: vclJson(service, version, vcl) };
  }),
  onVersion('PUT', '/vcl/(?<name>[^/]+)/main', true, (ctx, service, version) => {
    const vcl = findVcl(version, ctx.params.name);
    if (!vcl) return notFound();
    makeMain(version, vcl);
    return { status: 200, json: vclJson(service, version, vcl) };
  }),
  onVersion('DELETE', '/vcl/(?<name>[^/]+)', true, (ctx, _service, version) => {
    const vcl = findVcl(version, ctx.params.name);
    if (!vcl) return notFound();
    version.vcls.splice(version.vcls.indexOf(vcl), 1);
    return { status: 200, json: { status: 'ok' } };
  }),
  // Fastly's reference: the generated VCL's diff, the version numbers as numbers.
  diffRoute(/^\/service\/(?<sid>[^/]+)\/vcl\/diff\/from\/(?<from>\d+)\/to\/(?<to>\d+)$/, n => n),
  // Recorded: GET /service/{sid}/diff/from/56/to/57, no format, answered with the numbers as strings.
  diffRoute(/^\/service\/(?<sid>[^/]+)\/diff\/from\/(?<from>\d+)\/to\/(?<to>\d+)$/, String),
];

/**
 * A diff of two versions' VCL in text form; `numbered` spells the version numbers as the route answers them.
 * @param {RegExp} pattern @param {(n: number) => number | string} numbered
 * @returns {Route}
 */
function diffRoute(pattern, numbered) {
  return {
    method: 'GET',
    pattern,
    scope: 'global',
    /** @param {Ctx} ctx */
    handler(ctx) {
      const service = serviceOf(ctx);
      const from = findVersion(service, ctx.params.from);
      const to = findVersion(service, ctx.params.to);
      if (!from || !to) return notFound();
      const format = ctx.query.get('format') ?? 'text';
      if (format !== 'text') return { status: 400, json: { msg: 'Bad request', detail: 'The fake diffs format=text only' } };
      return { status: 200, json: { from: numbered(from.number), to: numbered(to.number), format, diff: lineDiff(vclLines(from), vclLines(to)) } };
    },
  };
}
