// A replay of api.fastly.com: every answer is one that real Fastly gave (go-fastly's recorded traffic, in the
// workspace's shared folder), sent back status, headers and body as recorded. Strict: a request nothing
// recorded answers gets a 501 naming it, and is kept, so a test can fail listing every such request.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The recordings sit beside the repository (`../shared`), never inside it. */
export const RECORDINGS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/fastly-recordings');

export function recordingsPresent() {
  return existsSync(join(RECORDINGS, 'MANIFEST.json'));
}

/**
 * @typedef {{ method: string, url: string, headers: Record<string, string[]>, body: string }} RecordedRequest
 * @typedef {{ code: number, headers: Record<string, string[]>, body: string }} RecordedResponse
 * @typedef {{ request: RecordedRequest, response: RecordedResponse }} Interaction
 * @typedef {{ method: string, path: string, query: string, headers: Record<string, string>, body: string, answeredBy: string | undefined }} Received
 * @typedef {{ method: string, path: string, query?: Record<string, string> | 'any', response: RecordedResponse, source: string,
 *   when?: (before: readonly Received[]) => boolean }} Route
 * `when`: the route answers only once the requests before it make it true (a replay has no state of its own:
 * a test says which answer follows which write).
 */

/** @param {string} name a recording's file name without `.json` @returns {Interaction[]} */
export function interactions(name) {
  return JSON.parse(readFileSync(join(RECORDINGS, `${name}.json`), 'utf8')).interactions;
}

/**
 * The routes of a recording, one per interaction, at the path and query it was recorded at.
 * @param {string} name
 * @returns {Route[]}
 */
export function recorded(name) {
  return interactions(name).map((interaction, i) => {
    const url = new URL(interaction.request.url);
    return {
      method: interaction.request.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      response: interaction.response,
      source: `${name}#${i}`
    };
  });
}

/**
 * A recorded answer served where real Fastly gave it for another ID or version of the same call (the
 * recordings come from several test services, so a run's chain of calls crosses them). Only the path moves:
 * the answer's body stays as recorded, IDs and numbers in it included.
 * @param {string} name @param {number} index @param {string} method @param {string} path
 * @param {Record<string, string> | 'any'} [query]
 * @returns {Route}
 */
export function recordedAt(name, index, method, path, query = {}) {
  const interaction = interactions(name)[index];
  if (!interaction || interaction.request.method !== method) throw new Error(`${name}#${index} is no ${method}`);
  return { method, path, query, response: interaction.response, source: `${name}#${index} at ${path}` };
}

/**
 * An answer no recording holds, in the shape FASTLY-API.md documents; `why` says so in the test.
 * @param {string} method @param {string} path @param {number} code @param {unknown} body @param {string} why
 * @returns {Route}
 */
export function documented(method, path, code, body, why) {
  return {
    method,
    path,
    query: 'any',
    response: { code, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify(body) },
    source: `not recorded (${why})`
  };
}

/**
 * @param {readonly Route[]} routes
 * @returns {Promise<{ url: string, received: () => Received[], unanswered: () => string[], close: () => Promise<void> }>}
 */
export async function startReplay(routes) {
  /** @type {Received[]} */
  const received = [];
  const server = createServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://replay');
      const route = routes.find(r => r.method === req.method && r.path === url.pathname && queryMatches(r.query, url.searchParams) && (r.when?.(received) ?? true)
      );
      received.push({
        method: req.method ?? '',
        path: url.pathname,
        query: url.search,
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
        body: Buffer.concat(chunks).toString('utf8'),
        answeredBy: route?.source
      });
      if (!route) {
        res.writeHead(501, { 'Content-Type': 'text/plain' });
        res.end(`No recorded answer for ${req.method} ${url.pathname}${url.search}`);
        return;
      }
      const body = Buffer.from(route.response.body, 'utf8');
      /** @type {Record<string, string | string[]>} */
      const headers = {};
      for (const [name, values] of Object.entries(route.response.headers)) {
        // The body is the recorded one, so its length is the recorded one; node sets it from the bytes.
        if (name.toLowerCase() !== 'content-length') headers[name] = values.length === 1 ? (values[0] ?? '') : values;
      }
      headers['Content-Length'] = String(body.length);
      res.writeHead(route.response.code, headers);
      res.end(body);
    });
  });
  await new Promise(done => server.listen(0, '127.0.0.1', () => done(undefined)));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('replay server has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    received: () => received.slice(),
    unanswered: () => received.filter(r => r.answeredBy === undefined).map(r => `${r.method} ${r.path}${r.query}`),
    close: () => new Promise(done => server.close(() => done(undefined)))
  };
}

/** Every parameter the recording was made with must be sent with that value; more are allowed. */
function queryMatches(/** @type {Route['query']} */ wanted, /** @type {URLSearchParams} */ got) {
  if (wanted === undefined || wanted === 'any') return true;
  return Object.entries(wanted).every(([k, v]) => got.get(k) === v);
}
