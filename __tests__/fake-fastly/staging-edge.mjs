// @ts-check
/**
 * Fastly's staging environment as the action reaches it: a server on an
 * address of its own (a second loopback address), standing for the staging IP
 * the domain list names. It answers a health check's GET as the test says, and
 * a PURGE as Fastly's edge does (`{"status":"ok","id"}`), recording each with
 * the Host it was sent for: a host name no DNS knows proves the request came
 * through the staging IP.
 *
 * @typedef {{ method: string, path: string, host: string, headers: Record<string, string>, servername: string | null }} EdgeRequest
 *   servername: the TLS server name (SNI) the client sent, null over plain http
 * @typedef {{ status: number, body?: string, delayMs?: number } | { drop: true }} EdgeReply
 *   delayMs: answered that late (a hang when longer than the client waits); drop: the connection reset, no answer
 * @typedef {(request: EdgeRequest) => EdgeReply} EdgeAnswer
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { flatHeaders, readBody } from '../fakes/requests.mjs';

/** @type {EdgeAnswer} */
const fastlyEdge = (request) => request.method === 'PURGE'
  ? { status: 200, body: JSON.stringify({ status: 'ok', id: `edge-${request.path.length}` }) }
  : { status: 200, body: 'ok' };

/** A certificate for www.example.test and *.cdn.example.test, its own CA: a test trusts it with NODE_EXTRA_CA_CERTS. */
export const STAGING_CERT = new URL('./staging-tls/cert.pem', import.meta.url).pathname;

/** @param {{ address?: string, tls?: boolean }} [options]  tls: https with STAGING_CERT */
export async function startStagingEdge({ address = '127.0.0.2', tls = false } = {}) {
  /** @type {EdgeRequest[]} */
  const seen = [];
  /** @type {EdgeAnswer} */
  let answer = fastlyEdge;
  /** @type {{ request: EdgeRequest, status: number }[]} */
  const answered = [];
  // Aborts the delayed answers on close, so no timer outlives the server.
  const shutdown = new AbortController();
  /** @type {import('node:http').RequestListener} */
  const listener = (req, res) => {
    void readBody(req).then(async () => {
      const headers = flatHeaders(req.headers);
      const servername = /** @type {{ servername?: string | false }} */ (req.socket).servername || null;
      /** @type {EdgeRequest} */
      const request = { method: req.method ?? 'GET', path: req.url ?? '/', host: headers.host ?? '', headers, servername };
      seen.push(request);
      const reply = answer(request);
      if ('drop' in reply) {
        req.socket.destroy();
        return;
      }
      const { status, body = '', delayMs = 0 } = reply;
      if (delayMs > 0) await sleep(delayMs, undefined, { signal: shutdown.signal });
      // A client that stopped waiting never sees this answer.
      if (res.destroyed) return;
      answered.push({ request, status });
      res.writeHead(status, { 'Content-Type': request.method === 'PURGE' ? 'application/json' : 'text/plain', 'Content-Length': String(Buffer.byteLength(body)) });
      res.end(body);
    }).catch(() => req.socket.destroy());
  };
  const server = tls
    ? createTlsServer({ cert: readFileSync(STAGING_CERT), key: readFileSync(new URL('./staging-tls/key.pem', import.meta.url)) }, listener)
    : createServer(listener);
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
    /** PURGEs the edge answered 2xx to a client still waiting, as the URL they purged. */
    confirmedPurges: () => answered.filter((a) => a.request.method === 'PURGE' && a.status >= 200 && a.status < 300)
      .map(({ request }) => `${request.host}${request.path}`),
    reset() {
      seen.length = 0;
      answered.length = 0;
      answer = fastlyEdge;
    },
    /** @returns {Promise<void>} */
    close() {
      shutdown.abort();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** @typedef {Awaited<ReturnType<typeof startStagingEdge>>} StagingEdge */
