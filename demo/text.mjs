// @ts-check
/**
 * Terminal text helpers for the demo: optional ANSI styles, display width
 * (string-width: wide emoji count as two columns) and ANSI-aware word wrapping.
 *
 * @typedef {(text: string) => string} Paint
 * @typedef {object} Style
 * @property {boolean} enabled
 * @property {Paint} bold
 * @property {Paint} dim
 * @property {Paint} italic
 * @property {Paint} underline
 * @property {Paint} red
 * @property {Paint} green
 * @property {Paint} yellow
 * @property {Paint} blue
 * @property {Paint} cyan
 * @property {Paint} gray
 */
import { stripVTControlCharacters } from 'node:util';
import stringWidth from 'string-width';

/** Colour only on a terminal, and never when NO_COLOR is set to something (https://no-color.org). */
export function colorWanted() {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

/** Each style turns itself off with its own code, so styles nest. @param {number} on @param {number} off @returns {Paint} */
const sgr = (on, off) => (text) => (text === '' ? '' : `\x1b[${on}m${text}\x1b[${off}m`);

/** @type {Paint} */
const plain = (text) => text;

/** @param {boolean} enabled @returns {Style} */
export function makeStyle(enabled) {
  if (!enabled) {
    return { enabled, bold: plain, dim: plain, italic: plain, underline: plain, red: plain, green: plain, yellow: plain, blue: plain, cyan: plain, gray: plain };
  }
  return {
    enabled,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    italic: sgr(3, 23),
    underline: sgr(4, 24),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    blue: sgr(34, 39),
    cyan: sgr(36, 39),
    gray: sgr(90, 39),
  };
}

/** @param {string} text */
export const stripAnsi = (text) => stripVTControlCharacters(text);

/** Columns a terminal gives the text: wide emoji and CJK count two, ANSI styles none. @param {string} text */
export const displayWidth = (text) => stringWidth(text);

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** What a terminal draws as one character (an emoji with its modifiers, a letter with its accents). @param {string} text */
export const characters = (text) => Array.from(graphemes.segment(text), (part) => part.segment);

/** @param {string} text @param {number} width @param {'left' | 'right'} [align] */
export function pad(text, width, align = 'left') {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'left' ? text + fill : fill + text;
}

/**
 * Tracks which SGR styles are on, so a wrapped line can close them and the
 * next one reopen them.
 */
class ActiveStyles {
  /** @type {Map<string, string>} */
  #on = new Map();

  /** @param {string} code e.g. "\x1b[1m" */
  apply(code) {
    const n = Number(code.slice(2, -1) || '0');
    if (n === 0) this.#on.clear();
    else if (n === 22) this.#on.delete('weight');
    else if (n === 23) this.#on.delete('italic');
    else if (n === 24) this.#on.delete('underline');
    else if (n === 39) this.#on.delete('fg');
    else if (n === 1 || n === 2) this.#on.set('weight', code);
    else if (n === 3) this.#on.set('italic', code);
    else if (n === 4) this.#on.set('underline', code);
    else this.#on.set('fg', code);
  }

  get reopen() {
    return [...this.#on.values()].join('');
  }

  get close() {
    return this.#on.size > 0 ? '\x1b[0m' : '';
  }
}

/**
 * Word-wraps text (which may hold ANSI styles) to `width` columns; words
 * longer than a line are cut. Each "\n" starts a new line. Runs of spaces
 * become one space.
 * @param {string} text @param {number} width @returns {string[]}
 */
export function wrap(text, width) {
  const max = Math.max(1, width);
  return text.split('\n').flatMap((line) => wrapLine(line, max));
}

/** @param {string} line @param {number} width @returns {string[]} */
function wrapLine(line, width) {
  /** @type {string[]} */
  const lines = [];
  const styles = new ActiveStyles();
  let current = '';
  let used = 0;
  const newLine = () => {
    lines.push(current + styles.close);
    current = styles.reopen;
    used = 0;
  };
  // eslint-disable-next-line no-control-regex
  for (const word of line.split(/ +/).filter((w) => stripAnsi(w) !== '' || /\x1b/.test(w))) {
    const wordWidth = displayWidth(word);
    if (used > 0 && used + 1 + wordWidth > width) newLine();
    else if (used > 0 && wordWidth > 0) {
      current += ' ';
      used += 1;
    }
    // eslint-disable-next-line no-control-regex
    for (const piece of word.split(/(\x1b\[[0-9;]*m)/)) {
      if (piece.startsWith('\x1b[')) {
        styles.apply(piece);
        current += piece;
        continue;
      }
      for (const char of characters(piece)) {
        const w = displayWidth(char);
        if (used + w > width && used > 0) newLine();
        current += char;
        used += w;
      }
    }
  }
  lines.push(current + styles.close);
  return lines;
}
