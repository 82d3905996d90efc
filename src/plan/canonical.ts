import { createHash } from 'node:crypto';
import { kindOf } from './kinds.js';
import type { CanonicalPart, CanonicalPlan, Plan, PlanPart } from './plan.js';

/**
 * The plan's canonical form: the mode and, per target in a stable order, what
 * its kind's encoder keeps (starting state and content changes, never a
 * comment, a commit, a run or a time).
 */
export function canonicalPlan(plan: Plan): CanonicalPlan {
  const parts = plan.parts.map(canonicalPart).sort((a, b) => compare(`${a.kind}\u0000${a.target}`, `${b.kind}\u0000${b.target}`));
  return { mode: plan.mode, parts };
}

export function canonicalPart(part: PlanPart): CanonicalPart {
  const kind = kindOf(part);
  return { kind: part.kind, target: kind.target(part), state: kind.encode(part) };
}

/** JSON with every object's keys in code-point order and no spaces: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => compare(a, b));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** SHA-256 (hex) of the canonical form: `plan-digest`. */
export function planDigest(plan: Plan | CanonicalPlan): string {
  const canonical = isCanonical(plan) ? plan : canonicalPlan(plan);
  return sha256(canonicalJson(canonical));
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function isCanonical(plan: Plan | CanonicalPlan): plan is CanonicalPlan {
  return plan.parts.every(part => 'state' in part);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
