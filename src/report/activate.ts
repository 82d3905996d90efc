import * as core from '@actions/core';
import { type ActivateOutcome, type ServiceActivation, isActivationFailure } from '../modes/activate-outcome.js';
import { answerOf } from '../poll-url.js';
import { code, count, details, escape, plural, table } from './html.js';
import type { Presented } from './presented.js';

/** A diff longer than this is cut in the summary; Fastly's web interface shows it whole. */
const MAX_DIFF_CHARS = 60_000;

const RESULT_LABEL: Readonly<Record<ServiceActivation['status'], string>> = {
  activated: '✅ activated',
  unchanged: '➖ already active',
  planned: '🧪 planned',
  invalid: '❌ invalid: not activated',
  conflict: '⚠️ another deploy: not activated',
  'rolled-back': '↩️ unhealthy: rolled back',
  'rollback-failed': '🚨 unhealthy, rollback failed',
  failed: '❌ failed'
};

export function presentActivation(outcome: ActivateOutcome): Presented {
  const failing = outcome.services.filter(s => isActivationFailure(s.status));
  return {
    failed: failing.length > 0,
    headline: headline(outcome, failing),
    sections: [banner(outcome), overview(outcome), ...outcome.services.map(s => serviceSection(outcome, s))],
    result: {
      environment: outcome.environment,
      clone: outcome.clone,
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
        ...(s.validation ? { validation: s.validation } : {}),
        ...(s.warning ? { warning: s.warning } : {}),
        ...(s.health ? { healthCheck: { url: s.health.url, healthy: s.health.healthy, tries: s.health.tries.length, durationMs: s.health.durationMs, observed: s.health.observed } } : {}),
        rolledBack: s.status === 'rolled-back',
        ...(s.error ? { error: s.error } : {})
      }))
    },
    outputs: {
      version: perService(outcome, s => s.activeVersion),
      'previous-version': perService(outcome, s => s.previousVersion),
      'rolled-back': String(outcome.services.some(s => s.status === 'rolled-back'))
    },
    warnings: outcome.services.flatMap(s => (s.warning ? [`${s.serviceId}: Fastly warns on activating version ${s.newVersion}: ${s.warning}`] : [])),
    log: () => log(outcome, failing)
  };
}

function headline(outcome: ActivateOutcome, failing: readonly ServiceActivation[]): string {
  const env = outcome.environment;
  const [only] = outcome.services;
  if (outcome.dryRun) return 'nothing was changed; the plan follows';
  if (failing.length > 0) {
    if (outcome.services.length === 1 && only?.status === 'rolled-back') {
      return `version ${only.newVersion} failed its health check; ${env} is back on version ${only.activeVersion}`;
    }
    if (outcome.services.length === 1 && only?.status === 'rollback-failed') {
      return `ROLLBACK FAILED: ${env} is on the unhealthy version ${only.newVersion}`;
    }
    if (outcome.services.length === 1 && only) return `${env} stays on version ${only.activeVersion ?? 'none'} (${RESULT_LABEL[only.status]})`;
    return `${count(failing.length)} of ${plural(outcome.services.length, 'service')} not activated`;
  }
  if (outcome.services.length === 1 && only) {
    return only.status === 'unchanged'
      ? `version ${only.activeVersion} was already active on ${env}`
      : `version ${only.activeVersion} active on ${env} (was ${only.previousVersion ?? 'none'})`;
  }
  return `${plural(outcome.services.length, 'service')} active on ${env}`;
}

/** After a rollback, the first thing a reader sees. */
function banner(outcome: ActivateOutcome): string {
  return outcome.services
    .filter(s => s.status === 'rolled-back' || s.status === 'rollback-failed')
    .map(s => `<p>${s.status === 'rolled-back' ? '↩️ <b>Rolled back.</b>' : '🚨 <b>Rollback failed: a person is needed.</b>'} ${escape(s.error ?? '')}</p>`)
    .join('\n\n');
}

function overview(outcome: ActivateOutcome): string {
  const rows = outcome.services.map(s => [
    `${escape(s.serviceName)}<br>${code(s.serviceId)}`,
    versionLink(s.serviceId, s.previousVersion),
    versionLink(s.serviceId, outcome.dryRun ? undefined : s.activeVersion),
    versionLink(s.serviceId, s.newVersion),
    RESULT_LABEL[s.status]
  ]);
  const newHead = outcome.clone ? 'New version' : 'Activated';
  return table(['Service', `Before (${outcome.environment})`, 'After', newHead, 'Result'], rows);
}

function serviceSection(outcome: ActivateOutcome, s: ServiceActivation): string {
  const parts = [`#### ${escape(s.serviceName)} (${code(s.serviceId)})`];
  if (s.error) parts.push(`<p>❌ ${escape(s.error)}</p>`);
  if (outcome.dryRun) parts.push(plan(outcome, s));
  else if (outcome.clone && s.newVersion !== undefined) parts.push(`<p>Version ${s.newVersion} was cloned from ${s.baseVersion}, with the comment ${code(outcome.comment)}.</p>`);
  if (s.vcl.length > 0) {
    const rows = s.vcl.map(v => [code(v.path), code(v.name), { create: 'created', update: 'updated', unchanged: 'unchanged' }[v.action] + (v.name === s.mainVcl ? ', made main' : '')]);
    parts.push(table(['File', 'Custom VCL', outcome.dryRun ? 'Would be' : 'Change'], rows));
  }
  if (s.validation) {
    parts.push(
      s.validation.ok
        ? `<p>✅ Fastly validated version ${s.newVersion}.</p>`
        : `<p>❌ Fastly's validation of version ${s.newVersion}:</p>\n<ul>${s.validation.errors.map(e => `<li>${escape(e)}</li>`).join('')}</ul>`
    );
    if (s.validation.warnings.length > 0) parts.push(`<ul>${s.validation.warnings.map(w => `<li>⚠️ ${escape(w)}</li>`).join('')}</ul>`);
  }
  if (s.warning) parts.push(`<p>⚠️ Fastly's warning on activation: ${escape(s.warning)}</p>`);
  if (s.health) {
    const h = s.health;
    const rows = h.tries.slice(-10).map(t => [`${(t.at / 1000).toFixed(1)} s`, escape(answerOf(t))]);
    parts.push(
      `<p>${h.healthy ? '✅' : '❌'} Health check of ${code(h.url)}: ${h.healthy ? 'healthy' : 'unhealthy'}, ${escape(h.observed)}.</p>\n\n` +
        details(`${h.tries.length} ${h.tries.length === 1 ? 'try' : 'tries'}${h.tries.length > 10 ? ' (the last 10)' : ''}`, table(['At', 'Answer'], rows))
    );
  }
  if (s.diff !== undefined && s.diffTitle) {
    const body = s.diff.length > MAX_DIFF_CHARS ? `${s.diff.slice(0, MAX_DIFF_CHARS)}\n… (cut: ${count(s.diff.length)} characters in all)` : s.diff;
    parts.push(details(escape(s.diffTitle), `<pre>${escape(body || '(no difference)')}</pre>`));
  }
  return parts.join('\n\n');
}

function plan(outcome: ActivateOutcome, s: ServiceActivation): string {
  if (s.status !== 'planned') return '';
  const steps = outcome.clone
    ? [
        `clone version ${s.baseVersion} (${s.baseVersion === s.previousVersion ? `active on ${outcome.environment}` : 'not the active one'})`,
        `comment the clone ${code(outcome.comment)}`,
        ...(s.vcl.length > 0 ? [`upload ${plural(s.vcl.filter(v => v.action !== 'unchanged').length, 'changed VCL file')}${s.mainVcl ? `, making ${code(s.mainVcl)} main` : ''}`] : []),
        'validate it',
        `activate it on ${outcome.environment}`,
        ...healthStep(outcome, s)
      ]
    : [`validate version ${s.newVersion}`, `activate it on ${outcome.environment} (a rollback from ${s.previousVersion ?? 'none'})`, ...healthStep(outcome, s)];
  return `<p>A real run would:</p>\n<ol>${steps.map(step => `<li>${step}</li>`).join('')}</ol>`;
}

function healthStep(outcome: ActivateOutcome, s: ServiceActivation): string[] {
  if (!outcome.healthCheckUrl) return [];
  const seconds = Math.round(outcome.healthCheckTimeoutMs / 1000);
  return [`check ${code(outcome.healthCheckUrl)} until it answers 2xx twice in a row (up to ${seconds} s); if it never does, re-activate version ${s.previousVersion ?? 'none'}`];
}

function versionLink(serviceId: string, version: number | undefined): string {
  if (version === undefined) return '—';
  const url = `https://manage.fastly.com/configure/services/${encodeURIComponent(serviceId)}/versions/${version}`;
  return `<a href="${url}">${version}</a>`;
}

/** One service: the number. Several: a JSON object service ID → number. */
function perService(outcome: ActivateOutcome, pick: (s: ServiceActivation) => number | undefined): string {
  const [only] = outcome.services;
  if (outcome.services.length === 1 && only) return String(pick(only) ?? '');
  return JSON.stringify(Object.fromEntries(outcome.services.map(s => [s.serviceId, pick(s) ?? null])));
}

function log(outcome: ActivateOutcome, failing: readonly ServiceActivation[]): string | undefined {
  for (const s of outcome.services) {
    core.info(`${s.serviceId} (${s.serviceName}): ${RESULT_LABEL[s.status]}; ${outcome.environment} was ${s.previousVersion ?? 'none'}, is ${s.activeVersion ?? 'none'}`);
    for (const message of s.validation?.ok === false ? s.validation.errors : []) core.error(`${s.serviceId} version ${s.newVersion}: ${message}`);
    if (failing.length > 1 && s.error) core.error(s.error);
  }
  const [first] = failing;
  if (!first?.error) return undefined;
  return failing.length === 1 ? first.error : `${failing.length} of ${outcome.services.length} services were not activated. First: ${first.error}`;
}
