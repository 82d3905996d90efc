import { describe, expect, it } from '@jest/globals';
import { MAX_PURGE_IDS_BYTES, TargetTally, idEntry } from '../../src/modes/purge/outcome.js';

describe('TargetTally', () => {
  it('counts every purged item but keeps only the IDs the purge-ids output can hold, in bytes', async () => {
    const tally = new TargetTally('host', 'h.example', false);
    // Two bytes per character: a cap in characters would let the output grow past GitHub's 1 MB.
    const url = (i: number) => `https://h.example/${'é'.repeat(10)}${i}`;
    for (let i = 0; i < 100_000; i++) await tally.send([url(i)], async () => () => `id-${i}`);

    expect(tally.purgedCount).toBe(100_000);
    const size = 2 + [...tally.ids].reduce((sum, [item, id]) => sum + Buffer.byteLength(idEntry(item, id)) + 1, 0);
    expect(size).toBeLessThanOrEqual(MAX_PURGE_IDS_BYTES);
    // Kept in order until the next one would not have fitted.
    const next = tally.ids.size;
    expect([...tally.ids.keys()].at(-1)).toBe(url(next - 1));
    expect(size + Buffer.byteLength(idEntry(url(next), `id-${next}`)) + 1).toBeGreaterThan(MAX_PURGE_IDS_BYTES);
  });

  it('counts nothing as purged in a dry run', async () => {
    const tally = new TargetTally('service', 'SVC', true);
    await tally.send(['a', 'b'], async () => () => '');
    expect({ purged: tally.purgedCount, ids: tally.ids.size, requests: tally.requests }).toEqual({ purged: 0, ids: 0, requests: 1 });
  });
});
