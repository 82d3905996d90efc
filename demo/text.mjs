// @ts-check
/**
 * Terminal text helpers for the demo: optional ANSI styles, display width
 * (wide emoji count as two columns) and ANSI-aware word wrapping.
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

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** @param {string} text */
export const stripAnsi = (text) => text.replace(ANSI, '');

/** Code points that terminals draw two columns wide: CJK and the emoji with default emoji presentation. */
const WIDE = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0], [0x23f3, 0x23f3],
  [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653], [0x267f, 0x267f], [0x2693, 0x2693], [0x26a1, 0x26a1],
  [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5], [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea],
  [0x26f2, 0x26f3], [0x26f5, 0x26f5], [0x26fa, 0x26fa], [0x26fd, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b],
  [0x2728, 0x2728], [0x274c, 0x274c], [0x274e, 0x274e], [0x2753, 0x2755], [0x2757, 0x2757], [0x2795, 0x2797],
  [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55], [0x2e80, 0x303e],
  [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xac00, 0xd7a3], [0xf900, 0xfaff],
  [0xfe30, 0xfe4f], [0xff00, 0xff60], [0xffe0, 0xffe6], [0x1f300, 0x1f64f], [0x1f680, 0x1f6ff], [0x1f900, 0x1faff],
  [0x20000, 0x3fffd],
];

/** @param {number} cp */
const isWide = (cp) => WIDE.some(([from = 0, to = 0]) => cp >= from && cp <= to);

/** Combining marks, zero-width spaces and joiners, variation selectors. @param {number} cp */
const isZeroWidth = (cp) => (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f) || cp === 0x20e3;

/**
 * Columns one character (a code point, plus the U+FE0F that may follow it) takes.
 * A narrow symbol followed by U+FE0F (⚠️) asks for emoji presentation: two columns.
 * @param {string} char
 */
function charWidth(char) {
  const cp = char.codePointAt(0) ?? 0;
  if (cp < 0x20 || isZeroWidth(cp)) return 0;
  if (isWide(cp)) return 2;
  return char.length > 1 && char.endsWith('\ufe0f') ? 2 : 1;
}

/** Splits text into characters, keeping a U+FE0F with the character before it. @param {string} text */
function chars(text) {
  /** @type {string[]} */
  const out = [];
  for (const char of text) {
    if (char === '\ufe0f' && out.length > 0) out[out.length - 1] += char;
    else out.push(char);
  }
  return out;
}

/** @param {string} text */
export function displayWidth(text) {
  let width = 0;
  for (const char of chars(stripAnsi(text))) width += charWidth(char);
  return width;
}

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
      for (const char of chars(piece)) {
        const w = charWidth(char);
        if (used + w > width && used > 0) newLine();
        current += char;
        used += w;
      }
    }
  }
  lines.push(current + styles.close);
  return lines;
}
