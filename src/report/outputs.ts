import { MAX_OUTPUT_BYTES, bytes } from './budget.js';
import type { Presented } from './presented.js';
import type { RunReport } from './run-report.js';

const MAX_ERROR_CHARS = 10_000;

/** The outputs every mode sets; each kind of outcome adds its own. */
export function outputsFor(report: RunReport, presented: Presented | undefined): Record<string, string> {
  const outputs = {
    result: JSON.stringify({
      mode: report.mode,
      dryRun: report.dryRun,
      ok: report.error === undefined && !presented?.failed && report.cancelledBy === undefined,
      ...(report.error === undefined ? {} : { error: report.error }),
      ...(report.cancelledBy === undefined ? {} : { cancelled: report.cancelledBy }),
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
  if (bytes(outputs.result) >= MAX_OUTPUT_BYTES) outputs.result = cutResult(report, presented, bytes(outputs.result));
  return outputs;
}

/**
 * The last line of defence for GitHub's 1 MB: the kind's lists already fit
 * their budget, but an error may carry a long input. What every consumer
 * reads stays; the rest is said to be cut.
 */
function cutResult(report: RunReport, presented: Presented | undefined, size: number): string {
  const error = report.error === undefined ? {} : { error: report.error.length > MAX_ERROR_CHARS ? `${report.error.slice(0, MAX_ERROR_CHARS)}…` : report.error };
  return JSON.stringify({
    mode: report.mode,
    dryRun: report.dryRun,
    ok: report.error === undefined && !presented?.failed,
    ...error,
    cut: `The result was ${size} bytes, over GitHub's 1 MB for an output; the job summary and the log have the details.`
  });
}
