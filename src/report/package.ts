import type { PackageChange, PackageFacts, ServiceActivation } from '../modes/activate/outcome.js';
import { short } from '../modes/activate/package.js';
import { type Html, code, count, escape, html, table } from './html.js';

/** The package rows of a service's section: before and after, and what became of the upload. */
export function packageSection(s: ServiceActivation, change: PackageChange, dryRun: boolean, environment: string): Html {
  const base = s.baseVersion === undefined ? html`the base version` : html`version ${count(s.baseVersion)}`;
  const rows = (['name', 'language', 'size', 'filesHash'] as const).map(field => [
    FIELD_LABEL[field],
    change.before ? fact(change.before, field) : html`—`,
    fact(change.after, field)
  ]);
  const facts = table([html`Package`, html`Before (${base})`, html`After (${code(change.path)})`], rows);
  return html`<p>${what(s, change, dryRun, environment)}</p>\n\n${facts}`;
}

function what(s: ServiceActivation, change: PackageChange, dryRun: boolean, environment: string): Html {
  const live = html`version ${s.previousVersion === undefined ? html`none` : count(s.previousVersion)}`;
  if (s.status === 'unchanged') {
    return html`➖ This package is already live on ${escape(environment)} (${live} has the same files hash): nothing was cloned, uploaded or activated.`;
  }
  if (change.action === 'unchanged') return html`➖ The clone keeps the package it has from its base: the files hash is the same, so nothing was uploaded.`;
  if (change.uploaded) return html`📦 The package was uploaded into the clone, and Fastly's files hash matches the one computed here.`;
  if (dryRun) return html`📦 A real run would upload this package into the clone.`;
  return html`📦 This package was not deployed.`;
}

const FIELD_LABEL: Readonly<Record<keyof PackageFacts, Html>> = {
  name: html`Name`,
  language: html`Language`,
  size: html`Size`,
  filesHash: html`Files hash`
};

function fact(facts: PackageFacts, field: keyof PackageFacts): Html {
  if (field === 'size') return facts.size === undefined ? html`—` : html`${count(facts.size)} bytes`;
  if (field === 'filesHash') return facts.filesHash === undefined ? html`—` : code(short(facts.filesHash));
  const value = facts[field];
  return value === undefined ? html`—` : escape(value);
}

/** The dry run's step for the package. */
export function packageStep(change: PackageChange): Html {
  return change.action === 'upload'
    ? html`upload the package ${code(change.path)} (files hash ${code(short(change.after.filesHash))}) and check Fastly's files hash is the same`
    : html`keep the base's package (same files hash ${code(short(change.after.filesHash))})`;
}

export function packageLogLine(change: PackageChange): string {
  const hash = `files hash ${short(change.after.filesHash)}`;
  if (change.uploaded) return `package '${change.path}' uploaded (${hash}, confirmed by Fastly)`;
  if (change.action === 'unchanged') return `package '${change.path}' not uploaded: the version it starts from already has it (${hash})`;
  return `package '${change.path}' not uploaded (${hash}; was ${short(change.before?.filesHash)})`;
}

/** The `result` output's view of it: whole hashes, for a script to compare. */
export function packageResult(change: PackageChange): Record<string, unknown> {
  const plain = (facts: PackageFacts) => ({ name: facts.name ?? null, language: facts.language ?? null, size: facts.size ?? null, filesHash: facts.filesHash ?? null });
  return { before: change.before ? plain(change.before) : null, after: plain(change.after), action: change.action, uploaded: change.uploaded };
}
