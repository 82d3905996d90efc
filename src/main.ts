import { cancelOnSignals } from './cancel.js';
import * as log from './log.js';
import { ActionError, messageOf } from './errors.js';
import { type FastlyApi, createFastlyClient } from './fastly/client.js';
import { type ModeRun, prepareMode } from './modes/index.js';
import { publish } from './report/publish.js';
import { getInput } from './runner.js';
import { readInputs } from './inputs/settings.js';
import { type PlanReview, PlanRefused, reviewPlan } from './review.js';
import { type TokenCheck, checkToken } from './token-check.js';

/** settings → token check → plan → (comment | reviewed gate) → apply → outputs and summary. The only place that fails the step. */
export async function run(): Promise<void> {
  const token = getInput('api-token');
  if (token !== '') log.maskSecret(token);

  const mode = getInput('mode');
  const cancel = cancelOnSignals(signal => log.info(`${signal} received: starting nothing new, then reporting what was done.`));
  let dryRun = false;
  let warnings: readonly string[] = [];
  let api: FastlyApi | undefined;
  let tokenCheck: TokenCheck | undefined;
  let ran: ModeRun | undefined;
  let review: PlanReview | undefined;
  let error: string | undefined;
  try {
    const read = await readInputs(name => getInput(name));
    const settings = read.settings;
    ({ dryRun } = settings);
    warnings = read.warnings;
    const client = createFastlyClient({
      baseUrl: settings.apiUrl,
      token: settings.token,
      maxRetries: settings.maxRetries,
      timeoutMs: settings.requestTimeoutMs,
      dryRun: settings.dryRun,
      cancel,
      log: message => log.info(message)
    });
    api = client;
    const checking = checkToken(client, settings, new Date());
    client.holdWritesUntil(checking);
    // The other modes plan meanwhile (reads only; the writes wait for the check); a purge only writes, and waiting for
    // its origin must not hide a bad token for minutes.
    const preparing = settings.mode.startsWith('purge-') ? checking.then(() => prepareMode(settings, client, cancel)) : prepareMode(settings, client, cancel);
    const running = preparing.then(async prepared => {
      if (prepared.plan) {
        try {
          review = await reviewPlan(settings, prepared.plan);
        } catch (refused) {
          if (refused instanceof PlanRefused) review = refused.review;
          throw refused;
        }
      }
      return prepared.apply();
    });
    const [checked, done] = await Promise.allSettled([checking, running]);
    // A failed check explains whatever the mode then failed at.
    if (checked.status === 'rejected') throw checked.reason;
    tokenCheck = checked.value;
    if (done.status === 'rejected') throw done.reason;
    ran = done.value;
  } catch (caught) {
    error = describe(caught);
  }
  try {
    const failure = await publish({
      mode,
      dryRun,
      tokenCheck,
      run: ran,
      error,
      warnings,
      review,
      cancelledBy: cancel.by(),
      rateLimit: api?.rateLimit(),
      planned: api?.plannedWrites(),
      usage: api?.usage()
    });
    if (failure !== undefined) log.fail(failure);
  } catch (caught) {
    log.fail(describe(caught));
  } finally {
    api?.dispose();
  }
}

function describe(error: unknown): string {
  if (error instanceof ActionError) return error.message;
  // Not expected: keep the log clean, but give whoever reports it the stack.
  log.debug(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return `Unexpected error (please report it): ${messageOf(error)}`;
}
