import { FILE_HEADERS_ONLY, formatPatch, structuredPatch } from 'diff';

/**
 * Past this many edits the diff says only that the file changed: Myers' work
 * grows with the edits, and a plan must not hang on a rewritten huge file.
 */
export const MAX_EDITS = 5_000;
const CONTEXT = 3;

/**
 * The unified diff (`---`/`+++` headers, `@@` hunks with 3 lines of context)
 * of two texts; `before` undefined is a new file, diffed from /dev/null.
 * What the summary shows of it is capped there, by the run's byte budget.
 */
export function unifiedDiff(before: { name: string; text: string } | undefined, after: { name: string; text: string }): string {
  const from = before?.name ?? '/dev/null';
  const old = before?.text ?? '';
  const patch = structuredPatch(from, after.name, old, after.text, undefined, undefined, { context: CONTEXT, maxEditLength: MAX_EDITS });
  if (!patch) return `--- ${from}\n+++ ${after.name}\n(changed: ${lineCount(old)} → ${lineCount(after.text)} lines, over ${MAX_EDITS} edits; too large to diff here)`;
  return formatPatch(patch, FILE_HEADERS_ONLY).trimEnd();
}

function lineCount(text: string): number {
  return text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}
