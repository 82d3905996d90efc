import type { WaitFor } from '../settings.js';

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
  /** Item → purge ID ('' when Fastly gave none). Empty in a dry run. */
  readonly purged: ReadonlyMap<string, string>;
  readonly failed: readonly ItemFailure[];
  /** With purge-twice: how the second pass went (its failures are in `failed` too). */
  readonly secondPass?: { readonly purged: number; readonly failed: number } | undefined;
}

export type PurgeMode = 'purge-keys' | 'purge-urls' | 'purge-all';

export interface PurgeOutcome {
  readonly mode: PurgeMode;
  readonly soft: boolean;
  readonly dryRun: boolean;
  readonly targets: readonly PurgeTarget[];
  readonly waitFor?: WaitFor | undefined;
  /** How long the origin took to serve the new build. */
  readonly waited?: { readonly tries: number; readonly durationMs: number } | undefined;
  /** Set when the purges went (or would go) twice. */
  readonly secondPassDelayMs?: number | undefined;
}

/** Collects one target's results while its requests complete in any order. */
export class TargetTally implements PurgeTarget {
  requested = 0;
  requests = 0;
  readonly purged = new Map<string, string>();
  readonly failed: ItemFailure[] = [];

  constructor(
    readonly kind: PurgeTarget['kind'],
    readonly name: string,
    private readonly dryRun: boolean
  ) {}

  /** Records one request's items as purged, or all of them as failed with the request's error. */
  async send(items: readonly string[], request: () => Promise<Readonly<Record<string, string>>>): Promise<void> {
    this.requests += 1;
    try {
      const ids = await request();
      if (this.dryRun) return;
      for (const item of items) this.purged.set(item, ids[item] ?? '');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      for (const item of items) this.failed.push({ item, reason });
    }
  }
}
