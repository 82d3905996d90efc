import { ActionError } from '../errors.js';
import { FastlyError, isRecord } from './errors.js';

// What the KV store and ACL calls share: answers of the wrong shape, page walks with an end, 404 as absent.

/**
 * Fastly answered 2xx with something that is not what the call returns. Nothing
 * may be concluded from it: an empty-looking list must never decide a delete.
 */
export class UnexpectedAnswer extends ActionError {
  override readonly name = 'UnexpectedAnswer';

  constructor(method: string, path: string, expected: string) {
    super(`Fastly answered ${method} ${path} with something other than ${expected}; nothing was changed on the strength of it. Run again; if it persists, Fastly's API has changed and the action needs an update`);
  }
}

/**
 * Walks pages from `first` (a cursor, or a path for Link paging) until a page
 * names no next one. A next already read, or more than `maxPages` pages, stops
 * the walk: such a list has no end and cannot be trusted.
 */
export async function walkPages(
  endpoint: string,
  first: string,
  maxPages: number,
  fetchPage: (at: string) => Promise<string | undefined>
): Promise<void> {
  const seen = new Set<string>();
  let at: string | undefined = first;
  while (at !== undefined) {
    if (seen.has(at)) {
      throw new ActionError(`Fastly's list at GET ${endpoint} came back to a page already read (${at.slice(0, 100)}); the list cannot be trusted, so nothing was changed`);
    }
    if (seen.size === maxPages) {
      throw new ActionError(`Fastly's list at GET ${endpoint} ran past ${maxPages} pages; the list cannot be trusted, so nothing was changed`);
    }
    seen.add(at);
    at = await fetchPage(at);
  }
}

/** The `meta.next_cursor` of a cursor page; undefined (the last page) when absent or empty. */
export function nextCursor(body: Record<string, unknown>): string | undefined {
  const next = isRecord(body.meta) ? body.meta.next_cursor : undefined;
  return typeof next === 'string' && next !== '' ? next : undefined;
}

/** Undefined for a 404: the thing asked for is not there. */
export async function orNotFound(request: Promise<unknown>): Promise<unknown> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof FastlyError && error.status === 404) return undefined;
    throw error;
  }
}
