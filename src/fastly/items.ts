import { ActionError } from '../errors.js';
import { listOf, objectWith, statusOk } from './answers.js';
import { FastlyError, isRecord } from './errors.js';
import { forEachLimited } from '../pool.js';
import type { Transport } from './transport.js';

export interface Dictionary {
  readonly id: string;
  readonly name: string;
  readonly writeOnly: boolean;
}

export interface ConfigStore {
  readonly id: string;
  readonly name: string;
}

export interface ItemOp {
  readonly op: 'upsert' | 'delete';
  readonly item_key: string;
  readonly item_value?: string;
}

/** Fastly's cap on one PATCH …/items request. */
export const MAX_OPS_PER_BATCH = 1000;

/** Fastly documents no larger page than its default; go-fastly pages at 100 too. */
export const PER_PAGE = 100;

/**
 * go-fastly caps a dictionary at 25,000 items: 250 pages of 100. A list
 * running past that is a paging loop, not a dictionary.
 */
export const MAX_PAGES = 250;

/**
 * Item pages read side by side once the first says how many there are: a
 * dictionary of 3,200 items in two round trips, not 32. Reads spend no write budget.
 */
const PARALLEL_PAGES = 32;

/** Edge dictionary and config store calls, in the client's terms; client.ts exposes them on FastlyApi. */
export function itemCalls(transport: Transport) {
  const service = (sid: string) => `/service/${encodeURIComponent(sid)}`;
  const store = (id: string) => `/resources/stores/config/${encodeURIComponent(id)}`;
  return {
    /** Undefined when the version has no dictionary of that name. */
    async findDictionary(sid: string, version: number, name: string): Promise<Dictionary | undefined> {
      const path = `${service(sid)}/version/${version}/dictionary/${encodeURIComponent(name)}`;
      const body = await orNotFound(transport.send({ method: 'GET', path, verify: objectWith('id', 'dictionary') }));
      if (!isRecord(body)) return undefined;
      return { id: String(body.id), name: String(body.name ?? name), writeOnly: body.write_only === true || body.write_only === 'true' };
    },
    /**
     * Every item. The first page's Link header says (rel="last") how many
     * there are: the others are read side by side, then put in page order.
     * Without a last link the rel="next" pages are followed one by one. A
     * link already followed, or more pages than a dictionary can hold, stops
     * the read: a partial list must never decide what to delete.
     */
    async listDictionaryItems(sid: string, dictionaryId: string): Promise<Map<string, string>> {
      const endpoint = `${service(sid)}/dictionary/${encodeURIComponent(dictionaryId)}/items`;
      const items = new Map<string, string>();
      const seen = new Set<string>();
      const first = `${endpoint}?page=1&per_page=${PER_PAGE}&sort=created&direction=ascend`;
      seen.add(first);
      const head = await transport.sendForPage({ method: 'GET', path: first, verify: itemList });
      addItems(items, head.body);
      const lastPage = pageNumber(head.last);
      let path: string | undefined = head.next;
      // Past the cap the pages are walked one by one, to the cap, as a list without a last link is.
      if (head.next && head.last && lastPage !== undefined && lastPage > 1 && lastPage <= MAX_PAGES) {
        const paths = Array.from({ length: lastPage - 1 }, (_, i) => withPage(head.last as string, i + 2));
        const pages = new Array<{ body: unknown; next: string | undefined }>(paths.length);
        await forEachLimited(paths.keys(), PARALLEL_PAGES, async i => {
          pages[i] = await transport.sendForPage({ method: 'GET', path: paths[i] as string, verify: itemList });
        });
        for (const [i, page] of pages.entries()) {
          seen.add(paths[i] as string);
          addItems(items, page.body);
        }
        // Items added while it was read: the last page then links on.
        path = pages.at(-1)?.next;
      }
      while (path) {
        if (seen.has(path)) {
          throw new ActionError(`Fastly's item list at GET ${endpoint} links back to a page already read (${path}); the list cannot be trusted, so nothing was changed`);
        }
        if (seen.size === MAX_PAGES) {
          throw new ActionError(
            `Fastly's item list at GET ${endpoint} has more than ${MAX_PAGES} pages of ${PER_PAGE} (over the 25,000 items a dictionary holds); the list cannot be trusted, so nothing was changed`
          );
        }
        seen.add(path);
        const page: { body: unknown; next: string | undefined } = await transport.sendForPage({ method: 'GET', path, verify: itemList });
        addItems(items, page.body);
        path = page.next;
      }
      return items;
    },
    async patchDictionaryItems(sid: string, dictionaryId: string, ops: readonly ItemOp[]): Promise<void> {
      await transport.send({ method: 'PATCH', path: `${service(sid)}/dictionary/${encodeURIComponent(dictionaryId)}/items`, json: { items: ops }, verify: statusOk });
    },
    /** By name first, then by ID; undefined when neither finds it. */
    async findConfigStore(nameOrId: string): Promise<ConfigStore | undefined> {
      // An unknown name answers [] or 404: which one is not confirmed.
      const byName = await orNotFound(
        transport.send({ method: 'GET', path: `/resources/stores/config?name=${encodeURIComponent(nameOrId)}`, verify: listOf('id', 'config stores') })
      );
      const match = (Array.isArray(byName) ? byName.filter(isRecord) : []).find(s => s.name === nameOrId);
      const found = match ?? (await orNotFound(transport.send({ method: 'GET', path: store(nameOrId), verify: objectWith('id', 'config store') })));
      return isRecord(found) ? { id: String(found.id), name: String(found.name ?? nameOrId) } : undefined;
    },
    async listConfigStoreItems(id: string): Promise<Map<string, string>> {
      const items = new Map<string, string>();
      addItems(items, await transport.send({ method: 'GET', path: `${store(id)}/items`, verify: itemList }));
      return items;
    },
    async patchConfigStoreItems(id: string, ops: readonly ItemOp[]): Promise<void> {
      await transport.send({ method: 'PATCH', path: `${store(id)}/items`, json: { items: ops }, verify: statusOk });
    }
  };
}

export type ItemCalls = ReturnType<typeof itemCalls>;

async function orNotFound(request: Promise<unknown>): Promise<unknown> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof FastlyError && error.status === 404) return undefined;
    throw error;
  }
}

const itemList = listOf('item_key', 'items');

/** The page passed `itemList`: an array of objects with a string item_key. */
function addItems(items: Map<string, string>, body: unknown): void {
  for (const item of body as Record<string, unknown>[]) {
    items.set(item.item_key as string, typeof item.item_value === 'string' ? item.item_value : '');
  }
}

/** The `page` a Link URL asks for; undefined without one. */
function pageNumber(path: string | undefined): number | undefined {
  const page = path === undefined ? null : new URLSearchParams(path.split('?')[1] ?? '').get('page');
  return page !== null && /^\d+$/.test(page) ? Number(page) : undefined;
}

/** The same list URL as `path` (Fastly's own query), at page `n`. */
function withPage(path: string, n: number): string {
  const [pathname, query = ''] = path.split('?');
  const params = new URLSearchParams(query);
  params.set('page', String(n));
  return `${pathname}?${params.toString()}`;
}
