import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { startFakeGitHub } from './server.mjs';
import type { FakeGitHub } from './server.mjs';

/**
 * One fake GitHub per test file: started and given its tokens, repositories and
 * pull requests by `setup` before the file's tests, emptied of comments,
 * requests and faults before each.
 */
export function useFakeGitHub(setup: (fake: FakeGitHub) => void): { readonly fake: FakeGitHub } {
  let started: FakeGitHub | undefined;
  beforeAll(async () => {
    started = await startFakeGitHub();
    setup(started);
  });
  afterAll(async () => started?.close());
  beforeEach(() => started?.reset());
  return {
    get fake() {
      if (!started) throw new Error('fake GitHub not started');
      return started;
    }
  };
}
