import * as core from '@actions/core';
import { outputsFor } from './outputs.js';
import { type RunReport, isRateLimitLow, itemNoun } from './run-report.js';
import { renderSummary } from './summary.js';
import { utc } from './html.js';

/**
 * Sets the outputs, logs what a person needs (every failure, warnings) and
 * writes the job summary. Answers the failure message for main.ts, if any.
 */
export async function publish(report: RunReport): Promise<string | undefined> {
  const outputs = outputsFor(report);
  for (const [name, value] of Object.entries(outputs.values)) core.setOutput(name, value);
  for (const notice of report.tokenCheck?.notices ?? []) core.notice(notice);
  for (const warning of [...report.warnings, ...(report.tokenCheck?.warnings ?? [])]) core.warning(warning);
  if (outputs.purgeIdsOmitted > 0) {
    core.warning(
      `The purge-ids output leaves out ${outputs.purgeIdsOmitted.toLocaleString('en-US')} purge IDs: GitHub caps an output at 1 MiB.`
    );
  }
  const rateLimit = report.rateLimit;
  if (isRateLimitLow(rateLimit) && rateLimit?.remaining !== undefined) {
    const reset = rateLimit.reset ? ` (the window resets at ${utc(rateLimit.reset)})` : '';
    core.warning(`Only ${rateLimit.remaining} Fastly API writes are left this hour${reset}.`);
  }
  await writeSummary(renderSummary(report));
  return failureMessage(report);
}

function failureMessage(report: RunReport): string | undefined {
  if (report.error !== undefined) return report.error;
  const outcome = report.outcome;
  if (!outcome) return undefined;
  let failed = 0;
  let requested = 0;
  for (const target of outcome.targets) {
    requested += target.requested;
    failed += target.failed.length;
    if (target.failed.length === 0) continue;
    core.startGroup(`Failed on ${target.name}: ${itemNoun(outcome.mode, target.failed.length)}`);
    for (const failure of target.failed) core.info(`${failure.item}: ${failure.reason}`);
    core.endGroup();
    core.error(`${target.name}: ${target.failed.length} of ${itemNoun(outcome.mode, target.requested)} failed. First: ${target.failed[0]?.reason}`);
  }
  return failed > 0 ? `${failed} of ${itemNoun(outcome.mode, requested)} failed to purge; see the job summary and the log above.` : undefined;
}

async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info('No GITHUB_STEP_SUMMARY file: the job summary follows in the log.');
    core.info(markdown);
    return;
  }
  await core.summary.addRaw(markdown).write();
}
