import { ActionError } from '../errors.js';
import { scrubberFor } from '../secrets.js';
import { isRecord } from './errors.js';
import { Exchange, RequestAborted, RequestTimeout } from './exchange.js';

export interface StagingPurgeOptions {
  readonly token: string;
  readonly userAgent: string;
  readonly timeoutMs: number;
  readonly stop: AbortSignal;
}

/**
 * A URL is purged on Fastly's staging environment by sending PURGE for it to
 * the staging IP, with the URL's host in the Host header and TLS name. The
 * token goes along (for a service that requires authenticated purging) only
 * over https, where the certificate proves the address is the host's: never
 * in clear text. One connection pool per origin and address.
 */
export class StagingPurger {
  private readonly exchanges = new Map<string, Exchange>();
  private readonly scrub: (text: string) => string;

  constructor(private readonly options: StagingPurgeOptions) {
    this.scrub = scrubberFor(options.token);
  }

  /** Answers the purge ID ('' when the edge gave none). */
  async purge(url: URL, address: string, soft: boolean): Promise<string> {
    const key = `${url.origin} ${address}`;
    let http = this.exchanges.get(key);
    if (!http) {
      const secure = url.protocol === 'https:';
      http = new Exchange(url.origin, { 'User-Agent': this.options.userAgent, Accept: 'application/json', ...(secure ? { 'Fastly-Key': this.options.token } : {}) }, address);
      this.exchanges.set(key, http);
    }
    const where = `PURGE ${url.href} through the staging IP ${address}`;
    let answer;
    try {
      answer = await http.request('PURGE', `${url.pathname}${url.search}`, soft ? { 'Fastly-Soft-Purge': '1' } : undefined, undefined, {
        timeoutMs: this.options.timeoutMs,
        signal: this.options.stop
      });
    } catch (error) {
      if (error instanceof RequestTimeout) throw new ActionError(`${where}: no answer within ${this.options.timeoutMs / 1000} s`);
      if (error instanceof RequestAborted) throw new ActionError(`${where}: cancelled`);
      const { code, message } = error as NodeJS.ErrnoException;
      throw new ActionError(`${where}: ${this.scrub(code ?? message)}`);
    }
    if (answer.status < 200 || answer.status >= 300) throw new ActionError(`${where}: HTTP ${answer.status} ${this.scrub(answer.statusText)}`.trimEnd());
    return idOf(answer.body);
  }

  dispose(): void {
    for (const http of this.exchanges.values()) http.dispose();
  }
}

function idOf(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    return isRecord(parsed) && typeof parsed.id === 'string' ? parsed.id : '';
  } catch {
    return '';
  }
}
