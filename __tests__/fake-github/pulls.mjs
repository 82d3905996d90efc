// @ts-check
/**
 * Pull requests, as far as the action reads them: which ones a commit belongs
 * to. GitHub lists a pull request for its head commit, its other commits, and
 * the commit its merge made (`merge_commit_sha`, set for merge, squash and
 * rebase merges alike).
 *
 * @typedef {import('./server.mjs').Route} Route
 * @typedef {{ number: number, state: 'open' | 'closed', headSha: string, mergedAt: string | null,
 *   mergeCommitSha: string | null, baseRef: string, commits: string[] }} PullRequest
 * @typedef {{ number: number, headSha: string, state?: 'open' | 'closed', mergedAt?: string | null,
 *   mergeCommitSha?: string | null, baseRef?: string, commits?: string[] }} PullRequestSpec
 *   commits: the pull request's other commits, besides its head
 */

/** @param {PullRequestSpec} spec @returns {PullRequest} */
export const newPullRequest = ({ number, headSha, state = 'open', mergedAt = null, mergeCommitSha = null, baseRef = 'main', commits = [] }) => ({
  number, headSha, state, mergedAt, mergeCommitSha, baseRef, commits: [...commits],
});

/** @type {Route[]} */
export const pullRoutes = [
  {
    method: 'GET',
    pattern: /^\/repos\/(?<owner>[^/]+)\/(?<name>[^/]+)\/commits\/(?<sha>[^/]+)\/pulls$/,
    write: null,
    handler({ params, repo }) {
      const sha = params.sha ?? '';
      const pulls = [...repo.pulls.values()]
        .filter((p) => p.headSha === sha || p.mergeCommitSha === sha || p.commits.includes(sha))
        .sort((a, b) => b.number - a.number);
      return {
        status: 200,
        json: pulls.map((p) => ({
          number: p.number,
          state: p.state,
          title: `Pull request ${p.number}`,
          html_url: `https://github.com/${repo.name}/pull/${p.number}`,
          merged_at: p.mergedAt,
          merge_commit_sha: p.mergeCommitSha,
          head: { sha: p.headSha, ref: `topic-${p.number}` },
          base: { ref: p.baseRef },
        })),
      };
    },
  },
];
