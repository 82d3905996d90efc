/**
 * Runs `work` over `items` with at most `limit` in flight. Workers pull from
 * one iterator, so a list of 100,000 never becomes 100,000 pending promises.
 * `work` records the failures its caller goes on after; what it throws rejects the whole call. Once `stop` fires,
 * nothing new starts: each item left goes to `skip`, so it is still accounted for.
 */
export async function forEachLimited<T>(
  items: Iterable<T>,
  limit: number,
  work: (item: T) => Promise<void>,
  stop?: { readonly signal: AbortSignal; readonly skip: (item: T) => void }
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  const worker = async (): Promise<void> => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      if (stop?.signal.aborted) stop.skip(next.value);
      else await work(next.value);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
}

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
