// @ts-check
/**
 * The action's log shown the way GitHub shows it.
 *
 * @typedef {import('../__tests__/harness/run-action.mjs').RawLine} RawLine
 */
import { unescapeData } from '../__tests__/harness/run-action.mjs';

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
