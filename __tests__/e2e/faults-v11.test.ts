import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { MERGED_PR, useMergedPullRequest } from '../fake-github/use-fake.js';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { type ActionRun, expectNoStackTrace, readable, runAction, scratch } from './run-action.js';
import { useStagingEdge } from './use-staging-edge.js';

// The v1.1 side roads under faults: lint before the clone, the staging edge's PURGE, and GitHub for the plan.
const fastly = useFakeFastly();
const staging = useStagingEdge();
const { repo: REPO, headSha: HEAD_SHA, mergeSha: MERGE_SHA } = MERGED_PR;
const BOT_TOKEN = 'ghs_faults_v11_bot_token';
const PR = 9;
const github = useMergedPullRequest(PR, BOT_TOKEN);

const LIVE_MAIN = 'sub vcl_recv {\n  set req.http.X-Version = "1";\n}\n';
const NEW_MAIN = 'sub vcl_recv {\n  set req.http.X-Version = "2";\n}\n';

let serial = 0;
/** Versions 1 (locked) and 2 (active), both with main.vcl as LIVE_MAIN. */
function service(): string {
  serial += 1;
  const id = `FV${serial}SERVICE`;
  const vcls = [{ name: 'main', content: LIVE_MAIN, main: true }];
  fastly.fake.addService({ id, name: `fv-${serial}`, versions: [{ vcls, locked: true }, { vcls, active: true }] });
  return id;
}

function workspace(): string {
  const dir = scratch();
  mkdirSync(join(dir, 'vcl'));
  writeFileSync(join(dir, 'vcl', 'main.vcl'), NEW_MAIN);
  return dir;
}

function activate(sid: string, inputs: Record<string, string> = {}, env: Record<string, string> = {}): Promise<ActionRun> {
  const dir = workspace();
  return runAction(fastly.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, 'vcl-files': join(dir, 'vcl', '*.vcl'), ...inputs }), { GITHUB_WORKSPACE: dir, ...env });
}

/** Fastly was only read (lint changes nothing): no version was made or activated. */
function expectZeroWrites(sid: string): void {
  expect(fastly.fake.writes()).toEqual([]);
  expect(fastly.fake.requests.filter(r => r.path.endsWith('/clone'))).toEqual([]);
  expect(fastly.fake.service(sid).versions).toHaveLength(2);
  expect(fastly.fake.service(sid).activeVersion).toBe(2);
}

const serviceResult = (run: ActionRun) => (JSON.parse(run.outputs.result ?? '{}') as { services?: { status: string; error?: string }[] }).services?.[0];
const lintRequests = () => fastly.fake.requests.filter(r => r.method === 'POST' && r.path.endsWith('/lint'));
const inSeconds = (s: number) => String(Math.ceil(Date.now() / 1000) + s);

describe('lint under faults', () => {
  /** A lint the linter cannot answer: no clone, exit 1, a reason naming lint and the way out. */
  const UNREACHABLE = [
    { name: 'a 500 every time', fault: { kind: 'status', status: 500 }, tries: 2, says: /HTTP 500/ },
    { name: 'a reset connection every time', fault: { kind: 'drop' }, tries: 2, says: /ECONNRESET|socket hang up/ },
    { name: 'an answer slower than request-timeout', fault: { kind: 'slow', delayMs: 2500 }, tries: 2, says: /no answer within 1\.0 s \(timeout\)/ },
    {
      name: 'a 429 whose window resets beyond the 120 s cap',
      fault: { kind: 'status', status: 429, headers: { 'Fastly-RateLimit-Remaining': '0', 'Fastly-RateLimit-Reset': inSeconds(3600) } },
      tries: 1,
      says: /the window resets at \S+Z, more than the 120 s the action waits/
    },
    { name: 'a 200 that is not JSON', fault: { kind: 'non-json', status: 200 }, tries: 2, says: /Fastly answered HTTP 200 to POST \/service\/\w+\/lint but its answer is not JSON \(502 Bad Gateway\)/ },
    {
      name: 'a 200 with neither answer shape',
      fault: { kind: 'raw', text: '{"data": {"id": "x"}}' },
      tries: 2,
      says: /Fastly answered HTTP 200 to POST \/service\/\w+\/lint but its answer has no lint "status", "errors" or "messages", so what the linter found is unknown/
    }
  ] as const;

  it.each(UNREACHABLE)('$name: stops the deploy before any clone, saying lint could not be done and what to do', async ({ fault, tries, says }) => {
    const sid = service();
    fastly.fake.fault({ method: 'POST', path: `/service/${sid}/lint`, times: Infinity, ...fault });
    const run = await activate(sid, { 'max-retries': '1', 'request-timeout': '1' });

    expect(run.code).toBe(1);
    expect(lintRequests()).toHaveLength(tries);
    expectZeroWrites(sid);
    const error = run.errors.at(-1) ?? '';
    expect(error).toMatch(says);
    expect(error).toMatch(/lint/i);
    expect(error).toContain("or set 'lint: false'");
    expect(serviceResult(run)).toMatchObject({ status: 'failed' });
    expect(readable(run.summary)).toMatch(says);
    expect(run.outputs.version).toBe('2');
    expectNoStackTrace(run);
  });

  it.each([
    { name: 'a 503 once', fault: { kind: 'status', status: 503 } },
    { name: 'a 429 once, its window resetting in 1 s', fault: { kind: 'status', status: 429, headers: { 'Fastly-RateLimit-Remaining': '0', 'Fastly-RateLimit-Reset': inSeconds(1) } } }
  ] as const)('$name: lint is retried and the deploy goes on', async ({ fault }) => {
    const sid = service();
    fastly.fake.fault({ method: 'POST', path: `/service/${sid}/lint`, times: 1, ...fault });
    const run = await activate(sid);

    expect(run.code).toBe(0);
    expect(lintRequests().map(r => r.status)).toEqual([fault.status, 200]);
    expect(fastly.fake.requests.filter(r => r.path.endsWith('/clone'))).toHaveLength(1);
    expect(fastly.fake.service(sid).activeVersion).toBe(3);
    expect(serviceResult(run)).toMatchObject({ status: 'activated' });
    expect(readable(run.summary)).toMatch(/Fastly API: \d+ requests sent, 1 retry among them/);
  });

  it('a dry run under a lint 500: fails, sends and plans no write, and says lint could not be done', async () => {
    const sid = service();
    fastly.fake.fault({ method: 'POST', path: `/service/${sid}/lint`, times: Infinity, kind: 'status', status: 500 });
    const run = await activate(sid, { 'dry-run': 'true', 'max-retries': '1' });

    expect(run.code).toBe(1);
    expect(lintRequests()).toHaveLength(2);
    expect(fastly.fake.requests.filter(r => r.method !== 'GET' && !r.path.endsWith('/lint'))).toEqual([]);
    expectZeroWrites(sid);
    expect(run.errors.at(-1)).toMatch(/HTTP 500/);
    expect(run.errors.at(-1)).toContain("or set 'lint: false'");
    expect(serviceResult(run)).toMatchObject({ status: 'failed' });
    expect(readable(run.summary)).not.toMatch(/Repository VCL against version 2/);
    expectNoStackTrace(run);
  });
});

describe('the staging PURGE under faults', () => {
  const HOST = 'www.example.test';
  /** Version 1 active on production, version 2 on staging; HOST has the edge as its staging IP. */
  function stagedService(): string {
    serial += 1;
    const id = `FVSTAGE${serial}SVC`;
    const vcls = [{ name: 'main', content: 'sub vcl_recv { }\n', main: true }];
    fastly.fake.addService({ id, name: `fv-stage-${serial}`, versions: [{ vcls, active: true, locked: true }, { vcls, staging: true, locked: true }] });
    fastly.fake.setDomains(id, [{ name: HOST, stagingIp: staging.edge.address }]);
    return id;
  }
  const url = (path: string) => `http://${HOST}:${staging.edge.port}${path}`;

  it.each([
    { name: 'answering 503', reply: { status: 503, body: '{"msg":"unavailable"}' }, why: 'HTTP 503 Service Unavailable' },
    { name: 'resetting the connection', reply: { drop: true }, why: 'ECONNRESET' },
    { name: 'hanging beyond request-timeout', reply: { status: 200, body: '{"status":"ok","id":"late"}', delayMs: 5000 }, why: 'no answer within 1 s' }
  ] as const)('the edge $name for one URL among three: the others purged, that one failed with its reason, not retried', async ({ reply, why }) => {
    const URLS = ['/a', '/b', '/c'].map(url);
    const FAULTY = url('/b');
    const says = `PURGE ${FAULTY} through the staging IP 127.0.0.2: ${why}`;
    const sid = stagedService();
    staging.edge.answer(request =>
      request.path === '/b' ? reply : { status: 200, body: JSON.stringify({ status: 'ok', id: `edge-${request.path.slice(1)}` }) }
    );
    const run = await runAction(
      fastly.inputs({ mode: 'purge-urls', 'api-token': TOKEN, 'service-id': sid, environment: 'staging', urls: URLS.join('\n'), 'request-timeout': '1', 'max-retries': '3' })
    );

    expect(run.code).toBe(1);
    // Each URL reached the edge once: a staging PURGE is not retried.
    expect(staging.edge.purgedUrls().sort()).toEqual(['/a', '/b', '/c'].map(p => `${HOST}:${staging.edge.port}${p}`));
    const confirmed = staging.edge.confirmedPurges().sort();
    expect(confirmed).toEqual([`${HOST}:${staging.edge.port}/a`, `${HOST}:${staging.edge.port}/c`]);
    expect(run.outputs['purged-count']).toBe(String(confirmed.length));
    expect(JSON.parse(run.outputs['purge-ids'] ?? '{}')).toEqual({ [url('/a')]: 'edge-a', [url('/c')]: 'edge-c' });
    const result = JSON.parse(run.outputs.result ?? '{}') as { hosts: { purged: number; failed: { item: string; reason: string }[] }[] };
    expect(result.hosts.reduce((n, h) => n + h.purged, 0)).toBe(2);
    expect(result.hosts.flatMap(h => h.failed)).toEqual([{ item: FAULTY, reason: says }]);
    expect(run.errors.join('\n')).toContain(says);
    expect(readable(run.summary)).toContain(says);
    expect(fastly.fake.purges).toEqual([]);
    expect(fastly.fake.writes()).toEqual([]);
    expectNoStackTrace(run);
  });
});

describe('GitHub for the plan under faults', () => {
  function context(event: 'pull_request' | 'push'): Record<string, string> {
    const payload = join(scratch(), 'event.json');
    writeFileSync(payload, JSON.stringify(event === 'pull_request' ? { pull_request: { number: PR, head: { sha: HEAD_SHA } } } : { ref: 'refs/heads/main' }));
    return {
      GITHUB_REPOSITORY: REPO,
      GITHUB_SHA: event === 'pull_request' ? 'b'.repeat(40) : MERGE_SHA,
      GITHUB_EVENT_NAME: event,
      GITHUB_EVENT_PATH: payload,
      GITHUB_API_URL: github.fake.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: event === 'pull_request' ? '100' : '200',
      GITHUB_TOKEN: BOT_TOKEN
    };
  }
  const review = (sid: string) => activate(sid, { 'dry-run': 'true', 'request-timeout': '1' }, context('pull_request'));
  const deploy = (sid: string) => activate(sid, { 'require-reviewed-plan': 'true', 'request-timeout': '1' }, context('push'));

  const LIST = `/repos/${REPO}/issues/${PR}/comments`;
  const COMMENT = `/repos/${REPO}/issues/comments/`;
  const PULLS = `/repos/${REPO}/commits/${MERGE_SHA}/pulls`;
  const planComments = () => github.fake.comments(REPO, PR).filter(c => c.body.startsWith('<!-- fastly-deploy-action plan: activate '));

  const FAULTS = [
    { name: 'HTTP 500', fault: { kind: 'status', status: 500, body: { message: 'Server Error' } }, says: 'HTTP 500 (Server Error)' },
    { name: 'a reset connection', fault: { kind: 'drop' }, says: 'no answer (' },
    { name: 'an answer slower than request-timeout', fault: { kind: 'slow', delayMs: 5000 }, says: 'no answer (' }
  ] as const;

  const COMMENT_CALLS = [
    { call: 'the comments list', method: 'GET', path: LIST, existing: false, tries: 3, shown: `GET ${LIST}` },
    { call: 'the create', method: 'POST', path: LIST, existing: false, tries: 1, shown: `POST ${LIST}` },
    { call: 'the update', method: 'PATCH', path: COMMENT, existing: true, tries: 1, shown: `PATCH ${COMMENT}` }
  ] as const;

  const commentCases = COMMENT_CALLS.flatMap(call => FAULTS.map(fault => ({ ...call, ...fault, label: `${call.call} under ${fault.name}` })));

  it.each(commentCases)(
    'plan comment, $label: a warning saying what GitHub did, the plan in the summary, exit 0, the right retries',
    async ({ method, path, existing, tries, shown, fault, says }) => {
      const sid = service();
      if (existing) expect((await review(sid)).code).toBe(0);
      const before = planComments().map(c => c.body);
      github.fake.reset();
      for (const body of before) github.fake.addComment(REPO, PR, { body, login: 'github-actions[bot]', type: 'Bot' });
      github.fake.fault({ method, path, times: Infinity, ...fault });
      const run = await review(sid);

      expect(run.code).toBe(0);
      // A read is retried after an outage; a write that may have happened is not, lest a second comment appear.
      expect(github.fake.requests.filter(r => r.method === method && r.path.startsWith(path))).toHaveLength(tries);
      // A write with no answer may have landed, so the warning cannot say it did not.
      const what = method !== 'GET' && says === 'no answer (' ? `may not have been written on pull request #${PR} (no answer came)` : `was not written on pull request #${PR}`;
      const warning = run.warnings.find(w => w.startsWith(`The plan ${what}, it stays in this job summary: GitHub API ${shown}`)) ?? '';
      expect(warning).toContain(says);
      expect(run.outputs['plan-comment-url']).toBe('');
      expect(run.outputs['plan-digest']).toMatch(/^[0-9a-f]{64}$/);
      const summary = readable(run.summary);
      expect(summary).toContain('Repository VCL against version 2');
      expect(summary).toContain(says);
      expect(serviceResult(run)).toMatchObject({ status: 'planned' });
      expectZeroWrites(sid);
      expectNoStackTrace(run);
    }
  );

  const GATE_CALLS = [
    { call: 'the commits → pulls call', path: PULLS },
    { call: 'the comments list', path: LIST }
  ] as const;
  const gateCases = GATE_CALLS.flatMap(call => FAULTS.map(fault => ({ ...call, ...fault, label: `${call.call} under ${fault.name}` })));

  it.each(gateCases)('require-reviewed-plan, $label: refused saying GitHub could not be read, zero Fastly writes', async ({ path, fault, says }) => {
    const sid = service();
    github.fake.fault({ method: 'GET', path, times: Infinity, ...fault });
    const run = await deploy(sid);

    expect(run.code).toBe(1);
    expect(github.fake.requests.filter(r => r.path.startsWith(path))).toHaveLength(3);
    expect(github.fake.writes()).toEqual([]);
    expectZeroWrites(sid);
    const error = run.errors.at(-1) ?? '';
    const escaped = (text: string) => text.replace(/[/.()?]/g, '\\$&');
    expect(error).toMatch(
      new RegExp(
        `^Refusing to deploy with require-reviewed-plan: GitHub could not be read, so whether this plan was reviewed is unknown \\(GitHub API GET ${escaped(path)}\\S*: .*${escaped(says)}.*\\); ` +
          'run the job again once GitHub answers\\. Nothing was written\\.$'
      )
    );
    expect(error).not.toMatch(/no plan comment|came from no pull request/);
    expect(JSON.parse(run.outputs.result ?? '{}')).toMatchObject({ mode: 'activate', dryRun: false, ok: false, error });
    expect(serviceResult(run)).toBeUndefined();
    expect(run.outputs['plan-digest']).toMatch(/^[0-9a-f]{64}$/);
    const summary = readable(run.summary);
    expect(summary).toContain('### ❌ Fastly activate: stopped before any change');
    expect(summary).toContain('GitHub could not be read');
    expectNoStackTrace(run);
  });
});
