import { CancelledError, type Cancellation, NOT_CANCELLABLE } from '../cancel.js';
import { type Answer, Exchange, RequestAborted, RequestTimeout, type StreamedBody } from './exchange.js';
import {
  FastlyError,
  FastlyNetworkError,
  FastlyRateLimitError,
  FastlyUnconfirmedError,
  errorInAnswer,
  parseJson,
  proxyRefusal,
  reasonFromBody,
  unconfirmedReason
} from './errors.js';
import { type Scrubber, scrubberFor } from '../secrets.js';
import { RateLimitTracker, type RateLimitSnapshot } from './rate-limit.js';
import { MAX_RATE_LIMIT_WAIT_MS, backoffMs, isRetryableStatus, rateLimitResetAt } from './retry.js';

export interface TransportOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly userAgent: string;
  readonly maxRetries: number;
  readonly timeoutMs: number;
  /** Must end early when `signal` fires. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now: () => number;
  readonly random: () => number;
  readonly log: (message: string) => void;
  /** Record writes instead of sending them; reads still go out. */
  readonly dryRun: boolean;
  readonly cancel?: Cancellation;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiRequest {
  readonly method: Method;
  /** Path on the API host, starting with '/'. */
  readonly path: string;
  readonly json?: unknown;
  /** Sent as application/x-www-form-urlencoded, as Fastly's version and VCL endpoints expect. */
  readonly form?: Readonly<Record<string, string>>;
  /** Sent as is with its own content type (a KV batch is NDJSON). */
  readonly body?: { readonly type: string; readonly text: string };
  /** A body too large to hold as text, with its own content type (multipart): streamed, and opened again for a retry. */
  readonly stream?: StreamedBody;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * False for a request that must not be repeated blindly (a clone makes a new
   * version each time): a 5xx or lost answer fails at once. A 429 is still
   * retried, since Fastly refused it before acting.
   */
  readonly safeToRepeat?: boolean;
  /** Sent once, whatever the answer: the caller retries it itself, between reads that guard each attempt. */
  readonly once?: boolean;
  /** A POST that changes nothing (VCL lint): not held for the token check, and sent in a dry run too. */
  readonly changesNothing?: boolean;
  /**
   * What a good answer is: given the parsed body of a 2xx, answers why it is
   * not what this call returns, or undefined when it is. A 2xx that fails it
   * is retried like a 5xx (Fastly may not have acted) and finally throws a
   * FastlyUnconfirmedError. A body that is not JSON fails every request.
   */
  readonly verify?: (body: unknown) => string | undefined;
  /** The one 2xx status a good answer has, when the body cannot tell (a Compute ACL batch: 202, no body); any other is treated like a failed `verify`. */
  readonly status?: number;
}

/** A 2xx answer as received, for a call whose answer is not JSON (a KV value). Header names are lower case. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly text: string;
}

/** A write a dry run did not send, as it would have gone out (without the token). */
export interface PlannedWrite {
  /** PURGE: a URL purge sent to a staging IP rather than to the API. */
  readonly method: Method | 'PURGE';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

export interface PlannedWrites {
  /** The first ones, in order; enough to show what every request looks like. */
  readonly shown: readonly PlannedWrite[];
  readonly total: number;
}

const PLANNED_WRITES_KEPT = 50;

/** What a transport and the ones derived from it for clean-up share. */
interface Books {
  readonly http: Exchange;
  readonly rateLimit: RateLimitTracker;
  /** After a 429 the action cannot wait out, later writes fail at once instead of spending requests. */
  writesBlockedUntil: Date | undefined;
  /** Every write, planned ones too, waits for this (the token check); its failure is theirs. */
  writeGate: Promise<unknown> | undefined;
  readonly planned: PlannedWrite[];
  plannedTotal: number;
  readonly usage: { requests: number; retries: number; rateLimitWaitMs: number };
}

/** What the run cost in requests, for the summary: retries and waits should not be invisible. */
export interface ApiUsage {
  /** HTTP requests sent, retries included. */
  readonly requests: number;
  readonly retries: number;
  readonly rateLimitWaitMs: number;
}

/**
 * One Fastly request with auth, retries and rate-limit bookkeeping. It answers
 * with the parsed body of a 2xx, or throws a typed error naming the request.
 */
export class Transport {
  private readonly books: Books;
  /** What ends this transport's work: the run's stop and abort, or for clean-up the deadline. */
  private readonly stop: AbortSignal;
  private readonly cut: AbortSignal;
  /** A proxy's error page or a 401 may echo the request headers: the token leaves no answer in any form. */
  private readonly scrub: Scrubber;

  constructor(
    private readonly options: TransportOptions,
    shared?: { books: Books; cleanUp: boolean }
  ) {
    this.books = shared?.books ?? {
      http: new Exchange(options.baseUrl, { 'Fastly-Key': options.token, Accept: 'application/json', 'User-Agent': options.userAgent }),
      rateLimit: new RateLimitTracker(),
      writesBlockedUntil: undefined,
      writeGate: undefined,
      planned: [],
      plannedTotal: 0,
      usage: { requests: 0, retries: 0, rateLimitWaitMs: 0 }
    };
    this.scrub = scrubberFor(options.token);
    const cancel = options.cancel ?? NOT_CANCELLABLE;
    this.stop = shared?.cleanUp ? cancel.deadline : cancel.stop;
    this.cut = shared?.cleanUp ? cancel.deadline : cancel.abort;
  }

  /**
   * The same client state for the work a cancel must still do (a rollback):
   * it may start requests after the cancel, until the clean-up deadline.
   */
  /** Reads go on meanwhile; no write leaves before `check` has passed, and none after it failed. */
  holdWritesUntil(check: Promise<unknown>): void {
    // Whoever awaits the check hears of its failure; the gate must not be an unhandled rejection.
    check.catch(() => undefined);
    this.books.writeGate = check;
  }

  forCleanUp(): Transport {
    return new Transport(this.options, { books: this.books, cleanUp: true });
  }

  /**
   * The backoff before retry `retry` (0-based) of a call the caller repeats
   * itself (after a 429, until the window resets, within the 120 s cap);
   * false, without waiting, when max-retries is spent or the window is too
   * far, and after a cancel (the wait ends early then too).
   */
  async pauseBeforeRetry(retry: number, error: unknown): Promise<boolean> {
    if (retry >= this.options.maxRetries || this.stop.aborted) return false;
    const { now, random, sleep } = this.options;
    let wait = backoffMs(retry, random);
    if (error instanceof FastlyRateLimitError) {
      const untilReset = (error.resetAt?.getTime() ?? 0) - now();
      if (error.why !== 'retries-spent' || untilReset > MAX_RATE_LIMIT_WAIT_MS) return false;
      if (untilReset > 0) {
        wait = untilReset + Math.floor(random() * 250);
        this.books.usage.rateLimitWaitMs += wait;
      }
    }
    await sleep(wait, this.stop);
    if (this.stop.aborted) return false;
    this.books.usage.retries += 1;
    return true;
  }

  /** Writes are recorded, not sent, and answer nothing. */
  get dryRun(): boolean {
    return this.options.dryRun;
  }

  /**
   * A reading whose window has ended says nothing about now. Key and URL
   * purges carry no rate-limit headers, so after a purge 429 is waited out no
   * later reading replaces its "0 left".
   */
  rateLimitSnapshot(): RateLimitSnapshot {
    const snapshot = this.books.rateLimit.snapshot();
    if (snapshot.reset === undefined || snapshot.reset.getTime() > this.options.now()) return snapshot;
    return { ...snapshot, remaining: undefined, reset: undefined };
  }

  apiUsage(): ApiUsage {
    return { ...this.books.usage };
  }

  plannedWrites(): PlannedWrites {
    return { shown: this.books.planned, total: this.books.plannedTotal };
  }

  dispose(): void {
    this.books.http.dispose();
  }

  async send(request: ApiRequest): Promise<unknown> {
    return (await this.exchangeWithRetries(request)).body;
  }

  /** The answer's text and headers, unparsed. Meant for reads: a dry run answers a write with an empty 200. */
  async sendRaw(request: ApiRequest): Promise<RawAnswer> {
    return (await this.exchangeWithRetries(request, true)).raw ?? { status: 200, headers: {}, text: '' };
  }

  /** For list endpoints that page with an RFC 5988 Link header: the body and the next and last pages' paths, if any. */
  async sendForPage(request: ApiRequest): Promise<{ body: unknown; next: string | undefined; last: string | undefined }> {
    const { body, link } = await this.exchangeWithRetries(request);
    return { body, next: linkedPath(link, 'next'), last: linkedPath(link, 'last') };
  }

  private async exchangeWithRetries(
    request: ApiRequest,
    raw = false
  ): Promise<{ body: unknown; link: string | undefined; raw?: RawAnswer }> {
    const { method, path } = request;
    const { maxRetries, now, random, sleep, log } = this.options;
    const writes = method !== 'GET' && request.changesNothing !== true;
    if (writes && this.books.writeGate) await this.books.writeGate;
    if (this.options.dryRun && writes) return { body: this.plan(request), link: undefined };
    let rateLimitWaitMs = 0;
    for (let retry = 0; ; retry++) {
      if (this.stop.aborted) throw new CancelledError(method, path, false);
      this.refuseWhileBlocked(request);
      const canRetry = retry < maxRetries && request.once !== true;
      const canRepeat = canRetry && request.safeToRepeat !== false;
      let answer: Answer;
      this.books.usage.requests += 1;
      if (retry > 0) this.books.usage.retries += 1;
      try {
        answer = await this.exchange(request);
      } catch (error) {
        if (error instanceof RequestAborted) throw new CancelledError(method, path, true);
        const cause = this.scrub(networkCause(error, this.options.timeoutMs));
        // A proxy that refuses (407, 403) will refuse again; only its 5xx may pass.
        const proxyStatus = tunnelStatus(error);
        if (!canRepeat || (proxyStatus !== undefined && proxyStatus < 500)) throw new FastlyNetworkError(method, path, cause, retry);
        const wait = backoffMs(retry, random);
        log(`${method} ${path}: ${cause}; retry ${retry + 1} of ${maxRetries} in ${seconds(wait)}`);
        await sleep(wait, this.stop);
        continue;
      }
      if (method !== 'GET') {
        this.books.rateLimit.observe(header(answer, 'fastly-ratelimit-remaining'), header(answer, 'fastly-ratelimit-reset'));
      }
      const body = this.scrub(answer.body);
      if (answer.status >= 200 && answer.status < 300 && raw) {
        return { body: undefined, link: undefined, raw: { status: answer.status, headers: rawHeaders(answer, this.scrub), text: body } };
      }
      if (answer.status >= 200 && answer.status < 300) {
        const parsed = body === '' ? undefined : parseJson(body);
        const doubt = withFastlysReason(
          request.status !== undefined && answer.status !== request.status
            ? `a good answer here is HTTP ${request.status}`
            : unconfirmedReason(body, parsed, request.verify),
          // A lint or a validation reports its findings so; a write that answers an error did not succeed.
          writes ? errorInAnswer(parsed) : undefined
        );
        if (doubt === undefined) return { body: parsed, link: header(answer, 'link') };
        if (!canRepeat) throw new FastlyUnconfirmedError(method, path, answer.status, doubt, retry, parsed);
        const wait = backoffMs(retry, random);
        log(`${method} ${path}: HTTP ${answer.status} but ${doubt}; retry ${retry + 1} of ${maxRetries} in ${seconds(wait)}`);
        await sleep(wait, this.stop);
        continue;
      }
      const reason = reasonFromBody(body, answer.status, this.scrub(answer.statusText));
      if (answer.status === 429 && !canRetry) {
        const resetAt = this.resetOf(answer);
        if (resetAt && resetAt.getTime() - now() > MAX_RATE_LIMIT_WAIT_MS) this.blockWritesUntil(method, resetAt);
        throw new FastlyRateLimitError(method, path, resetAt, 'retries-spent');
      }
      if (!isRetryableStatus(answer.status) || (answer.status !== 429 && !canRepeat)) {
        throw new FastlyError(method, path, answer.status, reason, retry, body);
      }
      let wait = backoffMs(retry, random);
      if (answer.status === 429) {
        const resetAt = this.resetOf(answer);
        // A reset already past says nothing about when to retry: back off instead.
        if (resetAt && resetAt.getTime() > now()) {
          const untilReset = resetAt.getTime() - now();
          if (rateLimitWaitMs + untilReset > MAX_RATE_LIMIT_WAIT_MS) {
            this.blockWritesUntil(method, resetAt);
            throw new FastlyRateLimitError(method, path, resetAt, 'beyond-wait-cap');
          }
          // A little jitter past the reset so parallel requests do not all return in the same instant.
          wait = untilReset + Math.floor(random() * 250);
          rateLimitWaitMs += wait;
          this.books.usage.rateLimitWaitMs += wait;
        }
      }
      log(`${method} ${path}: HTTP ${answer.status} (${reason}); retry ${retry + 1} of ${maxRetries} in ${seconds(wait)}`);
      await sleep(wait, this.stop);
    }
  }

  /**
   * For a write sent elsewhere than the API (a PURGE to a staging IP): it
   * waits for the token check as every write does, and in a dry run it is
   * planned, not sent. Answers whether to send it.
   */
  async mayWrite(write: PlannedWrite): Promise<boolean> {
    if (this.books.writeGate) await this.books.writeGate;
    if (!this.options.dryRun) return true;
    this.books.plannedTotal += 1;
    if (this.books.planned.length < PLANNED_WRITES_KEPT) this.books.planned.push(write);
    return false;
  }

  private plan(request: ApiRequest): undefined {
    this.books.plannedTotal += 1;
    if (this.books.planned.length < PLANNED_WRITES_KEPT) {
      this.books.planned.push({
        method: request.method,
        path: request.path,
        headers: { ...request.headers },
        body: bodyOf(request) ?? undefined
      });
    }
    return undefined;
  }

  private refuseWhileBlocked(request: ApiRequest): void {
    const until = this.books.writesBlockedUntil;
    if (request.method !== 'GET' && until && until.getTime() > this.options.now()) {
      throw new FastlyRateLimitError(request.method, request.path, until, 'not-sent');
    }
  }

  private blockWritesUntil(method: Method, resetAt: Date): void {
    if (method !== 'GET') this.books.writesBlockedUntil = resetAt;
  }

  private resetOf(answer: Answer): Date | undefined {
    return rateLimitResetAt(
      { reset: header(answer, 'fastly-ratelimit-reset'), retryAfter: header(answer, 'retry-after') },
      this.options.now()
    );
  }

  private exchange(request: ApiRequest): Promise<Answer> {
    const limits = { timeoutMs: this.options.timeoutMs, signal: this.cut };
    if (request.stream) return this.books.http.request(request.method, request.path, request.headers, request.stream, limits);
    const text = bodyOf(request);
    const type = request.json !== undefined ? 'application/json' : (request.body?.type ?? 'application/x-www-form-urlencoded');
    return this.books.http.request(request.method, request.path, request.headers, text === null ? undefined : { type, text }, limits);
  }
}

/** Why a 2xx is in doubt, with the error Fastly's answer carried, if any. */
function withFastlysReason(doubt: string | undefined, error: string | undefined): string | undefined {
  if (error === undefined) return doubt;
  const why = doubt ?? 'its answer is an error';
  return error === '' ? why : `${why} (Fastly said: ${error})`;
}

/** The path and query of the `rel="next"` URL: pages are fetched through the same base URL and retries. */
function linkedPath(link: string | undefined, rel: 'next' | 'last'): string | undefined {
  const part = link?.split(',').find(p => new RegExp(`;\\s*rel="?${rel}"?`).test(p));
  const url = part?.match(/<([^>]+)>/)?.[1];
  if (!url) return undefined;
  const parsed = new URL(url, 'http://relative.invalid');
  return `${parsed.pathname}${parsed.search}`;
}

function bodyOf(request: ApiRequest): string | null {
  if (request.stream !== undefined) return `(${request.stream.length} bytes of ${request.stream.type.split(';')[0]})`;
  if (request.json !== undefined) return JSON.stringify(request.json);
  if (request.form !== undefined) return new URLSearchParams(request.form).toString();
  return request.body?.text ?? null;
}

function header(answer: Answer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Node reads header bytes as latin1; Fastly's are UTF-8 (a KV value's Metadata), so they are read back as such. */
function rawHeaders(answer: Answer, scrub: Scrubber): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of Object.keys(answer.headers)) {
    const value = header(answer, name);
    if (value !== undefined) headers[name] = scrub(Buffer.from(value, 'latin1').toString('utf8'));
  }
  return headers;
}

function networkCause(error: unknown, timeoutMs: number): string {
  if (error instanceof RequestTimeout) return `no answer within ${seconds(timeoutMs)} (timeout)`;
  const proxyStatus = tunnelStatus(error);
  if (proxyStatus !== undefined) return `the proxy refused: ${proxyRefusal(proxyStatus)}`;
  const { code, message } = error as NodeJS.ErrnoException;
  if (typeof message === 'string' && message.startsWith(`${TUNNEL_FAILED}, cause=`)) {
    return `the proxy could not be reached (${message.slice(TUNNEL_FAILED.length + ', cause='.length)})`;
  }
  return code ?? (typeof message === 'string' && message !== '' ? message : 'network error');
}

/** The tunnel agent's words when a proxy's CONNECT fails; its code is a misleading ECONNRESET. */
const TUNNEL_FAILED = 'tunneling socket could not be established';

/** The status a proxy answered the CONNECT with, when that is why the request failed. */
function tunnelStatus(error: unknown): number | undefined {
  const message = (error as Error | undefined)?.message;
  const prefix = `${TUNNEL_FAILED}, statusCode=`;
  return typeof message === 'string' && message.startsWith(prefix) ? Number(message.slice(prefix.length)) : undefined;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
