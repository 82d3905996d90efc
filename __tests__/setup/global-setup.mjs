// @ts-check
/**
 * Before any test file: the end-to-end tests need the Node 24 binary of the
 * node24 devDependency, and every test's temporary files go into one folder
 * that global-teardown.mjs removes, so `npm test` leaves nothing behind.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The same binary __tests__/e2e/run-action.ts runs dist/index.js with. */
const NODE24 = resolve('node_modules/node24/bin/node');

export default function globalSetup() {
  const version = spawnSync(NODE24, ['--version'], { encoding: 'utf8' });
  const found = version.error ? `it cannot be run (${version.error.message})` : `it answers ${JSON.stringify(`${version.stdout}${version.stderr}`.trim())}`;
  if (version.status !== 0 || !/^v24\./.test(version.stdout)) {
    // A thrown Error would add a stack to a message that is the whole story.
    console.error(
      `\nThe end-to-end tests run dist/index.js on Node 24, the binary ${NODE24} that the node24 devDependency installs, ` +
        `but ${found}. Its install script has not run (npm ci --ignore-scripts?): run \`npm ci\`, or \`npm rebuild node24\`.\n`
    );
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), 'fastly-tests-'));
  process.env.FASTLY_TESTS_TMPDIR = dir;
  // os.tmpdir() reads TMPDIR: every mkdtemp in the test files and the harness lands in dir.
  process.env.TMPDIR = dir;
}
