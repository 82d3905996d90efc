import { ActionError } from '../errors.js';
import { type Clock, answerOf, pollUrl, realClock } from './poll-url.js';
import type { WaitFor } from '../inputs/settings.js';

/** Consecutive matching answers: one edge or origin node serving the new build is not all of them. */
const MATCH_STREAK = 3;
/** "Every few seconds." */
const INTERVAL_MS = 3000;

/** Returns once the origin serves the new build; throws, naming what it saw, when it never does in time. */
export async function waitForOrigin(waitFor: WaitFor, stop?: AbortSignal, clock: Clock = realClock): Promise<{ tries: number; durationMs: number }> {
  const { reached, tries, durationMs, stopped } = await pollUrl(
    {
      url: waitFor.url,
      timeoutMs: waitFor.timeoutMs,
      intervalMs: INTERVAL_MS,
      streak: MATCH_STREAK,
      good: (status, body) => status >= 200 && status < 300 && body.includes(waitFor.text),
      title: `Waiting for ${waitFor.url} to serve '${waitFor.text}' (up to ${Math.round(waitFor.timeoutMs / 1000)} s)`,
      stop
    },
    clock
  );
  if (reached) return { tries: tries.length, durationMs };
  if (stopped) throw new ActionError(`The run was cancelled while waiting for ${waitFor.url} to serve '${waitFor.text}'. Nothing was purged.`);
  const last = tries.at(-1);
  const saw = last ? `${answerOf(last)}${last.excerpt ? `: '${last.excerpt}'` : ''}` : 'nothing';
  throw new ActionError(
    `${waitFor.url} did not serve '${waitFor.text}' on ${MATCH_STREAK} consecutive tries within ${Math.round(waitFor.timeoutMs / 1000)} s ` +
      `(wait-timeout); it last answered ${saw}. Nothing was purged.`
  );
}
