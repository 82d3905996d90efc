import { InputError } from '../errors.js';
import type { InputReader } from './parsers.js';

export type StatsBy = 'minute' | 'hour' | 'day';

export interface StatsWindow {
  /** Unix seconds: every form is resolved once, so the summary can print the window it asked for. */
  readonly from: number;
  readonly to: number;
  readonly by: StatsBy;
}

/** Unix seconds past this (year 5138) are milliseconds pasted as seconds. */
const LATEST_UNIX_SECONDS = 99_999_999_999;

const UNIT_SECONDS = { minute: 60, hour: 3600, day: 86_400, week: 604_800 } as const;

/** How long Fastly keeps each resolution (FASTLY-API.md); daily stats have no stated limit. */
const KEPT_DAYS: Readonly<Record<StatsBy, number | undefined>> = { minute: 35, hour: 375, day: undefined };

/** `stats-from`/`stats-to` in Unix seconds, ISO 8601 or Fastly's relative form ("2 hours ago", "now"). */
export function readStatsWindow(read: InputReader, nowMs: number): StatsWindow {
  const from = parseTime(read, 'stats-from', '1 day ago', nowMs);
  const to = parseTime(read, 'stats-to', 'now', nowMs);
  if (from >= to) {
    throw new InputError(`Input 'stats-from' must be before 'stats-to', got ${new Date(from * 1000).toISOString()} → ${new Date(to * 1000).toISOString()}`);
  }
  const by = read('stats-by') || 'hour';
  if (by !== 'minute' && by !== 'hour' && by !== 'day') {
    throw new InputError(`Input 'stats-by' must be one of 'minute', 'hour', 'day', got '${by}'`);
  }
  const now = Math.floor(nowMs / 1000);
  const start = new Date(from * 1000).toISOString();
  if (from >= now) {
    throw new InputError(`Input 'stats-from' is ${start}, not in the past: Fastly has no stats yet for a window that starts now or later`);
  }
  const kept = KEPT_DAYS[by];
  if (kept !== undefined && from < now - kept * UNIT_SECONDS.day) {
    throw new InputError(
      `Input 'stats-from' is ${start}, older than the ${kept} days Fastly keeps ${by}ly stats; ` +
        `start within the last ${kept} days or choose a coarser 'stats-by'`
    );
  }
  return { from, to, by };
}

function parseTime(read: InputReader, name: string, fallback: string, nowMs: number): number {
  const raw = (read(name) || fallback).trim();
  const now = Math.floor(nowMs / 1000);
  if (/^\d+$/.test(raw)) {
    if (Number(raw) > LATEST_UNIX_SECONDS) {
      throw new InputError(`Input '${name}' must be Unix time in seconds, got '${raw}' (milliseconds? drop the last three digits)`);
    }
    return Number(raw);
  }
  if (raw.toLowerCase() === 'now') return now;
  const relative = /^(\d+)\s+(minute|hour|day|week)s?\s+ago$/i.exec(raw);
  if (relative) return now - Number(relative[1]) * (UNIT_SECONDS[(relative[2] ?? '').toLowerCase() as keyof typeof UNIT_SECONDS] ?? 0);
  const iso = /^(\d{4}-\d{2}-\d{2})([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.exec(raw);
  const ms = iso && isCalendarDate(iso[1] ?? '') ? Date.parse(raw) : NaN;
  if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  throw new InputError(
    `Input '${name}' must be Unix seconds, an ISO 8601 time (2026-11-23T08:00:00Z) or a relative time ('2 hours ago', 'now'), got '${raw}'`
  );
}

/** Date.parse rolls 2026-02-30 over to March; a date that does not exist is a typo. */
function isCalendarDate(date: string): boolean {
  const ms = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(date);
}

/** A ratio input: a number from 0 to 1, or undefined when not set. */
export function readRatio(read: InputReader, name: string): number | undefined {
  const raw = read(name);
  if (raw === '') return undefined;
  const value = /^(0|1|0?\.\d+|1\.0*)$/.test(raw) ? Number(raw) : NaN;
  if (Number.isNaN(value) || value < 0 || value > 1) {
    throw new InputError(`Input '${name}' must be a number from 0 to 1 (e.g. 0.9 for 90%), got '${raw}'`);
  }
  return value;
}
