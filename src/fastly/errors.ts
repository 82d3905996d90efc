import { ActionError } from '../errors.js';

/** Fastly answered, and the answer was a refusal. */
export class FastlyError extends ActionError {
  override readonly name = 'FastlyError';

  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly reason: string,
    readonly retries: number,
    /** The answer's text (token scrubbed), for a call whose refusals carry detail per item (a KV batch). */
    readonly body = ''
  ) {
    super(
      status === 407
        ? `The proxy between the runner and Fastly refused ${method} ${path}: ${proxyRefusal(status)}`
        : `Fastly refused ${method} ${path} (HTTP ${status}): ${reason}${afterRetries(retries)}`
    );
  }
}

/**
 * What a proxy's refusal means. A 407 comes from the proxy, never from
 * Fastly: blaming Fastly or the network would send the reader the wrong way.
 */
export function proxyRefusal(status: number): string {
  if (status === 407) {
    return 'HTTP 407 Proxy Authentication Required; give the proxy its credentials in the proxy variable, e.g. https_proxy=http://user:password@proxy:3128';
  }
  return `HTTP ${status} instead of a tunnel to Fastly`;
}

/**
 * Fastly answered 2xx, but not with what the call returns (not JSON, an HTML
 * page, {"status":"error"}, a missing field): whether it acted is unknown.
 */
export class FastlyUnconfirmedError extends ActionError {
  override readonly name = 'FastlyUnconfirmedError';

  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly reason: string,
    readonly retries: number,
    /** The parsed answer (undefined when it was empty or not JSON), for a caller that can use part of it. */
    readonly answer: unknown
  ) {
    super(`Fastly answered HTTP ${status} to ${method} ${path} but ${reason}${afterRetries(retries)}`);
  }
}

/** No answer at all: reset, refused, timed out. */
export class FastlyNetworkError extends ActionError {
  override readonly name = 'FastlyNetworkError';

  constructor(
    readonly method: string,
    readonly path: string,
    readonly reason: string,
    retries: number
  ) {
    super(`Could not reach Fastly for ${method} ${path}: ${reason}${afterRetries(retries)}`);
  }
}

/** Why a rate-limited request was given up. */
export type RateLimitGiveUp = 'beyond-wait-cap' | 'retries-spent' | 'not-sent';

/** Fastly's rate limit stopped a request, and waiting is not an option. */
export class FastlyRateLimitError extends ActionError {
  override readonly name = 'FastlyRateLimitError';

  constructor(
    readonly method: string,
    readonly path: string,
    readonly resetAt: Date | undefined,
    readonly why: RateLimitGiveUp
  ) {
    const when = resetAt ? `the window resets at ${resetAt.toISOString()}` : 'Fastly gave no reset time';
    const what = {
      'beyond-wait-cap': `Fastly's rate limit refused ${method} ${path} (HTTP 429) and ${when}, more than the 120 s the action waits`,
      'retries-spent': `Fastly's rate limit refused ${method} ${path} (HTTP 429) and its retries (max-retries) are spent; ${when}`,
      'not-sent': `Not sent: ${method} ${path}, because Fastly's rate limit is exhausted and ${when}`
    }[why];
    super(`${what}; run again after that`);
  }
}

function afterRetries(retries: number): string {
  return retries > 0 ? ` (after ${retries} ${retries === 1 ? 'retry' : 'retries'})` : '';
}

const MAX_REASON = 300;

/**
 * Fastly's reason from an error body, whichever of its shapes it uses:
 * {msg, detail}, {errors: [{title, detail}]}, problem+json {title, detail},
 * or a non-JSON page (tags stripped, shortened).
 */
export function reasonFromBody(body: string, statusText: string): string {
  const parsed = parseJson(body);
  if (isRecord(parsed)) {
    const errors = Array.isArray(parsed.errors) ? parsed.errors.filter(isRecord) : [];
    const parts = [
      textOf(parsed.msg) ?? textOf(parsed.title),
      textOf(parsed.detail),
      ...errors.map(e => [textOf(e.title), textOf(e.detail)].filter(Boolean).join(': '))
    ].filter((part): part is string => Boolean(part));
    if (parts.length > 0) return shorten(parts.join(': '));
  }
  const text = body
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return shorten(text || statusText || 'no reason given');
}

/**
 * Why a 2xx answer is not the call's answer, or undefined when it is. `parsed`
 * is undefined both for an empty body and for one that is not JSON: the raw
 * text tells them apart, so malformed JSON never passes as "no body".
 */
export function unconfirmedReason(
  raw: string,
  parsed: unknown,
  verify: ((body: unknown) => string | undefined) | undefined
): string | undefined {
  if (raw.trim() !== '' && parsed === undefined) return `its answer is not JSON (${reasonFromBody(raw, 'unreadable')})`;
  return verify?.(parsed);
}

/** Lenient: undefined for anything that is not JSON (error bodies come in many shapes). */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function shorten(text: string): string {
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}
