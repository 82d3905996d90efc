import { firstDuplicateKey } from './duplicate-keys.js';
import { InputError, messageOf } from '../errors.js';
import { type InputReader, escapeControls, shorten } from './parsers.js';
import { readTextInputFile } from './read-file.js';

/** Key → wanted value; null means "delete this key". Insertion order kept for the summary. */
export type WantedItems = ReadonlyMap<string, string | null>;

export const MAX_VALUE_LENGTH = 8000;

/**
 * The wanted state from `items` and/or `items-file`: JSON objects of string
 * (or null) values, `items` winning on a key both name. Every key is checked
 * against the store's limits here, before any request.
 */
export function readWantedItems(read: InputReader, maxKeyLength: number): WantedItems {
  const file = read('items-file');
  const fromFile = file === '' ? {} : parseItems('items-file', readTextInputFile('items-file', file), maxKeyLength);
  const inline = read('items') === '' ? {} : parseItems('items', read('items'), maxKeyLength);
  if (file === '' && read('items') === '') {
    throw new InputError(`Input 'items' or 'items-file' is required: a JSON object such as {"key": "value", "gone": null}`);
  }
  return new Map(Object.entries({ ...fromFile, ...inline }));
}

function parseItems(name: string, text: string, maxKeyLength: number): Record<string, string | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(`Input '${name}' must be valid JSON: ${escapeControls(messageOf(error))}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const got = Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`;
    throw new InputError(`Input '${name}' must be a JSON object of string values, e.g. {"key": "value"}; got ${got}`);
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) {
    throw new InputError(`Input '${name}' names the key '${shorten(duplicate)}' twice; JSON would keep only the last value, so keep one`);
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (key.trim() === '') throw new InputError(`Input '${name}' has an empty key; every key needs a name`);
    if (key.length > maxKeyLength) {
      throw new InputError(`Input '${name}' key '${escapeControls(key.slice(0, 40))}…' is ${key.length} characters; the limit is ${maxKeyLength}`);
    }
    if (value !== null && typeof value !== 'string') {
      throw new InputError(
        `Input '${name}' key '${shorten(key)}' must have a string value (or null to delete it), got ${shorten(JSON.stringify(value), 80)}`
      );
    }
    if (typeof value === 'string' && value.length > MAX_VALUE_LENGTH) {
      throw new InputError(`Input '${name}' key '${shorten(key)}' has a value of ${value.length} characters; the limit is ${MAX_VALUE_LENGTH}`);
    }
  }
  return parsed as Record<string, string | null>;
}
