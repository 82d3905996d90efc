import { InputError } from '../errors.js';
import { readTextInputFile } from './read-file.js';

/** Reads one input by name; '' when it is not set. */
export type InputReader = (name: string) => string;

/** One entry of a list: anything between commas, whitespace and newlines. */
const ENTRY = /[^\s,]+/g;

export function readBoolean(read: InputReader, name: string, fallback: boolean): boolean {
  const raw = read(name);
  if (raw === '') return fallback;
  const lower = raw.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new InputError(`Input '${name}' must be 'true' or 'false', got '${raw}'`);
}

export function readInteger(
  read: InputReader,
  name: string,
  fallback: number,
  range: { min: number; max?: number }
): number {
  const raw = read(name);
  if (raw === '') return fallback;
  const value = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
  const { min, max } = range;
  if (Number.isSafeInteger(value) && value >= min && (max === undefined || value <= max)) return value;
  const expected = max === undefined ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
  throw new InputError(`Input '${name}' must be ${expected}, got '${raw}'`);
}

export function readChoice<T extends string>(read: InputReader, name: string, choices: readonly T[]): T {
  const raw = read(name);
  const found = choices.find(choice => choice === raw);
  if (found) return found;
  const expected = choices.map(choice => `'${choice}'`).join(', ');
  throw new InputError(`Input '${name}' must be one of ${expected}, got '${raw}'`);
}

/** Splits on commas, whitespace and newlines, dropping empty entries and duplicates (first one kept). */
export function splitList(text: string): string[] {
  return [...new Set(text.match(ENTRY))];
}

/**
 * The list from an inline input and/or a file input, in that order, each entry
 * passed through `normalise` (which names the input an entry came from in its
 * error), without duplicates. One entry at a time: a file of 100,000 URLs
 * should not pass through five arrays of 100,000 on its way in.
 */
export function readListWithFile(
  read: InputReader,
  inlineName: string,
  fileName: string,
  normalise: (inputName: string, entry: string) => string = (_, entry) => entry
): string[] {
  const file = read(fileName);
  const list = new Set<string>();
  for (const [entry] of read(inlineName).matchAll(ENTRY)) list.add(normalise(inlineName, entry));
  if (file !== '') {
    for (const [entry] of readTextInputFile(fileName, file).matchAll(ENTRY)) list.add(normalise(fileName, entry));
  }
  return [...list];
}

/** Userinfo in an absolute URL's authority: `//user:secret@`. */
const CREDENTIALS = /^([a-z][a-z\d+.-]*:\/\/)[^/?#]*@/i;

/**
 * An absolute http(s) URL without user credentials: a password in a URL
 * would be printed in the log, the summary and `purge-ids`, so it is refused,
 * and the message does not repeat it.
 */
export function parseHttpUrl(name: string, raw: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  const shown = escapeControls(raw.replace(CREDENTIALS, '$1***@'));
  if (url && (url.username !== '' || url.password !== '')) {
    throw new InputError(
      `Input '${name}' must not carry user credentials (user:password@), got '${shown}'; a URL is shown in the log and the summary`
    );
  }
  if (url && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '') return url;
  throw new InputError(`Input '${name}' must be an absolute http(s) URL, got '${shown}'`);
}

/** A URL to purge: the fragment never reaches a server, so `#a` and `#b` of one page are one purge. */
export function purgeUrl(name: string, raw: string): string {
  const url = parseHttpUrl(name, raw);
  url.hash = '';
  return url.href;
}

/** Fastly's limit for one surrogate key. */
export const MAX_SURROGATE_KEY_BYTES = 1024;

/** C0 controls, DEL and C1 controls: invisible in a log, and no key or name of Fastly's needs one. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function surrogateKey(name: string, key: string): string {
  const bytes = Buffer.byteLength(key);
  if (bytes > MAX_SURROGATE_KEY_BYTES) {
    throw new InputError(
      `Input '${name}' has a surrogate key of ${bytes} bytes, '${shorten(key)}'; Fastly's limit is ${MAX_SURROGATE_KEY_BYTES} bytes`
    );
  }
  const control = CONTROL.exec(key);
  if (control) {
    throw new InputError(`Input '${name}' has a surrogate key with the control character ${codePoint(control[0])}, '${shorten(key)}'`);
  }
  return key;
}

/** Untrusted text quoted in an input error: control characters as `\u001b`, at most 40 characters. */
export function shorten(text: string, max = 40): string {
  const cut = [...text];
  return escapeControls(cut.length > max ? `${cut.slice(0, max).join('')}…` : text);
}

/** Control characters as `\u001b`: an ESC in an input error must not reach the terminal as one. */
export function escapeControls(text: string): string {
  return text.replace(new RegExp(CONTROL.source, 'g'), char => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function codePoint(char: string): string {
  return `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}
