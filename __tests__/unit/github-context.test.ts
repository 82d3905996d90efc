import { describe, expect, it } from '@jest/globals';
import { noPullRequestReason, pullRequestOfRun, readRunContext, versionComment } from '../../src/github/context.js';

const HEAD = 'a'.repeat(40);
const MERGE = 'b'.repeat(40);
const BASE_ENV = {
  GITHUB_REPOSITORY: 'acme/site', GITHUB_SHA: MERGE, GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '4242',
  GITHUB_API_URL: 'https://api.github.com/', GITHUB_ACTOR: 'octocat', GITHUB_EVENT_PATH: '/event.json'
};

function context(eventName: string, payload: unknown, env: Record<string, string | undefined> = {}) {
  const files: Record<string, string> = { '/event.json': JSON.stringify(payload) };
  return readRunContext({
    env: { ...BASE_ENV, GITHUB_EVENT_NAME: eventName, ...env },
    readFile: path => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
      return text;
    }
  });
}

describe('readRunContext', () => {
  it.each(['pull_request', 'pull_request_target'])('reads the pull request number and head SHA of a %s event', eventName => {
    const run = context(eventName, { pull_request: { number: 7, head: { sha: HEAD } } });
    expect(run).toEqual({
      repository: { owner: 'acme', repo: 'site' }, sha: MERGE, eventName, actor: 'octocat',
      apiUrl: 'https://api.github.com', serverUrl: 'https://github.com', runUrl: 'https://github.com/acme/site/actions/runs/4242',
      pullRequest: { number: 7, headSha: HEAD }, mergeGroupHeadSha: undefined
    });
    expect(pullRequestOfRun(run)).toEqual({ owner: 'acme', repo: 'site', number: 7 });
  });

  it('names no pull request for a push, even when its payload mentions one', () => {
    const run = context('push', { pull_request: { number: 7, head: { sha: HEAD } } });
    expect(pullRequestOfRun(run)).toBeUndefined();
    expect(noPullRequestReason(run)).toBe("this run was started by a 'push' event, which belongs to no pull request; run it on 'pull_request' (or 'pull_request_target')");
  });

  it('reads the head SHA of a merge_group event', () => {
    expect(context('merge_group', { merge_group: { head_sha: HEAD, base_sha: MERGE } }).mergeGroupHeadSha).toBe(HEAD);
  });

  it('keeps out values that could not be what GitHub sets', () => {
    const run = context('pull_request', { pull_request: { number: '7', head: { sha: 'HEAD~1' } } }, { GITHUB_REPOSITORY: 'acme/..', GITHUB_SHA: 'abc', GITHUB_RUN_ID: '1/../2' });
    expect(run).toMatchObject({ repository: undefined, sha: undefined, runUrl: undefined, pullRequest: undefined });
    expect(noPullRequestReason(run)).toBe('GITHUB_REPOSITORY is not set to owner/name, so this run names no repository');
  });

  it('defaults the API and server URLs for github.com', () => {
    const run = context('push', {}, { GITHUB_API_URL: undefined, GITHUB_SERVER_URL: '' });
    expect([run.apiUrl, run.serverUrl]).toEqual(['https://api.github.com', 'https://github.com']);
  });

  it('refuses a payload that is named but unreadable or not an object, naming the path', () => {
    expect(() => context('push', {}, { GITHUB_EVENT_PATH: '/missing.json' })).toThrow("Cannot read the event payload GITHUB_EVENT_PATH names, '/missing.json': ENOENT");
    expect(() => context('push', [1])).toThrow("The event payload GITHUB_EVENT_PATH names, '/event.json', is not a JSON object");
  });
});

describe('versionComment', () => {
  it('names the repository, short SHA, actor and run, as the contract\'s default comment does', () => {
    expect(versionComment(context('push', {}))).toBe('acme/site@bbbbbbb by octocat — https://github.com/acme/site/actions/runs/4242');
  });

  it('says what it can without the run context', () => {
    const bare = readRunContext({ env: {} });
    expect(versionComment(bare)).toBe('fastly-deploy-action');
    expect(versionComment({ ...bare, repository: { owner: 'acme', repo: 'site' } })).toBe('acme/site');
  });
});
