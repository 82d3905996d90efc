import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';

const SETUP = resolve('__tests__/setup/global-setup.mjs');
const TEARDOWN = resolve('__tests__/setup/global-teardown.mjs');
const outside = mkdtempSync(join(tmpdir(), 'fastly-setup-test-'));
afterAll(() => rmSync(outside, { recursive: true, force: true }));

/** Runs global setup then teardown in a fresh Node, as jest does, from `cwd`; prints where setup put TMPDIR. */
function setUpAndTearDown(cwd: string) {
  const script = `
    const { default: setup } = await import(${JSON.stringify(SETUP)});
    const { default: teardown } = await import(${JSON.stringify(TEARDOWN)});
    setup();
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const made = mkdtempSync(tmpdir() + '/a-test-');
    console.log(JSON.stringify({ tmp: process.env.TMPDIR, made }));
    teardown();`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8', env: { ...process.env, TMPDIR: outside } });
}

describe('the tests global setup', () => {
  it('stops at once, with one message that says how to fix it, when the Node 24 binary is missing', () => {
    const result = setUpAndTearDown(outside);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      `The end-to-end tests run dist/index.js on Node 24, the binary ${join(outside, 'node_modules/node24/bin/node')} that the node24 devDependency installs, ` +
        `but it cannot be run (spawnSync ${join(outside, 'node_modules/node24/bin/node')} ENOENT). Its install script has not run (npm ci --ignore-scripts?): run \`npm ci\`, or \`npm rebuild node24\`.`
    );
  });

  it("puts every temporary folder the tests make into one, and the teardown removes it", () => {
    const result = setUpAndTearDown(process.cwd());
    expect(result.status).toBe(0);
    const { tmp, made } = JSON.parse(result.stdout) as { tmp: string; made: string };
    expect(tmp.startsWith(join(outside, 'fastly-tests-'))).toBe(true);
    expect(made.startsWith(`${tmp}/a-test-`)).toBe(true);
    expect(existsSync(made)).toBe(false);
    expect(readdirSync(outside)).toEqual([]);
  });
});
