import * as core from '@actions/core';
import { outputsFor } from './outputs.js';
import { type RunReport, isRateLimitLow, itemNoun } from './run-report.js';
import { renderSummary } from './summary.js';
import { plural, utc } from './html.js';

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
  logOutcome(report);
  await writeSummary(renderSummary(report));
  return failureMessage(report);
}

/** One line per target, so a run that went well still leaves a readable log. */
function logOutcome(report: RunReport): void {
  const outcome = report.outcome;
  if (!outcome) return;
  const how = outcome.mode === 'purge-all' ? 'hard, purge-all' : outcome.soft ? 'soft' : 'hard';
  for (const target of outcome.targets) {
    const what = outcome.mode === 'purge-all' ? 'everything' : itemNoun(outcome.mode, target.requested);
    const line = outcome.dryRun
      ? `${target.name}: would purge ${what} (${how}) in ${plural(target.requests, 'request')}`
      : `${target.name}: purged ${outcome.mode === 'purge-all' ? what : `${target.purged.size} of ${what}`} (${how})` +
        (target.failed.length > 0 ? `; ${target.failed.length} failed` : '');
    core.info(line);
  }
}

function failureMessage(report: RunReport): string | undefined {
  if (report.error !== undefined) return report.error;
  const outcome = report.outcome;
  if (!outcome) return undefined;
  const failing = outcome.targets.filter(target => target.failed.length > 0);
  for (const target of failing) {
    core.startGroup(`Failed on ${target.name}: ${itemNoun(outcome.mode, target.failed.length)}`);
    for (const failure of target.failed) core.info(`${failure.item}: ${failure.reason}`);
    core.endGroup();
    // With one failing target the step's own error says the same; annotate each only when there are several.
    if (failing.length > 1) {
      core.error(`${target.name}: ${target.failed.length} of ${itemNoun(outcome.mode, target.requested)} failed. First: ${target.failed[0]?.reason}`);
    }
  }
  const first = failing[0]?.failed[0];
  if (!first) return undefined;
  const failed = failing.reduce((sum, target) => sum + target.failed.length, 0);
  const requested = outcome.targets.reduce((sum, target) => sum + target.requested, 0);
  const what = `${failed} of ${itemNoun(outcome.mode, requested)} failed to purge`;
  return failed === 1
    ? `${what}: ${first.item}: ${first.reason}`
    : `${what} (the job summary groups them by reason). First: ${first.item}: ${first.reason}`;
}

async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info('No GITHUB_STEP_SUMMARY file: the job summary follows in the log.');
    core.info(markdown);
    return;
  }
  await core.summary.addRaw(markdown).write();
}
