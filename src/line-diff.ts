/** Past this many line pairs the diff says only that the file changed: a plan must not hang on a huge file. */
const MAX_CELLS = 4_000_000;
const CONTEXT = 3;

interface DiffLine {
  readonly mark: ' ' | '-' | '+';
  readonly text: string;
}

/**
 * A unified-style diff of two texts ("- " removed, "+ " added, "  " context,
 * "…" for skipped unchanged lines), from a longest-common-subsequence table.
 * Good for VCL files of a few thousand lines: the dry-run plan is its user.
 */
export function lineDiff(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length * b.length > MAX_CELLS) return `(changed: ${a.length} → ${b.length} lines; too large to diff here)`;
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  const at = (i: number, j: number) => lcs[i * width + j] ?? 0;
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ mark: ' ', text: a[i] ?? '' });
      i++;
      j++;
    } else if (i < a.length && (j === b.length || at(i + 1, j) >= at(i, j + 1))) {
      lines.push({ mark: '-', text: a[i] ?? '' });
      i++;
    } else {
      lines.push({ mark: '+', text: b[j] ?? '' });
      j++;
    }
  }
  const nearChange = (k: number) => lines.slice(Math.max(0, k - CONTEXT), k + CONTEXT + 1).some(line => line.mark !== ' ');
  const out: string[] = [];
  lines.forEach((line, k) => {
    if (line.mark !== ' ' || nearChange(k)) out.push(`${line.mark} ${line.text}`);
    else if (out.at(-1) !== '…') out.push('…');
  });
  return out.join('\n');
}
