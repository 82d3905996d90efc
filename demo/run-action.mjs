// @ts-check
/**
 * Runs the bundled action the way a GitHub runner does, and shows its log the
 * way GitHub does.
 *
 * @typedef {{ stream: 'stdout' | 'stderr', text: string }} RawLine
 * @typedef {object} ActionRun
 * @property {number | null} code  exit code; null when killed
 * @property {string | null} signal
 * @property {boolean} timedOut
 * @property {RawLine[]} lines  stdout and stderr lines, in the order they arrived
 * @property {string} stdout
 * @property {string} stderr
 * @property {Record<string, string>} outputs  from GITHUB_OUTPUT
 * @property {string} summary  GITHUB_STEP_SUMMARY's content
 * @property {number} ms
 * @typedef {object} RunSpec
 * @property {string} node  the Node binary
 * @property {string} action  path of dist/index.js
 * @property {Record<string, string>} inputs  input name → value, defaults included
 * @property {string} workspace  the job's working directory; GITHUB_OUTPUT and GITHUB_STEP_SUMMARY go there too
 * @property {number} [timeoutMs]
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a runner sets for every job: the default version comment of `activate`
 * is made of it, so the demo shows the README's
 * `acme/site@abc1234 by octocat — https://github.com/acme/site/actions/runs/4242`.
 */
export const RUN_CONTEXT = {
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
};

/** GitHub runs `using: node24` actions on Node 24: the node24 devDependency's binary, else this process's Node. @param {string} root */
export function node24(root) {
  const bundled = join(root, 'node_modules', 'node24', 'bin', 'node');
  return existsSync(bundled) ? bundled : process.execPath;
}

/**
 * The inputs' defaults from action.yml: the runner sets INPUT_* for every
 * input that has one, whether or not the workflow's `with:` names it. Reads
 * only the simple form action.yml uses (`    default: 'value'` under `  name:`).
 * @param {string} actionYml @returns {Record<string, string>}
 */
export function inputDefaults(actionYml) {
  /** @type {Record<string, string>} */
  const defaults = {};
  let inInputs = false;
  let current = '';
  for (const line of readFileSync(actionYml, 'utf8').split('\n')) {
    if (/^\S/.test(line)) inInputs = line.startsWith('inputs:');
    if (!inInputs) continue;
    const name = /^ {2}([\w-]+):\s*$/.exec(line);
    if (name?.[1]) current = name[1];
    const value = /^ {4}default:\s*(?:'((?:[^']|'')*)'|"([^"]*)"|(.*?))\s*$/.exec(line);
    if (value && current) defaults[current] = value[1]?.replace(/''/g, "'") ?? value[2] ?? value[3] ?? '';
  }
  return defaults;
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
 * Spawns the action asynchronously (the fake Fastly answers from this process,
 * so a synchronous spawn would deadlock) with only what a runner provides.
 * @param {RunSpec} spec @returns {Promise<ActionRun>}
 */
export async function runAction({ node, action, inputs, workspace, timeoutMs = 30_000 }) {
  const outputFile = join(workspace, 'github_output');
  const summaryFile = join(workspace, 'step_summary.md');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const inputEnv = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value]));
  const started = Date.now();
  const child = spawn(node, [action], {
    cwd: workspace,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: workspace,
      GITHUB_ACTIONS: 'true',
      ...RUN_CONTEXT,
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...inputEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

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
  child.stdout.setEncoding('utf8').on('data', (chunk) => take('stdout', chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => take('stderr', chunk));

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  /** @type {[number | null, string | null]} */
  const [code, signal] = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
  }).finally(() => clearTimeout(timer));
  for (const stream of /** @type {const} */ (['stdout', 'stderr'])) {
    if (partial[stream] !== '') lines.push({ stream, text: partial[stream] });
  }

  return {
    code,
    signal,
    timedOut,
    lines,
    stdout: all.stdout,
    stderr: all.stderr,
    outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    ms: Date.now() - started,
  };
}

/** A workflow command's data: %0D, %0A and %25 stand for CR, LF and %. @param {string} data */
const unescapeData = (data) => data.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
/** Properties also escape ":" and ",". @param {string} value */
const unescapeProperty = (value) => unescapeData(value).replace(/%3A/gi, ':').replace(/%2C/gi, ',');

/** Hidden by the runner: they act, they are not shown. */
const SILENT_COMMANDS = new Set(['add-mask', 'set-output', 'save-state', 'set-env', 'add-path', 'echo', 'debug', 'add-matcher', 'remove-matcher']);

/** @param {string} text @param {string[]} secrets */
export function mask(text, secrets) {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret !== '') out = out.split(secret).join('***');
  }
  return out;
}

/**
 * The log as GitHub shows it: workflow commands acted on or hidden, groups as
 * "▸ title" with their lines indented, annotations as "Error: …" / "Warning: …"
 * / "Notice: …", and every secret (the token, anything ::add-mask::ed) as ***.
 * Debug lines are hidden, as they are unless step debug logging is on.
 * @param {RawLine[]} lines
 * @param {{ secrets: string[], style: import('./text.mjs').Style }} options
 * @returns {{ lines: string[], hidden: Record<string, number> }} display lines, and how many of each command were hidden
 */
export function githubLog(lines, { secrets, style }) {
  const known = [...secrets];
  /** @type {string[]} */
  const out = [];
  /** @type {Record<string, number>} */
  const hidden = {};
  let depth = 0;
  let stopToken = '';
  /** @param {string} text @param {(s: string) => string} [paint] */
  const show = (text, paint = (s) => s) => {
    const indent = '  '.repeat(depth);
    for (const row of mask(text, known).split(/\r?\n/)) out.push(indent + paint(row));
  };

  for (const { stream, text } of lines) {
    const command = /^\s*::([A-Za-z][\w-]*)(?: ([^:]*))?::(.*)$/.exec(text);
    if (stopToken !== '') {
      if (command?.[1] === stopToken) stopToken = '';
      else show(text);
      continue;
    }
    if (!command) {
      show(text, stream === 'stderr' ? style.red : undefined);
      continue;
    }
    const [, rawName = '', rawProps = '', rawData = ''] = command;
    const name = rawName.toLowerCase();
    const data = unescapeData(rawData);
    if (name === 'add-mask') known.push(data.trim());
    if (name === 'stop-commands') {
      stopToken = rawData;
      hidden[name] = (hidden[name] ?? 0) + 1;
      continue;
    }
    if (SILENT_COMMANDS.has(name)) {
      hidden[name] = (hidden[name] ?? 0) + 1;
      continue;
    }
    if (name === 'group') {
      show(`▸ ${data}`, style.bold);
      depth += 1;
    } else if (name === 'endgroup') {
      depth = Math.max(0, depth - 1);
    } else if (name === 'error' || name === 'warning' || name === 'notice') {
      const props = Object.fromEntries(
        rawProps.split(',').filter(Boolean).map((pair) => {
          const at = pair.indexOf('=');
          return [pair.slice(0, at).trim(), unescapeProperty(pair.slice(at + 1))];
        }),
      );
      const where = props.file ? ` (${props.file}${props.line ? `:${props.line}` : ''})` : '';
      const title = props.title ? `${props.title}: ` : '';
      const label = { error: 'Error', warning: 'Warning', notice: 'Notice' }[name];
      const paint = { error: style.red, warning: style.yellow, notice: style.blue }[name];
      const [first = '', ...rest] = `${title}${data}`.split('\n');
      show(`${paint(`${label}:`)} ${first}${where}`);
      for (const row of rest) show(`  ${row}`);
    } else {
      show(text); // an unknown command: the runner prints it as it is
    }
  }
  return { lines: out, hidden };
}
