import type { PlanKind } from './kind.js';
import { itemsStore } from './kinds/items-store.js';
import { vclService } from './kinds/vcl-service.js';
import type { PartOfKind, PlanPart } from './plan.js';

/** One entry per kind of part: a mode that brings a new kind adds its module here. */
export const KINDS: { readonly [K in PlanPart['kind']]: PlanKind<PartOfKind<K>> } = {
  'vcl-service': vclService,
  'items-store': itemsStore
};

export function kindOf<P extends PlanPart>(part: P): PlanKind<P> {
  return KINDS[part.kind] as unknown as PlanKind<P>;
}
