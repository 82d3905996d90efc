// @ts-check
/**
 * Renders a GitHub job summary (Markdown mixed with HTML) as terminal text:
 * headings bold and underlined, tables as aligned box-drawn columns,
 * <details> as "▸ summary" with the body indented, <pre> as a ruled block,
 * other tags stripped and character references decoded.
 *
 * It understands the subset job summaries use, not all of Markdown or HTML:
 * ATX headings, "- " bullets, **bold** and `code` in Markdown text; p, div,
 * h1–h6, table/tr/th/td, details/summary, pre, code, b/strong, i/em, a, br,
 * hr, ul/ol/li, blockquote and img (its alt text) in HTML.
 *
 * @typedef {{ type: 'text', text: string }} TextNode
 * @typedef {{ type: 'element', tag: string, attrs: Record<string, string>, children: Node[] }} ElementNode
 * @typedef {TextNode | ElementNode} Node
 * @typedef {object} RenderOptions
 * @property {boolean} [color]  ANSI styles; default false
 * @property {number} [width]  columns to fit; default 100
 * @property {number} [maxRows]  body rows shown per table; the rest are counted; default all
 * @typedef {{ style: import('./text.mjs').Style, maxRows: number }} Ctx
 */
import { decodeHTML, decodeHTMLAttribute } from 'entities';
import { Parser } from 'htmlparser2';
import { characters, displayWidth, makeStyle, pad, stripAnsi, wrap } from './text.mjs';

const BLOCK_TAGS = new Set([
  'p', 'div', 'section', 'article', 'header', 'footer', 'main', 'nav', 'aside', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'table', 'details', 'pre', 'ul', 'ol', 'blockquote', 'hr', 'dl', 'figure',
]);

/** Character references decoded as a browser does. @param {string} text */
export const decodeEntities = (text) => decodeHTML(text);

/**
 * The summary as a tree of elements and text. Text is kept as written,
 * references and all: Markdown marks are read before they are decoded, so
 * an escaped &#42;&#42; never turns bold.
 * @param {string} source
 */
export function parseHtml(source) {
  /** @type {ElementNode} */
  const root = { type: 'element', tag: '#root', attrs: {}, children: [] };
  const stack = [root];
  const top = () => /** @type {ElementNode} */ (stack[stack.length - 1]);
  const parser = new Parser(
    {
      onopentag(tag, attribs) {
        const attrs = Object.fromEntries(Object.entries(attribs).map(([name, value]) => [name, decodeHTMLAttribute(value)]));
        /** @type {ElementNode} */
        const element = { type: 'element', tag, attrs, children: [] };
        top().children.push(element);
        stack.push(element);
      },
      ontext(text) {
        const last = top().children.at(-1);
        if (last?.type === 'text') last.text += text;
        else top().children.push({ type: 'text', text });
      },
      onclosetag() {
        if (stack.length > 1) stack.pop();
      },
    },
    { decodeEntities: false, recognizeSelfClosing: true },
  );
  parser.end(source);
  return root;
}

/** @param {Node} node @returns {boolean} */
const isBlock = (node) => node.type === 'element' && BLOCK_TAGS.has(node.tag);

/** @param {Node[]} nodes @returns {string} the raw text, tags dropped, entities decoded */
function textContent(nodes) {
  return nodes.map((node) => (node.type === 'text' ? decodeEntities(node.text) : node.tag === 'br' ? '\n' : textContent(node.children))).join('');
}

/** Markdown inline marks in raw text, then entities: an escaped &#42;&#42; never turns bold. @param {string} raw @param {Ctx} ctx */
function markdownInline(raw, ctx) {
  const collapsed = raw.replace(/[ \t\r\n]+/g, ' ');
  let out = '';
  let last = 0;
  for (const m of collapsed.matchAll(/`([^`]+)`|\*\*([^*]+)\*\*/g)) {
    out += decodeEntities(collapsed.slice(last, m.index));
    out += m[1] !== undefined ? ctx.style.cyan(decodeEntities(m[1])) : ctx.style.bold(decodeEntities(m[2] ?? ''));
    last = m.index + m[0].length;
  }
  return out + decodeEntities(collapsed.slice(last));
}

/** Inline rendering: styled text, "\n" only where a <br> (or a block inside) asks for it. @param {Node[]} nodes @param {Ctx} ctx @returns {string} */
function inline(nodes, ctx) {
  return nodes.map((node) => inlineNode(node, ctx)).join('');
}

/** @param {Node} node @param {Ctx} ctx @returns {string} */
function inlineNode(node, ctx) {
  const { style } = ctx;
  if (node.type === 'text') return decodeEntities(node.text.replace(/[ \t\r\n]+/g, ' '));
  const inner = () => inline(node.children, ctx);
  switch (node.tag) {
    case 'br':
      return '\n';
    case 'img':
      return node.attrs.alt ?? '';
    case 'code': case 'kbd': case 'samp': case 'tt':
      return style.cyan(inner());
    case 'b': case 'strong':
      return style.bold(inner());
    case 'i': case 'em':
      return style.italic(inner());
    case 'u': case 'ins':
      return style.underline(inner());
    case 's': case 'del': case 'strike':
      return style.dim(inner());
    case 'a':
      // Underlined like a link; the address itself would swamp table cells on a terminal.
      return style.underline(inner());
    default:
      return isBlock(node) ? `\n${inner().trim()}\n` : inner();
  }
}

/** Trims each line and drops blank lines at both ends. @param {string} text */
function tidy(text) {
  return text.split('\n').map((line) => line.trim()).join('\n').replace(/^\n+|\n+$/g, '');
}

/** @param {number} level @param {string} text @param {number} width @param {Ctx} ctx @returns {string[]} */
function heading(level, text, width, ctx) {
  const { style } = ctx;
  const lines = wrap(text, width);
  if (style.enabled) return lines.map((line) => (level <= 3 ? style.bold(style.underline(line)) : style.bold(line)));
  const rule = level <= 2 ? '═' : '─';
  const ruleWidth = Math.min(width, Math.max(...lines.map(displayWidth)));
  return [...lines, rule.repeat(ruleWidth)];
}

/**
 * Renders a run of nodes that may hold Markdown text and block elements.
 * @param {Node[]} nodes @param {number} width @param {Ctx} ctx @returns {string[]} lines, blocks separated by one blank line
 */
function blocks(nodes, width, ctx) {
  /** @type {string[][]} */
  const out = [];
  /** @type {{ text: string, bullet: boolean }[]} */
  let paragraph = [];
  let line = '';
  let lineHeading = 0;
  let lineBullet = false;

  const flushParagraph = () => {
    if (paragraph.length === 0) return;
    /** @type {string[]} */
    const lines = [];
    let prose = '';
    const flushProse = () => {
      if (prose !== '') lines.push(...wrap(prose.trim(), width));
      prose = '';
    };
    for (const item of paragraph) {
      if (!item.bullet) {
        prose += ` ${item.text}`;
        continue;
      }
      flushProse();
      wrap(item.text.trim(), width - 2).forEach((text, i) => lines.push(`${i === 0 ? '• ' : '  '}${text}`));
    }
    flushProse();
    out.push(lines);
    paragraph = [];
  };
  const endLine = () => {
    const text = line.trim();
    if (lineHeading > 0) {
      flushParagraph();
      out.push(heading(lineHeading, text, width, ctx));
    } else if (stripAnsi(text) === '') {
      flushParagraph();
    } else {
      paragraph.push({ text, bullet: lineBullet });
    }
    line = '';
    lineHeading = 0;
    lineBullet = false;
  };

  for (const node of nodes) {
    if (node.type === 'text') {
      node.text.split('\n').forEach((piece, i) => {
        if (i > 0) endLine();
        let raw = piece;
        if (line === '') {
          const marker = /^\s{0,3}(?:(#{1,6})\s+|([-*+])\s+)/.exec(raw);
          if (marker?.[1]) lineHeading = marker[1].length;
          if (marker?.[2]) lineBullet = true;
          if (marker) raw = raw.slice(marker[0].length).replace(/\s+#+\s*$/, '');
        }
        line += markdownInline(raw, ctx);
      });
    } else if (node.tag === 'br') {
      endLine();
    } else if (isBlock(node)) {
      endLine();
      flushParagraph();
      const lines = block(node, width, ctx);
      if (lines.length > 0) out.push(lines);
    } else {
      line += inlineNode(node, ctx);
    }
  }
  endLine();
  flushParagraph();
  return out.flatMap((lines, i) => (i === 0 ? lines : ['', ...lines]));
}

/** @param {ElementNode} node @param {number} width @param {Ctx} ctx @returns {string[]} */
function block(node, width, ctx) {
  const { style } = ctx;
  const level = /^h([1-6])$/.exec(node.tag)?.[1];
  if (level) return heading(Number(level), tidy(inline(node.children, ctx)).replace(/\n/g, ' '), width, ctx);
  switch (node.tag) {
    case 'p':
      // GitHub reads no Markdown inside an HTML block, so neither does this.
      if (!node.children.some(isBlock)) return tidy(inline(node.children, ctx)).split('\n').flatMap((text) => wrap(text, width));
      return blocks(node.children, width, ctx);
    case 'table':
      return table(node, width, ctx);
    case 'details':
      return details(node, width, ctx);
    case 'pre': {
      const text = textContent(node.children).replace(/^\n/, '').replace(/\s+$/, '');
      const bar = style.dim('│ ');
      // Hard-wrapped, not word-wrapped: it is code.
      return text.split('\n').flatMap((row) => chop(row, width - 2)).map((row) => `${bar}${row}`);
    }
    case 'ul':
    case 'ol':
      return list(node, width, ctx);
    case 'blockquote':
      return blocks(node.children, width - 2, ctx).map((row) => `${style.dim('│')} ${row}`);
    case 'hr':
      return [style.dim('─'.repeat(Math.min(width, 40)))];
    default:
      return blocks(node.children, width, ctx);
  }
}

/** Cuts a line into pieces of at most `width` columns. @param {string} text @param {number} width */
function chop(text, width) {
  if (displayWidth(text) <= width) return [text];
  /** @type {string[]} */
  const rows = [];
  let row = '';
  for (const char of characters(text)) {
    if (displayWidth(row + char) > width) {
      rows.push(row);
      row = '';
    }
    row += char;
  }
  return [...rows, row];
}

/** @param {ElementNode} node @param {number} width @param {Ctx} ctx @returns {string[]} */
function list(node, width, ctx) {
  const items = node.children.filter((child) => child.type === 'element' && child.tag === 'li');
  const start = Number(node.attrs.start ?? '1') || 1;
  return items.flatMap((item, i) => {
    const marker = node.tag === 'ol' ? `${start + i}. ` : '• ';
    const body = blocks(/** @type {ElementNode} */ (item).children, width - marker.length, ctx);
    return body.map((row, j) => (j === 0 ? marker : ' '.repeat(marker.length)) + row);
  });
}

/** @param {ElementNode} node @param {number} width @param {Ctx} ctx @returns {string[]} */
function details(node, width, ctx) {
  const { style } = ctx;
  const summaryNode = node.children.find((child) => child.type === 'element' && child.tag === 'summary');
  const title = summaryNode?.type === 'element' ? tidy(inline(summaryNode.children, ctx)).replace(/\n/g, ' ') : 'Details';
  const folded = 'open' in node.attrs ? '' : ` ${style.dim('(folded on GitHub)')}`;
  const body = blocks(node.children.filter((child) => child !== summaryNode), width - 2, ctx);
  return [...wrap(`▸ ${style.bold(title)}${folded}`, width), ...body.map((row) => (row === '' ? '' : `  ${row}`))];
}

/** A cell that reads as a number ("1,024", "❌ 3", "—") is right-aligned with its column. @param {string} text */
const numeric = (text) => /^(?:\p{Extended_Pictographic}\ufe0f?\s*)?[\d,.]+%?$|^[—–-]$/u.test(stripAnsi(text).trim());

/** @param {ElementNode} node @returns {ElementNode[]} */
function rowsOf(node) {
  return node.children.flatMap((child) => {
    if (child.type !== 'element') return [];
    if (child.tag === 'tr') return [child];
    return ['thead', 'tbody', 'tfoot'].includes(child.tag) ? rowsOf(child) : [];
  });
}

/** @param {ElementNode} node @param {number} width @param {Ctx} ctx @returns {string[]} */
function table(node, width, ctx) {
  const { style } = ctx;
  const allRows = rowsOf(node).map((tr) =>
    tr.children
      .filter((cell) => cell.type === 'element' && (cell.tag === 'td' || cell.tag === 'th'))
      .map((cell) => ({ text: tidy(inline(/** @type {ElementNode} */ (cell).children, ctx)), header: /** @type {ElementNode} */ (cell).tag === 'th' })),
  );
  if (allRows.length === 0) return [];
  const hasHead = allRows[0]?.every((cell) => cell.header) ?? false;
  const head = hasHead ? allRows[0] : undefined;
  const body = hasHead ? allRows.slice(1) : allRows;
  const shown = body.slice(0, ctx.maxRows);
  const hidden = body.length - shown.length;
  const rows = head ? [head, ...shown] : shown;
  const columns = Math.max(...rows.map((row) => row.length));
  const cellText = (/** @type {number} */ r, /** @type {number} */ c) => rows[r]?.[c]?.text ?? '';

  const widths = Array.from({ length: columns }, (_, c) =>
    Math.max(1, ...rows.map((_row, r) => Math.max(...cellText(r, c).split('\n').map(displayWidth)))),
  );
  const right = Array.from({ length: columns }, (_, c) => shown.length > 0 && shown.every((row) => !row[c] || numeric(row[c].text)));
  // Squeeze the widest column until the table fits: "│ " + cells joined by " │ " + " │".
  const available = width - (3 * columns + 1);
  while (widths.reduce((a, b) => a + b, 0) > available) {
    const widest = widths.indexOf(Math.max(...widths));
    if ((widths[widest] ?? 0) <= 8) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }

  const line = (/** @type {string} */ left, /** @type {string} */ mid, /** @type {string} */ rightEnd) =>
    style.dim(left + widths.map((w) => '─'.repeat(w + 2)).join(mid) + rightEnd);
  const bar = style.dim('│');
  /** @param {number} r @returns {string[]} */
  const renderRow = (r) => {
    const isHead = head !== undefined && r === 0;
    const cells = widths.map((w, c) => wrap(cellText(r, c), w));
    const height = Math.max(...cells.map((cell) => cell.length));
    return Array.from({ length: height }, (_, i) =>
      bar + cells.map((cell, c) => {
        const text = cell[i] ?? '';
        return ` ${pad(isHead ? style.bold(text) : text, widths[c] ?? 0, !isHead && right[c] ? 'right' : 'left')} `;
      }).join(bar) + bar,
    );
  };

  const rendered = rows.map((_row, r) => renderRow(r));
  const bodyStart = head ? 1 : 0;
  const tall = rendered.slice(bodyStart).some((row) => row.length > 1);
  const out = [line('┌', '┬', '┐')];
  rendered.forEach((row, r) => {
    if (r > 0 && (r === bodyStart || tall)) out.push(line('├', '┼', '┤'));
    out.push(...row);
  });
  out.push(line('└', '┴', '┘'));
  if (hidden > 0) out.push(style.dim(`… ${hidden} more ${hidden === 1 ? 'row' : 'rows'} in the summary, not shown here`));
  return out;
}

/**
 * @param {string} source the job summary as written to GITHUB_STEP_SUMMARY
 * @param {RenderOptions} [options]
 * @returns {string} terminal text, no trailing newline
 */
export function renderSummary(source, { color = false, width = 100, maxRows = Infinity } = {}) {
  const ctx = { style: makeStyle(color), maxRows };
  // Fenced code (the Mermaid charts) reads as preformatted text here; GitHub draws it.
  const fenced = source.replace(/^```(\w*)\n([\s\S]*?)\n```$/gm, (_, lang, body) => `<pre>${lang ? `(${lang})\n` : ''}${escapeHtml(body)}</pre>`);
  return blocks(parseHtml(fenced).children, Math.max(20, width), ctx).join('\n');
}

/** @param {string} text */
function escapeHtml(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
