// @ts-check
// Writes dist/licenses.txt from ncc's stats: every package any chunk of the
// bundle holds. ncc's own --license lists only the last chunk it emits, so a
// package loaded with import() (tunnel, octokit) would drop the others.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [statsPath, outPath] = process.argv.slice(2);
if (!statsPath || !outPath) throw new Error('usage: node script/licenses.mjs <ncc stats.json> <licenses.txt>');

/** @type {{ modules?: { name: string }[] }} */
const stats = JSON.parse(readFileSync(statsPath, 'utf8'));
const roots = new Set();
for (const { name } of stats.modules ?? []) {
  const match = /^(?:\.\/)?((?:.*\/)?node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(name);
  if (match?.[1]) roots.add(match[1]);
}

const entries = [...roots].map(root => {
  /** @type {{ name: string, license?: string }} */
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const file = readdirSync(root).find(f => /^licen[cs]e/i.test(f));
  const text = file && existsSync(join(root, file)) ? readFileSync(join(root, file), 'utf8').trim() : '';
  return { name: pkg.name, license: pkg.license ?? 'UNKNOWN', text };
});
entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
const unique = entries.filter((entry, i) => i === 0 || entries[i - 1]?.name !== entry.name);
writeFileSync(outPath, unique.map(e => `${e.name}\n${e.license}\n${e.text}\n`).join('\n'));
