import { canonicalPart } from './canonical.js';
import { kindOf } from './kinds.js';
import { field, list, record, text } from './kinds/read-back.js';
import type { Plan } from './plan.js';

/**
 * What differs between a reviewed plan (its canonical form, read back from a
 * plan comment, so untrusted in shape) and the fresh one, as sentences: a
 * target added or gone, and per target what its kind finds.
 */
export function planDifferences(reviewed: unknown, fresh: Plan): string[] {
  const was = record(reviewed);
  const out: string[] = [];
  if (field(was, 'mode') !== fresh.mode) out.push(`the reviewed plan is for mode '${text(field(was, 'mode'))}'`);
  const reviewedParts = new Map(list(field(was, 'parts')).map(p => [`${text(field(record(p), 'kind'))}\u0000${text(field(record(p), 'target'))}`, record(p)]));
  for (const part of fresh.parts) {
    const { kind, target } = canonicalPart(part);
    const key = `${kind}\u0000${target}`;
    const before = reviewedParts.get(key);
    reviewedParts.delete(key);
    if (!before) out.push(`${target} was not in the reviewed plan`);
    else out.push(...kindOf(part).differences(field(before, 'state'), part));
  }
  for (const before of reviewedParts.values()) out.push(`${text(field(before, 'target'))} was in the reviewed plan but is not in this run`);
  return out;
}
