import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { NODE24 } from './run-action.js';

/** `npm run demo` as a person runs it: the bundled action, every scenario, plain text. */
const demoTmp = mkdtempSync(join(tmpdir(), 'fastly-demo-test-'));
let code: number | null;
let stdout = '';
beforeAll(async () => {
  const child = spawn(NODE24, ['demo/run.mjs'], { env: { ...process.env, NO_COLOR: '1', TMPDIR: demoTmp }, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  code = await new Promise<number | null>(done => child.on('close', done));
}, 120_000);
afterAll(() => rmSync(demoTmp, { recursive: true, force: true }));

/** Each workflow step the demo prints: the indented block from `- uses:` to the blank line. */
function printedSteps(): Array<{ text: string; parsed: unknown }> {
  const blocks = stdout.split('\n\n').filter(block => block.trimStart().startsWith('- uses: your-org/fastly-deploy-action@v1'));
  return blocks.map(block => {
    const text = block.split('\n').map(line => line.slice(4)).join('\n');
    return { text, parsed: parse(text) };
  });
}

describe('npm run demo', () => {
  it('runs every scenario as expected and leaves no temporary folder', () => {
    expect(code).toBe(0);
    expect(stdout).toMatch(/^✔ All 13 scenarios behaved as expected \(b, g, i and j are meant to fail the step: exit code 1\)\.$/m);
    expect(readdirSync(demoTmp)).toEqual([]);
  });

  it('prints each step as YAML that a workflow reads back as the inputs it ran with', () => {
    const steps = printedSteps();
    expect(steps).toHaveLength(13);
    for (const { parsed } of steps) {
      expect(parsed).toEqual([{ uses: 'your-org/fastly-deploy-action@v1', with: expect.objectContaining({ 'api-token': '${{ secrets.FASTLY_TOKEN }}' }) }]);
    }
    const activations = steps.map(s => (s.parsed as Array<{ with: Record<string, unknown> }>)[0]?.with).filter(w => w?.mode === 'activate');
    expect(activations.map(w => w?.['vcl-files'])).toEqual(['*.vcl', '*.vcl', '*.vcl']);
  });

  it("comments the new version with the run's repository, commit, actor and run URL, as the README documents", () => {
    expect(stdout.replace(/\n\s+/g, ' ')).toContain(
      "✔ version 3's comment is the run's: acme/site@abc1234 by octocat — https://github.com/acme/site/actions/runs/4242"
    );
  });

  it('rolls back a version whose own site fails its health check', () => {
    // Long log lines wrap onto "│     " rows.
    const scenario = stdout.slice(stdout.indexOf('━━ j. activate with a health check')).replace(/\n\s+│\s{5}/g, ' ');
    expect(scenario).toMatch(/Error: Version 3 of 6pWtJ3nKz8RcYq1Hv5Lm0D failed its health check \(HTTP 503 for \d+ s from http:\/\/127\.0\.0\.1:\d+\/_health\); version 3 was rolled back to 2/);
    expect(scenario).toContain('✔ version 3 was activated, then version 2 again');
    expect(scenario).toContain('✔ production is back on version 2');
    expect(scenario).toMatch(/rolled-back\s+true/);
  });
});
