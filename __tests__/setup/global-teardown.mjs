// @ts-check
import { rmSync } from 'node:fs';

/** Removes the folder global-setup.mjs made for the run's temporary files. */
export default function globalTeardown() {
  const dir = process.env.FASTLY_TESTS_TMPDIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
