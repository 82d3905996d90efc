import { describe, expect, it } from '@jest/globals';
import { useFakeGitHub } from './use-fake.js';

// The fake's own rules: the GitHub client's tests trust them, so each must be able to fail here.

const REPO = 'Acme/Site';
const ctx = useFakeGitHub(fake => {
  fake.addToken({ token: 'write-token' });
  fake.addToken({ token: 'fork-token', write: false });
  fake.addRepo(REPO);
  fake.addPullRequest(REPO, { number: 7, headSha: 'a'.repeat(40) });
  fake.addPullRequest(REPO, { number: 8, headSha: 'b'.repeat(40), state: 'closed', mergedAt: '2026-11-30T10:00:00Z', mergeCommitSha: 'c'.repeat(40), commits: ['d'.repeat(40)] });
});

function call(path: string, { method = 'GET', auth = 'token write-token', body }: { method?: string; auth?: string | null; body?: unknown } = {}) {
  return fetch(ctx.fake.url + path, {
    method,
    headers: auth === null ? {} : { Authorization: auth },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  });
}

const comments = '/repos/acme/site/issues/7/comments';

describe('auth', () => {
  it.each([['no header', null], ['an unknown token', 'token nope'], ['a bare token', 'write-token']])('answers 401 Bad credentials to %s', async (_, auth) => {
    const res = await call(comments, { auth });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ message: 'Bad credentials' });
  });

  it('accepts Bearer as octokit sends it', async () => {
    expect((await call(comments, { auth: 'Bearer write-token' })).status).toBe(200);
  });

  it('refuses a read-only token any write with 403 and the permissions GitHub accepts, and writes nothing', async () => {
    const res = await call(comments, { method: 'POST', auth: 'token fork-token', body: { body: 'hi' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-accepted-github-permissions')).toBe('issues=write; pull_requests=write');
    expect(await res.json()).toMatchObject({ message: 'Resource not accessible by integration' });
    expect(ctx.fake.comments(REPO, 7)).toEqual([]);
    expect((await call(comments, { auth: 'token fork-token' })).status).toBe(200);
  });
});

describe('comments', () => {
  it('creates with 201 as the token\'s user, and updates by id with 200', async () => {
    const created = await call(comments, { method: 'POST', body: { body: 'first' } });
    expect(created.status).toBe(201);
    const comment = (await created.json()) as { id: number; html_url: string; user: { login: string; type: string } };
    expect(comment.html_url).toBe(`https://github.com/${REPO}/pull/7#issuecomment-${comment.id}`);
    expect(comment.user).toEqual({ login: 'github-actions[bot]', type: 'Bot' });
    const updated = await call(`/repos/acme/site/issues/comments/${comment.id}`, { method: 'PATCH', body: { body: 'second' } });
    expect(updated.status).toBe(200);
    expect(ctx.fake.comments(REPO, 7).map(c => [c.id, c.body])).toEqual([[comment.id, 'second']]);
  });

  it('answers 404 for an unknown pull request, comment or repository', async () => {
    expect((await call('/repos/acme/site/issues/99/comments', { method: 'POST', body: { body: 'x' } })).status).toBe(404);
    expect((await call('/repos/acme/site/issues/comments/12345', { method: 'PATCH', body: { body: 'x' } })).status).toBe(404);
    expect((await call('/repos/acme/other/issues/7/comments')).status).toBe(404);
  });

  it('takes 65,536 characters (code points) and refuses one more with GitHub\'s exact error', async () => {
    const astral = '😀'.repeat(65_536);
    expect((await call(comments, { method: 'POST', body: { body: astral } })).status).toBe(201);
    const res = await call(comments, { method: 'POST', body: { body: `${'x'.repeat(65_536)}y` } });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'IssueComment', code: 'unprocessable', field: 'data', message: 'Body is too long (maximum is 65536 characters)' }]
    });
    expect(ctx.fake.comments(REPO, 7)).toHaveLength(1);
  });

  it('refuses a body that is missing or not a string', async () => {
    expect((await call(comments, { method: 'POST', body: {} })).status).toBe(422);
    expect((await call(comments, { method: 'POST', body: { body: 3 } })).status).toBe(422);
  });

  it('pages oldest first with next and last links, in the /repositories/{id} form when asked', async () => {
    for (let i = 0; i < 250; i++) ctx.fake.addComment(REPO, 7, { body: `c${i}` });
    ctx.fake.setLinkStyle('repositories');
    const first = await call(`${comments}?per_page=100`);
    const bodies = ((await first.json()) as { body: string }[]).map(c => c.body);
    expect(bodies).toEqual(Array.from({ length: 100 }, (_, i) => `c${i}`));
    const link = first.headers.get('link') ?? '';
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? '';
    expect(next).toMatch(/\/repositories\/\d+\/issues\/7\/comments\?per_page=100&page=2$/);
    expect(link).toMatch(/page=3>; rel="last"/);
    const third = await fetch(next.replace('page=2', 'page=3'), { headers: { Authorization: 'token write-token' } });
    expect(((await third.json()) as unknown[]).length).toBe(50);
    expect(third.headers.get('link')).not.toMatch(/rel="next"/);
  });

  it('pages by 30 by default and at most 100', async () => {
    for (let i = 0; i < 150; i++) ctx.fake.addComment(REPO, 7, { body: `c${i}` });
    expect(((await (await call(comments)).json()) as unknown[]).length).toBe(30);
    expect(((await (await call(`${comments}?per_page=500`)).json()) as unknown[]).length).toBe(100);
  });
});

describe('commits → pulls', () => {
  it('lists a pull request for its head, its merge commit and its other commits; none for another commit', async () => {
    const pulls = async (sha: string) => ((await (await call(`/repos/acme/site/commits/${sha}/pulls`)).json()) as { number: number }[]).map(p => p.number);
    expect(await pulls('a'.repeat(40))).toEqual([7]);
    expect(await pulls('c'.repeat(40))).toEqual([8]);
    expect(await pulls('d'.repeat(40))).toEqual([8]);
    expect(await pulls('e'.repeat(40))).toEqual([]);
  });
});

describe('faults', () => {
  it('answers the injected fault the given number of times, then the real answer, and logs every request', async () => {
    ctx.fake.fault({ method: 'POST', path: comments, times: 1, status: 403, body: { message: 'You have exceeded a secondary rate limit' }, headers: { 'retry-after': '7' } });
    const limited = await call(comments, { method: 'POST', body: { body: 'x' } });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([403, '7']);
    expect(ctx.fake.comments(REPO, 7)).toEqual([]);
    expect((await call(comments, { method: 'POST', body: { body: 'x' } })).status).toBe(201);
    expect(ctx.fake.requests.map(r => [r.method, r.status])).toEqual([['POST', 403], ['POST', 201]]);
  });

  it('drops the connection with no answer and no change for a drop fault', async () => {
    ctx.fake.fault({ method: 'POST', path: comments, kind: 'drop' });
    await expect(call(comments, { method: 'POST', body: { body: 'x' } })).rejects.toThrow(/fetch failed/);
    expect(ctx.fake.comments(REPO, 7)).toEqual([]);
    expect((await call(comments, { method: 'POST', body: { body: 'x' } })).status).toBe(201);
    expect(ctx.fake.requests.map(r => [r.method, r.status])).toEqual([['POST', 0], ['POST', 201]]);
  });

  it('holds the real answer back for a slow fault: a client that stops waiting gets none', async () => {
    ctx.fake.fault({ method: 'GET', path: comments, kind: 'slow', delayMs: 60_000 });
    await expect(fetch(ctx.fake.url + comments, { headers: { Authorization: 'token write-token' }, signal: AbortSignal.timeout(200) })).rejects.toThrow(/aborted/);
    expect((await call(comments)).status).toBe(200);
    expect(ctx.fake.requests.map(r => [r.method, r.status])).toEqual([['GET', 0], ['GET', 200]]);
  });
});
