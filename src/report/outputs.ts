import type { PurgeTarget } from '../modes/purge-outcome.js';
import { type RunReport, failedCount } from './run-report.js';

/**
 * GitHub caps one output at 1 MiB. The JSON outputs stay under these sizes;
 * what does not fit is counted (and every failure is in the log).
 */
const MAX_FAILURES_IN_RESULT = 2000;
const MAX_PURGE_IDS_CHARS = 512 * 1024;

export interface Outputs {
  readonly values: Readonly<Record<string, string>>;
  /** Set when purge-ids had to leave some out. */
  readonly purgeIdsOmitted: number;
}

export function outputsFor(report: RunReport): Outputs {
  const { json: purgeIds, omitted } = purgeIdsJson(report);
  const targets = report.outcome?.targets ?? [];
  const purged = targets.reduce((sum, target) => sum + target.purged.size, 0);
  return {
    values: {
      result: JSON.stringify(resultOf(report)),
      'purged-count': String(purged),
      'purge-ids': purgeIds,
      'rate-limit-remaining': report.rateLimit?.remaining === undefined ? '' : String(report.rateLimit.remaining),
      'rate-limit-reset': report.rateLimit?.reset?.toISOString() ?? ''
    },
    purgeIdsOmitted: omitted
  };
}

function resultOf(report: RunReport): Record<string, unknown> {
  const outcome = report.outcome;
  let failureBudget = MAX_FAILURES_IN_RESULT;
  const targetJson = (target: PurgeTarget) => {
    const failed = target.failed.slice(0, Math.max(0, failureBudget));
    failureBudget -= failed.length;
    return {
      [target.kind === 'host' ? 'host' : 'serviceId']: target.name,
      requested: target.requested,
      purged: target.purged.size,
      failedCount: target.failed.length,
      failed,
      ...(failed.length < target.failed.length ? { failedOmitted: target.failed.length - failed.length } : {}),
      requests: target.requests
    };
  };
  const targets = outcome?.targets ?? [];
  const grouped = targets[0]?.kind === 'host' ? { hosts: targets.map(targetJson) } : { services: targets.map(targetJson) };
  return {
    mode: report.mode,
    dryRun: report.dryRun,
    ok: report.error === undefined && failedCount(report) === 0,
    ...(report.error === undefined ? {} : { error: report.error }),
    ...(outcome && outcome.mode !== 'purge-all' ? { soft: outcome.soft } : {}),
    ...grouped,
    ...(report.dryRun && report.planned ? { plannedRequests: report.planned.total } : {}),
    rateLimit: {
      remaining: report.rateLimit?.remaining ?? null,
      reset: report.rateLimit?.reset?.toISOString() ?? null
    }
  };
}

function purgeIdsJson(report: RunReport): { json: string; omitted: number } {
  if (report.outcome?.mode === 'purge-all') return { json: '{}', omitted: 0 };
  const entries: string[] = [];
  let size = 2;
  let omitted = 0;
  for (const target of report.outcome?.targets ?? []) {
    for (const [item, id] of target.purged) {
      const entry = `${JSON.stringify(item)}:${JSON.stringify(id)}`;
      if (size + entry.length + 1 > MAX_PURGE_IDS_CHARS) {
        omitted += 1;
        continue;
      }
      entries.push(entry);
      size += entry.length + 1;
    }
  }
  return { json: `{${entries.join(',')}}`, omitted };
}
