export interface RateLimitSnapshot {
  /** Lowest Fastly-RateLimit-Remaining seen in the latest window; undefined when no write was answered. */
  readonly remaining: number | undefined;
  /** When the window of that lowest reading resets. */
  readonly reset: Date | undefined;
  /** Best guess at the hourly limit: Fastly does not send it, so the default (1000) or the highest reading seen. */
  readonly limit: number;
}

const FASTLY_DEFAULT_HOURLY_LIMIT = 1000;

export class RateLimitTracker {
  private lowest: number | undefined;
  private lowestReset: Date | undefined;
  private highest = FASTLY_DEFAULT_HOURLY_LIMIT;

  /**
   * A reading from a later window replaces the lowest one: after waiting out a
   * 429, "0 left" describes a window that has ended.
   */
  observe(remainingHeader: string | undefined, resetHeader: string | undefined): void {
    const remaining = parseNumber(remainingHeader);
    if (remaining === undefined) return;
    const reset = epochSecondsToDate(resetHeader);
    this.highest = Math.max(this.highest, remaining);
    const window = reset?.getTime() ?? NaN;
    const current = this.lowestReset?.getTime() ?? NaN;
    if (window < current) return;
    const newWindow = window > current;
    if (this.lowest === undefined || newWindow || remaining <= this.lowest) {
      this.lowest = remaining;
      this.lowestReset = reset ?? this.lowestReset;
    }
  }

  snapshot(): RateLimitSnapshot {
    return { remaining: this.lowest, reset: this.lowestReset, limit: this.highest };
  }
}

export function epochSecondsToDate(header: string | undefined): Date | undefined {
  const seconds = parseNumber(header);
  return seconds === undefined ? undefined : new Date(seconds * 1000);
}

function parseNumber(header: string | undefined): number | undefined {
  if (header === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(header)) return undefined;
  return Number(header);
}
