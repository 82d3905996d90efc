import { neverSent } from '../../cancel.js';
import { expectedMessage } from '../../errors.js';
import type { FastlyApi } from '../../fastly/client.js';
import type { KvLineFailure, KvWrite } from '../../fastly/kv-stores.js';
import { forEachLimited } from '../../pool.js';
import type { KvStorePlan } from './plan.js';
import { KV_READS_IN_FLIGHT } from './plan.js';

/** Deletes are one request a key and spend no write budget; a few go at once. */
const DELETES_IN_FLIGHT = 8;

export interface KvApplied {
  /** The batches and deletes that went out: a cancel keeps the rest from being sent. */
  readonly batches: number;
  readonly deletes: number;
  readonly failed: readonly { readonly key: string; readonly reason: string }[];
}

/**
 * Writes exactly the plan: its batches one after another, then its deletes.
 * A batch that fails leaves every line of it in doubt (Fastly does not say
 * whether the good lines landed), so each key of it is read back and judged
 * by what the store really holds; one a cancel kept from going out is not
 * (nothing of it can have landed). A dry run sends nothing (the transport
 * records each write) and judges nothing.
 */
export async function applyKvStorePlan(api: FastlyApi, plan: KvStorePlan): Promise<KvApplied> {
  const id = plan.store.id;
  const failed: { key: string; reason: string }[] = [];
  let batches = 0;
  for (const batch of plan.diff.batches) {
    let refused: readonly KvLineFailure[];
    let batchError: string | undefined;
    try {
      refused = await api.upsertKvBatch(id, batch);
    } catch (error) {
      if (neverSent(error)) {
        const reason = expectedMessage(error);
        failed.push(...batch.map(write => ({ key: write.key, reason })));
        continue;
      }
      refused = [];
      batchError = expectedMessage(error);
    }
    batches += 1;
    if (refused.length > 0 || batchError !== undefined) failed.push(...(await judgeBatch(api, id, batch, refused, batchError)));
  }
  let deletes = 0;
  await forEachLimited(plan.diff.deleted, DELETES_IN_FLIGHT, async key => {
    try {
      await api.deleteKvKey(id, key);
    } catch (error) {
      failed.push({ key, reason: expectedMessage(error) });
      if (neverSent(error)) return;
    }
    deletes += 1;
  });
  return { batches, deletes, failed };
}

/** Each key of a failed batch by what is really there: written as wanted is done, whatever the answer said. */
async function judgeBatch(
  api: FastlyApi,
  id: string,
  batch: readonly KvWrite[],
  refused: readonly KvLineFailure[],
  batchError: string | undefined
): Promise<{ key: string; reason: string }[]> {
  const lineReason = new Map(refused.map(line => [line.key, line.code === '' ? line.reason : `${line.reason} (HTTP ${line.code})`]));
  const firstRefused = refused[0];
  const otherLine = firstRefused ? `not written: Fastly refused the batch because of another line (key '${firstRefused.key}': ${firstRefused.reason})` : '';
  const failed: { key: string; reason: string }[] = [];
  await forEachLimited(batch, KV_READS_IN_FLIGHT, async write => {
    const why = lineReason.get(write.key) ?? batchError ?? otherLine;
    try {
      const now = await api.getKvValue(id, write.key);
      if (now && now.value === write.value && now.metadata === (write.metadata ?? '')) return;
      failed.push({ key: write.key, reason: why });
    } catch (error) {
      // After a cancel no read goes out: the batch's own reason says it all, one reason for the whole batch.
      failed.push({ key: write.key, reason: neverSent(error) ? why : `${why}; reading the key back failed too: ${expectedMessage(error)}` });
    }
  });
  // Read back concurrently: keep the batch's order for the report.
  const order = new Map(batch.map((write, index) => [write.key, index]));
  return failed.sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
}
