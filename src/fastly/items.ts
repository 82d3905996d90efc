import { FastlyError, isRecord } from './errors.js';
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

const PER_PAGE = 1000;

/** Edge dictionary and config store calls, in the client's terms; client.ts exposes them on FastlyApi. */
export function itemCalls(transport: Transport) {
  const service = (sid: string) => `/service/${encodeURIComponent(sid)}`;
  const store = (id: string) => `/resources/stores/config/${encodeURIComponent(id)}`;
  return {
    /** Undefined when the version has no dictionary of that name. */
    async findDictionary(sid: string, version: number, name: string): Promise<Dictionary | undefined> {
      const body = await orNotFound(transport.send({ method: 'GET', path: `${service(sid)}/version/${version}/dictionary/${encodeURIComponent(name)}` }));
      if (!isRecord(body)) return undefined;
      return { id: String(body.id), name: String(body.name ?? name), writeOnly: body.write_only === true || body.write_only === 'true' };
    },
    /** Every item, following the Link header's rel="next" pages. */
    async listDictionaryItems(sid: string, dictionaryId: string): Promise<Map<string, string>> {
      const items = new Map<string, string>();
      let path: string | undefined = `${service(sid)}/dictionary/${encodeURIComponent(dictionaryId)}/items?page=1&per_page=${PER_PAGE}&sort=created&direction=ascend`;
      while (path) {
        const page: { body: unknown; next: string | undefined } = await transport.sendForPage({ method: 'GET', path });
        addItems(items, page.body);
        path = page.next;
      }
      return items;
    },
    async patchDictionaryItems(sid: string, dictionaryId: string, ops: readonly ItemOp[]): Promise<void> {
      await transport.send({ method: 'PATCH', path: `${service(sid)}/dictionary/${encodeURIComponent(dictionaryId)}/items`, json: { items: ops } });
    },
    /** By name first, then by ID; undefined when neither finds it. */
    async findConfigStore(nameOrId: string): Promise<ConfigStore | undefined> {
      const byName = await transport.send({ method: 'GET', path: `/resources/stores/config?name=${encodeURIComponent(nameOrId)}` });
      const match = (Array.isArray(byName) ? byName.filter(isRecord) : []).find(s => s.name === nameOrId);
      const found = match ?? (await orNotFound(transport.send({ method: 'GET', path: store(nameOrId) })));
      return isRecord(found) ? { id: String(found.id), name: String(found.name ?? nameOrId) } : undefined;
    },
    async listConfigStoreItems(id: string): Promise<Map<string, string>> {
      const items = new Map<string, string>();
      addItems(items, await transport.send({ method: 'GET', path: `${store(id)}/items` }));
      return items;
    },
    async patchConfigStoreItems(id: string, ops: readonly ItemOp[]): Promise<void> {
      await transport.send({ method: 'PATCH', path: `${store(id)}/items`, json: { items: ops } });
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

function addItems(items: Map<string, string>, body: unknown): void {
  for (const item of Array.isArray(body) ? body.filter(isRecord) : []) {
    if (typeof item.item_key === 'string') items.set(item.item_key, typeof item.item_value === 'string' ? item.item_value : '');
  }
}
