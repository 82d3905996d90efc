import { setTimeout as sleep } from 'node:timers/promises';
import { ActionError } from './errors.js';
import { GitHub } from './github/client.js';
import { type RunContext, noPullRequestReason, pullRequestOfRun, readRunContext } from './github/context.js';
import { GitHubError } from './github/errors.js';
import { PlanDataError, findPlanComment, readPlanData, writePlanComment } from './github/plan-comment.js';
import { pullRequestOfCommit } from './github/pulls.js';
import type { Settings } from './inputs/settings.js';
import { canonicalJson, planDigest, sha256 } from './plan/canonical.js';
import { planCommentContent, planKey } from './plan/comment-content.js';
import { planDifferences } from './plan/differences.js';
import { field, record } from './plan/kinds/read-back.js';
import { kindOf } from './plan/kinds.js';
import type { Plan } from './plan/plan.js';

/** What became of the plan between planning and applying it: for the outputs and the summary. */
export interface PlanReview {
  readonly digest: string;
  /** The comment written, or the reviewed one read. */
  readonly commentUrl: string | undefined;
  /** One sentence for the summary: the comment written, or the deploy found as reviewed. */
  readonly note: string | undefined;
  readonly warnings: readonly string[];
}

/** The deploy does not match what was reviewed (or nothing was): zero writes. */
export class PlanRefused extends ActionError {
  override readonly name = 'PlanRefused';

  constructor(message: string, readonly review: PlanReview) {
    super(message);
  }
}

const EVENTS_WITH_PULL = new Set(['pull_request', 'pull_request_target']);

/**
 * Between plan and apply: the digest; on a pull request's dry run, the plan
 * comment; with require-reviewed-plan, the gate. GitHub is called (and
 * @actions/github loaded) only for those two.
 */
export async function reviewPlan(settings: Settings, plan: Plan, env: NodeJS.ProcessEnv = process.env): Promise<PlanReview> {
  const digest = planDigest(plan);
  const base: PlanReview = { digest, commentUrl: undefined, note: undefined, warnings: [] };
  const { planComment, requireReviewedPlan, githubToken } = settings.review;
  const gate = requireReviewedPlan && !settings.dryRun;
  const comment = !gate && (planComment === 'true' || (planComment === 'auto' && settings.dryRun && EVENTS_WITH_PULL.has(env.GITHUB_EVENT_NAME ?? '')));
  if (!gate && !comment) return base;
  if (gate && plan.parts.every(part => kindOf(part).changesNothing(part))) {
    return { ...base, note: 'Nothing differs from what is live, so nothing is written and no reviewed plan was needed.' };
  }
  if (githubToken === '') {
    const why = "Input 'github-token' is empty, so GitHub cannot be asked; leave it at its default, ${{ github.token }}";
    if (gate) throw new PlanRefused(`Refusing to deploy with require-reviewed-plan: ${why}. Nothing was written.`, base);
    return { ...base, warnings: [`The plan was not written on the pull request: ${why}. The plan is in this job summary.`] };
  }
  try {
    const context = readRunContext({ env });
    const github = new GitHub({ token: githubToken, apiUrl: context.apiUrl, sleep: ms => sleep(ms), timeoutMs: settings.requestTimeoutMs });
    return gate ? await checkReviewed(github, context, plan, base) : await writeComment(github, context, plan, base, planComment === 'true');
  } catch (error) {
    // The digest is reported whatever stopped the run here.
    if (error instanceof PlanRefused || !(error instanceof ActionError)) throw error;
    if (!gate) throw new PlanRefused(error.message, base);
    // GitHub failing is no verdict on the review: the reader must not go looking for a missing plan comment.
    const why = error instanceof GitHubError
      ? `GitHub could not be read, so whether this plan was reviewed is unknown (${error.message}); run the job again once GitHub answers`
      : error.message;
    throw new PlanRefused(`Refusing to deploy with require-reviewed-plan: ${why}. Nothing was written.`, base);
  }
}

async function writeComment(github: GitHub, context: RunContext, plan: Plan, base: PlanReview, required: boolean): Promise<PlanReview> {
  const pull = pullRequestOfRun(context);
  if (!pull) {
    const why = `no plan comment was written: ${noPullRequestReason(context)}`;
    if (required) throw new ActionError(`Input 'plan-comment' is 'true' but ${why}; set plan-comment to 'auto' to comment only on pull requests`);
    return { ...base, warnings: [`The plan stays in this job summary; ${why}`] };
  }
  try {
    const written = await writePlanComment(github, pull, planCommentContent(plan, base.digest, context));
    const how = written.action === 'created' ? 'written on' : written.action === 'updated' ? 'updated on' : 'already on';
    return { ...base, commentUrl: written.comment.url, note: `The plan is ${how} pull request #${pull.number}.` };
  } catch (error) {
    // A reviewer still has the summary; a comment GitHub refused (or one that cannot fit) must not fail the pull request's check.
    if (!(error instanceof GitHubError) && !(error instanceof PlanDataError)) throw error;
    // A write that got no answer may have landed: "not written" would then be untrue.
    const unanswered = error instanceof GitHubError && error.status === undefined && error.method !== 'GET';
    const what = unanswered ? `may not have been written on pull request #${pull.number} (no answer came)` : `was not written on pull request #${pull.number}`;
    return { ...base, warnings: [`The plan ${what}, it stays in this job summary: ${error.message}`] };
  }
}

async function checkReviewed(github: GitHub, context: RunContext, plan: Plan, base: PlanReview): Promise<PlanReview> {
  const refuse = (why: string, commentUrl?: string): never => {
    throw new PlanRefused(`Refusing to deploy with require-reviewed-plan: ${why}. Nothing was written.`, { ...base, commentUrl });
  };
  const how = "run the pull request's workflow with dry-run: true and plan-comment: auto (it writes the plan comment), review it, then merge";
  let pull = pullRequestOfRun(context);
  if (!pull) {
    if (!context.repository) return refuse(`${noPullRequestReason(context)}; ${how}`);
    if (!context.sha) return refuse(`GITHUB_SHA names no commit, so the pull request it came from cannot be found; ${how}`);
    const found = await pullRequestOfCommit(github, context.repository, context.sha);
    if (found.kind === 'none') return refuse(found.message);
    pull = { ...context.repository, number: found.pull.number };
  }
  const key = planKey(plan);
  const comment = await findPlanComment(github, pull, key);
  const where = `pull request #${pull.number}`;
  if (!comment) return refuse(`${where} has no plan comment for mode '${plan.mode}' on ${key.targets.join(', ')}; ${how}`);
  // Read back untrusted in shape: a bot wrote it, but whatever the comment holds must refuse, never throw.
  const data = record(readPlanData(comment.body, key));
  const canonical = field(data, 'canonical');
  // The digest is taken afresh of the reviewed canonical form when the comment could keep it; a plan too large for
  // that has its digest alone, written by a bot like the rest of the comment.
  const reviewedDigest = canonical === undefined ? field(data, 'digest') : sha256(canonicalJson(canonical));
  if (reviewedDigest !== base.digest) {
    const differences = canonical === undefined ? [] : planDifferences(canonical, plan);
    const what = differences.length > 0
      ? differences.join('; ')
      : canonical === undefined ? 'its digest differs (the reviewed plan was too large to keep more than its digest in the comment)' : 'the plan differs from the reviewed one';
    return refuse(`this plan (digest ${base.digest.slice(0, 12)}) is not the one reviewed on ${where} (${comment.url}): ${what}. Re-run the pull request's workflow to review the plan as it is now`, comment.url);
  }
  return { ...base, commentUrl: comment.url, note: `This is the plan reviewed on ${where}: same digest.` };
}
