// @ts-check
/**
 * Before any test file: the end-to-end tests need the Node 24 binary of the
 * node24 devDependency, and every test's temporary files go into one folder
 * that global-teardown.mjs removes, so `npm test` leaves nothing behind.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { node24Problem } from '../harness/run-action.mjs';

export default function globalSetup() {
  const problem = node24Problem('The end-to-end tests');
  if (problem) {
    // A thrown Error would add a stack to a message that is the whole story.
    console.error(`\n${problem}\n`);
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), 'fastly-tests-'));
  process.env.FASTLY_TESTS_TMPDIR = dir;
  // os.tmpdir() reads TMPDIR: every mkdtemp in the test files and the harness lands in dir.
  process.env.TMPDIR = dir;
}
