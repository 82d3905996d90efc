// @ts-check
/**
 * Issue comments (a pull request is an issue): listed oldest first in pages
 * with a Link header, created, updated by id. The body limit is GitHub's,
 * counted in characters (code points), not UTF-16 units or bytes.
 *
 * @typedef {import('./server.mjs').Route} Route
 * @typedef {import('./server.mjs').Ctx} Ctx
 * @typedef {import('./server.mjs').Answer} Answer
 * @typedef {import('./server.mjs').Comment} Comment
 */
import { fail } from './answers.mjs';

export const MAX_BODY = 65536;
const DEFAULT_PER_PAGE = 30;
const MAX_PER_PAGE = 100;
const WRITE = 'issues=write; pull_requests=write';
const REPO = '/repos/(?<owner>[^/]+)/(?<name>[^/]+)';
const REPO_BY_ID = '/repositories/(?<rid>\\d+)';

/** GitHub's answer to a body over the limit, word for word. */
export const TOO_LONG = {
  message: 'Validation Failed',
  errors: [{ resource: 'IssueComment', code: 'unprocessable', field: 'data', message: `Body is too long (maximum is ${MAX_BODY} characters)` }],
};

/** @param {Comment} comment @param {string} repoName  as added, with its case */
export function publicComment(comment, repoName) {
  const web = `https://github.com/${repoName}`;
  return {
    id: comment.id,
    node_id: `IC_fake${comment.id}`,
    url: `https://api.github.com/repos/${repoName}/issues/comments/${comment.id}`,
    html_url: `${web}/pull/${comment.issue}#issuecomment-${comment.id}`,
    issue_url: `https://api.github.com/repos/${repoName}/issues/${comment.issue}`,
    body: comment.body,
    user: { login: comment.login, type: comment.type },
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: comment.type === 'Bot' ? 'NONE' : 'MEMBER',
  };
}

/** @param {number} now */
const stamp = (now) => new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');

/** The body GitHub would take, or its refusal. @param {unknown} body @returns {string | Answer} */
function bodyOf(body) {
  const text = /** @type {{ body?: unknown } | undefined} */ (body)?.body;
  if (typeof text !== 'string') return fail(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
  if ([...text].length > MAX_BODY) return { status: 422, json: { ...TOO_LONG, documentation_url: 'https://docs.github.com/rest/issues/comments', status: '422' } };
  return text;
}

/** @param {string | undefined} raw @param {number} fallback @param {number} max */
function positive(raw, fallback, max) {
  const n = raw === undefined ? fallback : Number.parseInt(raw, 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, max) : fallback;
}

/** @param {Ctx} ctx @returns {Answer} */
function list({ url, query, params, repo, repoName, state }) {
  const issue = Number(params.issue);
  if (!repo.pulls.has(issue)) return fail(404, 'Not Found');
  const perPage = positive(query.get('per_page') ?? undefined, DEFAULT_PER_PAGE, MAX_PER_PAGE);
  const page = positive(query.get('page') ?? undefined, 1, Number.MAX_SAFE_INTEGER);
  const key = repoName;
  const all = [...state.comments.values()].filter((c) => c.repo === key && c.issue === issue);
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const base = state.linkStyle === 'repositories' ? `${url}/repositories/${repo.id}` : `${url}/repos/${repo.name}`;
  /** @param {number} n @param {string} rel */
  const link = (n, rel) => `<${base}/issues/${issue}/comments?per_page=${perPage}&page=${n}>; rel="${rel}"`;
  const links = [
    ...(page > 1 ? [link(page - 1, 'prev')] : []),
    ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
    ...(page > 1 ? [link(1, 'first')] : []),
  ];
  return {
    status: 200,
    json: all.slice((page - 1) * perPage, page * perPage).map((c) => publicComment(c, repo.name)),
    headers: links.length === 0 ? {} : { Link: links.join(', ') },
  };
}

/** @type {Route[]} */
export const commentRoutes = [
  ...[REPO, REPO_BY_ID].map((prefix) => ({
    method: 'GET',
    pattern: new RegExp(`^${prefix}/issues/(?<issue>\\d+)/comments$`),
    write: null,
    handler: list,
  })),
  {
    method: 'POST',
    pattern: new RegExp(`^${REPO}/issues/(?<issue>\\d+)/comments$`),
    write: WRITE,
    /** @param {Ctx} ctx @returns {Answer} */
    handler({ params, repo, repoName, body, token, state, now }) {
      const issue = Number(params.issue);
      if (!repo.pulls.has(issue)) return fail(404, 'Not Found');
      const text = bodyOf(body);
      if (typeof text !== 'string') return text;
      state.commentSeq += 1;
      /** @type {Comment} */
      const comment = { id: state.commentSeq, repo: repoName, issue, body: text, login: token.login, type: token.type, createdAt: stamp(now), updatedAt: stamp(now) };
      state.comments.set(comment.id, comment);
      return { status: 201, json: publicComment(comment, repo.name), headers: { Location: publicComment(comment, repo.name).url } };
    },
  },
  {
    method: 'PATCH',
    pattern: new RegExp(`^${REPO}/issues/comments/(?<id>\\d+)$`),
    write: WRITE,
    /** @param {Ctx} ctx @returns {Answer} */
    handler({ params, repo, repoName, body, state, now }) {
      const comment = state.comments.get(Number(params.id));
      if (!comment || comment.repo !== repoName) return fail(404, 'Not Found');
      const text = bodyOf(body);
      if (typeof text !== 'string') return text;
      Object.assign(comment, { body: text, updatedAt: stamp(now) });
      return { status: 200, json: publicComment(comment, repo.name) };
    },
  },
];
