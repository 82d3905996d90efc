// @ts-check
/**
 * A fake GitHub REST API on a real HTTP server: stateful, as strict as GitHub
 * about tokens, permissions and the comment body limit, and able to inject the
 * failures (secondary rate limits, outages) the client's retry paths must survive.
 * Domain routes live in their own modules.
 *
 * @typedef {{ token: string, login: string, type: 'Bot' | 'User', write: boolean }} Token
 *   write: false is a fork's read-only token
 * @typedef {{ id: number, name: string, pulls: Map<number, import('./pulls.mjs').PullRequest> }} Repository
 *   keyed by full name, `owner/name`, lower-cased as GitHub compares them
 * @typedef {{ id: number, repo: string, issue: number, body: string, login: string, type: 'Bot' | 'User',
 *   createdAt: string, updatedAt: string }} Comment
 * @typedef {{ tokens: Map<string, Token>, repos: Map<string, Repository>, comments: Map<number, Comment>,
 *   commentSeq: number, linkStyle: 'repos' | 'repositories' }} State
 *   linkStyle: how paging links spell the repository (GitHub uses `/repositories/{id}/…` in some)
 * @typedef {{ method: string, path: string, headers: Record<string, string>, body: string, status: number }} LoggedRequest
 * @typedef {{ status: number, json?: unknown, headers?: Record<string, string> }} Answer
 * @typedef {object} Ctx
 * @property {string} method
 * @property {string} url     the fake's own base URL, for absolute links
 * @property {URLSearchParams} query
 * @property {Record<string, string | undefined>} params  the route pattern's named groups
 * @property {Repository} repo  the `owner`/`name` or `rid` groups, already checked: known
 * @property {string} repoName  the repository's key: its full name, lower-cased
 * @property {unknown} body  the parsed JSON body, undefined when empty
 * @property {Token} token
 * @property {State} state
 * @property {number} now
 * @typedef {object} Route
 * @property {string} method
 * @property {RegExp} pattern  matched against the path without query; name the repository groups
 *   `owner` and `name`, or `rid` for the `/repositories/{id}` form
 * @property {string | null} write  null for a read; else the permissions GitHub names when a token lacks them
 * @property {(ctx: Ctx) => Answer} handler
 * @typedef {object} FaultSpec
 * @property {string} [method]
 * @property {string | RegExp} [path]  a string is a prefix of the path with query string
 * @property {number} [times]
 * @property {'status' | 'drop' | 'slow'} [kind]  status (the default): this answer instead of the real one;
 *   drop: the connection reset with no answer; slow: the real answer after `delayMs`
 * @property {number} [status]
 * @property {unknown} [body]
 * @property {Record<string, string>} [headers]
 * @property {number} [delayMs]  'slow' only
 * @typedef {Required<Omit<FaultSpec, 'method' | 'path'>> & Pick<FaultSpec, 'method' | 'path'>} Fault
 * @typedef {Awaited<ReturnType<typeof startFakeGitHub>>} FakeGitHub
 */
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { fail } from './answers.mjs';
import { flatHeaders, readBody } from '../fakes/requests.mjs';
import { commentRoutes, publicComment } from './comments.mjs';
import { newPullRequest, pullRoutes } from './pulls.mjs';

/** @type {Route[]} */
const ROUTES = [...commentRoutes, ...pullRoutes];

/** @param {import('node:http').ServerResponse} res @param {Answer} answer */
function send(res, { status, json, headers = {} }) {
  const body = json === undefined ? '' : JSON.stringify(json);
  const head = json === undefined ? headers : { 'Content-Type': 'application/json; charset=utf-8', ...headers };
  res.writeHead(status, { ...head, 'Content-Length': String(Buffer.byteLength(body)) }).end(body);
}

/** `token x` as GitHub documents it, `Bearer x` as octokit sends it. @param {string | undefined} header */
function tokenOf(header) {
  const match = /^(?:token|bearer) +(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/** @param {{ repositoryIdStart?: number }} [options] */
export async function startFakeGitHub({ repositoryIdStart = 1000 } = {}) {
  /** @type {State} */
  const state = { tokens: new Map(), repos: new Map(), comments: new Map(), commentSeq: 0, linkStyle: 'repos' };
  /** @type {LoggedRequest[]} */
  let requests = [];
  /** @type {Fault[]} */
  let faults = [];
  let repoSeq = repositoryIdStart;
  // Known once the server listens, before any request can arrive.
  let url = '';
  // Aborts the 'slow' waits on close, so no timer outlives the server.
  const shutdown = new AbortController();

  /** @param {string} fullName */
  function repoNamed(fullName) {
    const repo = state.repos.get(fullName.toLowerCase());
    if (!repo) throw new Error(`fake-github: no repository ${fullName}`);
    return repo;
  }

  /** @param {string} method @param {string} path */
  function takeFault(method, path) {
    const fault = faults.find((f) => f.times > 0
      && (f.method === undefined || f.method.toUpperCase() === method)
      && (f.path === undefined || (typeof f.path === 'string' ? path.startsWith(f.path) : f.path.test(path))));
    if (fault) fault.times -= 1;
    return fault;
  }

  /** Auth, routing, the repository, permissions, then the route's handler. @param {LoggedRequest} entry @returns {Answer} */
  function dispatch(entry) {
    const token = state.tokens.get(tokenOf(entry.headers.authorization) ?? '');
    if (!token) return fail(401, 'Bad credentials');
    const queryAt = entry.path.indexOf('?');
    const pathname = queryAt < 0 ? entry.path : entry.path.slice(0, queryAt);
    let found;
    for (const route of ROUTES) {
      const match = route.pattern.exec(pathname);
      if (match && route.method === entry.method) {
        found = { route, params: match.groups ?? {} };
        break;
      }
    }
    if (!found) return fail(404, 'Not Found');
    const { route, params } = found;
    const entryOf = params.rid === undefined
      ? [...state.repos.entries()].find(([name]) => name === `${params.owner}/${params.name}`.toLowerCase())
      : [...state.repos.entries()].find(([, repo]) => String(repo.id) === params.rid);
    if (!entryOf) return fail(404, 'Not Found');
    const [repoName, repo] = entryOf;
    if (route.write !== null && !token.write) {
      return { ...fail(403, 'Resource not accessible by integration'), headers: { 'x-accepted-github-permissions': route.write } };
    }
    let json;
    try {
      json = entry.body === '' ? undefined : JSON.parse(entry.body);
    } catch {
      return fail(400, 'Problems parsing JSON');
    }
    const query = new URLSearchParams(queryAt < 0 ? '' : entry.path.slice(queryAt + 1));
    try {
      return route.handler({ method: entry.method, url, query, params, repo, repoName, body: json, token, state, now: Date.now() });
    } catch (error) {
      return fail(500, `fake-github route handler threw: ${String(error)}`);
    }
  }

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
  async function handle(req, res) {
    const method = req.method ?? 'GET';
    /** @type {LoggedRequest} */
    const entry = { method, path: req.url ?? '/', headers: flatHeaders(req.headers), body: '', status: 0 };
    requests.push(entry);
    try {
      entry.body = (await readBody(req)).toString('utf8');
      const fault = takeFault(method, entry.path);
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'slow') await sleep(fault.delayMs, undefined, { signal: shutdown.signal });
      const answer = fault?.kind === 'status'
        ? { status: fault.status, json: fault.body, headers: fault.headers }
        : dispatch(entry);
      entry.status = answer.status;
      send(res, answer);
    } catch {
      req.socket.destroy();
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(undefined));
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  url = `http://127.0.0.1:${port}`;

  return {
    url,
    get requests() { return requests; },
    writes: () => requests.filter((r) => r.method !== 'GET'),

    /** @param {{ token: string, login?: string, type?: 'Bot' | 'User', write?: boolean }} spec */
    addToken({ token, login = 'github-actions[bot]', type = 'Bot', write = true }) {
      state.tokens.set(token, { token, login, type, write });
    },
    /** Adding a name again replaces that repository, pull requests and all. @param {string} fullName  owner/name @returns {number} its id */
    addRepo(fullName) {
      repoSeq += 1;
      state.repos.set(fullName.toLowerCase(), { id: repoSeq, name: fullName, pulls: new Map() });
      return repoSeq;
    },
    /** @param {string} fullName @param {import('./pulls.mjs').PullRequestSpec} spec */
    addPullRequest(fullName, spec) {
      repoNamed(fullName).pulls.set(spec.number, newPullRequest(spec));
    },
    /**
     * A comment someone wrote, as if through the API, but without a request.
     * @param {string} fullName @param {number} issue @param {{ body: string, login?: string, type?: 'Bot' | 'User' }} spec
     * @returns {number} its id
     */
    addComment(fullName, issue, { body, login = 'octocat', type = 'User' }) {
      if (!repoNamed(fullName).pulls.has(issue)) throw new Error(`fake-github: ${fullName} has no pull request ${issue}`);
      state.commentSeq += 1;
      const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      state.comments.set(state.commentSeq, { id: state.commentSeq, repo: fullName.toLowerCase(), issue, body, login, type, createdAt: at, updatedAt: at });
      return state.commentSeq;
    },
    /** The comments of a pull request as GitHub lists them, oldest first. @param {string} fullName @param {number} issue */
    comments(fullName, issue) {
      const repo = fullName.toLowerCase();
      return [...state.comments.values()].filter((c) => c.repo === repo && c.issue === issue)
        .map((c) => publicComment(c, repoNamed(fullName).name));
    },
    /** @param {'repos' | 'repositories'} style */
    setLinkStyle(style) {
      state.linkStyle = style;
    },
    /**
     * The next `times` matching requests get this answer instead of the real one (or no answer), and change nothing;
     * a 'slow' one is answered for real, late. @param {FaultSpec} spec
     */
    fault({ method, path, times = 1, kind = 'status', status = 503, body = { message: 'Service Unavailable' }, headers = {}, delayMs = 5000 }) {
      faults.push({ method, path, times, kind, status, body, headers, delayMs });
    },
    /** Keeps tokens, repositories and pull requests; comments, requests and faults go. */
    reset() {
      requests = [];
      faults = [];
      state.comments.clear();
      state.linkStyle = 'repos';
    },
    /** @returns {Promise<void>} */
    close() {
      shutdown.abort();
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
