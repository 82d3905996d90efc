import * as http from 'node:http';
import type { Readable } from 'node:stream';
import { agentFor, disposeAgent } from './agent.js';

/** One HTTP answer, body read as text. */
export interface Answer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** A body sent as it is read (a package upload): `open` starts it afresh for each attempt. */
export interface StreamedBody {
  readonly type: string;
  readonly length: number;
  readonly open: () => Readable;
}

/** The answer's last byte had not arrived when the request timeout ran out. */
export class RequestTimeout extends Error {
  override readonly name = 'RequestTimeout';
}

/** The run was cancelled while the request was in flight. */
export class RequestAborted extends Error {
  override readonly name = 'RequestAborted';
}

export interface ExchangeLimits {
  /** From sending to the answer's last byte: a server that drips one byte a second must not hold a request for ever. */
  readonly timeoutMs: number;
  /** Aborts the request where it stands. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Sends requests to one host. The agent is picked once, by @actions/http-client's
 * proxy rules, so proxies (`https_proxy`, `no_proxy`) work as in every other
 * action; the requests themselves go through node:http directly: http-client's
 * per-request wrapper doubled the peak memory of 100,000 requests (227 MB
 * against 108 MB for the same loop on node:http).
 */
export class Exchange {
  private readonly base: URL;
  private readonly agent: Promise<http.Agent>;
  private resolvedAgent: http.Agent | undefined;
  private readonly send: typeof http.request;

  /**
   * `headers` go with every request (auth, User-Agent): merged once per request, with the request's own.
   * `connectTo`: the address to connect to instead of the host's own (Fastly's staging IP), the host name
   * still in the Host header and the TLS server name. Behind a proxy the tunnel is opened to that address;
   * whether a proxy is used at all is decided by the host name, as `no_proxy` names hosts.
   */
  constructor(
    baseUrl: string,
    private readonly headers: Readonly<Record<string, string>>,
    private readonly connectTo?: string
  ) {
    this.base = new URL(baseUrl);
    this.agent = agentFor(this.base);
    // node:https loads TLS (about 5 MB): only a run that speaks it pays for it.
    this.send = this.base.protocol === 'https:' ? process.getBuiltinModule('node:https').request : http.request;
  }

  async request(
    method: string,
    path: string,
    headers: Readonly<Record<string, string>> | undefined,
    body: { readonly type: string; readonly text: string } | StreamedBody | undefined,
    limits: ExchangeLimits
  ): Promise<Answer> {
    const { hostname, port, pathname } = this.base;
    const sent: Record<string, string> = { ...this.headers, ...headers };
    // node:https's agent and the tunnel library both take the TLS server name from the Host header.
    if (this.connectTo !== undefined) sent.Host = this.base.host;
    if (body) {
      sent['Content-Type'] = body.type;
      sent['Content-Length'] = String('text' in body ? Buffer.byteLength(body.text) : body.length);
    }
    const { timeoutMs, signal } = limits;
    if (signal?.aborted) throw new RequestAborted('cancelled before it was sent');
    const agent = this.resolvedAgent ?? (this.resolvedAgent = await this.agent);
    return new Promise((resolve, reject) => {
      const request = this.send(
        {
          host: this.connectTo ?? hostname.replace(/^\[(.*)\]$/, '$1'),
          port: port === '' ? undefined : Number(port),
          path: pathname.replace(/\/+$/, '') + path,
          method,
          headers: sent,
          agent
        },
        response => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('error', fail);
          response.on('end', () => {
            done();
            resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', headers: response.headers, body: text });
          });
        }
      );
      // Once the answer has begun, destroying the request fails the response with a plain 'aborted': keep the real cause.
      let cut: Error | undefined;
      const stop = (why: Error) => {
        cut = why;
        request.destroy(why);
      };
      const timer = setTimeout(() => stop(new RequestTimeout(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
      const abort = () => stop(new RequestAborted('cancelled in flight'));
      signal?.addEventListener('abort', abort, { once: true });
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', abort);
      }
      function fail(error: Error): void {
        done();
        reject(cut ?? error);
      }
      request.on('error', fail);
      if (body && 'open' in body) {
        const source = body.open();
        source.on('error', error => request.destroy(error));
        // A request that fails midway would otherwise leave the file open, unpiped.
        request.on('close', () => source.destroy());
        source.pipe(request);
      } else {
        request.end(body?.text);
      }
    });
  }

  dispose(): void {
    if (this.resolvedAgent) disposeAgent(this.resolvedAgent);
  }
}
