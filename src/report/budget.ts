/**
 * GitHub drops a job summary over 1 MiB and refuses an output over 1 MB. The
 * limits are bytes, after escaping, for the whole run: every service's lists
 * draw on one budget, and what does not fit is counted and said in place.
 */

/** The whole summary stays under this; a little under 1 MiB. */
export const MAX_SUMMARY_BYTES = 1_000_000;
/** What a run's long lists (failures, changes, IDs, diffs) may take of the summary; headlines and tables have the rest. */
export const SUMMARY_LIST_BYTES = 800_000;
/** Every output stays under this (GitHub: 1 MB). */
export const MAX_OUTPUT_BYTES = 1_000_000;
/** What a run's failure lists may take of the `result` output; the counts and the rest of the JSON have the rest. */
export const RESULT_LIST_BYTES = 800_000;

export function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Bytes left for one run's lists in one place (the summary, or one output). */
export class ByteBudget {
  constructor(private left: number) {}

  /**
   * Takes `size` bytes if they fit. Once something does not fit, nothing more
   * is taken: lists stay in order, and "… and N more" is true.
   */
  take(size: number): boolean {
    if (size > this.left) {
      this.left = 0;
      return false;
    }
    this.left -= size;
    return true;
  }

  get spent(): boolean {
    return this.left === 0;
  }
}

/** The first items whose rendering (text, or a table row's cells) fits, rendered; and how many were left out. */
export function fitting<T, R extends string | readonly string[]>(items: readonly T[], render: (item: T) => R, budget: ByteBudget, overhead = 1): { shown: R[]; omitted: number } {
  const shown: R[] = [];
  for (const item of items) {
    const rendered = render(item);
    const size = typeof rendered === 'string' ? bytes(rendered) : rendered.reduce((sum, cell) => sum + bytes(cell), 0);
    if (!budget.take(size + overhead)) break;
    shown.push(rendered);
  }
  return { shown, omitted: items.length - shown.length };
}
