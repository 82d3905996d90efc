import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { useFakeGitHub } from '../fake-github/use-fake.js';
import { TOKEN, activeService, useFakeFastly } from './e2e-fake.js';
import { type ActionRun, expectNoStackTrace, runAction, scratch } from './run-action.js';

/** plan-comment's auto (both pull request events, dry runs only) and true (real runs too; an error outside a pull request). */
const fastly = useFakeFastly();
const REPO = 'acme/site';
const BOT_TOKEN = 'ghs_plan_comment_bot_token';
const PR = 12;
const HEAD_SHA = 'e'.repeat(40);
const github = useFakeGitHub(fake => {
  fake.addToken({ token: BOT_TOKEN });
  fake.addRepo(REPO);
  fake.addPullRequest(REPO, { number: PR, headSha: HEAD_SHA, state: 'open' });
});

type Event = 'pull_request' | 'pull_request_target' | 'push';

function context(event: Event): Record<string, string> {
  const payload = join(scratch(), 'event.json');
  writeFileSync(payload, JSON.stringify(event === 'push' ? { ref: 'refs/heads/main' } : { pull_request: { number: PR, head: { sha: HEAD_SHA } } }));
  return {
    GITHUB_REPOSITORY: REPO,
    GITHUB_SHA: 'f'.repeat(40),
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: payload,
    GITHUB_API_URL: github.fake.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '300',
    GITHUB_TOKEN: BOT_TOKEN
  };
}

/** A dictionary sync that changes one item: a plan that is not empty. */
function sync(event: Event, inputs: Record<string, string>): { sid: string; run: Promise<ActionRun> } {
  const sid = activeService(fastly.fake, 'PCMT');
  fastly.fake.addDictionary(sid, { name: 'redirects', items: { '/old': '/a' } });
  const run = runAction(fastly.inputs({ 'api-token': TOKEN, mode: 'update-dictionary', 'service-id': sid, dictionary: 'redirects', items: '{"/old": "/b"}', 'github-token': BOT_TOKEN, ...inputs }), context(event));
  return { sid, run };
}

const planComments = () => github.fake.comments(REPO, PR).filter(c => c.body.startsWith('<!-- fastly-deploy-action plan: update-dictionary '));

describe('plan-comment', () => {
  it('auto on a pull_request_target event: a dry run writes the plan on the pull request', async () => {
    const { sid, run } = sync('pull_request_target', { 'dry-run': 'true' });
    const done = await run;
    expect(done.code).toBe(0);
    const [comment, ...others] = planComments();
    expect(others).toEqual([]);
    expect(comment?.body).toContain(`Plan digest <code>${done.outputs['plan-digest']}</code>`);
    expect(done.outputs['plan-comment-url']).toBe(comment?.html_url);
    expect(fastly.fake.dictionaryItems(sid, 'redirects')).toEqual({ '/old': '/a' });
  });

  it('auto on a pull request without dry-run: no comment, GitHub not called, the change deployed', async () => {
    const { sid, run } = sync('pull_request', {});
    const done = await run;
    expect(done.code).toBe(0);
    expect(github.fake.requests).toEqual([]);
    expect(done.outputs['plan-comment-url']).toBe('');
    expect(fastly.fake.dictionaryItems(sid, 'redirects')).toEqual({ '/old': '/b' });
  });

  it('true on a pull request writes the plan on a real run too, then deploys it', async () => {
    const { sid, run } = sync('pull_request', { 'plan-comment': 'true' });
    const done = await run;
    expect(done.code).toBe(0);
    const [comment] = planComments();
    expect(comment?.body).toContain(`Plan digest <code>${done.outputs['plan-digest']}</code>`);
    expect(done.outputs['plan-comment-url']).toBe(comment?.html_url);
    expect(fastly.fake.dictionaryItems(sid, 'redirects')).toEqual({ '/old': '/b' });
  });

  it('true on a run of no pull request is an error naming the input and the fix, before any write', async () => {
    const { sid, run } = sync('push', { 'plan-comment': 'true' });
    const done = await run;
    expect(done.code).toBe(1);
    expect(done.errors).toHaveLength(1);
    expect(done.errors[0]).toMatch(/^Input 'plan-comment' is 'true' but no plan comment was written: .*; set plan-comment to 'auto' to comment only on pull requests$/);
    expectNoStackTrace(done);
    expect(fastly.fake.writes()).toEqual([]);
    expect(fastly.fake.dictionaryItems(sid, 'redirects')).toEqual({ '/old': '/a' });
    expect(JSON.parse(done.outputs.result ?? '{}').ok).toBe(false);
    expect(done.outputs['plan-digest']).toMatch(/^[0-9a-f]{64}$/);
  });
});
