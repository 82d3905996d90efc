import { scrub } from '../secrets.js';

declare const HTML: unique symbol;

/**
 * Summary markup. Only this module makes it: from untrusted text through
 * `escape`, and from the action's own literals through the `html` tag. Every
 * headline and section is typed Html, so raw text from an input or from Fastly
 * cannot reach the summary without a compile error.
 */
export type Html = string & { readonly [HTML]: true };

/**
 * Escapes text for a job summary: HTML's specials, and Markdown's, since
 * GitHub still parses Markdown between inline tags. Line breaks too: a blank
 * line would end GitHub's HTML block, and what follows would be Markdown
 * outside the table or paragraph it belongs to (inside <pre>, a reference
 * still breaks the line). The secret goes first, before its characters turn
 * into references.
 */
export function escape(text: string): Html {
  return scrub(text).replace(/[&<>"'`*_[\]|~\\#!\r\n]/g, char => `&#${char.charCodeAt(0)};`) as Html;
}

/** The action's own markup: the literal parts are trusted, every value must be Html already (or a number). */
export function html(literals: TemplateStringsArray, ...values: readonly (Html | number)[]): Html {
  return literals.reduce((out, literal, i) => out + (i === 0 ? '' : String(values[i - 1])) + literal, '') as Html;
}

/** Text inside a Mermaid chart's quoted label or list: Mermaid has no escapes, so only harmless characters are kept. */
export function mermaidText(text: string): Html {
  return scrub(text).replace(/[^\w .:,-]/g, '') as Html;
}

export function join(parts: readonly Html[], separator: '' | ' ' | ', ' | '\n' | '\n\n'): Html {
  return parts.join(separator) as Html;
}

/** A headline is one line: a line break in a service name or an error would end the heading. */
export function flat(text: Html): Html {
  return text.replace(/\s+/g, ' ') as Html;
}

export const EMPTY = '' as Html;

/** `cells` are Html: escape what goes in. */
export function table(head: readonly Html[], rows: readonly (readonly Html[])[]): Html {
  const headRow = `<tr>${head.map(cell => `<th>${cell}</th>`).join('')}</tr>`;
  const bodyRows = rows.map(row => `<tr>${row.map(cell => `<td>${cell}</td>`).join('')}</tr>`);
  return `<table>${[headRow, ...bodyRows].join('')}</table>` as Html;
}

export function details(summary: Html, body: Html, open = false): Html {
  return `<details${open ? ' open' : ''}><summary>${summary}</summary>\n\n${body}\n\n</details>` as Html;
}

export function code(text: string): Html {
  return html`<code>${escape(text)}</code>`;
}

/** 12,345 as en-US writes it, without toLocaleString: its first call starts ICU, about 9 ms of every run. */
export function count(n: number): Html {
  const rounded = Math.round(n * 1000) / 1000;
  const [whole = '', fraction] = String(Math.abs(rounded)).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${rounded < 0 ? '-' : ''}${grouped}${fraction ? `.${fraction}` : ''}` as Html;
}

/** `one` and `many` are the action's own words. */
export function plural(n: number, one: string, many = `${one}s`): Html {
  return `${count(n)} ${escape(n === 1 ? one : many)}` as Html;
}

/** 2026-11-23 21:00:00 UTC: readable, and unambiguous on a runner in any zone. */
export function utc(date: Date): Html {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC` as Html;
}
