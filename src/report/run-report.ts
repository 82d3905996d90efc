import type { ApiUsage, PlannedWrites } from '../fastly/transport.js';
import type { RateLimitSnapshot } from '../fastly/rate-limit.js';
import type { Outcome } from '../modes/index.js';
import type { TokenCheck } from '../token-check.js';

/** Everything a run learned, for the outputs, the summary and the log. */
export interface RunReport {
  readonly mode: string;
  readonly dryRun: boolean;
  readonly tokenCheck: TokenCheck | undefined;
  /** Absent when the run stopped before its mode finished. */
  readonly outcome: Outcome | undefined;
  /** Why the run stopped early, if it did. */
  readonly error: string | undefined;
  readonly rateLimit: RateLimitSnapshot | undefined;
  readonly planned: PlannedWrites | undefined;
  readonly usage: ApiUsage | undefined;
  /** The signal that cancelled the run, if one did. */
  readonly cancelledBy?: string | undefined;
  /** Input warnings; the token check carries its own. */
  readonly warnings: readonly string[];
}

/** Below this share of the hourly budget the summary and log warn. */
export const LOW_RATE_LIMIT_SHARE = 0.1;

export function isRateLimitLow(rateLimit: RateLimitSnapshot | undefined): boolean {
  return rateLimit?.remaining !== undefined && rateLimit.remaining < rateLimit.limit * LOW_RATE_LIMIT_SHARE;
}
