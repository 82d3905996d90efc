import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';

const outside = mkdtempSync(join(tmpdir(), 'fastly-setup-test-'));
const checkout = mkdtempSync(join(tmpdir(), 'fastly-setup-checkout-'));
afterAll(() => {
  rmSync(outside, { recursive: true, force: true });
  rmSync(checkout, { recursive: true, force: true });
});

/** A checkout whose node24 package never ran its install script: the setup and the harness, the yaml package, no binary. */
function checkoutWithoutNode24(): string {
  for (const folder of ['__tests__/setup', '__tests__/harness']) cpSync(resolve(folder), join(checkout, folder), { recursive: true });
  mkdirSync(join(checkout, 'node_modules'));
  symlinkSync(resolve('node_modules/yaml'), join(checkout, 'node_modules/yaml'));
  return checkout;
}

/** Runs global setup then teardown of the checkout at `root` in a fresh Node, as jest does; prints where setup put TMPDIR. */
function setUpAndTearDown(root: string) {
  const script = `
    const { default: setup } = await import(${JSON.stringify(join(root, '__tests__/setup/global-setup.mjs'))});
    const { default: teardown } = await import(${JSON.stringify(join(root, '__tests__/setup/global-teardown.mjs'))});
    setup();
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const made = mkdtempSync(tmpdir() + '/a-test-');
    console.log(JSON.stringify({ tmp: process.env.TMPDIR, made }));
    teardown();`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: outside, encoding: 'utf8', env: { ...process.env, TMPDIR: outside } });
}

describe('the tests global setup', () => {
  it('stops at once, with one message that says how to fix it, when the Node 24 binary is missing', () => {
    const root = checkoutWithoutNode24();
    const result = setUpAndTearDown(root);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      `The end-to-end tests run dist/index.js on Node 24, the binary ${join(root, 'node_modules/node24/bin/node')} that the node24 devDependency installs, ` +
        `but it cannot be run (spawnSync ${join(root, 'node_modules/node24/bin/node')} ENOENT). Its install script has not run (npm ci --ignore-scripts?): run \`npm ci\`, or \`npm rebuild node24\`.`
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
