import { epochSecondsToDate } from './rate-limit.js';

/** The most a run waits for rate-limit windows on one request, per the contract. */
export const MAX_RATE_LIMIT_WAIT_MS = 120_000;

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 20_000;

/** Exponential backoff with full jitter: a random wait up to base·2^retry, so parallel retries spread out. */
export function backoffMs(retry: number, random: () => number): number {
  return Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** retry));
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * When a 429's window ends: Fastly-RateLimit-Reset (epoch seconds), else
 * Retry-After (seconds or an HTTP date). Undefined when neither says.
 */
export function rateLimitResetAt(
  headers: { reset: string | undefined; retryAfter: string | undefined },
  nowMs: number
): Date | undefined {
  const reset = epochSecondsToDate(headers.reset);
  if (reset && reset.getTime() > nowMs) return reset;
  const retryAfter = headers.retryAfter?.trim();
  if (!retryAfter) return reset;
  if (/^\d+$/.test(retryAfter)) return new Date(nowMs + Number(retryAfter) * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? reset : new Date(date);
}
