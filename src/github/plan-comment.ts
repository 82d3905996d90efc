import { ActionError } from '../errors.js';
import { type Html, escape } from '../report/html.js';
import type { GitHub } from './client.js';
import type { PullRequestRef } from './context.js';

/** GitHub refuses a longer comment body (counted in characters; UTF-16 units here, never fewer). */
export const COMMENT_LIMIT = 65_536;

/** One plan comment per mode and target, whichever workflow writes it. */
export interface PlanKey {
  readonly mode: string;
  /** The service IDs, the store, the ACL: order and repeats do not matter. */
  readonly targets: readonly string[];
}

export interface PlanSection {
  /** Plain text, escaped here: e.g. `main.vcl`. */
  readonly title: string;
  /** Kept whole or left out whole. */
  readonly markdown?: Html;
  /** Plain text shown verbatim in a code block (a diff); cut at a line when too long. */
  readonly code?: { readonly language: string; readonly text: string };
  /** Folded under its title, as a diff should be; otherwise the title is a heading. */
  readonly collapsed?: boolean;
}

export interface PlanCommentContent {
  readonly key: PlanKey;
  /** The plan in its machine-readable form (JSON), kept hidden in the comment whatever is cut. */
  readonly plan: unknown;
  /** Always kept: a headline per service or store. */
  readonly headline: Html;
  readonly sections: readonly PlanSection[];
  /** Always kept, at the end: the digest, the link to the run. */
  readonly footer: Html;
  /** Where the uncut plan is (the run, whose job summary has it), named in the cut notice. */
  readonly fullPlanUrl?: string;
}

/** What did not fit. */
export interface CommentCut {
  /** The section cut short, and how much of its code was shown. */
  readonly partial: { readonly title: string; readonly shownLines: number; readonly totalLines: number } | undefined;
  /** Titles of the sections left out, in order. */
  readonly omitted: readonly string[];
}

export interface RenderedComment {
  readonly body: string;
  readonly cut: CommentCut | undefined;
}

export interface PlanComment {
  readonly id: number;
  /** The comment's page (html_url): for `plan-comment-url` and links. */
  readonly url: string;
  readonly body: string;
  readonly author: { readonly login: string; readonly type: string };
}

export interface WrittenPlanComment {
  readonly comment: PlanComment;
  readonly action: 'created' | 'updated' | 'unchanged';
  readonly cut: CommentCut | undefined;
}

export interface FindOptions {
  /**
   * Whose marked comment counts. Anyone may paste the marker and a plan blob into a
   * comment, and someone could edit the visible part of their own afterwards: by default
   * only a bot's comment (the workflow token's github-actions[bot], a GitHub App) counts.
   */
  readonly trust?: (author: PlanComment['author']) => boolean;
}

/** The plan blob failed to read back: edited by hand, or written for another mode or target. */
export class PlanDataError extends ActionError {
  override readonly name = 'PlanDataError';
}

const MARKER_PREFIX = '<!-- fastly-deploy-action plan:';
const DATA_PREFIX = '<!-- fastly-deploy-action plan-data:';
const DATA_LINE = /^<!-- fastly-deploy-action plan-data: ([A-Za-z0-9+/=]*) -->$/m;
const PER_PAGE = 100;
/**
 * Plan data is nested some 10 levels deep. JSON.parse reads any depth, but what walks the reviewed plan
 * afterwards (its digest, the differences) recurses, and would overflow the stack on a few thousand.
 */
const MAX_DEPTH = 32;
/** 100,000 comments: past this a Link header that never ends is a loop. */
const MAX_PAGES = 1000;
const NOTICE_TITLES = 10;
const NOTICE_TITLE_CHARS = 100;
const WRITE = 'pull-requests: write';
const READ = 'pull-requests: read';

const isBot = (author: PlanComment['author']): boolean => author.type === 'Bot';

/**
 * The hidden first line that names a plan comment. Targets are sorted and
 * percent-encoded, so no name can end the HTML comment early or pass for another.
 */
export function planMarker({ mode, targets }: PlanKey): string {
  const names = [...new Set(targets)].sort().map(encodeURIComponent).join(',');
  return `${MARKER_PREFIX} ${encodeURIComponent(mode)} ${names} -->`;
}

/**
 * The comment body: the marker, the plan blob, the headline, as many sections as
 * fit in GitHub's limit (the one that does not fit cut at a line when it is code),
 * a notice saying what was cut, and the footer.
 */
export function renderPlanComment(content: PlanCommentContent, limit = COMMENT_LIMIT): RenderedComment {
  const hidden = `${planMarker(content.key)}\n${DATA_PREFIX} ${planBlob(content)} -->`;
  const head = [hidden, noMentions(content.headline)];
  const footer = noMentions(content.footer);
  const fixed = join([...head, footer]).length;
  if (fixed > limit) {
    throw new PlanDataError(
      `The plan comment cannot fit GitHub's ${count(limit)}-character limit: its plan data, headline and footer alone take ${count(fixed)}`);
  }
  const rendered = content.sections.map(section => renderSection(section));
  if (join([...head, ...rendered, footer]).length <= limit) return { body: join([...head, ...rendered, footer]), cut: undefined };
  for (let reserve = 0; ;) {
    const { parts, cut } = fit(content.sections, rendered, limit - fixed - reserve);
    const notice = cutNotice(cut, content.fullPlanUrl);
    // Separators: one before the notice, and one per part, bounded by what `fixed` did not count.
    const body = join([...head, ...parts, notice, footer]);
    if (body.length <= limit) return { body, cut };
    reserve += body.length - limit;
  }
}

/** The plan a found comment holds, checked against the mode and target it is read for. */
export function readPlanData(body: string, key: PlanKey): unknown {
  const first = body.split('\n', 1)[0];
  const match = DATA_LINE.exec(body);
  const fix = 'run the pull request\'s workflow again to write it afresh';
  if (first !== planMarker(key)) throw new PlanDataError(`The plan comment is not for ${describe(key)}: ${fix}`);
  if (!match) throw new PlanDataError(`The plan comment for ${describe(key)} holds no plan data (edited by hand?): ${fix}`);
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(match[1] as string, 'base64').toString('utf8'));
  } catch {
    throw new PlanDataError(`The plan comment for ${describe(key)} holds plan data that does not read back (edited by hand?): ${fix}`);
  }
  if (!nestedWithin(data, MAX_DEPTH)) {
    throw new PlanDataError(`The plan comment for ${describe(key)} holds plan data nested deeper than any plan (edited by hand?): ${fix}`);
  }
  const { mode, targets, plan } = (data ?? {}) as { mode?: unknown; targets?: unknown; plan?: unknown };
  if (mode !== key.mode || !Array.isArray(targets) || planMarker({ mode: key.mode, targets }) !== planMarker(key) || plan === undefined) {
    throw new PlanDataError(`The plan comment for ${describe(key)} holds plan data for another mode or target (edited by hand?): ${fix}`);
  }
  return plan;
}

/** The plan comment for `key` on the pull request, paging through every comment until it is found. */
export async function findPlanComment(github: GitHub, pull: PullRequestRef, key: PlanKey, { trust = isBot }: FindOptions = {}): Promise<PlanComment | undefined> {
  const marker = planMarker(key);
  let url: string | undefined = `${repoPath(pull)}/issues/${pull.number}/comments?per_page=${PER_PAGE}`;
  const seen = new Set<string>();
  for (let page = 0; url !== undefined && page < MAX_PAGES && !seen.has(url); page++) {
    seen.add(url);
    const answer = await github.request({ method: 'GET', url, permission: READ });
    if (!Array.isArray(answer.data)) throw new ActionError(`GitHub answered the comments of pull request #${pull.number} with something other than a list`);
    for (const raw of answer.data) {
      const comment = commentOf(raw);
      if (comment && (comment.body === marker || comment.body.startsWith(`${marker}\n`)) && trust(comment.author)) return comment;
    }
    url = github.nextPage(answer);
  }
  return undefined;
}

/** Creates the plan comment, or updates the one found in place (sending nothing when it reads the same). */
export async function writePlanComment(github: GitHub, pull: PullRequestRef, content: PlanCommentContent, options: FindOptions = {}): Promise<WrittenPlanComment> {
  const { body, cut } = renderPlanComment(content);
  const found = await findPlanComment(github, pull, content.key, options);
  if (found && found.body === body) return { comment: found, action: 'unchanged', cut };
  const answer = found
    ? await github.request({ method: 'PATCH', url: `${repoPath(pull)}/issues/comments/${found.id}`, json: { body }, permission: WRITE })
    : await github.request({ method: 'POST', url: `${repoPath(pull)}/issues/${pull.number}/comments`, json: { body }, permission: WRITE });
  const comment = commentOf(answer.data);
  if (!comment) throw new ActionError(`GitHub answered the plan comment's ${found ? 'update' : 'creation'} without the comment`);
  return { comment, action: found ? 'updated' : 'created', cut };
}

function planBlob({ key, plan }: PlanCommentContent): string {
  const targets = [...new Set(key.targets)].sort();
  return Buffer.from(JSON.stringify({ mode: key.mode, targets, plan }), 'utf8').toString('base64');
}

/** `text`: the part of the section's code to show. */
function renderSection(section: PlanSection, text = section.code?.text): string {
  const title = noMentions(escape(section.title.replace(/\s+/g, ' ')));
  const body = [section.markdown === undefined ? '' : noMentions(section.markdown), text === undefined ? '' : codeBlock(section.code?.language ?? '', text, section.code?.text ?? '')]
    .filter(Boolean).join('\n\n');
  return section.collapsed
    ? `<details><summary>${title}</summary>\n\n${body}\n\n</details>`
    : `#### ${title}${body === '' ? '' : `\n\n${body}`}`;
}

/** The sections that fit in `room`; the first that does not is cut at a line if it is code, and the rest are left out. */
function fit(sections: readonly PlanSection[], rendered: readonly string[], room: number): { parts: string[]; cut: CommentCut } {
  const parts: string[] = [];
  let left = room;
  for (const [i, section] of sections.entries()) {
    const whole = rendered[i] as string;
    if (whole.length + 2 <= left) {
      parts.push(whole);
      left -= whole.length + 2;
      continue;
    }
    const omitted = sections.slice(i + 1).map(s => s.title);
    const code = section.code;
    if (code !== undefined) {
      const lines = code.text.split('\n');
      const frame = renderSection(section, '').length + 2;
      const shown = prefixWithin(code.text, left - frame);
      const shownLines = shown === '' ? 0 : shown.split('\n').length;
      if (shownLines > 0) {
        parts.push(renderSection(section, shown));
        return { parts, cut: { partial: { title: section.title, shownLines, totalLines: lines.length }, omitted } };
      }
    }
    return { parts, cut: { partial: undefined, omitted: [section.title, ...omitted] } };
  }
  return { parts, cut: { partial: undefined, omitted: [] } };
}

/** The longest start of `text` within `room` characters, ending at a line break when one fits. */
function prefixWithin(text: string, room: number): string {
  if (room <= 0) return '';
  if (text.length <= room) return text;
  const lineEnd = text.lastIndexOf('\n', room);
  if (lineEnd > 0) return text.slice(0, lineEnd);
  // One line longer than the room: cut inside it, never between the halves of a surrogate pair.
  const at = /[\uD800-\uDBFF]/.test(text.charAt(room - 1)) ? room - 1 : room;
  return text.slice(0, at);
}

function cutNotice(cut: CommentCut, fullPlanUrl: string | undefined): string {
  const parts: string[] = [];
  if (cut.partial) {
    const { title, shownLines, totalLines } = cut.partial;
    parts.push(`${count(shownLines)} of ${count(totalLines)} lines of ${quoted(title)} are shown`);
  }
  if (cut.omitted.length > 0) {
    const named = cut.omitted.slice(0, NOTICE_TITLES).map(quoted).join(', ');
    const more = cut.omitted.length > NOTICE_TITLES ? ` and ${count(cut.omitted.length - NOTICE_TITLES)} more` : '';
    parts.push(`left out: ${named}${more}`);
  }
  const where = fullPlanUrl && /^https?:\/\//.test(fullPlanUrl)
    ? ` The whole plan is in the job summary of [the run](${encodeURI(fullPlanUrl).replace(/[()]/g, c => encodeURIComponent(c))}).`
    : ' The whole plan is in the job summary of the run.';
  return `> **Cut to fit GitHub's ${count(COMMENT_LIMIT)}-character comment limit:** ${parts.join('; ')}.${where} The plan data and digest cover everything.`;
}

function quoted(title: string): string {
  const flat = title.replace(/\s+/g, ' ');
  const short = flat.length > NOTICE_TITLE_CHARS ? `${flat.slice(0, NOTICE_TITLE_CHARS)}…` : flat;
  return `“${noMentions(escape(short))}”`;
}

/** A fence longer than any run of backticks in the text, so no line of it can close the block. */
function codeBlock(language: string, text: string, whole: string): string {
  const longest = Math.max(0, ...[...whole.matchAll(/`+/g)].map(m => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  const info = language.replace(/[^\w+-]/g, '');
  return `${fence}${info}\n${text}\n${fence}`;
}

/**
 * An @ before a name would notify that user or team when the comment is posted;
 * a word joiner after it keeps the text and drops the mention. Code blocks never mention.
 */
function noMentions(markdown: string): string {
  return markdown.replace(/@(?=[A-Za-z0-9])/g, '@\u2060');
}

function commentOf(raw: unknown): PlanComment | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { id, html_url: url, body, user } = raw as { id?: unknown; html_url?: unknown; body?: unknown; user?: { login?: unknown; type?: unknown } | null };
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || typeof url !== 'string') return undefined;
  return {
    id,
    url,
    body: typeof body === 'string' ? body : '',
    author: { login: typeof user?.login === 'string' ? user.login : '', type: typeof user?.type === 'string' ? user.type : '' }
  };
}

/** Whether no object or array in `value` lies more than `max` levels deep; walked without recursion. */
function nestedWithin(value: unknown, max: number): boolean {
  const pending: { readonly value: unknown; readonly depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth >= max) return false;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
  return true;
}

function repoPath({ owner, repo }: PullRequestRef): string {
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
}

function describe({ mode, targets }: PlanKey): string {
  return `mode '${mode}' on ${[...new Set(targets)].sort().join(', ')}`;
}

function join(parts: readonly string[]): string {
  return parts.filter(part => part !== '').join('\n\n');
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
