import type { ItemsStorePart } from './kinds/items-store.js';
import type { VclServicePart } from './kinds/vcl-service.js';

/**
 * What a configuration mode will do, computed before its first write: one
 * part per target (a service, a store, an ACL), each of a kind with its own
 * canonical encoder (kinds.ts). A dry run reports it; a real run executes it.
 */
export interface Plan {
  readonly mode: string;
  readonly parts: readonly PlanPart[];
}

/** Every kind of part; a new kind is added here and in kinds.ts, and nowhere else. */
export type PlanPart = VclServicePart | ItemsStorePart;

export type PartOfKind<K extends PlanPart['kind']> = Extract<PlanPart, { readonly kind: K }>;

/** A JSON value as the canonical form holds it. */
export type Canonical = string | number | boolean | null | readonly Canonical[] | { readonly [key: string]: Canonical };

/** The plan in the form its digest is taken of, and the form a plan comment keeps for deploy time. */
export interface CanonicalPlan {
  readonly mode: string;
  readonly parts: readonly CanonicalPart[];
}

export interface CanonicalPart {
  readonly kind: string;
  readonly target: string;
  readonly state: Canonical;
}
