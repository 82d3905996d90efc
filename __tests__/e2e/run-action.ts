import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { decodeHTML } from 'entities';
import { type ActionRun, runAction as runInRunner, tokenExposure } from '../harness/run-action.mjs';

export { type ActionRun, NODE24 } from '../harness/run-action.mjs';

/** A scratch folder, e.g. for keys files; jest's global teardown removes it with the run's temporary folder. */
export function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'fastly-action-'));
}

/**
 * The harness's run (action.yml's defaults, the file commands, Node 24),
 * checked for the token: only in the leading ::add-mask::, nowhere else.
 */
export async function runAction(
  inputs: Readonly<Record<string, string>>,
  env: Record<string, string> = {},
  /** Given the running action, e.g. to send it the runner's cancel signals. */
  control?: (child: ChildProcess) => void
): Promise<ActionRun> {
  const run = await runInRunner(inputs, { env, ...(control ? { control } : {}) });
  const token = inputs['api-token'];
  if (token) expect(tokenExposure(run, token)).toEqual([]);
  return run;
}

/** No stack trace: no "    at fn (file:line)" frames anywhere a user looks. */
export function expectNoStackTrace(run: ActionRun): void {
  expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

/** The summary's text as a reader sees it: character references decoded (tags kept, for structure). */
export function readable(html: string): string {
  return decodeHTML(html);
}

/** An input error: exit 1, exactly that one `::error::`, and not a single request sent. */
export function expectRefusedBeforeAnyRequest(run: ActionRun, requests: readonly unknown[], message: string): void {
  expect(run.code).toBe(1);
  expect(run.errors).toEqual([message]);
  expect(requests).toHaveLength(0);
}
