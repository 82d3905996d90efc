// @ts-check
/**
 * Fastly's staging environment as the action reaches it: a server on an
 * address of its own (a second loopback address), standing for the staging IP
 * the domain list names. It answers a health check's GET as the test says, and
 * a PURGE as Fastly's edge does (`{"status":"ok","id"}`), recording each with
 * the Host it was sent for: a host name no DNS knows proves the request came
 * through the staging IP.
 *
 * @typedef {{ method: string, path: string, host: string, headers: Record<string, string> }} EdgeRequest
 * @typedef {(request: EdgeRequest) => { status: number, body?: string }} EdgeAnswer
 */
import { createServer } from 'node:http';
import { flatHeaders, readBody } from '../fakes/requests.mjs';

/** @type {EdgeAnswer} */
const fastlyEdge = (request) => request.method === 'PURGE'
  ? { status: 200, body: JSON.stringify({ status: 'ok', id: `edge-${request.path.length}` }) }
  : { status: 200, body: 'ok' };

/** @param {string} [address] */
export async function startStagingEdge(address = '127.0.0.2') {
  /** @type {EdgeRequest[]} */
  const seen = [];
  /** @type {EdgeAnswer} */
  let answer = fastlyEdge;
  const server = createServer((req, res) => {
    void readBody(req).then(() => {
      const headers = flatHeaders(req.headers);
      /** @type {EdgeRequest} */
      const request = { method: req.method ?? 'GET', path: req.url ?? '/', host: headers.host ?? '', headers };
      seen.push(request);
      const { status, body = '' } = answer(request);
      res.writeHead(status, { 'Content-Type': request.method === 'PURGE' ? 'application/json' : 'text/plain', 'Content-Length': String(Buffer.byteLength(body)) });
      res.end(body);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve(undefined));
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    address,
    port,
    /** Requests since the last reset(). */
    get seen() { return seen; },
    /** Answers every request until reset(); by default PURGE as Fastly's edge, anything else 200 "ok". @param {EdgeAnswer} fn */
    answer(fn) { answer = fn; },
    /** PURGEs since the last reset(), as the URL they purged. */
    purgedUrls: () => seen.filter((r) => r.method === 'PURGE').map((r) => `${r.host}${r.path}`),
    reset() {
      seen.length = 0;
      answer = fastlyEdge;
    },
    /** @returns {Promise<void>} */
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** @typedef {Awaited<ReturnType<typeof startStagingEdge>>} StagingEdge */
