import { expect } from '@jest/globals';
import { TOKEN } from './e2e-fake.js';
import { type ActionRun, readable } from './run-action.js';

/** Each one tries something else: run a command, stop them all, the runner's old form, hide or break the summary. */
export const PAYLOADS = ['::error::X', '::stop-commands::t', '##[error]x', '<!--', '</details>', '<img/src=x/onerror=alert(1)>'];
/** All of them in one text, with line breaks that would start a line of their own. */
export const HOSTILE = `::error::X\n::set-output name=a::b\r\n::stop-commands::t ##[set-output name=b]c ##[group]g <!-- </details> <img src=x onerror=alert(1)>`;
export const BIG = `${HOSTILE} ${'y'.repeat(10_000)}`;
const OWN_COMMANDS = /^::(error|warning|notice|group|endgroup|debug)::/;

/** Every base64 or base64url run, decoded at each alignment: the token may start at any byte inside one. */
function decodedRuns(text: string): string[] {
  const runs = text.match(/[A-Za-z0-9+/_-]{16,}/g) ?? [];
  return runs.flatMap(run => [0, 1, 2, 3].map(skip => Buffer.from(run.slice(skip).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1')));
}

/** What every run must show: only the action's own commands, no `##[`, a summary that shows text as text, no token in any form. */
export function expectHarmless(run: ActionRun): void {
  const lines = run.stdout.split(/\r?\n/);
  expect(lines[0]).toBe(`::add-mask::${TOKEN}`);
  for (const line of lines.slice(1)) {
    if (line.trimStart().startsWith('::')) expect(line).toMatch(OWN_COMMANDS);
  }
  expect(run.stdout).not.toContain('##[');
  const summary = run.summary;
  expect(summary).not.toContain('<!--');
  expect(summary).not.toContain('<img');
  expect(summary.split('<details').length).toBe(summary.split('</details>').length);
  // A blank line ends GitHub's HTML block: the rest of a table or paragraph would be read as Markdown.
  for (const block of summary.match(/<(table|p)\b[\s\S]*?<\/\1>/g) ?? []) expect(block).not.toMatch(/\n[ \t]*\n/);
  const everything = [lines.slice(1).join('\n'), run.stderr, summary, ...Object.values(run.outputs)];
  for (const text of everything) {
    for (const form of [TOKEN, encodeURIComponent(TOKEN), Buffer.from(TOKEN).toString('base64'), Buffer.from(TOKEN).toString('base64url')]) {
      expect(text).not.toContain(form);
    }
    for (const decoded of decodedRuns(text)) expect(decoded).not.toContain(TOKEN);
  }
}

/** The readable summary shows the text itself, escaped, not a trace of markup. */
export function expectShownAsText(run: ActionRun, text: string): void {
  expect(readable(run.summary)).toContain(text);
}
