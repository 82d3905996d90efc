import { isAbsolute, relative, sep } from 'node:path';
import { type ActivateOutcome, type ServiceActivation, isActivationFailure } from '../modes/activate/outcome.js';
import { answerOf } from '../origin/poll-url.js';
import type { ActivateSettings } from '../inputs/settings.js';
import { ByteBudget, SUMMARY_LIST_BYTES, bytes } from './budget.js';
import { EMPTY, type Html, code, count, details, escape, html, join, plural, table } from './html.js';
import { packageLogLine, packageResult, packageSection, packageStep } from './package.js';
import type { LogLine, Presented } from './presented.js';

/** A diff longer than this is cut in the summary; Fastly's web interface shows it whole. */
const MAX_DIFF_CHARS = 60_000;

const RESULT_LABEL: Readonly<Record<ServiceActivation['status'], Html>> = {
  activated: html`✅ activated`,
  unchanged: html`➖ already live`,
  planned: html`🧪 planned`,
  'lint-failed': html`❌ lint failed: nothing cloned`,
  invalid: html`❌ invalid: not activated`,
  conflict: html`⚠️ another deploy: not activated`,
  'rolled-back': html`↩️ unhealthy: rolled back`,
  'rollback-failed': html`🚨 unhealthy, rollback failed`,
  superseded: html`⚠️ unhealthy; another deploy is live`,
  unchecked: html`🚨 cancelled: live and unchecked`,
  failed: html`❌ failed`
};

/** A version whose check a cancel stopped was never shown unhealthy, only not yet healthy. */
const CANCELLED_CHECK_LABEL: Partial<Record<ServiceActivation['status'], Html>> = {
  'rolled-back': html`↩️ unchecked: rolled back`,
  superseded: html`⚠️ unchecked; another deploy is live`
};

function resultLabel(s: ServiceActivation): Html {
  return (s.health?.cancelled ? CANCELLED_CHECK_LABEL[s.status] : undefined) ?? RESULT_LABEL[s.status];
}

export function presentActivation(settings: ActivateSettings, outcome: ActivateOutcome): Presented {
  const failing = outcome.services.filter(s => isActivationFailure(s.status));
  const diffs = new ByteBudget(SUMMARY_LIST_BYTES);
  return {
    failed: failing.length > 0,
    headline: headline(settings, outcome, failing),
    sections: [banner(outcome), overview(settings, outcome), ...outcome.services.map(s => serviceSection(settings, outcome, s, diffs))],
    result: {
      environment: settings.environment,
      clone: settings.clone,
      services: outcome.services.map(s => ({
        serviceId: s.serviceId,
        serviceName: s.serviceName,
        status: s.status,
        previousVersion: s.previousVersion ?? null,
        baseVersion: s.baseVersion ?? null,
        newVersion: s.newVersion ?? null,
        activeVersion: s.activeVersion ?? null,
        vcl: s.vcl.map(({ name, action }) => ({ name, action })),
        ...(s.mainVcl ? { mainVcl: s.mainVcl } : {}),
        ...(s.package ? { package: packageResult(s.package) } : {}),
        ...(s.lint.length > 0 ? { lint: s.lint.map(({ path, severity, line, column, message }) => ({ path, severity, line: line ?? null, column: column ?? null, message })) } : {}),
        ...(s.validation ? { validation: s.validation } : {}),
        ...(s.warning ? { warning: s.warning } : {}),
        ...(s.notes.length > 0 ? { notes: s.notes } : {}),
        ...(s.health ? { healthCheck: { url: s.health.url, healthy: s.health.healthy, tries: s.health.tries.length, durationMs: s.health.durationMs, observed: s.health.observed } } : {}),
        rolledBack: s.status === 'rolled-back',
        ...(s.error ? { error: s.error } : {})
      }))
    },
    outputs: {
      version: perService(outcome, s => s.activeVersion),
      'previous-version': perService(outcome, s => s.previousVersion),
      'rolled-back': String(outcome.services.some(s => s.status === 'rolled-back')),
      'version-url': perService(outcome, s => (s.activeVersion === undefined ? undefined : versionUrl(s.serviceId, s.activeVersion))),
      ...(settings.package ? { 'package-uploaded': perService(outcome, s => s.package?.uploaded === true) } : {})
    },
    warnings: outcome.services.flatMap(s => [
      ...(s.warning ? [`${s.serviceId}: Fastly warns on activating version ${s.newVersion}: ${s.warning}`] : []),
      ...s.notes.map(note => `${s.serviceId}: ${note}`)
    ]),
    log: logLines(settings, outcome, failing),
    failure: failureMessage(outcome, failing)
  };
}

function headline(settings: ActivateSettings, outcome: ActivateOutcome, failing: readonly ServiceActivation[]): Html {
  const env = escape(settings.environment);
  const [only] = outcome.services;
  if (settings.dryRun) {
    if (outcome.services.every(s => s.status === 'unchanged')) return html`already live: nothing to deploy`;
    return html`nothing was changed; the plan follows`;
  }
  if (failing.length > 0) {
    if (outcome.services.length === 1 && only?.status === 'rolled-back') {
      if (only.activeVersion === undefined) return html`version ${version(only.newVersion)} ${healthEnd(only)}; ${env} was deactivated (nothing was staged before)`;
      return html`version ${version(only.newVersion)} ${healthEnd(only)}; ${env} is back on version ${version(only.activeVersion)}`;
    }
    if (outcome.services.length === 1 && only?.status === 'rollback-failed') {
      return html`ROLLBACK FAILED: ${env} is on the unhealthy version ${version(only.newVersion)}`;
    }
    if (outcome.services.length === 1 && only?.status === 'superseded') {
      return html`version ${version(only.newVersion)} ${healthEnd(only)}; another deploy made version ${version(only.activeVersion)} active on ${env}`;
    }
    if (outcome.services.length === 1 && only?.status === 'unchecked') {
      return html`CANCELLED: version ${version(only.newVersion)} is live on ${env} and unchecked (was ${version(only.previousVersion)})`;
    }
    if (outcome.services.length === 1 && only) return html`${env} stays on version ${version(only.activeVersion)} (${resultLabel(only)})`;
    return html`${count(failing.length)} of ${plural(outcome.services.length, 'service')} not activated`;
  }
  if (outcome.services.length === 1 && only?.status === 'unchanged' && only.package) {
    return html`the package is already live: version ${version(only.activeVersion)} on ${env} has it`;
  }
  if (outcome.services.length === 1 && only) {
    return only.status === 'unchanged'
      ? html`already live: version ${version(only.activeVersion)} on ${env} has it all, nothing was cloned or activated`
      : html`version ${version(only.activeVersion)} active on ${env} (was ${version(only.previousVersion)})`;
  }
  return html`${plural(outcome.services.length, 'service')} active on ${env}`;
}

/** A check a cancel stopped did not fail: the version may be fine, it was only never shown healthy. */
function healthEnd(s: ServiceActivation): Html {
  return s.health?.cancelled ? html`had not passed its health check` : html`failed its health check`;
}

/** A check a cancel stopped is not a failed one: the version may be fine. */
function healthVerdict(h: { readonly healthy: boolean; readonly cancelled: boolean }): { icon: Html; word: Html } {
  if (h.healthy) return { icon: html`✅`, word: html`healthy` };
  return h.cancelled ? { icon: html`🛑`, word: html`not finished` } : { icon: html`❌`, word: html`unhealthy` };
}

function version(n: number | undefined): Html {
  return n === undefined ? html`none` : count(n);
}

const BANNER: Partial<Readonly<Record<ServiceActivation['status'], Html>>> = {
  'rolled-back': html`↩️ <b>Rolled back.</b>`,
  'rollback-failed': html`🚨 <b>Rollback failed: a person is needed.</b>`,
  superseded: html`⚠️ <b>Not rolled back: another deploy is live.</b>`,
  unchecked: html`🚨 <b>Live and unchecked: a person is needed.</b>`
};

/** After a failed health check or a cancel, the first thing a reader sees. */
function banner(outcome: ActivateOutcome): Html {
  const lines = outcome.services.flatMap(s => {
    const head = BANNER[s.status];
    return head ? [html`<p>${head} ${escape(s.error ?? '')}</p>`] : [];
  });
  return join(lines, '\n\n');
}

function overview(settings: ActivateSettings, outcome: ActivateOutcome): Html {
  const rows = outcome.services.map(s => [
    html`${escape(s.serviceName)}<br>${code(s.serviceId)}`,
    versionLink(s.serviceId, s.previousVersion),
    versionLink(s.serviceId, settings.dryRun ? undefined : s.activeVersion),
    versionLink(s.serviceId, s.newVersion),
    resultLabel(s)
  ]);
  const newHead = settings.clone ? html`New version` : html`Activated`;
  return table([html`Service`, html`Before (${escape(settings.environment)})`, html`After`, newHead, html`Result`], rows);
}

function serviceSection(settings: ActivateSettings, outcome: ActivateOutcome, s: ServiceActivation, diffs: ByteBudget): Html {
  const parts = [html`#### ${escape(s.serviceName)} (${code(s.serviceId)})`];
  const newVersion = version(s.newVersion);
  if (s.error) parts.push(html`<p>❌ ${escape(s.error)}</p>`);
  if (s.status === 'unchanged') parts.push(alreadyLive(settings, s));
  if (settings.dryRun) parts.push(plan(settings, outcome, s));
  else if (settings.clone && s.newVersion !== undefined) parts.push(html`<p>Version ${newVersion} was cloned from ${version(s.baseVersion)}, with the comment ${code(settings.comment)}.</p>`);
  if (s.package) parts.push(packageSection(s, s.package, settings.dryRun, settings.environment));
  if (s.vcl.length > 0) {
    const change = { create: html`created`, update: html`updated`, unchanged: html`unchanged` };
    const rows = s.vcl.map(v => [code(v.path), code(v.name), html`${change[v.action]}${v.name === s.mainVcl ? html`, made main` : EMPTY}`]);
    parts.push(table([html`File`, html`Custom VCL`, settings.dryRun ? html`Would be` : html`Change`], rows));
  }
  if (s.lint.length > 0) parts.push(lintSection(s));
  else if (settings.lint && s.vcl.length > 0) parts.push(html`<p>✅ Fastly's linter found nothing in ${plural(s.vcl.length, 'file')}.</p>`);
  if (s.validation) {
    parts.push(
      s.validation.ok
        ? html`<p>✅ Fastly validated version ${newVersion}.</p>`
        : html`<p>❌ Fastly's validation of version ${newVersion}:</p>\n<ul>${join(s.validation.errors.map(e => html`<li>${escape(e)}</li>`), '')}</ul>`
    );
    if (s.validation.warnings.length > 0) parts.push(html`<ul>${join(s.validation.warnings.map(w => html`<li>⚠️ ${escape(w)}</li>`), '')}</ul>`);
  }
  if (s.warning) parts.push(html`<p>⚠️ Fastly's warning on activation: ${escape(s.warning)}</p>`);
  for (const note of s.notes) parts.push(html`<p>⚠️ ${escape(note)}</p>`);
  if (s.health) {
    const h = s.health;
    const rows = h.tries.slice(-10).map(t => [escape(`${(t.at / 1000).toFixed(1)} s`), escape(answerOf(t))]);
    const tries = html`${plural(h.tries.length, 'try', 'tries')}${h.tries.length > 10 ? html` (the last 10)` : EMPTY}`;
    parts.push(
      html`<p>${healthVerdict(h).icon} Health check of ${code(h.url)}${h.via === undefined ? EMPTY : html` through the staging IP ${code(h.via)}`}: ${healthVerdict(h).word}, ${escape(h.observed)}.</p>\n\n${details(tries, table([html`At`, html`Answer`], rows))}`
    );
  }
  if (s.diff !== undefined && s.diffTitle) parts.push(diffSection(s.diff, s.diffTitle, diffs));
  return join(parts, '\n\n');
}

/** The diff, escaped, as far as the run's budget allows: 4 services with a 72 KB VCL each must not sink the summary. */
function diffSection(diff: string, title: string, budget: ByteBudget): Html {
  const text = diff || '(no difference)';
  const cut = text.length > MAX_DIFF_CHARS ? text.slice(0, MAX_DIFF_CHARS) : text;
  let body = escape(cut);
  let shownChars = cut.length;
  if (!budget.take(bytes(body))) {
    // Line by line, as much as is left: a diff cut mid-entity would show garbage.
    const lines = cut.split('\n');
    const kept: Html[] = [];
    shownChars = 0;
    for (const line of lines) {
      const escaped = escape(line);
      if (!budget.take(bytes(escaped) + 1)) break;
      kept.push(escaped);
      shownChars += line.length + 1;
    }
    body = join(kept, '\n');
  }
  const tail = shownChars < text.length ? html`\n… (cut: ${count(text.length)} characters in all; the summary is capped at 1 MiB)` : EMPTY;
  return details(escape(title), html`<pre>${body}${tail}</pre>`);
}

function plan(settings: ActivateSettings, outcome: ActivateOutcome, s: ServiceActivation): Html {
  if (s.status !== 'planned') return EMPTY;
  const env = escape(settings.environment);
  const steps = settings.clone
    ? [
        html`clone version ${version(s.baseVersion)} (${s.baseVersion === s.previousVersion ? html`active on ${env}` : html`not the active one`})`,
        html`comment the clone ${code(settings.comment)}`,
        ...(s.package ? [packageStep(s.package)] : []),
        ...(s.vcl.length > 0 ? [html`upload ${plural(s.vcl.filter(v => v.action !== 'unchanged').length, 'changed VCL file')}${s.mainVcl ? html`, making ${code(s.mainVcl)} main` : EMPTY}`] : []),
        html`validate it`,
        html`activate it on ${env}`,
        ...healthStep(settings, outcome, s)
      ]
    : [html`validate version ${version(s.newVersion)}`, html`activate it on ${env} (a rollback from ${version(s.previousVersion)})`, ...healthStep(settings, outcome, s)];
  return html`<p>A real run would:</p>\n<ol>${join(steps.map(step => html`<li>${step}</li>`), '')}</ol>`;
}

function alreadyLive(settings: ActivateSettings, s: ServiceActivation): Html {
  const env = escape(settings.environment);
  if (s.vcl.length > 0) {
    return html`<p>➖ Already live: every VCL file is as version ${version(s.previousVersion)} on ${env} has it, so nothing was cloned, uploaded or activated.</p>`;
  }
  return html`<p>➖ Already live: version ${version(s.newVersion)} is the one active on ${env}, so nothing was sent.</p>`;
}

function lintSection(s: ServiceActivation): Html {
  const rows = s.lint.map(f => [
    f.severity === 'error' ? html`❌ error` : html`⚠️ warning`,
    code(f.line === undefined ? f.path : `${f.path}:${f.line}${f.column === undefined ? '' : `:${f.column}`}`),
    html`<pre>${escape(f.message)}</pre>`
  ]);
  return html`<p>Fastly's linter:</p>

${table([html`Finding`, html`Where`, html`Message`], rows)}`;
}

function healthStep(settings: ActivateSettings, outcome: ActivateOutcome, s: ServiceActivation): Html[] {
  if (!settings.healthCheckUrl) return [];
  const seconds = Math.round(settings.healthCheckTimeoutMs / 1000);
  const through = settings.environment === 'staging' ? html` through the staging IP of its host` : EMPTY;
  const back = settings.environment === 'staging' && s.previousVersion === undefined ? html`take it off staging` : html`re-activate version ${version(s.previousVersion)}`;
  return [html`check ${code(settings.healthCheckUrl)}${through} until it answers 2xx twice in a row (up to ${seconds} s); if it never does, ${back}`];
}

/** The version's page in the Fastly web interface. */
function versionUrl(serviceId: string, n: number): string {
  return `https://manage.fastly.com/configure/services/${encodeURIComponent(serviceId)}/versions/${n}`;
}

function versionLink(serviceId: string, n: number | undefined): Html {
  if (n === undefined) return html`—`;
  return html`<a href="${escape(versionUrl(serviceId, n))}">${n}</a>`;
}

/** One service: the value. Several: a JSON object service ID → value. */
function perService(outcome: ActivateOutcome, pick: (s: ServiceActivation) => number | string | boolean | undefined): string {
  const [only] = outcome.services;
  if (outcome.services.length === 1 && only) return String(pick(only) ?? '');
  return JSON.stringify(Object.fromEntries(outcome.services.map(s => [s.serviceId, pick(s) ?? null])));
}

function logLines(settings: ActivateSettings, outcome: ActivateOutcome, failing: readonly ServiceActivation[]): LogLine[] {
  return outcome.services.flatMap((s): LogLine[] => [
    { level: 'info', text: `${s.serviceId} (${s.serviceName}): ${resultLabel(s)}; ${settings.environment} was ${s.previousVersion ?? 'none'}, is ${s.activeVersion ?? 'none'}` },
    ...(s.package ? [{ level: 'info', text: `${s.serviceId}: ${packageLogLine(s.package)}` } as const] : []),
    ...s.lint.map((f): LogLine => ({ annotate: f.severity, text: `Fastly's linter (${s.serviceId}): ${f.message}`, file: repositoryPath(f.path), line: f.line, column: f.column })),
    ...(s.validation?.ok === false ? s.validation.errors : []).map((message): LogLine => ({ level: 'error', text: `${s.serviceId} version ${s.newVersion}: ${message}` })),
    ...(failing.length > 1 && s.error ? [{ level: 'error', text: s.error } as const] : [])
  ]);
}

/** An annotation names a file relative to the repository: a path under GITHUB_WORKSPACE loses that prefix. */
function repositoryPath(path: string): string {
  const workspace = process.env.GITHUB_WORKSPACE;
  if (!workspace || !isAbsolute(path)) return path.replace(/^\.\//, '');
  const inside = relative(workspace, path);
  return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? path : inside.split(sep).join('/');
}

function failureMessage(outcome: ActivateOutcome, failing: readonly ServiceActivation[]): string | undefined {
  const [first] = failing;
  if (!first?.error) return undefined;
  return failing.length === 1 ? first.error : `${failing.length} of ${outcome.services.length} services were not activated. First: ${first.error}`;
}
