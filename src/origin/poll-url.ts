import { sleepUnless } from '../cancel.js';
import { Exchange, RequestAborted, RequestTimeout } from '../fastly/exchange.js';
import * as log from '../log.js';
import { USER_AGENT } from '../version.js';

const MAX_TRY_MS = 10_000;
const MIN_INTERVAL_MS = 250;

export interface UrlTry {
  /** Milliseconds since polling began. */
  readonly at: number;
  readonly status: number | undefined;
  readonly error: string | undefined;
  /** Whether `good` accepted this answer. */
  readonly good: boolean;
  /** The start of the body, for messages. */
  readonly excerpt: string;
}

export interface Poll {
  readonly url: string;
  /** The whole wait: no try outlasts it. */
  readonly timeoutMs: number;
  /** The usual gap between tries; a short timeout gets denser tries (timeout/10, at least 250 ms). */
  readonly intervalMs: number;
  /** Consecutive good answers that end the polling. */
  readonly streak: number;
  readonly good: (status: number, body: string) => boolean;
  /** The log group's title. */
  readonly title: string;
  /** Ends the polling at once, the try in flight included (a cancelled run). */
  readonly stop?: AbortSignal | undefined;
  /** Connect to this address instead of the URL's host (Fastly's staging IP); Host and TLS name stay the URL's. */
  readonly connectTo?: string | undefined;
}

export interface PollResult {
  readonly reached: boolean;
  readonly tries: readonly UrlTry[];
  readonly durationMs: number;
  /** `stop` ended it before it was reached or timed out. */
  readonly stopped: boolean;
}

export interface Clock {
  readonly now: () => number;
  /** Ends early when `signal` fires. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const realClock: Clock = { now: Date.now, sleep: sleepUnless };

/**
 * Requests a URL until `streak` answers in a row are good or the time is up,
 * logging each try in a group. Each try is cut by the time that is left,
 * counted to the answer's last byte. A client of its own: no Fastly token
 * goes to an origin.
 */
export async function pollUrl(poll: Poll, clock: Clock = realClock): Promise<PollResult> {
  const interval = Math.min(poll.intervalMs, Math.max(MIN_INTERVAL_MS, Math.floor(poll.timeoutMs / 10)));
  const target = new URL(poll.url);
  const http = new Exchange(target.origin, { 'User-Agent': USER_AGENT }, poll.connectTo);
  const started = clock.now();
  const left = () => poll.timeoutMs - (clock.now() - started);
  const tries: UrlTry[] = [];
  let streak = 0;
  log.startGroup(poll.title);
  try {
    while (!poll.stop?.aborted && left() > 0) {
      const attempt = await tryOnce(http, `${target.pathname}${target.search}`, poll, clock.now() - started, Math.min(MAX_TRY_MS, left()));
      if (poll.stop?.aborted) break;
      tries.push(attempt);
      streak = attempt.good ? streak + 1 : 0;
      const answer = attempt.status !== undefined ? `HTTP ${attempt.status}` : attempt.error;
      log.info(`${(attempt.at / 1000).toFixed(1)} s: ${answer}, ${attempt.good ? `good (${streak} of ${poll.streak})` : 'not yet'}`);
      if (streak >= poll.streak || left() - interval <= 0) break;
      await clock.sleep(interval, poll.stop);
    }
    if (poll.stop?.aborted) log.info(`${((clock.now() - started) / 1000).toFixed(1)} s: stopped, the run was cancelled`);
  } finally {
    log.endGroup();
    http.dispose();
  }
  const reached = streak >= poll.streak;
  return { reached, tries, durationMs: clock.now() - started, stopped: !reached && poll.stop?.aborted === true };
}

async function tryOnce(http: Exchange, path: string, poll: Poll, at: number, timeoutMs: number): Promise<UrlTry> {
  try {
    const { status, body } = await http.request('GET', path, undefined, undefined, { timeoutMs, signal: poll.stop });
    return { at, status, error: undefined, good: poll.good(status, body), excerpt: body.replace(/\s+/g, ' ').trim().slice(0, 120) };
  } catch (error) {
    if (error instanceof RequestTimeout) return { at, status: undefined, error: `no complete answer within ${seconds(timeoutMs)}`, good: false, excerpt: '' };
    if (error instanceof RequestAborted) return { at, status: undefined, error: 'cancelled', good: false, excerpt: '' };
    const { code, message } = error as NodeJS.ErrnoException;
    return { at, status: undefined, error: code ?? (message || 'no answer'), good: false, excerpt: '' };
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

export function answerOf(t: UrlTry): string {
  return t.status !== undefined ? `HTTP ${t.status}` : (t.error ?? 'no answer');
}
