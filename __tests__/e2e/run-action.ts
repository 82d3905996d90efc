import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from '@jest/globals';

/** GitHub runs the action on Node 24; so do these tests, whatever node runs jest. */
export const NODE24 = resolve('node_modules/node24/bin/node');
export const ACTION = resolve('dist/index.js');

export interface ActionRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly summary: string;
  readonly outputs: Readonly<Record<string, string>>;
  /** The `::error::` lines, without the command. */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/** A scratch folder, e.g. for keys files; jest's global teardown removes it with the run's temporary folder. */
export function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'fastly-action-'));
}

/**
 * Runs dist/index.js as the runner would: inputs in INPUT_* variables, fresh
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. Asynchronous on purpose: the
 * fake Fastly answers from this same process. Every run is checked for the
 * token: it may appear only in the ::add-mask:: command, which the runner
 * swallows, and that must be the first thing printed.
 */
export async function runAction(
  inputs: Readonly<Record<string, string>>,
  env: Record<string, string> = {},
  /** Given the running action, e.g. to send it the runner's cancel signals. */
  control?: (child: ChildProcess) => void
): Promise<ActionRun> {
  const dir = scratch();
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value])
  );
  const child = spawn(NODE24, [ACTION], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...inputEnv,
      ...env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', chunk => (stdout += chunk));
  child.stderr.on('data', chunk => (stderr += chunk));
  control?.(child);
  const code = await new Promise<number | null>(done => child.on('close', done));
  const run: ActionRun = {
    code,
    stdout,
    stderr,
    summary: readFileSync(summaryFile, 'utf8'),
    outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
    errors: commandLines(stdout, 'error'),
    warnings: commandLines(stdout, 'warning')
  };
  rmSync(dir, { recursive: true, force: true });
  const token = inputs['api-token'];
  if (token) expectTokenHidden(run, token);
  return run;
}

function expectTokenHidden(run: ActionRun, token: string): void {
  const lines = run.stdout.split('\n');
  expect(lines[0]).toBe(`::add-mask::${token}`);
  const shown = [lines.slice(1).join('\n'), run.stderr, run.summary, JSON.stringify(run.outputs)];
  for (const text of shown) expect(text.includes(token)).toBe(false);
}

function commandLines(stdout: string, command: string): string[] {
  const prefix = `::${command}::`;
  return stdout
    .split('\n')
    .filter(line => line.startsWith(prefix))
    .map(line => line.slice(prefix.length).replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'));
}

/** GITHUB_OUTPUT holds `name<<DELIM\nvalue\nDELIM` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const pattern = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const match of text.matchAll(pattern)) outputs[match[1] as string] = match[3] as string;
  return outputs;
}

/** No stack trace: no "    at fn (file:line)" frames anywhere a user looks. */
export function expectNoStackTrace(run: ActionRun): void {
  expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

/** The summary's text as a reader sees it: character references decoded (tags kept, for structure). */
export function readable(html: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"' };
  return html.replace(/&(#\d+|[a-z]+);/g, (entity, name: string) =>
    name.startsWith('#') ? String.fromCharCode(Number(name.slice(1))) : (named[name] ?? entity)
  );
}

/** An input error: exit 1, exactly that one `::error::`, and not a single request sent. */
export function expectRefusedBeforeAnyRequest(run: ActionRun, requests: readonly unknown[], message: string): void {
  expect(run.code).toBe(1);
  expect(run.errors).toEqual([message]);
  expect(requests).toHaveLength(0);
}
