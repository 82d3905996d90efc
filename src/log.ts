import * as runner from './runner.js';
import { registerSecret, scrub } from './secrets.js';

/**
 * The only way the action prints. The runner executes a stdout line that starts
 * with `::` (after leading blanks), and the older `##[command]` form anywhere in a
 * line; inputs and Fastly's answers are part of many lines, so every line and
 * every command's payload goes through `oneLine` first.
 */

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text as one harmless line: the secret scrubbed, line breaks and other control
 * characters shown escaped (an ESC would drive the log viewer's colours), `##[`
 * broken, and a leading `::` preceded by a backslash. Backslashes are not doubled:
 * Windows paths and VCL regexes stay readable, and nothing reads these lines back.
 */
export function oneLine(text: string): string {
  const flat = scrub(text)
    .replace(CONTROL, char => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/##\[/g, '##\\[');
  return flat.replace(/^(\s*)::/, '$1\\::');
}

export function info(text: string): void {
  runner.info(oneLine(text));
}

/** Text with line breaks of its own (the summary, when there is no summary file): each line made harmless. */
export function infoLines(text: string): void {
  for (const line of text.split(/\r?\n/)) runner.info(oneLine(line));
}

export function debug(text: string): void {
  runner.command('debug', oneLine(text));
}

export function notice(text: string): void {
  runner.command('notice', oneLine(text));
}

export function warning(text: string): void {
  runner.command('warning', oneLine(text));
}

export function error(text: string): void {
  runner.command('error', oneLine(text));
}

/** An annotation on a repository file, at a line (and column) when known: GitHub shows it beside that line. */
export function annotate(level: 'error' | 'warning', text: string, where: { readonly file: string; readonly line?: number | undefined; readonly column?: number | undefined }): void {
  runner.command(level, oneLine(text), {
    file: oneLine(where.file),
    ...(where.line === undefined ? {} : { startLine: where.line }),
    ...(where.column === undefined ? {} : { startColumn: where.column })
  });
}

/** The step's failure: an `::error::` annotation and exit code 1. */
export function fail(text: string): void {
  runner.fail(oneLine(text));
}

export function startGroup(title: string): void {
  runner.startGroup(oneLine(title));
}

export function endGroup(): void {
  runner.endGroup();
}

/** The runner masks the token in the log from here on; the action scrubs it from everything else it writes. */
export function maskSecret(secret: string): void {
  runner.command('add-mask', secret);
  registerSecret(secret);
}

/** Without GITHUB_OUTPUT, the output is printed as a command, escaped; either way the secret is scrubbed. */
export function setOutput(name: string, value: string): void {
  runner.setOutput(name, scrub(value));
}
