import * as log from './log.js';
import { HttpClient } from '@actions/http-client';
import { USER_AGENT } from './version.js';

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
  readonly timeoutMs: number;
  /** The usual gap between tries; a short timeout gets denser tries (timeout/10, at least 250 ms). */
  readonly intervalMs: number;
  /** Consecutive good answers that end the polling. */
  readonly streak: number;
  readonly good: (status: number, body: string) => boolean;
  /** The log group's title. */
  readonly title: string;
}

export interface PollResult {
  readonly reached: boolean;
  readonly tries: readonly UrlTry[];
  readonly durationMs: number;
}

export interface Clock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export const realClock: Clock = { now: Date.now, sleep: ms => new Promise(done => setTimeout(done, ms)) };

/**
 * Requests a URL until `streak` answers in a row are good or the time is up,
 * logging each try in a group. A client of its own: no Fastly token goes to
 * an origin.
 */
export async function pollUrl(poll: Poll, clock: Clock = realClock): Promise<PollResult> {
  const interval = Math.min(poll.intervalMs, Math.max(MIN_INTERVAL_MS, Math.floor(poll.timeoutMs / 10)));
  const http = new HttpClient(USER_AGENT, [], { socketTimeout: Math.max(1, Math.min(MAX_TRY_MS, poll.timeoutMs)), allowRetries: false });
  const started = clock.now();
  const tries: UrlTry[] = [];
  let streak = 0;
  log.startGroup(poll.title);
  try {
    for (;;) {
      const attempt = await tryOnce(http, poll, clock.now() - started);
      tries.push(attempt);
      streak = attempt.good ? streak + 1 : 0;
      const answer = attempt.status !== undefined ? `HTTP ${attempt.status}` : attempt.error;
      log.info(`${(attempt.at / 1000).toFixed(1)} s: ${answer}, ${attempt.good ? `good (${streak} of ${poll.streak})` : 'not yet'}`);
      if (streak >= poll.streak || clock.now() - started + interval > poll.timeoutMs) break;
      await clock.sleep(interval);
    }
  } finally {
    log.endGroup();
    http.dispose();
  }
  return { reached: streak >= poll.streak, tries, durationMs: clock.now() - started };
}

async function tryOnce(http: HttpClient, poll: Poll, at: number): Promise<UrlTry> {
  try {
    const response = await http.get(poll.url);
    const body = await response.readBody();
    const status = response.message.statusCode ?? 0;
    return { at, status, error: undefined, good: poll.good(status, body), excerpt: body.replace(/\s+/g, ' ').trim().slice(0, 120) };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return { at, status: undefined, error: code ?? (message || 'no answer'), good: false, excerpt: '' };
  }
}

export function answerOf(t: UrlTry): string {
  return t.status !== undefined ? `HTTP ${t.status}` : (t.error ?? 'no answer');
}
