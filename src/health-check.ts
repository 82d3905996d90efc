import * as core from '@actions/core';
import { HttpClient } from '@actions/http-client';
import { USER_AGENT } from './version.js';

/** Consecutive 2xx answers that make a URL healthy: one good answer can be luck. */
const HEALTHY_STREAK = 2;
/** "A couple of seconds apart"; a short timeout gets denser tries so it still sees several. */
const MAX_INTERVAL_MS = 2000;
const MIN_INTERVAL_MS = 250;
const MAX_TRY_MS = 10_000;

export interface HealthTry {
  /** Milliseconds since the check began. */
  readonly at: number;
  readonly status: number | undefined;
  readonly error: string | undefined;
}

export interface HealthReport {
  readonly url: string;
  readonly healthy: boolean;
  readonly tries: readonly HealthTry[];
  readonly durationMs: number;
  /** What was observed, for people: "HTTP 503 for 60 s", "2 × HTTP 200". */
  readonly observed: string;
}

export interface HealthClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Requests `url` until it answers 2xx twice in a row or `timeoutMs` passes.
 * A client of its own: the Fastly token never goes to the origin.
 */
export async function checkHealth(url: string, timeoutMs: number, clock: HealthClock): Promise<HealthReport> {
  const interval = Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, Math.floor(timeoutMs / 10)));
  const http = new HttpClient(USER_AGENT, [], { socketTimeout: Math.min(MAX_TRY_MS, timeoutMs), allowRetries: false, keepAlive: false });
  const started = clock.now();
  const tries: HealthTry[] = [];
  let streak = 0;
  core.startGroup(`Health check: ${url} (up to ${Math.round(timeoutMs / 1000)} s)`);
  try {
    for (;;) {
      const attempt = await tryOnce(http, url, clock.now() - started);
      tries.push(attempt);
      const ok = attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300;
      streak = ok ? streak + 1 : 0;
      core.info(`${(attempt.at / 1000).toFixed(1)} s: ${attempt.status !== undefined ? `HTTP ${attempt.status}` : attempt.error}${ok ? '' : ' (not healthy)'}`);
      if (streak >= HEALTHY_STREAK) break;
      if (clock.now() - started + interval > timeoutMs) break;
      await clock.sleep(interval);
    }
  } finally {
    core.endGroup();
    http.dispose();
  }
  const durationMs = clock.now() - started;
  const healthy = streak >= HEALTHY_STREAK;
  return { url, healthy, tries, durationMs, observed: describe(tries, durationMs, healthy) };
}

async function tryOnce(http: HttpClient, url: string, at: number): Promise<HealthTry> {
  try {
    const response = await http.get(url);
    await response.readBody();
    return { at, status: response.message.statusCode, error: undefined };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return { at, status: undefined, error: code ?? (message || 'no answer') };
  }
}

function describe(tries: readonly HealthTry[], durationMs: number, healthy: boolean): string {
  const label = (t: HealthTry) => (t.status !== undefined ? `HTTP ${t.status}` : (t.error ?? 'no answer'));
  const seconds = `${Math.round(durationMs / 1000)} s`;
  if (healthy) return `${label(tries.at(-1) as HealthTry)} after ${tries.length} ${tries.length === 1 ? 'try' : 'tries'} in ${seconds}`;
  const kinds = new Set(tries.map(label));
  const last = tries.at(-1);
  return kinds.size === 1 && last ? `${label(last)} for ${seconds}` : `${last ? label(last) : 'no answer'} at the end of ${seconds} (${tries.length} tries: ${[...kinds].join(', ')})`;
}
