import type { Environment } from '../../fastly/versions.js';
import type { PlanSection } from '../../github/plan-comment.js';
import { escape, html, join } from '../../report/html.js';
import type { PlanKind } from '../kind.js';
import { field, list, numberOr, record } from './read-back.js';

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
    error: part.error ?? null
  }),
  differences(reviewed, fresh) {
    const was = record(reviewed);
    const now = record(vclService.encode(fresh));
    const env = fresh.environment;
    const out: string[] = [];
    const version = (n: unknown) => (typeof n === 'number' ? `version ${n}` : 'no version');
    if (field(was, 'environment') !== env) out.push(`the reviewed plan was for ${String(field(was, 'environment'))}, this run deploys to ${env}`);
    if (field(was, 'active') !== field(now, 'active')) {
      out.push(`${env} of ${fresh.serviceId} moved from ${version(field(was, 'active'))} to ${version(field(now, 'active'))} since the review`);
    } else if (field(was, 'base') !== field(now, 'base')) {
      out.push(`${fresh.serviceId} starts from ${version(field(now, 'base'))}, not ${version(field(was, 'base'))} as reviewed`);
    }
    if (field(was, 'clone') !== fresh.clone) out.push(`clone is ${String(fresh.clone)} now, ${String(field(was, 'clone'))} when reviewed`);
    const reviewedFiles = new Map(list(field(was, 'files')).map(f => [String(field(record(f), 'name')), record(f)]));
    for (const file of fresh.files) {
      const before = reviewedFiles.get(file.name);
      reviewedFiles.delete(file.name);
      if (!before) out.push(`${file.path} was not in the reviewed plan`);
      else if (field(before, 'sha256') !== file.sha256) out.push(`${file.path} differs from what was reviewed`);
      else if (field(before, 'action') !== file.action) out.push(`${file.path} would now be ${describeAction(file.action)}, ${describeAction(String(field(before, 'action')))} when reviewed`);
    }
    for (const name of reviewedFiles.keys()) out.push(`the VCL '${name}' was in the reviewed plan but is not in this run`);
    if (field(was, 'main') !== field(now, 'main')) out.push(`the VCL made main is ${String(field(now, 'main') ?? 'unchanged')} now, ${String(field(was, 'main') ?? 'unchanged')} when reviewed`);
    if (out.length === 0 && field(was, 'error') !== field(now, 'error')) out.push(`the plan of ${fresh.serviceId} failed differently`);
    return out;
  },
  headline(part) {
    const who = `${part.serviceName} (${part.serviceId})`;
    if (part.error !== undefined) return `${who}: no plan: ${part.error}`;
    const from = `from version ${numberOr(part.baseVersion)}${part.baseVersion === part.activeVersion ? `, active on ${part.environment}` : ` (${part.environment} is on ${numberOr(part.activeVersion)})`}`;
    const lint = lintStatus(part);
    if (part.alreadyLive) return `${who}: already live on ${part.environment} (version ${numberOr(part.activeVersion)}): nothing to deploy${lint}`;
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

function describeAction(action: string): string {
  return action === 'create' ? 'created' : action === 'update' ? 'updated' : action === 'unchanged' ? 'unchanged' : action;
}
