import { ActionError } from '../errors.js';
import { FastlyError, isRecord } from './errors.js';

// What the KV store and ACL calls share: answer shapes, page walks with an end, 404 as absent.

/** A `verify` for `ApiRequest`: why a 2xx body fails `ok`, or undefined when it passes. */
export function shaped(ok: (body: unknown) => boolean, expected: string): (body: unknown) => string | undefined {
  return body => (ok(body) ? undefined : `its answer is not ${expected}`);
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
