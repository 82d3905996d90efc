import { execFileSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { useFakeFastly } from './e2e-fake.js';
import { NODE24, expectNoStackTrace, expectRefusedBeforeAnyRequest, runAction } from './run-action.js';

const ctx = useFakeFastly();

describe('bad inputs are refused before any request', () => {
  const cases: [Record<string, string>, string][] = [
    [{ mode: 'purge' }, "Input 'mode' must be one of 'purge-keys', 'purge-urls', 'purge-all', 'activate', 'update-dictionary', 'update-config-store', 'stats', got 'purge'"],
    [{ mode: 'purge-keys', keys: 'a', 'dry-run': 'yes' }, "Input 'dry-run' must be 'true' or 'false', got 'yes'"],
    [{ mode: 'purge-keys', keys: ' ,, ' }, "Input 'keys' or 'keys-file' must name at least one surrogate key (separated by commas, spaces or newlines)"],
    [{ mode: 'purge-keys', 'keys-file': 'missing.txt' }, "Input 'keys-file' must be a readable file path, got 'missing.txt' (no such file)"],
    [{ mode: 'purge-urls', urls: 'https://ok.example/ /relative' }, "Input 'urls' must be an absolute http(s) URL, got '/relative'"],
    [{ mode: 'purge-urls', urls: 'https://ok.example/', concurrency: '65' }, "Input 'concurrency' must be a whole number from 1 to 64, got '65'"],
    [{ mode: 'purge-keys', keys: 'a', 'max-retries': '-1' }, "Input 'max-retries' must be a whole number of at least 0, got '-1'"],
    [{ mode: 'purge-keys', keys: 'a', 'api-url': 'file:///etc/passwd' }, "Input 'api-url' must be an absolute http(s) URL, got 'file:///etc/passwd'"],
    [{ mode: 'purge-all', 'service-id': '' }, "Input 'service-id' is required for mode 'purge-all': one or more Fastly service IDs"],
  ];

  it.each(cases)('%j', async (overrides, message) => {
    const run = await runAction(ctx.inputs(overrides));
    expectRefusedBeforeAnyRequest(run, ctx.fake.requests, message);
    expectNoStackTrace(run);
    expect(run.summary).toContain('stopped before any change');
  });

  it('refuses a missing token without printing a mask command', async () => {
    const run = await runAction({ mode: 'purge-all', 'service-id': 'SVC', 'api-url': ctx.fake.url });
    expectRefusedBeforeAnyRequest(run, ctx.fake.requests, "Input 'api-token' is required: a Fastly API token, e.g. ${{ secrets.FASTLY_API_TOKEN }}");
  });
});

describe('runtime', () => {
  it('runs the bundle on Node 24, the runtime action.yml names', () => {
    expect(execFileSync(NODE24, ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./);
  });
});
