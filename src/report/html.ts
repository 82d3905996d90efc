/**
 * Escapes text for a job summary: HTML's specials, and Markdown's, since
 * GitHub still parses Markdown between inline tags. Everything that came from
 * an input or from Fastly goes through here.
 */
export function escape(text: string): string {
  return text.replace(/[&<>"'`*_[\]|~\\#!]/g, char => `&#${char.charCodeAt(0)};`);
}

/** `cells` are HTML already: escape what goes in. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const headRow = `<tr>${head.map(cell => `<th>${cell}</th>`).join('')}</tr>`;
  const bodyRows = rows.map(row => `<tr>${row.map(cell => `<td>${cell}</td>`).join('')}</tr>`);
  return `<table>${[headRow, ...bodyRows].join('')}</table>`;
}

export function details(summary: string, body: string, open = false): string {
  return `<details${open ? ' open' : ''}><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

export function code(text: string): string {
  return `<code>${escape(text)}</code>`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** 2026-11-23 21:00:00 UTC: readable, and unambiguous on a runner in any zone. */
export function utc(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
