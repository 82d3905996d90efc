import type { getOctokit } from '@actions/github';
import { type Scrubber, scrubberFor } from '../secrets.js';
import { GitHubError, GitHubPermissionError, GitHubRateLimitError } from './errors.js';

type Octokit = ReturnType<typeof getOctokit>;

export interface GitHubOptions {
  readonly token: string;
  /** GITHUB_API_URL, passed on: @actions/github reads the environment only when first imported. */
  readonly apiUrl: string;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Retries of a rate-limited request (and of a failed read); default 2. */
  readonly maxRetries?: number;
  readonly timeoutMs?: number;
  readonly log?: (message: string) => void;
}

export interface GitHubRequest {
  readonly method: 'GET' | 'POST' | 'PATCH';
  /** A path under the API URL, or an absolute URL on its host (a Link header's, followed as given). */
  readonly url: string;
  readonly json?: unknown;
  /** What a 403 asks for, as a workflow's `permissions:` writes it. */
  readonly permission: string;
}

export interface GitHubAnswer {
  readonly status: number;
  readonly data: unknown;
  readonly headers: Readonly<Record<string, string | number | undefined>>;
}

const DEFAULT_RETRIES = 2;
const DEFAULT_TIMEOUT_MS = 30_000;
/** Past this, a rate-limited request fails instead of waiting: a plan comment is not worth holding a deploy up. */
export const MAX_RATE_LIMIT_WAIT_MS = 120_000;
/** GitHub asks for at least a minute when a secondary limit names no retry-after. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;
const READ_BACKOFF_MS = 1_000;
const MAX_REASON = 300;

/**
 * GitHub's REST API through @actions/github's octokit, which is loaded (about
 * 1 MB of octokit and undici) on the first request only: runs that never call
 * GitHub never load it. Secondary rate limits (403 or 429 with retry-after) are
 * waited out a few times with the injected sleep; reads also retry outages.
 */
export class GitHub {
  private octokit: Promise<Octokit> | undefined;
  private readonly scrub: Scrubber;
  private readonly origin: string;

  constructor(private readonly options: GitHubOptions) {
    this.scrub = scrubberFor(options.token);
    this.origin = new URL(options.apiUrl).origin;
  }

  async request(request: GitHubRequest): Promise<GitHubAnswer> {
    const { maxRetries = DEFAULT_RETRIES, sleep, log } = this.options;
    const shown = this.pathOf(request.url);
    const octokit = await this.client();
    let waited = 0;
    for (let retry = 0; ; retry++) {
      let failure: RequestFailure;
      try {
        const answer = await octokit.request({
          method: request.method,
          url: request.url,
          ...(request.json === undefined ? {} : { data: request.json }),
          request: { signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS) }
        });
        return { status: answer.status, data: answer.data, headers: answer.headers };
      } catch (error) {
        failure = failureOf(error);
      }
      const wait = this.rateLimitWait(failure);
      const canRetry = retry < maxRetries;
      if (wait !== undefined) {
        if (!canRetry || waited + wait > MAX_RATE_LIMIT_WAIT_MS) {
          throw new GitHubRateLimitError(request.method, shown, failure.status,
            `GitHub API ${request.method} ${shown}: rate limited (HTTP ${failure.status}, ${this.reason(failure)}) `
              + `after ${retry} ${retry === 1 ? 'retry' : 'retries'}; GitHub asked to wait ${Math.ceil(wait / 1000)} s more`);
        }
        waited += wait;
        log?.(`GitHub API ${request.method} ${shown}: rate limited; retry ${retry + 1} of ${maxRetries} in ${Math.ceil(wait / 1000)} s`);
        await sleep(wait);
        continue;
      }
      // A write that got no answer, or a 5xx, may have happened: repeating it could post a second comment.
      const outage = failure.status === undefined || failure.status >= 500;
      if (outage && request.method === 'GET' && canRetry) {
        const backoff = READ_BACKOFF_MS * 2 ** retry;
        log?.(`GitHub API GET ${shown}: ${this.reason(failure)}; retry ${retry + 1} of ${maxRetries} in ${backoff / 1000} s`);
        await sleep(backoff);
        continue;
      }
      throw this.errorOf(request, shown, failure, retry);
    }
  }

  /** The path a Link header's `next` names, when it stays on the API's host: the token goes nowhere else. */
  nextPage(answer: GitHubAnswer): string | undefined {
    const link = answer.headers.link;
    if (typeof link !== 'string') return undefined;
    for (const part of link.split(',')) {
      const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
      if (!match || !/\brel="?([^"]*\s)?next(\s[^"]*)?"?/.test(match[2] as string)) continue;
      const url = new URL(match[1] as string, this.options.apiUrl);
      if (url.origin !== this.origin) {
        throw new GitHubError('GET', this.pathOf(url.pathname), undefined,
          `GitHub API paging link leads off the API's host (${this.scrub(url.origin)}, not ${this.origin}): not followed, so the github-token goes nowhere else`);
      }
      return url.href;
    }
    return undefined;
  }

  private client(): Promise<Octokit> {
    // octokit's own warnings (a deprecation header GitHub sends) would reach the console unescaped.
    const say = (message: string): void => this.options.log?.(`GitHub API: ${this.scrub(message)}`);
    const log = { debug: () => undefined, info: () => undefined, warn: say, error: say };
    this.octokit ??= import('@actions/github').then(({ getOctokit }) =>
      getOctokit(this.options.token, { baseUrl: this.options.apiUrl.replace(/\/+$/, ''), log }));
    return this.octokit;
  }

  private rateLimitWait(failure: RequestFailure): number | undefined {
    const { status, headers } = failure;
    if (status !== 403 && status !== 429) return undefined;
    const retryAfter = Number(headers['retry-after']);
    if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter * 1000;
    if (String(headers['x-ratelimit-remaining']) === '0') {
      const reset = Number(headers['x-ratelimit-reset']) * 1000;
      const now = (this.options.now ?? Date.now)();
      return Number.isFinite(reset) && reset > now ? reset - now : SECONDARY_LIMIT_WAIT_MS;
    }
    if (status === 429 || /secondary rate limit/i.test(failure.message)) return SECONDARY_LIMIT_WAIT_MS;
    return undefined;
  }

  private errorOf(request: GitHubRequest, shown: string, failure: RequestFailure, retries: number): GitHubError {
    const { method } = request;
    const reason = this.reason(failure);
    const { status } = failure;
    if (status === 403) {
      const accepted = failure.headers['x-accepted-github-permissions'];
      return new GitHubPermissionError(method, shown, reason, request.permission,
        accepted === undefined ? undefined : this.scrub(String(accepted)).slice(0, MAX_REASON));
    }
    if (status === undefined) {
      const tries = retries > 0 ? ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : '';
      return new GitHubError(method, shown, undefined, `GitHub API ${method} ${shown}: no answer (${reason})${tries}`);
    }
    const hint = status === 401
      ? `: the github-token is not valid; pass a working token in 'github-token' (the default, \${{ github.token }}, works within its own repository)`
      : status === 404
        ? `: the repository, pull request or comment does not exist, or the github-token may not see it ('permissions: ${request.permission}')`
        : '';
    return new GitHubError(method, shown, status, `GitHub API ${method} ${shown}: HTTP ${status} (${reason})${hint}`);
  }

  private reason(failure: RequestFailure): string {
    const text = this.scrub(failure.message).replace(/\s+/g, ' ').trim();
    return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}…` : text || 'no reason given';
  }

  private pathOf(url: string): string {
    const parsed = new URL(url, this.options.apiUrl);
    const base = new URL(this.options.apiUrl).pathname.replace(/\/+$/, '');
    const path = parsed.pathname.startsWith(`${base}/`) ? parsed.pathname.slice(base.length) : parsed.pathname;
    return this.scrub(path);
  }
}

interface RequestFailure {
  /** undefined: no HTTP answer (network, timeout). */
  readonly status: number | undefined;
  readonly headers: Readonly<Record<string, string | number | undefined>>;
  /** GitHub's message and its validation errors', or the network's reason. */
  readonly message: string;
}

/** octokit's RequestError, read by shape: its class lives in the module that is loaded late. */
function failureOf(error: unknown): RequestFailure {
  const shaped = error as { status?: unknown; response?: { headers?: Record<string, string | number | undefined>; data?: unknown }; message?: unknown; cause?: unknown };
  const response = shaped?.response;
  if (response === undefined || typeof shaped.status !== 'number') {
    const cause = shaped?.cause as { message?: unknown; code?: unknown } | undefined;
    const detail = [shaped?.message, cause?.code, cause?.message].filter(part => typeof part === 'string' && part !== '');
    return { status: undefined, headers: {}, message: [...new Set(detail)].join(': ') || String(error) };
  }
  return { status: shaped.status, headers: response.headers ?? {}, message: messageOf(response.data) };
}

function messageOf(data: unknown): string {
  if (typeof data === 'string') return data;
  if (typeof data !== 'object' || data === null) return '';
  const { message, errors } = data as { message?: unknown; errors?: unknown };
  const details = Array.isArray(errors)
    ? errors.map(e => (typeof e === 'string' ? e : (e as { message?: unknown })?.message)).filter((m): m is string => typeof m === 'string')
    : [];
  return [typeof message === 'string' ? message : '', ...details].filter(Boolean).join(': ');
}
