/** Failures grouped by their reason, in order of first appearance: one reason usually covers a whole batch. */
export function groupByReason(failures: readonly { item: string; reason: string }[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { item, reason } of failures) {
    const items = groups.get(reason);
    if (items) items.push(item);
    else groups.set(reason, [item]);
  }
  return groups;
}
