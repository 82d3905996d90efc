// @ts-check
/**
 * The one way to run dist/index.js as a GitHub runner does, for the e2e tests,
 * `npm run demo` and `npm run bench`.
 *
 * @typedef {{ stream: 'stdout' | 'stderr', text: string }} RawLine
 * @typedef {object} ActionRun
 * @property {number | null} code  exit code; null when killed
 * @property {NodeJS.Signals | null} signal
 * @property {boolean} timedOut  killed for running past `timeoutMs`
 * @property {string} stdout
 * @property {string} stderr
 * @property {RawLine[]} lines  stdout and stderr lines, in the order they arrived
 * @property {string} summary  what the action wrote to GITHUB_STEP_SUMMARY
 * @property {Record<string, string>} outputs  from GITHUB_OUTPUT
 * @property {{ env: string, path: string, state: string }} fileCommands  what it wrote to GITHUB_ENV, GITHUB_PATH and GITHUB_STATE
 * @property {string[]} errors  the `::error::` lines, without the command
 * @property {string[]} warnings  the `::warning::` lines, without the command
 * @property {number} ms  wall time, for the demo and the bench (never for a test)
 * @typedef {object} RunOptions
 * @property {Record<string, string>} [env]  the step's environment on top of what the runner sets (run context, GITHUB_WORKSPACE, NODE_OPTIONS…); it wins over everything
 * @property {Record<string, string | Uint8Array>} [files]  written into the step's working directory first, by relative path
 * @property {boolean} [workspace]  GITHUB_WORKSPACE is the working directory, as on a runner. Off unless asked: tests hand the action files from elsewhere
 * @property {(child: import('node:child_process').ChildProcess) => void} [control]  given the running action, e.g. to send it the runner's cancel signals
 * @property {number} [timeoutMs]  SIGKILL past this, and `timedOut`
 * @property {string[]} [args]  what Node runs instead of dist/index.js (the bench's floor), with the same environment
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** GitHub runs `using: node24` actions on Node 24: the node24 devDependency's binary, whatever Node runs the caller. */
export const NODE24 = join(ROOT, 'node_modules', 'node24', 'bin', 'node');
export const ACTION = join(ROOT, 'dist', 'index.js');
export const ACTION_YML = join(ROOT, 'action.yml');

/**
 * What a runner sets for a push to main of acme/site, for runs that need a
 * run context (the default version comment of `activate` is made of it):
 * `acme/site@abc1234 by octocat — https://github.com/acme/site/actions/runs/4242`.
 */
export const RUN_CONTEXT = Object.freeze({
  GITHUB_REPOSITORY: 'acme/site',
  GITHUB_REPOSITORY_OWNER: 'acme',
  GITHUB_SHA: 'abc1234d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_ACTOR: 'octocat',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_RUN_ID: '4242',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_WORKFLOW: 'Deploy',
  GITHUB_JOB: 'deploy',
});

/**
 * Why NODE24 cannot run the action, or undefined when it is Node 24.
 * @param {string} who  e.g. "The end-to-end tests" @returns {string | undefined}
 */
export function node24Problem(who) {
  const version = spawnSync(NODE24, ['--version'], { encoding: 'utf8' });
  if (version.status === 0 && /^v24\./.test(version.stdout)) return undefined;
  const found = version.error ? `it cannot be run (${version.error.message})` : `it answers ${JSON.stringify(`${version.stdout}${version.stderr}`.trim())}`;
  return (
    `${who} run dist/index.js on Node 24, the binary ${NODE24} that the node24 devDependency installs, ` +
    `but ${found}. Its install script has not run (npm ci --ignore-scripts?): run \`npm ci\`, or \`npm rebuild node24\`.`
  );
}

/** The runner's name for an input's variable: spaces become `_`, the rest upper-cased (hyphens stay). @param {string} name */
export const inputVariable = name => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

/**
 * action.yml's input defaults, as the runner evaluates them. The one
 * expression evaluated is a whole `${{ github.<name> }}`: `github.token` is
 * the step's GITHUB_TOKEN, any other name its GITHUB_<NAME> variable (the
 * runner fills both from the same context). Anything else is refused rather
 * than passed on as text the runner would never hand over.
 * @param {Record<string, string>} env  the step's environment
 * @param {string} [actionYml]
 * @returns {Record<string, string>}
 */
export function inputDefaults(env, actionYml = ACTION_YML) {
  /** @type {{ inputs?: Record<string, { default?: unknown } | null> }} */
  const manifest = parse(readFileSync(actionYml, 'utf8'));
  /** @type {Record<string, string>} */
  const defaults = {};
  for (const [name, input] of Object.entries(manifest.inputs ?? {})) {
    if (input?.default === undefined || input.default === null) continue;
    const text = String(input.default);
    if (!text.includes('${{')) {
      defaults[name] = text;
      continue;
    }
    const context = /^\$\{\{\s*github\.(\w+)\s*\}\}$/.exec(text)?.[1];
    if (context === undefined) throw new Error(`The harness cannot evaluate the default of input '${name}' (${text}): it knows only \${{ github.<name> }}.`);
    defaults[name] = env[context === 'token' ? 'GITHUB_TOKEN' : `GITHUB_${context.toUpperCase()}`] ?? '';
  }
  return defaults;
}

/**
 * Spawns dist/index.js on Node 24 with only what a runner provides: INPUT_*
 * for the step's inputs and every action.yml default it does not set, the
 * file commands (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ENV, GITHUB_PATH,
 * GITHUB_STATE) as fresh empty files, GITHUB_ACTIONS and CI, in a clean
 * working directory that is deleted afterwards. Asynchronous on purpose: the
 * fake Fastly answers from this same process.
 * @param {Readonly<Record<string, string>>} inputs  the step's `with:`
 * @param {RunOptions} [options]
 * @returns {Promise<ActionRun>}
 */
export async function runAction(inputs, { env = {}, files = {}, workspace = false, control, timeoutMs, args = [ACTION] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'fastly-action-'));
  try {
    const work = join(dir, 'work');
    const commands = join(dir, 'file-commands');
    mkdirSync(work);
    mkdirSync(commands);
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), content);
    }
    const commandFiles = { GITHUB_OUTPUT: 'output', GITHUB_STEP_SUMMARY: 'step_summary', GITHUB_ENV: 'env', GITHUB_PATH: 'path', GITHUB_STATE: 'state' };
    /** @type {Record<string, string>} */
    const fileCommandEnv = {};
    for (const [variable, name] of Object.entries(commandFiles)) {
      fileCommandEnv[variable] = join(commands, name);
      writeFileSync(join(commands, name), '');
    }
    const given = Object.entries({ ...inputDefaults(env), ...inputs }).map(([name, value]) => [inputVariable(name), value]);
    const started = performance.now();
    const child = spawn(NODE24, args, {
      cwd: work,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: work,
        GITHUB_ACTIONS: 'true',
        CI: 'true',
        ...(workspace ? { GITHUB_WORKSPACE: work } : {}),
        ...fileCommandEnv,
        ...Object.fromEntries(given),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { lines, all } = collectLines(child);
    control?.(child);
    let timedOut = false;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, timeoutMs);
    /** @type {[number | null, NodeJS.Signals | null]} */
    const [code, signal] = await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
    }).finally(() => clearTimeout(timer));
    const ms = performance.now() - started;
    /** @param {string} name */
    const read = name => readFileSync(join(commands, name), 'utf8');
    return {
      code,
      signal,
      timedOut,
      stdout: all.stdout,
      stderr: all.stderr,
      lines,
      summary: read('step_summary'),
      outputs: parseOutputs(read('output')),
      fileCommands: { env: read('env'), path: read('path'), state: read('state') },
      errors: commandLines(all.stdout, 'error'),
      warnings: commandLines(all.stdout, 'warning'),
      ms,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** @param {import('node:child_process').ChildProcessByStdio<null, import('node:stream').Readable, import('node:stream').Readable>} child */
function collectLines(child) {
  /** @type {RawLine[]} */
  const lines = [];
  const all = { stdout: '', stderr: '' };
  const partial = { stdout: '', stderr: '' };
  /** @param {'stdout' | 'stderr'} stream @param {string} chunk */
  const take = (stream, chunk) => {
    all[stream] += chunk;
    const pieces = (partial[stream] + chunk).split('\n');
    partial[stream] = pieces.pop() ?? '';
    for (const text of pieces) lines.push({ stream, text: text.replace(/\r$/, '') });
  };
  child.stdout.setEncoding('utf8').on('data', chunk => take('stdout', chunk));
  child.stderr.setEncoding('utf8').on('data', chunk => take('stderr', chunk));
  // 'close' comes after both streams ended: the last partial lines are in by then.
  child.once('close', () => {
    for (const stream of /** @type {const} */ (['stdout', 'stderr'])) if (partial[stream] !== '') lines.push({ stream, text: partial[stream] });
  });
  return { lines, all };
}

/** A workflow command's data: %0D, %0A and %25 stand for CR, LF and %. @param {string} data */
export const unescapeData = data => data.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');

/** @param {string} stdout @param {string} command */
function commandLines(stdout, command) {
  const prefix = `::${command}::`;
  return stdout
    .split('\n')
    .filter(line => line.startsWith(prefix))
    .map(line => unescapeData(line.slice(prefix.length)));
}

/** GITHUB_OUTPUT holds `name<<DELIM` … `DELIM` blocks, or `name=value` lines. @param {string} text */
export function parseOutputs(text) {
  /** @type {Record<string, string>} */
  const outputs = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc?.[1] && heredoc[2]) {
      const end = lines.indexOf(heredoc[2], i + 1);
      const stop = end < 0 ? lines.length : end;
      outputs[heredoc[1]] = lines.slice(i + 1, stop).join('\n');
      i = stop;
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      outputs[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return outputs;
}

/**
 * Where a run shows the token: it may appear only in the `::add-mask::`
 * command (which the runner swallows), and that must be the first thing
 * printed, before anything could echo it. Empty when the token is hidden.
 * @param {ActionRun} run @param {string} token @returns {string[]}
 */
export function tokenExposure(run, token) {
  const [first = '', ...rest] = run.stdout.split('\n');
  const problems = first === `::add-mask::${token}` ? [] : [`the first line of stdout is not ::add-mask:: of the token: ${JSON.stringify(first.slice(0, 200))}`];
  /** @type {Record<string, string>} */
  const shown = {
    'stdout after ::add-mask::': rest.join('\n'),
    stderr: run.stderr,
    'the job summary': run.summary,
    'the outputs': JSON.stringify(run.outputs),
    GITHUB_ENV: run.fileCommands.env,
    GITHUB_PATH: run.fileCommands.path,
    GITHUB_STATE: run.fileCommands.state,
  };
  for (const [where, text] of Object.entries(shown)) if (text.includes(token)) problems.push(`the token is in ${where}`);
  return problems;
}
