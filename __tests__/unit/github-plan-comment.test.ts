import { describe, expect, it } from '@jest/globals';
import { GitHub } from '../../src/github/client.js';
import { GitHubError, GitHubPermissionError, GitHubRateLimitError } from '../../src/github/errors.js';
import {
  COMMENT_LIMIT, type PlanCommentContent, PlanDataError, findPlanComment, planMarker, readPlanData, renderPlanComment, writePlanComment
} from '../../src/github/plan-comment.js';
import type { Html } from '../../src/report/html.js';
import { useFakeGitHub } from '../fake-github/use-fake.js';

const REPO = 'acme/site';
const PULL = { owner: 'acme', repo: 'site', number: 7 };
const TOKEN = 'ghs_secretTokenValue1234567890';
const KEY = { mode: 'activate', targets: ['svc2', 'svc1'] };

const ctx = useFakeGitHub(fake => {
  fake.addToken({ token: TOKEN });
  fake.addToken({ token: 'fork-token', write: false });
  fake.addToken({ token: 'pat', login: 'octocat', type: 'User' });
  fake.addRepo(REPO);
  fake.addPullRequest(REPO, { number: 7, headSha: 'a'.repeat(40) });
});

function github(token = TOKEN, sleeps: number[] = [], log: string[] = []) {
  return new GitHub({ token, apiUrl: ctx.fake.url, sleep: async ms => void sleeps.push(ms), log: message => void log.push(message) });
}

function content(plan: unknown, overrides: Partial<PlanCommentContent> = {}): PlanCommentContent {
  return {
    key: KEY,
    plan,
    headline: '**svc1**: from version 7, 1 VCL file changed' as Html,
    sections: [{ title: 'main.vcl', collapsed: true, code: { language: 'diff', text: '-a\n+b' } }],
    footer: 'Digest `abc`' as Html,
    fullPlanUrl: 'https://github.com/acme/site/actions/runs/42',
    ...overrides
  };
}

describe('writePlanComment', () => {
  it('creates the comment on the first run and updates that same comment on the second', async () => {
    const first = await writePlanComment(github(), PULL, content({ digest: 'one' }));
    expect(first.action).toBe('created');
    const second = await writePlanComment(github(), PULL, content({ digest: 'two' }));
    expect(second.action).toBe('updated');
    const comments = ctx.fake.comments(REPO, 7);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.id).toBe(first.comment.id);
    expect(second.comment.url).toBe(`https://github.com/${REPO}/pull/7#issuecomment-${first.comment.id}`);
    expect(readPlanData(comments[0]?.body ?? '', KEY)).toEqual({ digest: 'two' });
    expect(ctx.fake.writes().map(r => [r.method, r.path, r.status])).toEqual([
      ['POST', '/repos/acme/site/issues/7/comments', 201],
      ['PATCH', `/repos/acme/site/issues/comments/${first.comment.id}`, 200]
    ]);
  });

  it('sends nothing when the comment already reads the same', async () => {
    await writePlanComment(github(), PULL, content({ digest: 'one' }));
    const again = await writePlanComment(github(), PULL, content({ digest: 'one' }));
    expect(again.action).toBe('unchanged');
    expect(ctx.fake.writes()).toHaveLength(1);
  });

  it('keeps one comment per mode and target: another target gets its own, the same targets in another order share one', async () => {
    await writePlanComment(github(), PULL, content({ n: 1 }));
    await writePlanComment(github(), PULL, content({ n: 2 }, { key: { mode: 'activate', targets: ['svc1', 'svc2', 'svc1'] } }));
    await writePlanComment(github(), PULL, content({ n: 3 }, { key: { mode: 'activate', targets: ['svc3'] } }));
    await writePlanComment(github(), PULL, content({ n: 4 }, { key: { mode: 'update-dictionary', targets: ['svc1', 'svc2'] } }));
    const bodies = ctx.fake.comments(REPO, 7).map(c => c.body.split('\n', 1)[0]);
    expect(bodies).toEqual([
      '<!-- fastly-deploy-action plan: activate svc1,svc2 -->',
      '<!-- fastly-deploy-action plan: activate svc3 -->',
      '<!-- fastly-deploy-action plan: update-dictionary svc1,svc2 -->'
    ]);
  });

  it('finds its comment among 250 others on the third page, following the Link header as given', async () => {
    for (let i = 0; i < 250; i++) {
      ctx.fake.addComment(REPO, 7, { body: i === 120 ? `quoting:\n${planMarker(KEY)}` : `comment ${i}`, type: i % 2 ? 'Bot' : 'User' });
    }
    const ours = ctx.fake.addComment(REPO, 7, { body: `${planMarker(KEY)}\nold plan`, login: 'github-actions[bot]', type: 'Bot' });
    ctx.fake.setLinkStyle('repositories');
    const result = await writePlanComment(github(), PULL, content({ digest: 'x' }));
    expect(result).toMatchObject({ action: 'updated', comment: { id: ours } });
    expect(ctx.fake.requests.map(r => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/acme/site/issues/7/comments?per_page=100',
      expect.stringMatching(/^GET \/repositories\/\d+\/issues\/7\/comments\?per_page=100&page=2$/),
      expect.stringMatching(/^GET \/repositories\/\d+\/issues\/7\/comments\?per_page=100&page=3$/),
      `PATCH /repos/acme/site/issues/comments/${ours}`
    ]);
    expect(ctx.fake.comments(REPO, 7)).toHaveLength(251);
  });

  it('refuses a paging link that leads off the API host, so the token goes nowhere else', async () => {
    ctx.fake.fault({ method: 'GET', status: 200, body: [], headers: { Link: '<http://127.0.0.2:9/repos/acme/site/issues/7/comments?page=2>; rel="next"' } });
    const error = await findPlanComment(github(), PULL, KEY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubError);
    expect((error as Error).message).toBe(
      `GitHub API paging link leads off the API's host (http://127.0.0.2:9, not ${ctx.fake.url}): not followed, so the github-token goes nowhere else`);
    expect(ctx.fake.requests).toHaveLength(1);
  });

  it('ignores a human\'s comment that carries the marker and a plan blob, and writes its own', async () => {
    const planted = renderPlanComment(content({ digest: 'forged' })).body;
    ctx.fake.addComment(REPO, 7, { body: planted, login: 'mallory', type: 'User' });
    const result = await writePlanComment(github(), PULL, content({ digest: 'real' }));
    expect(result.action).toBe('created');
    const found = await findPlanComment(github(), PULL, KEY);
    expect(found?.author).toEqual({ login: 'github-actions[bot]', type: 'Bot' });
    expect(readPlanData(found?.body ?? '', KEY)).toEqual({ digest: 'real' });
  });

  it('finds the comment of a personal token when the caller trusts that login', async () => {
    const pat = github('pat');
    await writePlanComment(pat, PULL, content({ n: 1 }));
    const trust = (author: { login: string }) => author.login === 'octocat';
    expect((await writePlanComment(pat, PULL, content({ n: 2 }), { trust })).action).toBe('updated');
    expect(ctx.fake.comments(REPO, 7)).toHaveLength(1);
  });

  it('turns a read-only token\'s 403 into a permission error naming pull-requests: write, and never the token', async () => {
    const error = await writePlanComment(github('fork-token'), PULL, content({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubPermissionError);
    expect((error as GitHubPermissionError).permission).toBe('pull-requests: write');
    expect((error as Error).message).toBe(
      "GitHub API POST /repos/acme/site/issues/7/comments: HTTP 403 (Resource not accessible by integration): the github-token lacks permission; "
        + "GitHub accepts issues=write; pull_requests=write. Give the job 'permissions: pull-requests: write'; "
        + 'a pull request from a fork gets a read-only token whatever the workflow asks'
    );
    expect(ctx.fake.comments(REPO, 7)).toEqual([]);
  });

  it('says an unknown token is not valid, naming the input, without the token', async () => {
    const error = (await writePlanComment(github('ghp_unknownTokenValue123456'), PULL, content({})).catch((e: unknown) => e)) as GitHubError;
    expect(error).toBeInstanceOf(GitHubError);
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/^GitHub API GET \/repos\/acme\/site\/issues\/7\/comments: HTTP 401 \(Bad credentials\): the github-token is not valid; pass a working token in 'github-token'/);
    expect(error.message).not.toContain('unknownTokenValue');
  });

  it('scrubs the token when GitHub\'s answer echoes it', async () => {
    ctx.fake.fault({ method: 'POST', status: 400, body: { message: `bad header Authorization: token ${TOKEN}` } });
    const error = (await writePlanComment(github(), PULL, content({})).catch((e: unknown) => e)) as GitHubError;
    expect(error.message).toBe('GitHub API POST /repos/acme/site/issues/7/comments: HTTP 400 (bad header Authorization: token ***)');
  });

  it('waits out a secondary rate limit with the injected sleep, then writes once', async () => {
    const limited = { status: 403, body: { message: 'You have exceeded a secondary rate limit.' }, headers: { 'retry-after': '3' } };
    ctx.fake.fault({ method: 'POST', ...limited });
    ctx.fake.fault({ method: 'POST', status: 429, body: { message: 'Too many' }, headers: { 'retry-after': '5' } });
    const sleeps: number[] = [];
    const log: string[] = [];
    expect((await writePlanComment(github(TOKEN, sleeps, log), PULL, content({}))).action).toBe('created');
    expect(sleeps).toEqual([3000, 5000]);
    expect(log).toEqual([
      'GitHub API POST /repos/acme/site/issues/7/comments: rate limited; retry 1 of 2 in 3 s',
      'GitHub API POST /repos/acme/site/issues/7/comments: rate limited; retry 2 of 2 in 5 s'
    ]);
    expect(ctx.fake.writes().map(r => r.status)).toEqual([403, 429, 201]);
    expect(ctx.fake.comments(REPO, 7)).toHaveLength(1);
  });

  it('gives up on a rate limit after the retries, with a rate-limit error', async () => {
    ctx.fake.fault({ method: 'POST', times: 3, status: 429, body: { message: 'Too many' }, headers: { 'retry-after': '1' } });
    const sleeps: number[] = [];
    const error = await writePlanComment(github(TOKEN, sleeps), PULL, content({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubRateLimitError);
    expect(sleeps).toEqual([1000, 1000]);
    expect(ctx.fake.writes()).toHaveLength(3);
  });

  it('does not repeat a comment creation that met a 5xx (it may have happened), but retries a read', async () => {
    ctx.fake.fault({ method: 'GET', status: 502 });
    ctx.fake.fault({ method: 'POST', status: 502 });
    const sleeps: number[] = [];
    const error = (await writePlanComment(github(TOKEN, sleeps), PULL, content({})).catch((e: unknown) => e)) as GitHubError;
    expect(error.status).toBe(502);
    expect(sleeps).toEqual([1000]);
    expect(ctx.fake.requests.map(r => `${r.method} ${r.status}`)).toEqual(['GET 502', 'GET 200', 'POST 502']);
  });
});

describe('renderPlanComment', () => {
  const diff = (lines: number) => Array.from({ length: lines }, (_, i) => `+line ${i} ${'x'.repeat(60)}`).join('\n');

  it('fits a 200,000-character diff into 65,536 characters, says what was cut, and keeps the plan data and footer', async () => {
    const big = content({ digest: 'd' }, {
      sections: [
        { title: 'svc1 settings', markdown: 'unchanged' as Html },
        { title: 'main.vcl', collapsed: true, code: { language: 'diff', text: diff(3000) } },
        { title: 'extra.vcl', collapsed: true, code: { language: 'diff', text: diff(10) } }
      ]
    });
    const { body, cut } = renderPlanComment(big);
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body.length).toBeGreaterThan(COMMENT_LIMIT - 200);
    expect(cut?.partial?.title).toBe('main.vcl');
    expect(cut?.partial?.totalLines).toBe(3000);
    const shown = cut?.partial?.shownLines ?? 0;
    expect(body).toContain(`+line ${shown - 1} `);
    expect(body).not.toContain(`+line ${shown} `);
    expect(cut?.omitted).toEqual(['extra.vcl']);
    expect(body).toContain(`> **Cut to fit GitHub's 65,536-character comment limit:** ${shown.toLocaleString('en-US')} of 3,000 lines of “main.vcl” are shown; left out: “extra.vcl”.`
      + ' The whole plan is in the job summary of [the run](https://github.com/acme/site/actions/runs/42).');
    expect(body.endsWith('Digest `abc`')).toBe(true);
    expect(readPlanData(body, KEY)).toEqual({ digest: 'd' });
    // The code block is closed: the cut never leaves the rest of the comment inside it.
    expect(body).toMatch(/```\n\n<\/details>/);
  });

  it('is taken by GitHub when cut, where the uncut body is refused', async () => {
    const big = content({ digest: 'd' }, { sections: [{ title: 'main.vcl', collapsed: true, code: { language: 'diff', text: diff(3000) } }] });
    const result = await writePlanComment(github(), PULL, big);
    expect(result.cut?.partial?.title).toBe('main.vcl');
    expect(ctx.fake.writes().map(r => r.status)).toEqual([201]);
    const stored = ctx.fake.comments(REPO, 7)[0]?.body ?? '';
    expect(stored.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(readPlanData(stored, KEY)).toEqual({ digest: 'd' });
  });

  it('leaves a body that fits as it is', () => {
    const { body, cut } = renderPlanComment(content({ digest: 'd' }));
    expect(cut).toBeUndefined();
    expect(body).toBe([
      '<!-- fastly-deploy-action plan: activate svc1,svc2 -->',
      `<!-- fastly-deploy-action plan-data: ${Buffer.from(JSON.stringify({ mode: 'activate', targets: ['svc1', 'svc2'], plan: { digest: 'd' } })).toString('base64')} -->`,
      '',
      '**svc1**: from version 7, 1 VCL file changed',
      '',
      '<details><summary>main.vcl</summary>\n\n```diff\n-a\n+b\n```\n\n</details>',
      '',
      'Digest `abc`'
    ].join('\n'));
  });

  it('keeps hostile names as text: no HTML, no mention, no early end of the marker, no escape from the code block', () => {
    const { body } = renderPlanComment(content({}, {
      key: { mode: 'update-dictionary', targets: ['a --> <b>', 'x,y'] },
      headline: 'ping @octocat' as Html,
      sections: [{ title: '<img src=x> @acme/team', code: { language: 'diff', text: '```\n@octocat' } }]
    }));
    expect(body.split('\n', 1)[0]).toBe('<!-- fastly-deploy-action plan: update-dictionary a%20--%3E%20%3Cb%3E,x%2Cy -->');
    expect(body).not.toContain('<img');
    expect(body.replace(/````diff[\s\S]*````/, '')).not.toMatch(/@(octocat|acme)/);
    expect(body).toContain('````diff\n```\n@octocat\n````');
  });

  it('refuses plan data that alone exceeds the limit', () => {
    expect(() => renderPlanComment(content({ blob: 'x'.repeat(60_000) }))).toThrow(PlanDataError);
  });
});

describe('readPlanData', () => {
  it('refuses plan data edited by hand or written for another target', () => {
    const { body } = renderPlanComment(content({ digest: 'd' }));
    expect(() => readPlanData(body.replace(/plan-data: ([A-Za-z0-9+/=]+)/, 'plan-data: Zm9v'), KEY)).toThrow(/does not read back/);
    expect(() => readPlanData(body, { mode: 'activate', targets: ['svc1'] })).toThrow(/not for mode 'activate' on svc1/);
    const other = renderPlanComment(content({ digest: 'd' }, { key: { mode: 'activate', targets: ['svc9'] } })).body;
    const spliced = `${planMarker(KEY)}\n${other.split('\n').slice(1).join('\n')}`;
    expect(() => readPlanData(spliced, KEY)).toThrow(/another mode or target/);
    expect(() => readPlanData(planMarker(KEY), KEY)).toThrow(/holds no plan data/);
  });
});
