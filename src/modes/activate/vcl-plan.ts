import { createHash } from 'node:crypto';
import type { FastlyApi } from '../../fastly/client.js';
import { CancelledError } from '../../cancel.js';
import { ActionError } from '../../errors.js';
import { FastlyError } from '../../fastly/errors.js';
import type { LintResult } from '../../fastly/lint.js';
import type { Vcl } from '../../fastly/versions.js';
import type { VclFile } from '../../inputs/vcl-files.js';
import { forEachLimited } from '../../pool.js';
import type { LintFinding, VclFilePlan } from '../../plan/kinds/vcl-service.js';
import { unifiedDiff } from '../../unified-diff.js';

/** What `vcl-files` bring to one service: each file against the base version's VCL. (A package plan sits beside this.) */
export interface VclContentPlan {
  readonly files: readonly VclFilePlan[];
  readonly mainVcl: string | undefined;
  readonly diff: string | undefined;
  /** Nothing to send: every file is as it is live, and main is already right. */
  readonly same: boolean;
}

/** Lint requests in flight at once per service: enough for a repository's VCL files to go in one wave. */
const LINT_CONCURRENCY = 32;

export function planVclContent(files: readonly VclFile[], vclMain: string, current: readonly Vcl[], base: number): VclContentPlan {
  const byName = new Map(current.map(vcl => [vcl.name, vcl]));
  const planned = files.map((file): VclFilePlan => {
    const existing = byName.get(file.name);
    const action = !existing ? 'create' : existing.content === file.content ? 'unchanged' : 'update';
    return { name: file.name, path: file.path, action, sha256: createHash('sha256').update(file.content, 'utf8').digest('hex') };
  });
  const wantsMain = files.some(file => file.name === vclMain);
  const alreadyMain = current.some(v => v.main && v.name === vclMain);
  const mainVcl = wantsMain && !alreadyMain ? vclMain : undefined;
  const diff = repositoryDiff(current, base, files, planned);
  return { files: planned, mainVcl, diff, same: mainVcl === undefined && planned.every(f => f.action === 'unchanged') };
}

/**
 * Every file through Fastly's linter for the service. Positions are read from
 * the message text: `Line 12 Pos 5` (also `line 12, column 5` or `col 5`), any case.
 */
export async function lintVclFiles(api: FastlyApi, sid: string, files: readonly VclFile[]): Promise<LintFinding[]> {
  const results: LintFinding[][] = files.map(() => []);
  let unavailable: FastlyError | undefined;
  await forEachLimited(files.keys(), LINT_CONCURRENCY, async i => {
    const file = files[i] as VclFile;
    let result: LintResult;
    try {
      result = await api.lintVcl(sid, file.content);
    } catch (error) {
      // An API without the linter (a proxy, an older Fastly) must not block deploys: validation after the upload still guards.
      if (error instanceof FastlyError && NO_LINTER.has(error.status)) {
        unavailable = error;
        return;
      }
      // Fastly's bare words name only a path: the reader must learn that lint stopped the deploy, and the way past it.
      if (error instanceof ActionError && !(error instanceof CancelledError)) {
        throw new ActionError(
          `Fastly's linter could not lint ${file.path} for ${sid}, so nothing was cloned: ${error.message}. Run again, or set 'lint: false' to deploy without linting (Fastly still validates the new version)`
        );
      }
      throw error;
    }
    results[i] = [
      ...result.errors.map(message => finding(file.path, 'error', message)),
      ...result.warnings.map(message => finding(file.path, 'warning', message))
    ];
  });
  if (unavailable && files[0]) {
    const why = `not available (HTTP ${unavailable.status} to POST /service/${sid}/lint): the VCL was not linted; Fastly still validates the new version before it is activated`;
    return [...results.flat(), { path: files[0].path, severity: 'warning', message: why, line: undefined, column: undefined }];
  }
  return results.flat();
}

/** The linter's route is not there: nothing was linted, but nothing was found wrong either. */
const NO_LINTER = new Set([404, 405, 501]);

export function finding(path: string, severity: LintFinding['severity'], message: string): LintFinding {
  const line = /\bline\s*:?\s*(\d+)/i.exec(message);
  const column = line ? /\b(?:pos|col|column)\s*:?\s*(\d+)/i.exec(message.slice(line.index)) : null;
  return { path, severity, message, line: line ? Number(line[1]) : undefined, column: column ? Number(column[1]) : undefined };
}

function repositoryDiff(current: readonly Vcl[], base: number, files: readonly VclFile[], changes: readonly VclFilePlan[]): string | undefined {
  const parts = changes
    .filter(change => change.action !== 'unchanged')
    .map(change => {
      const before = current.find(vcl => vcl.name === change.name);
      const file = files.find(f => f.name === change.name);
      return unifiedDiff(before && { name: `${before.name} (version ${base})`, text: before.content }, { name: change.path, text: file?.content ?? '' });
    });
  return parts.length > 0 ? parts.join('\n') : undefined;
}
