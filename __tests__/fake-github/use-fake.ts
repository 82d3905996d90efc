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

/** The pull request a pushed commit came from, merged: what the plan comment and the reviewed gate work with. */
export const MERGED_PR = { repo: 'acme/site', headSha: 'a'.repeat(40), mergeSha: 'c'.repeat(40) } as const;

/** A fake GitHub with the bot's token, `acme/site` and pull request `number`, merged as MERGED_PR says; `more` adds to it. */
export function useMergedPullRequest(number: number, botToken: string, more?: (fake: FakeGitHub) => void): { readonly fake: FakeGitHub } {
  return useFakeGitHub(fake => {
    fake.addToken({ token: botToken });
    more?.(fake);
    fake.addRepo(MERGED_PR.repo);
    fake.addPullRequest(MERGED_PR.repo, { number, headSha: MERGED_PR.headSha, state: 'closed', mergedAt: '2026-12-01T10:00:00Z', mergeCommitSha: MERGED_PR.mergeSha });
  });
}
