import { readFileSync } from 'node:fs';
import { ActionError, messageOf } from '../errors.js';

/** A repository as the API names it. */
export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
}

export interface PullRequestRef extends RepoRef {
  readonly number: number;
}

/** What a step knows of its run from the environment and the event payload, without calling GitHub. */
export interface RunContext {
  readonly repository: RepoRef | undefined;
  /** On a pull_request event, the test merge commit GitHub made, not the head. */
  readonly sha: string | undefined;
  readonly eventName: string | undefined;
  readonly actor: string | undefined;
  readonly apiUrl: string;
  readonly serverUrl: string;
  /** The run's page, when the repository and run id are known. */
  readonly runUrl: string | undefined;
  /** From the payload of a pull_request or pull_request_target event. */
  readonly pullRequest: { readonly number: number; readonly headSha: string | undefined } | undefined;
  /** From the payload of a merge_group event: the commit the queue tests. */
  readonly mergeGroupHeadSha: string | undefined;
}

export interface ContextSources {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly readFile?: (path: string) => string;
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);
// Owner and repository names as GitHub allows them; anything else cannot be a path segment we trust.
const REPOSITORY = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;
// SHA-1 object names, and SHA-256 ones for repositories that use them.
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Reads the run context. Unlike @actions/github's `context`, it is read when
 * called (not at import), from what it is given, and refuses a payload that is
 * there but unreadable instead of silently treating it as empty.
 */
export function readRunContext({ env = process.env, readFile = path => readFileSync(path, 'utf8') }: ContextSources = {}): RunContext {
  const repository = repositoryOf(env.GITHUB_REPOSITORY);
  const eventName = nonEmpty(env.GITHUB_EVENT_NAME);
  const payload = payloadOf(env.GITHUB_EVENT_PATH, readFile);
  const serverUrl = withoutTrailingSlash(nonEmpty(env.GITHUB_SERVER_URL) ?? 'https://github.com');
  const runId = nonEmpty(env.GITHUB_RUN_ID);
  const pull = objectAt(payload, 'pull_request');
  const number = pull?.number;
  const pullRequest = eventName !== undefined && PULL_REQUEST_EVENTS.has(eventName) && isPositiveInteger(number)
    ? { number, headSha: shaOf(objectAt(pull, 'head')?.sha) }
    : undefined;
  return {
    repository,
    sha: shaOf(env.GITHUB_SHA),
    eventName,
    actor: nonEmpty(env.GITHUB_ACTOR),
    apiUrl: withoutTrailingSlash(nonEmpty(env.GITHUB_API_URL) ?? 'https://api.github.com'),
    serverUrl,
    runUrl: repository && runId && /^\d+$/.test(runId) ? `${serverUrl}/${repository.owner}/${repository.repo}/actions/runs/${runId}` : undefined,
    pullRequest,
    mergeGroupHeadSha: eventName === 'merge_group' ? shaOf(objectAt(payload, 'merge_group')?.head_sha) : undefined
  };
}

/**
 * The pull request a run belongs to: only pull_request and pull_request_target
 * events name one (a push names none; finding the one a pushed commit came
 * from is `pullRequestOfCommit`'s job).
 */
export function pullRequestOfRun(context: RunContext): PullRequestRef | undefined {
  if (!context.repository || !context.pullRequest) return undefined;
  return { ...context.repository, number: context.pullRequest.number };
}

/** The contract's default version comment: repository, short SHA, actor and run URL — whichever the run provides. */
export function versionComment({ repository, sha, actor, runUrl }: RunContext): string {
  const name = repository ? `${repository.owner}/${repository.repo}` : '';
  const where = name && sha ? `${name}@${sha.slice(0, 7)}` : name || 'fastly-deploy-action';
  return `${where}${actor ? ` by ${actor}` : ''}${runUrl ? ` — ${runUrl}` : ''}`;
}

/** Why `pullRequestOfRun` found none, for a refusal that says how to get one. */
export function noPullRequestReason(context: RunContext): string {
  if (!context.repository) return 'GITHUB_REPOSITORY is not set to owner/name, so this run names no repository';
  const event = context.eventName ?? 'unknown';
  if (!PULL_REQUEST_EVENTS.has(event)) {
    return `this run was started by a '${event}' event, which belongs to no pull request; run it on 'pull_request' (or 'pull_request_target')`;
  }
  return `the '${event}' event payload names no pull request number`;
}

function payloadOf(path: string | undefined, readFile: (path: string) => string): Record<string, unknown> | undefined {
  if (!nonEmpty(path)) return undefined;
  let text: string;
  try {
    text = readFile(path as string);
  } catch (error) {
    throw new ActionError(`Cannot read the event payload GITHUB_EVENT_PATH names, '${path}': ${messageOf(error)}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed)) return parsed;
  } catch {
    // Answered below, with the path.
  }
  throw new ActionError(`The event payload GITHUB_EVENT_PATH names, '${path}', is not a JSON object`);
}

function repositoryOf(value: string | undefined): RepoRef | undefined {
  const match = REPOSITORY.exec(value ?? '');
  // '.' and '..' fit the pattern but would climb the API's path.
  if (!match || /^\.+$/.test(match[2] as string)) return undefined;
  return { owner: match[1] as string, repo: match[2] as string };
}

function shaOf(value: unknown): string | undefined {
  return typeof value === 'string' && SHA.test(value) ? value : undefined;
}

function objectAt(value: Record<string, unknown> | undefined, key: string): Record<string, unknown> | undefined {
  const at = value?.[key];
  return isObject(at) ? at : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
