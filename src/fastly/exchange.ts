import * as http from 'node:http';
import * as https from 'node:https';
import { HttpClient } from '@actions/http-client';

/** One HTTP answer, body read as text. */
export interface Answer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** No byte from Fastly for the whole request timeout. */
export class RequestTimeout extends Error {
  override readonly name = 'RequestTimeout';
}

/**
 * Sends requests to one API host. `@actions/http-client` picks the agent once,
 * so proxies (`https_proxy`, `no_proxy`) work as in every other action; the
 * requests themselves go through node:http directly: http-client's
 * per-request wrapper doubled the peak memory of 100,000 requests (227 MB
 * against 108 MB for the same loop on node:http).
 */
export class Exchange {
  private readonly base: URL;
  private readonly client: HttpClient;
  private readonly agent: http.Agent;
  private readonly send: typeof http.request;

  /** `headers` go with every request (auth, User-Agent): merged once per request, with the request's own. */
  constructor(
    baseUrl: string,
    private readonly headers: Readonly<Record<string, string>>,
    private readonly timeoutMs: number
  ) {
    this.base = new URL(baseUrl);
    this.client = new HttpClient(headers['User-Agent'], [], { keepAlive: true });
    this.agent = this.client.getAgent(baseUrl);
    this.send = this.base.protocol === 'https:' ? https.request : http.request;
  }

  request(
    method: string,
    path: string,
    headers: Readonly<Record<string, string>> | undefined,
    body: { readonly type: string; readonly text: string } | undefined
  ): Promise<Answer> {
    const { hostname, port, pathname } = this.base;
    const sent: Record<string, string> = { ...this.headers, ...headers };
    if (body) {
      sent['Content-Type'] = body.type;
      sent['Content-Length'] = String(Buffer.byteLength(body.text));
    }
    return new Promise((resolve, reject) => {
      const request = this.send(
        {
          host: hostname.replace(/^\[(.*)\]$/, '$1'),
          port: port === '' ? undefined : Number(port),
          path: pathname.replace(/\/+$/, '') + path,
          method,
          headers: sent,
          agent: this.agent,
          timeout: this.timeoutMs
        },
        response => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('error', reject);
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', headers: response.headers, body: text })
          );
        }
      );
      request.on('timeout', () => request.destroy(new RequestTimeout(`no answer within ${this.timeoutMs} ms`)));
      request.on('error', reject);
      request.end(body?.text);
    });
  }

  /** The client's own dispose: a proxy's tunnel agent has no destroy() of its own. */
  dispose(): void {
    this.client.dispose();
  }
}
