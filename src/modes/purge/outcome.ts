import { expectedMessage } from '../../errors.js';
import { NOT_SENT_CANCELLED } from '../../cancel.js';

export interface ItemFailure {
  readonly item: string;
  readonly reason: string;
}

/** One service (key purges, purge-all) or one host (URL purges). */
export interface PurgeTarget {
  readonly kind: 'service' | 'host';
  readonly name: string;
  /** Keys, URLs, or 1 for a purge-all. */
  readonly requested: number;
  /** API requests sent, or that a dry run would send. */
  readonly requests: number;
  /** Items purged; 0 in a dry run. */
  readonly purgedCount: number;
  /**
   * Item → purge ID ('' when Fastly gave none) for the first items purged: as
   * many as the purge-ids output can hold, so 100,000 URLs do not keep 100,000 IDs.
   */
  readonly ids: ReadonlyMap<string, string>;
  readonly failed: readonly ItemFailure[];
  /** With purge-twice: how the second pass went (its failures are in `failed` too). */
  readonly secondPass?: { readonly purged: number; readonly failed: number } | undefined;
}

export type PurgeMode = 'purge-keys' | 'purge-urls' | 'purge-all';

export interface PurgeOutcome {
  readonly mode: PurgeMode;
  readonly targets: readonly PurgeTarget[];
  /** How long the origin took to serve the new build. */
  readonly waited?: { readonly tries: number; readonly durationMs: number } | undefined;
  /** A cancel came before the second pass: only the first was sent. */
  readonly secondPassCancelled?: boolean | undefined;
}

/** GitHub caps one output at 1 MB: the purge-ids JSON stays under this many bytes (UTF-8, after JSON escaping). */
export const MAX_PURGE_IDS_BYTES = 900_000;

/** One `"item":"id"` member of the purge-ids JSON. */
export function idEntry(item: string, id: string): string {
  return `${JSON.stringify(item)}:${JSON.stringify(id)}`;
}

/** An item Fastly's answer did not confirm; one instance serves a whole batch. */
export class Unconfirmed {
  constructor(readonly reason: string) {}
}

/** Collects one target's results while its requests complete in any order. */
export class TargetTally implements PurgeTarget {
  requested = 0;
  requests = 0;
  purgedCount = 0;
  readonly ids = new Map<string, string>();
  readonly failed: ItemFailure[] = [];
  /** The JSON object's braces count too. */
  private idBytes = 2;
  private idsFull = false;

  constructor(
    readonly kind: PurgeTarget['kind'],
    readonly name: string,
    private readonly dryRun: boolean
  ) {}

  /**
   * Records one request's items as purged, those it did not confirm as failed
   * with its reason, or all of them as failed with the request's error. The
   * request answers a look-up of each item's purge ID rather than an object
   * keyed by item: a URL as a property name makes V8 build a new hidden class per URL.
   */
  async send(items: readonly string[], request: () => Promise<(item: string) => string | Unconfirmed>): Promise<void> {
    this.requests += 1;
    try {
      const idOf = await request();
      if (this.dryRun) return;
      for (const item of items) {
        const id = idOf(item);
        if (typeof id === 'string') this.keepId(item, id);
        else this.failed.push({ item, reason: id.reason });
      }
    } catch (error) {
      const reason = expectedMessage(error);
      for (const item of items) this.failed.push({ item, reason });
    }
  }

  /** Items a cancelled run never sent. */
  notSent(items: readonly string[]): void {
    for (const item of items) this.failed.push({ item, reason: NOT_SENT_CANCELLED });
  }

  private keepId(item: string, id: string): void {
    this.purgedCount += 1;
    if (this.idsFull) return;
    const size = Buffer.byteLength(idEntry(item, id)) + 1;
    if (this.idBytes + size > MAX_PURGE_IDS_BYTES) {
      this.idsFull = true;
      return;
    }
    this.ids.set(item, id);
    this.idBytes += size;
  }
}
