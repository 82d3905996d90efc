import { ActionError } from '../errors.js';

/** A GitHub API call that failed: what was asked, and GitHub's reason, never the token. */
export class GitHubError extends ActionError {
  override readonly name: string = 'GitHubError';

  constructor(
    readonly method: string,
    readonly path: string,
    /** undefined when no answer came. */
    readonly status: number | undefined,
    message: string
  ) {
    super(message);
  }
}

/**
 * The token may not do this (a fork's pull request gets a read-only token
 * whatever the workflow asks). The caller can warn with this message and go on.
 */
export class GitHubPermissionError extends GitHubError {
  override readonly name = 'GitHubPermissionError';

  constructor(
    method: string,
    path: string,
    reason: string,
    /** As a workflow writes it, e.g. `pull-requests: write`. */
    readonly permission: string,
    accepted: string | undefined
  ) {
    const grants = accepted ? `; GitHub accepts ${accepted}` : '';
    super(method, path, 403,
      `GitHub API ${method} ${path}: HTTP 403 (${reason}): the github-token lacks permission${grants}. `
        + `Give the job 'permissions: ${permission}'; a pull request from a fork gets a read-only token whatever the workflow asks`);
  }
}

/** GitHub's rate limit outlasted the retries or the wait the action allows. */
export class GitHubRateLimitError extends GitHubError {
  override readonly name = 'GitHubRateLimitError';
}
