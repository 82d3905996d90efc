import type { Presented } from './presented.js';
import type { RunReport } from './run-report.js';

/** The outputs every mode sets; each kind of outcome adds its own. */
export function outputsFor(report: RunReport, presented: Presented | undefined): Record<string, string> {
  return {
    result: JSON.stringify({
      mode: report.mode,
      dryRun: report.dryRun,
      ok: report.error === undefined && !presented?.failed,
      ...(report.error === undefined ? {} : { error: report.error }),
      ...presented?.result,
      ...(report.dryRun && report.planned ? { plannedRequests: report.planned.total } : {}),
      rateLimit: {
        remaining: report.rateLimit?.remaining ?? null,
        reset: report.rateLimit?.reset?.toISOString() ?? null
      }
    }),
    ...presented?.outputs,
    'rate-limit-remaining': report.rateLimit?.remaining === undefined ? '' : String(report.rateLimit.remaining),
    'rate-limit-reset': report.rateLimit?.reset?.toISOString() ?? ''
  };
}
