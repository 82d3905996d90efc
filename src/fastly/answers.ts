import { isRecord } from './errors.js';

/**
 * Checks for `ApiRequest.verify`: each answers why a 2xx body is not what the
 * call returns (see FASTLY-API.md), or undefined when it is.
 */

/** Purges, purge-all and item batches answer {"status": "ok"}. */
export function statusOk(body: unknown): string | undefined {
  if (isRecord(body) && body.status === 'ok') return undefined;
  if (!isRecord(body) || typeof body.status !== 'string') return 'its answer has no "status": "ok"';
  return `its answer said "status": ${JSON.stringify(body.status)}, not "ok"`;
}

/** A list page: an array of objects, each with a string `field` (e.g. item_key). */
export function listOf(field: string, what: string): (body: unknown) => string | undefined {
  return body => {
    if (!Array.isArray(body)) return `its answer is not the list of ${what} it returns`;
    const bad = body.findIndex(entry => !isRecord(entry) || typeof entry[field] !== 'string');
    return bad < 0 ? undefined : `entry ${bad + 1} of its list of ${what} has no string "${field}"`;
  };
}

/** One object with a string `field` equal to `value` when given (e.g. the VCL just written, by name). */
export function objectWith(field: string, what: string, value?: string): (body: unknown) => string | undefined {
  return body => {
    if (!isRecord(body) || typeof body[field] !== 'string') return `its answer is not the ${what} it returns`;
    return value === undefined || body[field] === value
      ? undefined
      : `its answer is a ${what} with ${field} ${JSON.stringify(body[field])}, not ${JSON.stringify(value)}`;
  };
}

/**
 * A package answer: `metadata` with the files hash, the one field the action
 * checks an upload by (an upload without it could hold anything).
 */
export function packageWithHash(body: unknown): string | undefined {
  if (!isRecord(body) || !isRecord(body.metadata)) return 'its answer is not the package it returns (no "metadata")';
  const hash = body.metadata.files_hash;
  return typeof hash === 'string' && hash !== '' ? undefined : 'its package metadata has no "files_hash" to check the upload by';
}
