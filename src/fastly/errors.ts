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
        : reason.startsWith(`HTTP ${status}`)
          ? `Fastly refused ${method} ${path}: ${reason}${afterRetries(retries)}`
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
 * {msg, detail}, {errors: [{title, detail}]}, problem+json {title, detail};
 * from a proxy's HTML page its title or heading, from plain text the text.
 * A body that says nothing usable (empty, JSON without a reason, JSON cut
 * short) gives the status line: a JSON dump explains nothing to a reader.
 */
export function reasonFromBody(body: string, status: number, statusText: string): string {
  const statusLine = `HTTP ${status} ${statusText}`.trim();
  const parsed = parseJson(body);
  if (parsed !== undefined) return shorten((isRecord(parsed) ? reasonOf(parsed) : textOf(parsed)) ?? statusLine);
  const text = body.trim();
  if (text === '' || /^[[{]/.test(text)) return statusLine;
  return shorten((isMarkup(text) ? headingOf(text) : undefined) ?? (oneLine(isMarkup(text) ? textOfMarkup(text) : text) || statusLine));
}

/**
 * What a 2xx that is not JSON said, to show beside "its answer is not JSON":
 * the text a reader would see of it (an HTML page's text, not its markup).
 */
export function textOfAnswer(body: string): string {
  return shorten(oneLine(isMarkup(body.trim()) ? textOfMarkup(body) : body) || 'unreadable');
}

/** The reason an error-shaped body gives, or undefined when it gives none. */
export function reasonOf(body: Record<string, unknown>): string | undefined {
  const head = joinDistinct([textOf(body.msg) ?? textOf(body.title) ?? textOf(body.message) ?? textOf(body.error), textOf(body.detail)], ': ');
  const errors = Array.isArray(body.errors)
    ? joinDistinct(
        body.errors.filter(isRecord).map(e => joinDistinct([textOf(e.title) ?? textOf(e.msg) ?? textOf(e.message), textOf(e.detail) ?? textOf(e.reason)], ': ')),
        '; '
      )
    : undefined;
  return joinDistinct([head, errors], ': ');
}

function joinDistinct(parts: readonly (string | undefined)[], separator: string): string | undefined {
  const kept = [...new Set(parts.filter((part): part is string => Boolean(part)))];
  return kept.length > 0 ? kept.join(separator) : undefined;
}

function isMarkup(text: string): boolean {
  return /^</.test(text) && /<\/?[a-z!][^>]*>/i.test(text);
}

/** A page's own name for the error: its <title>, else its first heading. */
function headingOf(page: string): string | undefined {
  for (const tag of ['title', 'h1', 'h2']) {
    const inner = new RegExp(`<${tag}\\b[^>]*>([\\s\\S]*?)</${tag}>`, 'i').exec(page)?.[1];
    const text = inner === undefined ? '' : oneLine(textOfMarkup(inner));
    if (text !== '') return text;
  }
  return undefined;
}

function textOfMarkup(page: string): string {
  return decodeEntities(
    page
      .replace(/<!--[\s\S]*?(-->|$)/g, ' ')
      .replace(/<(script|style|head)\b[\s\S]*?(<\/\1\s*>|$)/gi, ' ')
      .replace(/<[^>]*>?/g, ' ')
  );
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (entity, name: string) => {
    const code = name.startsWith('#x') || name.startsWith('#X') ? parseInt(name.slice(2), 16) : name.startsWith('#') ? Number(name.slice(1)) : undefined;
    if (code === undefined) return ENTITIES[name.toLowerCase()] ?? entity;
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
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
  if (raw.trim() !== '' && parsed === undefined) return `its answer is not JSON (${textOfAnswer(raw)})`;
  return verify?.(parsed);
}

/**
 * The reason a 2xx answer gives for not having acted: {"status": "error", …}
 * or {"errors": [{title, detail}, …]}. A KV batch's per-line errors ({key,
 * index, code, reason}) are its own answer and read by its caller. Empty when
 * the error gives no reason.
 */
export function errorInAnswer(parsed: unknown): string | undefined {
  if (!isRecord(parsed)) return undefined;
  const listed = Array.isArray(parsed.errors) && parsed.errors.some(e => isRecord(e) && [e.title, e.detail, e.msg, e.message].some(v => textOf(v)));
  if (parsed.status !== 'error' && !listed) return undefined;
  return reasonOf(parsed) ?? '';
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
