import { describe, expect, it } from '@jest/globals';
import { GitHub } from '../../src/github/client.js';
import { GitHubPermissionError } from '../../src/github/errors.js';
import { pullRequestOfCommit } from '../../src/github/pulls.js';
import { useFakeGitHub } from '../fake-github/use-fake.js';

const REPO = 'acme/site';
const sha = (c: string) => c.repeat(40);

const ctx = useFakeGitHub(fake => {
  fake.addToken({ token: 'token' });
  fake.addRepo(REPO);
  // #5 merged as commit 000…; #6 is open with head 000… too (a branch made from main), #7 open with head 111….
  fake.addPullRequest(REPO, { number: 5, headSha: sha('5'), state: 'closed', mergedAt: '2026-11-30T10:00:00Z', mergeCommitSha: sha('0') });
  fake.addPullRequest(REPO, { number: 6, headSha: sha('0') });
  fake.addPullRequest(REPO, { number: 7, headSha: sha('1'), commits: [sha('c')] });
  fake.addPullRequest(REPO, { number: 8, headSha: sha('d') });
  fake.addPullRequest(REPO, { number: 9, headSha: sha('d') });
  // Closed unmerged, but its merge_commit_sha (GitHub's test merge) names the commit: not a merge.
  fake.addPullRequest(REPO, { number: 10, headSha: sha('3'), state: 'closed', mergeCommitSha: sha('2') });
});

const github = (token = 'token') => new GitHub({ token, apiUrl: ctx.fake.url, sleep: async () => undefined });
const of = (commit: string, token?: string) => pullRequestOfCommit(github(token), { owner: 'acme', repo: 'site' }, commit);

describe('pullRequestOfCommit', () => {
  it('takes the pull request merged as the commit over one whose head it is', async () => {
    expect(await of(sha('0'))).toEqual({
      kind: 'found', how: 'merged',
      pull: { number: 5, url: 'https://github.com/acme/site/pull/5', state: 'closed', mergedAt: '2026-11-30T10:00:00Z', headSha: sha('5') }
    });
    expect(ctx.fake.requests.map(r => `${r.method} ${r.path}`)).toEqual([`GET /repos/acme/site/commits/${sha('0')}/pulls?per_page=100`]);
  });

  it('takes the pull request whose head the commit is', async () => {
    expect(await of(sha('1'))).toMatchObject({ kind: 'found', how: 'head', pull: { number: 7 } });
  });

  it('answers none, saying how to get one, for a commit inside a pull request but neither merged as it nor its head', async () => {
    const result = await of(sha('c'));
    expect(result).toEqual({
      kind: 'none',
      message: 'Commit ccccccc is in pull requests #7 of acme/site, but none was merged as it and none has it as head: it was pushed outside a pull request. '
        + 'Deploy with require-reviewed-plan from the push that merges a reviewed pull request (its pull_request run writes the plan comment), or set require-reviewed-plan: false'
    });
  });

  it('answers none for a merge_commit_sha without merged_at', async () => {
    expect(await of(sha('2'))).toMatchObject({ kind: 'none', message: expect.stringMatching(/^Commit 2222222 is in pull requests #10 of acme\/site, but none/) });
  });

  it('answers none when the commit heads two pull requests', async () => {
    expect(await of(sha('d'))).toMatchObject({ kind: 'none', message: expect.stringMatching(/^Commit ddddddd is the head of 2 pull requests of acme\/site \(#9, #8\)/) });
  });

  it('answers none for a commit GitHub knows no pull request of', async () => {
    expect(await of(sha('e'))).toMatchObject({ kind: 'none', message: expect.stringMatching(/^Commit eeeeeee came from no pull request of acme\/site that GitHub knows\. Deploy with/) });
  });

  it('refuses what is not a full SHA without a request', async () => {
    await expect(of('abc1234')).rejects.toThrow("Cannot look up the pull request of commit 'abc1234': not a full commit SHA");
    expect(ctx.fake.requests).toEqual([]);
  });

  it('names pull-requests: read when the token may not read', async () => {
    ctx.fake.fault({ status: 403, body: { message: 'Resource not accessible by integration' }, headers: { 'x-accepted-github-permissions': 'pull_requests=read; contents=read' } });
    const error = await of(sha('1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubPermissionError);
    expect((error as Error).message).toContain("GitHub accepts pull_requests=read; contents=read. Give the job 'permissions: pull-requests: read'");
  });
});
