import { type Clock, type UrlTry, answerOf, pollUrl, realClock } from './poll-url.js';

/** Consecutive 2xx answers that make a URL healthy: one good answer can be luck. */
const HEALTHY_STREAK = 2;
/** "A couple of seconds apart". */
const INTERVAL_MS = 2000;

export interface HealthReport {
  readonly url: string;
  readonly healthy: boolean;
  readonly tries: readonly UrlTry[];
  readonly durationMs: number;
  /** The address it was requested through instead of the URL's host (the staging IP). */
  readonly via: string | undefined;
  /** A cancel ended the check before it passed or timed out. */
  readonly cancelled: boolean;
  /** What was observed, for people: "HTTP 503 for 60 s", "HTTP 200 after 2 tries in 2 s". */
  readonly observed: string;
}

/**
 * Requests `url` until it answers 2xx twice in a row, `timeoutMs` passes or `stop` fires;
 * through the address `via` when given (Fastly's staging IP for the URL's host).
 */
export async function checkHealth(url: string, timeoutMs: number, stop?: AbortSignal, clock: Clock = realClock, via?: string): Promise<HealthReport> {
  const { reached, tries, durationMs, stopped } = await pollUrl(
    {
      url,
      timeoutMs,
      intervalMs: INTERVAL_MS,
      streak: HEALTHY_STREAK,
      good: status => status >= 200 && status < 300,
      title: `Health check: ${url}${via === undefined ? '' : ` through staging IP ${via}`} (up to ${Math.round(timeoutMs / 1000)} s)`,
      stop,
      connectTo: via
    },
    clock
  );
  const observed = stopped ? `cancelled after ${tries.length} ${tries.length === 1 ? 'try' : 'tries'} in ${Math.round(durationMs / 1000)} s` : describe(tries, durationMs, reached);
  return { url, via, healthy: reached, tries, durationMs, cancelled: stopped, observed };
}

function describe(tries: readonly UrlTry[], durationMs: number, healthy: boolean): string {
  const seconds = `${Math.round(durationMs / 1000)} s`;
  const last = tries.at(-1);
  if (!last) return `no answer in ${seconds}`;
  if (healthy) return `${answerOf(last)} after ${tries.length} ${tries.length === 1 ? 'try' : 'tries'} in ${seconds}`;
  const kinds = new Set(tries.map(answerOf));
  return kinds.size === 1 ? `${answerOf(last)} for ${seconds}` : `${answerOf(last)} at the end of ${seconds} (${tries.length} tries: ${[...kinds].join(', ')})`;
}
