import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { type ActionRun, inputDefaults, runAction, tokenExposure } from './run-action.mjs';

/** Stands in for dist/index.js: reports what the runner gave it, and writes through the file commands. */
const PROBE = `
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
const env = process.env;
const commands = ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STATE'];
const seen = {
  inputs: Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('INPUT_'))),
  files: Object.fromEntries(commands.map(name => [name, env[name] && existsSync(env[name]) ? readFileSync(env[name], 'utf8') : null])),
  cwd: process.cwd(), version: process.version, actions: env.GITHUB_ACTIONS, workspace: env.GITHUB_WORKSPACE ?? null,
  data: readFileSync('data/in.txt', 'utf8'),
};
console.log(JSON.stringify(seen));
console.error('on stderr');
appendFileSync(env.GITHUB_OUTPUT, 'seen<<EOF_1\\nline one\\nline two\\nEOF_1\\n');
appendFileSync(env.GITHUB_STEP_SUMMARY, '### summary\\n');
`;

interface Seen {
  inputs: Record<string, string>;
  files: Record<string, string | null>;
  cwd: string;
  version: string;
  actions: string;
  workspace: string | null;
  data: string;
}

async function probe(inputs: Record<string, string>, options: { env?: Record<string, string>; workspace?: boolean } = {}) {
  const run = await runAction(inputs, { ...options, args: ['probe.mjs'], files: { 'probe.mjs': PROBE, 'data/in.txt': 'written first' } });
  expect(run.stderr).toBe('on stderr\n');
  return { run, seen: JSON.parse(run.stdout.split('\n')[0] ?? '') as Seen };
}

describe('the harness runs the action as a runner does', () => {
  it("sets INPUT_* for the step's inputs and for every action.yml default the step does not set", async () => {
    const { seen } = await probe({ mode: 'purge-keys', 'soft-purge': 'false', version: '', 'odd name': 'x' });
    expect(seen.inputs).toMatchObject({
      INPUT_MODE: 'purge-keys',
      'INPUT_SOFT-PURGE': 'false',
      INPUT_VERSION: '',
      INPUT_ODD_NAME: 'x',
      'INPUT_PURGE-TWICE': 'false',
      'INPUT_API-URL': 'https://api.fastly.com',
      'INPUT_STATS-FROM': '1 day ago',
      'INPUT_REQUEST-TIMEOUT': '30'
    });
    // No default in action.yml, not given: the runner sets nothing.
    expect(seen.inputs).not.toHaveProperty('INPUT_KEYS');
    expect(seen.inputs).not.toHaveProperty('INPUT_PURGE-TWICE-DELAY');
  });

  it('runs Node 24 in a fresh working directory holding the files asked for, deleted afterwards', async () => {
    const { run, seen } = await probe({});
    expect(seen.version).toMatch(/^v24\./);
    expect(seen.actions).toBe('true');
    expect(seen.data).toBe('written first');
    expect(seen.workspace).toBeNull();
    expect(existsSync(seen.cwd)).toBe(false);
    expect(run.code).toBe(0);
    expect((await probe({}, { workspace: true })).seen.workspace).toMatch(/\/work$/);
  });

  it('creates every file command empty, and reads back the outputs and the summary written there', async () => {
    const { run, seen } = await probe({});
    expect(seen.files).toEqual({ GITHUB_OUTPUT: '', GITHUB_STEP_SUMMARY: '', GITHUB_ENV: '', GITHUB_PATH: '', GITHUB_STATE: '' });
    expect(run.outputs).toEqual({ seen: 'line one\nline two' });
    expect(run.summary).toBe('### summary\n');
    expect(run.fileCommands).toEqual({ env: '', path: '', state: '' });
    expect(run.lines.map(line => line.stream).sort()).toEqual(['stderr', 'stdout']);
  });

  it("lets the step's env win over what the harness sets", async () => {
    const { seen } = await probe({}, { env: { GITHUB_ACTIONS: 'false', 'INPUT_SOFT-PURGE': 'from env' } });
    expect(seen.actions).toBe('false');
    expect(seen.inputs['INPUT_SOFT-PURGE']).toBe('from env');
  });
});

describe("action.yml's expression defaults", () => {
  const yml = (defaults: string): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'harness-yml-')), 'action.yml');
    writeFileSync(path, `name: x\ninputs:\n${defaults}\nruns:\n  using: node24\n  main: index.js\n`);
    return path;
  };

  it("evaluates ${{ github.token }} and ${{ github.<name> }} from the step's environment", () => {
    const path = yml("  github-token:\n    default: '${{ github.token }}'\n  repo:\n    default: ${{ github.repository }}\n  plain:\n    default: 5");
    expect(inputDefaults({ GITHUB_TOKEN: 'ghs_abc', GITHUB_REPOSITORY: 'acme/site' }, path)).toEqual({ 'github-token': 'ghs_abc', repo: 'acme/site', plain: '5' });
    expect(inputDefaults({}, path)).toEqual({ 'github-token': '', repo: '', plain: '5' });
  });

  it('refuses any other expression, naming the input', () => {
    const path = yml("  when:\n    default: '${{ runner.temp }}/x'");
    expect(() => inputDefaults({}, path)).toThrow("The harness cannot evaluate the default of input 'when' (${{ runner.temp }}/x): it knows only ${{ github.<name> }}.");
  });
});

describe('tokenExposure', () => {
  const run = (stdout: string, more: Partial<ActionRun> = {}): ActionRun => ({
    code: 0, signal: null, timedOut: false, stdout, stderr: '', lines: [], summary: '', outputs: {},
    fileCommands: { env: '', path: '', state: '' }, errors: [], warnings: [], ms: 0, ...more
  });

  it('is empty when the token is only in the leading ::add-mask::', () => {
    expect(tokenExposure(run('::add-mask::s3cret\nhello\n'), 's3cret')).toEqual([]);
  });

  it('names every place the token shows, and a mask that does not come first', () => {
    expect(tokenExposure(run('hello\n::add-mask::s3cret\n'), 's3cret')).toEqual([
      'the first line of stdout is not ::add-mask:: of the token: "hello"',
      'the token is in stdout after ::add-mask::'
    ]);
    const leaky = run('::add-mask::s3cret\n', {
      stderr: 's3cret', summary: 'x s3cret', outputs: { a: 's3cret' }, fileCommands: { env: 'K=s3cret', path: 's3cret', state: 's3cret' }
    });
    expect(tokenExposure(leaky, 's3cret')).toEqual([
      'the token is in stderr', 'the token is in the job summary', 'the token is in the outputs',
      'the token is in GITHUB_ENV', 'the token is in GITHUB_PATH', 'the token is in GITHUB_STATE'
    ]);
  });
});
