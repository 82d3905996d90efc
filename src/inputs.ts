import { readFileSync } from 'node:fs';
import { InputError } from './errors.js';

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
    for (const [entry] of readTextFile(fileName, file).matchAll(ENTRY)) list.add(normalise(fileName, entry));
  }
  return [...list];
}

export function readTextFile(name: string, path: string): string {
  try {
    // Editors on Windows save a byte order mark that JSON.parse refuses and no one can see.
    return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code ?? 'unreadable';
    throw new InputError(`Input '${name}' must be a readable file path, got '${path}' (${why})`);
  }
}

export function parseHttpUrl(name: string, raw: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '') return url;
  throw new InputError(`Input '${name}' must be an absolute http(s) URL, got '${raw}'`);
}
