import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

const RELEASE = resolve('script/release');
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Release Test',
  GIT_AUTHOR_EMAIL: 'release@example.com',
  GIT_COMMITTER_NAME: 'Release Test',
  GIT_COMMITTER_EMAIL: 'release@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null'
};

let root: string;
let repo: string;
let remote: string;

function run(command: string, args: string[], cwd = repo) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}
const git = (...args: string[]) => {
  const result = run('git', args);
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.out}`);
  return result.out.trim();
};
const release = (...args: string[]) => run(RELEASE, args);
const tagCommit = (tag: string, where = repo) => run('git', ['rev-parse', '--short', `${tag}^{commit}`], where).out.trim();

/** A repository shaped like this one, whose bundle step is a copy: dist/index.js is src/index.js. */
function writeRelease(version: string, { bundled = true, codeVersion = version } = {}) {
  const source = `export const built = '${version}';\n`;
  writeFileSync(join(repo, 'package.json'), JSON.stringify({ version, scripts: { bundle: 'cp src/index.js dist/index.js' } }));
  writeFileSync(join(repo, 'src/version.ts'), `export const ACTION_VERSION = '${codeVersion}';\n`);
  writeFileSync(join(repo, 'src/index.js'), source);
  writeFileSync(join(repo, 'dist/index.js'), bundled ? source : "export const built = 'old';\n");
  git('add', '-A');
  git('commit', '-qm', `release ${version}`);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'fastly-release-'));
  repo = join(root, 'repo');
  remote = join(root, 'remote.git');
  mkdirSync(join(repo, 'src'), { recursive: true });
  mkdirSync(join(repo, 'dist'));
  git('init', '-q', '-b', 'main');
  run('git', ['init', '-q', '--bare', remote], root);
  git('remote', 'add', 'origin', remote);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('script/release', () => {
  it("tags vX.Y.Z from package.json and vX at HEAD, and pushes nothing unless asked", () => {
    writeRelease('1.4.2');
    const result = release();
    expect(result.code).toBe(0);
    const head = git('rev-parse', '--short', 'HEAD');
    expect(result.out).toContain(`Tagged v1.4.2 at ${head}.`);
    expect(result.out).toContain(`Tagged v1 at ${head} (new).`);
    expect(tagCommit('v1.4.2')).toBe(head);
    expect(tagCommit('v1')).toBe(head);
    expect(git('cat-file', '-t', 'v1.4.2')).toBe('tag');
    expect(run('git', ['tag', '--list'], remote).out.trim()).toBe('');
  });

  it('moves vX to the next release and leaves the earlier vX.Y.Z where it was; --push publishes both', () => {
    writeRelease('1.4.2');
    expect(release().code).toBe(0);
    const first = git('rev-parse', '--short', 'HEAD');
    writeRelease('1.5.0');
    const second = git('rev-parse', '--short', 'HEAD');
    const result = release('--push');
    expect(result.code).toBe(0);
    expect(result.out).toContain(`Moved v1 from ${first} to ${second}.`);
    expect(tagCommit('v1.4.2')).toBe(first);
    expect(tagCommit('v1')).toBe(second);
    expect(tagCommit('v1.5.0', remote)).toBe(second);
    expect(tagCommit('v1', remote)).toBe(second);
  });

  it.each([
    ['a tag that exists', () => (writeRelease('2.0.0'), git('tag', 'v2.0.0')), 'tag v2.0.0 exists'],
    ['a dirty work tree', () => (writeRelease('2.0.0'), writeFileSync(join(repo, 'notes.txt'), 'x')), 'the work tree has changes'],
    ['a stale dist/', () => writeRelease('2.0.0', { bundled: false }), 'dist/ is not the bundle of src/'],
    ["a src/version.ts that names another version", () => writeRelease('2.0.0', { codeVersion: '1.9.9' }), "src/version.ts says '1.9.9' but package.json says '2.0.0'"],
    ['a version that is not X.Y.Z', () => writeRelease('2.0'), "package.json's version '2.0' is not X.Y.Z"],
    ['a release older than the one vX points at', () => (writeRelease('2.1.0'), release(), writeRelease('2.0.5')), 'v2.1.0 is later than v2.0.5']
  ])('refuses %s, and makes or moves no tag', (_what, arrange, message) => {
    arrange();
    const before = git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/tags');
    const result = release('--push');
    expect(result.code).toBe(1);
    expect(result.out).toContain(`release: ${message}`);
    expect(git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/tags')).toBe(before);
    expect(run('git', ['tag', '--list'], remote).out.trim()).toBe('');
  });

  it('leaves a stale dist/ as it was committed', () => {
    writeRelease('2.0.0', { bundled: false });
    release();
    expect(git('status', '--porcelain')).toBe('');
  });
});
