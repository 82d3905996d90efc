import type { Environment } from '../../fastly/versions.js';
import type { PackageChange, PackageFacts } from '../../modes/activate/outcome.js';
import type { PlanSection } from '../../github/plan-comment.js';
import { escape, html, join } from '../../report/html.js';
import type { PlanKind } from '../kind.js';
import { field, list, numberOr, record, text } from './read-back.js';

/** One finding of Fastly's linter on a repository file; the position when its text carries one. */
export interface LintFinding {
  readonly path: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
}

export interface VclFilePlan {
  readonly name: string;
  /** The repository file. */
  readonly path: string;
  readonly action: 'create' | 'update' | 'unchanged';
  /** SHA-256 of the file's content: the plan holds what changes, not the VCL itself. */
  readonly sha256: string;
}

/** `activate` on one service: the version it starts from and the VCL it brings. */
export interface VclServicePart {
  readonly kind: 'vcl-service';
  readonly serviceId: string;
  readonly serviceName: string;
  readonly environment: Environment;
  /** Active on the environment when the plan was made. */
  readonly activeVersion: number | undefined;
  /** The version cloned, or with clone: false the one activated. */
  readonly baseVersion: number | undefined;
  readonly clone: boolean;
  readonly files: readonly VclFilePlan[];
  /** The VCL made main, when that changes. */
  readonly mainVcl: string | undefined;
  /** With `package` (Compute): the base's package against the one read. */
  readonly package: PackageChange | undefined;
  /** The files against the base version's VCL, unified. */
  readonly diff: string | undefined;
  readonly lint: readonly LintFinding[];
  /** Nothing differs from what is live: nothing will be cloned or activated. */
  readonly alreadyLive: boolean;
  /** Why no plan could be made for this service. */
  readonly error: string | undefined;
}

export const vclService: PlanKind<VclServicePart> = {
  target: part => part.serviceId,
  changesNothing: part => part.error === undefined && part.alreadyLive,
  encode: part => ({
    environment: part.environment,
    active: part.activeVersion ?? null,
    base: part.baseVersion ?? null,
    clone: part.clone,
    files: [...part.files].sort((a, b) => (a.name < b.name ? -1 : 1)).map(f => ({ name: f.name, action: f.action, sha256: f.sha256 })),
    main: part.mainVcl ?? null,
    package: part.package ? { before: part.package.before?.filesHash ?? null, after: part.package.after.filesHash ?? null, action: part.package.action } : null,
    error: part.error ?? null
  }),
  differences(reviewed, fresh) {
    const was = record(reviewed);
    const now = record(vclService.encode(fresh));
    const env = fresh.environment;
    const out: string[] = [];
    const version = (n: unknown) => (typeof n === 'number' ? `version ${n}` : 'no version');
    if (field(was, 'environment') !== env) out.push(`the reviewed plan was for ${text(field(was, 'environment'))}, this run deploys to ${env}`);
    if (field(was, 'active') !== field(now, 'active')) {
      out.push(`${env} of ${fresh.serviceId} moved from ${version(field(was, 'active'))} to ${version(field(now, 'active'))} since the review`);
    } else if (field(was, 'base') !== field(now, 'base')) {
      out.push(`${fresh.serviceId} starts from ${version(field(now, 'base'))}, not ${version(field(was, 'base'))} as reviewed`);
    }
    if (field(was, 'clone') !== fresh.clone) out.push(`clone is ${String(fresh.clone)} now, ${text(field(was, 'clone'))} when reviewed`);
    const reviewedFiles = new Map(list(field(was, 'files')).map(f => [text(field(record(f), 'name')), record(f)]));
    for (const file of fresh.files) {
      const before = reviewedFiles.get(file.name);
      reviewedFiles.delete(file.name);
      if (!before) out.push(`${file.path} was not in the reviewed plan`);
      else if (field(before, 'sha256') !== file.sha256) out.push(`${file.path} differs from what was reviewed`);
      else if (field(before, 'action') !== file.action) out.push(`${file.path} would now be ${describeAction(file.action)}, ${describeAction(text(field(before, 'action')))} when reviewed`);
    }
    for (const name of reviewedFiles.keys()) out.push(`the VCL '${name}' was in the reviewed plan but is not in this run`);
    if (field(was, 'main') !== field(now, 'main')) out.push(`the VCL made main is ${text(field(now, 'main') ?? 'unchanged')} now, ${text(field(was, 'main') ?? 'unchanged')} when reviewed`);
    const wasPackage = record(field(was, 'package'));
    const nowPackage = record(field(now, 'package'));
    if (field(wasPackage, 'after') !== field(nowPackage, 'after')) out.push(fresh.package ? `the package ${fresh.package.path} differs from what was reviewed` : 'the reviewed plan had a package, this run has none');
    else if (field(wasPackage, 'before') !== field(nowPackage, 'before')) out.push(`the package of ${fresh.serviceId}'s version ${numberOr(fresh.baseVersion)} is not the one reviewed`);
    if (out.length === 0 && field(was, 'error') !== field(now, 'error')) out.push(`the plan of ${fresh.serviceId} failed differently`);
    return out;
  },
  headline(part) {
    const who = `${part.serviceName} (${part.serviceId})`;
    if (part.error !== undefined) return `${who}: no plan: ${part.error}`;
    const from = `from version ${numberOr(part.baseVersion)}${part.baseVersion === part.activeVersion ? `, active on ${part.environment}` : ` (${part.environment} is on ${numberOr(part.activeVersion)})`}`;
    const lint = lintStatus(part);
    if (part.alreadyLive) return `${who}: already live on ${part.environment} (version ${numberOr(part.activeVersion)}): nothing to deploy${lint}`;
    if (part.package) {
      const what = part.package.action === 'unchanged' ? 'the package is already there (same files hash)' : `upload the package (files hash ${shortHash(part.package.before?.filesHash)} → ${shortHash(part.package.after.filesHash)})`;
      return `${who}: clone ${from}: ${what}`;
    }
    if (!part.clone) return `${who}: activate version ${numberOr(part.baseVersion)} on ${part.environment} (now ${numberOr(part.activeVersion)})`;
    const counts = (['create', 'update', 'unchanged'] as const)
      .map(action => [action, part.files.filter(f => f.action === action).length] as const)
      .filter(([, n]) => n > 0)
      .map(([action, n]) => `${n} ${describeAction(action)}`);
    const files = part.files.length > 0 ? `: VCL ${counts.join(', ')}` : ': no VCL files';
    const main = part.mainVcl ? `; '${part.mainVcl}' made main` : '';
    return `${who}: clone ${from}${files}${main}${lint}`;
  },
  sections(part) {
    const sections: PlanSection[] = [];
    if (part.lint.length > 0) {
      const items = part.lint.map(f => {
        const at = f.line === undefined ? '' : `:${f.line}${f.column === undefined ? '' : `:${f.column}`}`;
        return html`<li>${f.severity === 'error' ? html`❌` : html`⚠️`} <code>${escape(`${f.path}${at}`)}</code> ${escape(f.message)}</li>`;
      });
      sections.push({ title: `Lint of ${part.serviceId}`, markdown: html`<ul>${join(items, '')}</ul>` });
    }
    if (part.package) {
      const row = (label: string, facts: PackageFacts | undefined) =>
        html`<tr><td>${escape(label)}</td><td>${escape(facts?.name ?? '—')}</td><td>${escape(facts?.language ?? '—')}</td><td>${escape(facts?.size === undefined ? '—' : String(facts.size))}</td><td><code>${escape(facts?.filesHash ?? '—')}</code></td></tr>`;
      const table = html`<table><tr><th></th><th>Name</th><th>Language</th><th>Bytes</th><th>Files hash</th></tr>${row(`version ${numberOr(part.baseVersion)}`, part.package.before)}${row(part.package.path, part.package.after)}</table>`;
      sections.push({ title: `Package of ${part.serviceId}`, markdown: table });
    }
    if (part.diff) sections.push({ title: `VCL of ${part.serviceId}: the repository against version ${numberOr(part.baseVersion)}`, code: { language: 'diff', text: part.diff }, collapsed: true });
    return sections;
  }
};

function lintStatus(part: VclServicePart): string {
  if (part.files.length === 0) return '';
  const errors = part.lint.filter(f => f.severity === 'error').length;
  const warnings = part.lint.length - errors;
  if (errors > 0) return `; lint failed: ${errors} ${errors === 1 ? 'error' : 'errors'}${warnings > 0 ? `, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}` : ''}`;
  if (warnings > 0) return `; lint passed with ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}`;
  return '; lint passed';
}

function shortHash(hash: string | undefined): string {
  return hash === undefined ? 'none' : hash.slice(0, 12);
}

function describeAction(action: string): string {
  return action === 'create' ? 'created' : action === 'update' ? 'updated' : action === 'unchanged' ? 'unchanged' : action;
}
