/** 'upsert' is a write to a write-only dictionary, whose current value is unknown. */
export type ItemAction = 'create' | 'update' | 'delete' | 'upsert';

export interface ItemChange {
  readonly key: string;
  readonly action: ItemAction;
  /** The new value; absent for deletes. */
  readonly value?: string;
  /** A KV key's new metadata, when it has any. */
  readonly metadata?: string;
}

export interface StoreSync {
  readonly kind: 'dictionary' | 'config-store' | 'kv-store' | 'vcl-acl' | 'compute-acl';
  /** The service, for dictionaries and VCL ACLs. */
  readonly serviceId: string | undefined;
  /** The name asked for (dictionary name, or config store name or ID). */
  readonly name: string;
  id: string | undefined;
  writeOnly: boolean;
  /** 'synced': every change applied; 'planned': dry run; 'failed': stopped, or some changes failed. */
  status: 'synced' | 'planned' | 'failed';
  changes: ItemChange[];
  unchanged: number;
  /** Items before the run; undefined when they could not be read. */
  before: number | undefined;
  /** Items once the planned changes are applied, less those that failed; undefined for a write-only dictionary. */
  after: number | undefined;
  /** Batches that went out (a dry run: would go out); a cancel keeps the rest from being sent. */
  batches: number;
  /** Requests that write one key each and went out (KV deletes: Fastly has no batch delete). */
  singleWrites: number;
  failed: { key: string; reason: string }[];
  /** Why the store could not be worked on at all. */
  error: string | undefined;
  /** The items read when planning: the plan's starting state (not reported). */
  read: ReadonlyMap<string, string> | undefined;
}

export interface ItemsOutcome {
  readonly mode: 'update-dictionary' | 'update-config-store' | 'update-kv-store' | 'update-acl';
  readonly stores: readonly StoreSync[];
}
