import { ActionError } from '../errors.js';
import type { GitHub } from './client.js';
import type { RepoRef } from './context.js';

export interface CommitPullRequest {
  readonly number: number;
  readonly url: string;
  readonly state: string;
  readonly mergedAt: string | undefined;
  readonly headSha: string | undefined;
}

export type PullRequestOfCommit =
  /** merged: the commit is what merging it made (merge, squash or rebase); head: the commit is its head. */
  | { readonly kind: 'found'; readonly pull: CommitPullRequest; readonly how: 'merged' | 'head' }
  /** `message` says why, and how to get a pull request the action can use. */
  | { readonly kind: 'none'; readonly message: string };

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const HOW_TO = 'Deploy with require-reviewed-plan from the push that merges a reviewed pull request '
  + '(its pull_request run writes the plan comment), or set require-reviewed-plan: false';

/**
 * The pull request a pushed commit came from: the one merged as this very
 * commit, else the one whose head it is. A commit pushed straight to a branch,
 * or the head of several open pull requests, has none the action can trust.
 */
export async function pullRequestOfCommit(github: GitHub, { owner, repo }: RepoRef, sha: string): Promise<PullRequestOfCommit> {
  if (!SHA.test(sha)) throw new ActionError(`Cannot look up the pull request of commit '${sha}': not a full commit SHA`);
  const short = sha.slice(0, 7);
  const answer = await github.request({
    method: 'GET',
    url: `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/commits/${sha}/pulls?per_page=100`,
    permission: 'pull-requests: read'
  });
  if (!Array.isArray(answer.data)) throw new ActionError(`GitHub answered the pull requests of commit ${short} with something other than a list`);
  const pulls = answer.data.flatMap(raw => {
    const pull = pullOf(raw);
    return pull ? [pull] : [];
  });
  const merged = pulls.find(p => p.mergedAt !== undefined && p.mergeCommitSha === sha);
  if (merged) return { kind: 'found', pull: merged.pull, how: 'merged' };
  const heads = pulls.filter(p => p.pull.headSha === sha);
  const [head, ...others] = heads;
  if (head && others.length === 0) return { kind: 'found', pull: head.pull, how: 'head' };
  const where = `${owner}/${repo}`;
  if (head) {
    return { kind: 'none', message: `Commit ${short} is the head of ${heads.length} pull requests of ${where} (${numbers(heads)}), so which one was reviewed is unclear. ${HOW_TO}` };
  }
  if (pulls.length > 0) {
    return {
      kind: 'none',
      message: `Commit ${short} is in pull requests ${numbers(pulls)} of ${where}, but none was merged as it and none has it as head: it was pushed outside a pull request. ${HOW_TO}`
    };
  }
  return { kind: 'none', message: `Commit ${short} came from no pull request of ${where} that GitHub knows. ${HOW_TO}` };
}

interface ListedPull {
  readonly pull: CommitPullRequest;
  readonly mergedAt: string | undefined;
  readonly mergeCommitSha: string | undefined;
}

function pullOf(raw: unknown): ListedPull | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { number, html_url: url, state, merged_at: mergedAt, merge_commit_sha: mergeCommitSha, head } = raw as Record<string, unknown>;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0 || typeof url !== 'string') return undefined;
  const headSha = (head as { sha?: unknown } | null | undefined)?.sha;
  const merged = typeof mergedAt === 'string' && mergedAt !== '' ? mergedAt : undefined;
  return {
    pull: { number, url, state: typeof state === 'string' ? state : 'unknown', mergedAt: merged, headSha: typeof headSha === 'string' ? headSha : undefined },
    mergedAt: merged,
    mergeCommitSha: typeof mergeCommitSha === 'string' ? mergeCommitSha : undefined
  };
}

function numbers(pulls: readonly ListedPull[]): string {
  return pulls.map(p => `#${p.pull.number}`).join(', ');
}
