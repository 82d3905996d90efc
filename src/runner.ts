import { EOL } from 'node:os';
import { issue, issueCommand } from '../node_modules/@actions/core/lib/command.js';
import { issueFileCommand, prepareKeyValueMessage } from '../node_modules/@actions/core/lib/file-command.js';
import { summary } from '../node_modules/@actions/core/lib/summary.js';
import { toCommandProperties, toCommandValue } from '../node_modules/@actions/core/lib/utils.js';

/**
 * The runner's protocol — inputs, workflow commands, file commands, the job
 * summary — made of @actions/core's own files. Its entry point is not used:
 * it loads an OIDC client whose HTTP library (undici) is most of the bundle
 * and a third of the start-up time (measured: 1.06 MB and +25 ms over a bare
 * `node -e 0` for `core.info` alone), and the action never asks for an ID token.
 * The package's `exports` allow only that entry, hence the paths.
 */

/** As the runner passes them: `INPUT_` and the name upper-cased, spaces as `_`; trimmed. */
export function getInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

export function info(line: string): void {
  process.stdout.write(line + EOL);
}

export function command(name: 'debug' | 'notice' | 'warning' | 'error' | 'add-mask', message: string, properties: AnnotationProperties = {}): void {
  issueCommand(name, toCommandProperties(properties), message);
}

export interface AnnotationProperties {
  readonly title?: string;
  readonly file?: string;
  readonly startLine?: number;
  readonly endLine?: number;
  readonly startColumn?: number;
  readonly endColumn?: number;
}

export function startGroup(title: string): void {
  issue('group', title);
}

export function endGroup(): void {
  issue('endgroup');
}

/** Through the GITHUB_OUTPUT file; without one (outside a runner), as the older command. */
export function setOutput(name: string, value: string): void {
  if (process.env.GITHUB_OUTPUT) {
    issueFileCommand('OUTPUT', prepareKeyValueMessage(name, value));
    return;
  }
  process.stdout.write(EOL);
  issueCommand('set-output', { name }, toCommandValue(value));
}

export function fail(message: string): void {
  process.exitCode = 1;
  command('error', message);
}

export async function appendSummary(markdown: string): Promise<void> {
  await summary.addRaw(markdown).write();
}
