import type { PlanSection } from '../github/plan-comment.js';
import type { Canonical } from './plan.js';

/** What each kind of plan part gives: its canonical encoder, what differs from a reviewed one, and how it reads. */
export interface PlanKind<P> {
  /** The target in the comment's marker and in the canonical form: a service ID, a store, an ACL. */
  target(part: P): string;
  /** Starting state and content changes only: what the digest covers. */
  encode(part: P): Canonical;
  /**
   * Sentences saying how `fresh` differs from `reviewed` (the canonical state read
   * back from a plan comment, untrusted in shape), e.g. "production moved from version 7 to 8".
   */
  differences(reviewed: unknown, fresh: P): string[];
  /** Nothing to write: what is live is already what the run brings (and no error). */
  changesNothing(part: P): boolean;
  /** One line for the comment's headline: starting point, counts of changes, lint status. Plain text. */
  headline(part: P): string;
  /** The comment's detail for this part (the diff, folded). */
  sections(part: P): PlanSection[];
}
