import * as log from '../log.js';
import { appendSummary } from '../runner.js';
import { scrub } from '../secrets.js';
import { outputsFor } from './outputs.js';
import { present } from './present.js';
import { type RunReport, isRateLimitLow } from './run-report.js';
import { renderSummary } from './summary.js';
import { utc } from './html.js';

/**
 * Sets the outputs, logs what a person needs (every failure, warnings) and
 * writes the job summary. Answers the failure message for main.ts, if any.
 */
export async function publish(report: RunReport): Promise<string | undefined> {
  const presented = report.outcome ? present(report.outcome) : undefined;
  for (const [name, value] of Object.entries(outputsFor(report, presented))) log.setOutput(name, value);
  for (const notice of report.tokenCheck?.notices ?? []) log.notice(notice);
  for (const warning of [...report.warnings, ...(report.tokenCheck?.warnings ?? [])]) log.warning(warning);
  for (const warning of presented?.warnings ?? []) log.warning(warning);
  const rateLimit = report.rateLimit;
  if (isRateLimitLow(rateLimit) && rateLimit?.remaining !== undefined) {
    const reset = rateLimit.reset ? ` (the window resets at ${utc(rateLimit.reset)})` : '';
    log.warning(`Only ${rateLimit.remaining} Fastly API writes are left this hour${reset}.`);
  }
  const failure = presented?.log();
  await writeSummary(renderSummary(report, presented));
  const why = report.error ?? failure;
  if (report.cancelledBy === undefined) return why;
  return `The run was cancelled (${report.cancelledBy}): ${why ?? 'everything asked for had been done'}`;
}

async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    log.info('No GITHUB_STEP_SUMMARY file: the job summary follows in the log.');
    log.infoLines(markdown);
    return;
  }
  await appendSummary(scrub(markdown));
}
