import type { PlanCommentContent, PlanKey } from '../github/plan-comment.js';
import type { RunContext } from '../github/context.js';
import { EMPTY, code, escape, html, join } from '../report/html.js';
import { canonicalJson, canonicalPart, canonicalPlan } from './canonical.js';
import { kindOf } from './kinds.js';
import type { Plan } from './plan.js';

/** One comment per mode and target, whichever workflow writes it. */
export function planKey(plan: Plan): PlanKey {
  return { mode: plan.mode, targets: plan.parts.map(part => canonicalPart(part).target) };
}

/**
 * Past this many characters of canonical form (some 300 item changes), the comment keeps the
 * digest alone: GitHub's 65,536 characters must still leave room for the plan a person reads.
 */
const MAX_CANONICAL_CHARS = 30_000;

/** What the comment holds: a headline per target, each kind's sections (diffs folded), the digest and the run. */
export function planCommentContent(plan: Plan, digest: string, context: RunContext): PlanCommentContent {
  const canonical = canonicalPlan(plan);
  const lines = plan.parts.map(part => html`<li>${escape(kindOf(part).headline(part))}</li>`);
  const headline = html`### Fastly ${escape(plan.mode)}: the plan\n\n<ul>${join(lines, '')}</ul>`;
  const run = context.runUrl ? html` · written by <a href="${escape(context.runUrl)}">this run</a>` : EMPTY;
  const footer = html`Plan digest ${code(digest)}${run}. A deploy with <code>require-reviewed-plan: true</code> goes ahead only with this same plan.`;
  return {
    key: planKey(plan),
    plan: canonicalJson(canonical).length <= MAX_CANONICAL_CHARS ? { digest, canonical } : { digest },
    headline,
    sections: plan.parts.flatMap(part => kindOf(part).sections(part)),
    footer,
    ...(context.runUrl ? { fullPlanUrl: context.runUrl } : {})
  };
}
