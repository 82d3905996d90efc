import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { InputError } from '../errors.js';

/**
 * Far above any list of keys, URLs, items or VCL a run sends (100,000 long
 * URLs are about 10 MB), and far below what would exhaust the runner's memory.
 */
export const MAX_TEXT_FILE_BYTES = 64 * 1024 * 1024;

export interface ReadOptions {
  readonly maxBytes?: number;
  /** The folders a symlink may lead into; by default the job's (see jobRoots). */
  readonly roots?: readonly string[];
}

/**
 * The folders a symlink may resolve into: the workspace and the runner's temp
 * folder. Outside a runner neither is set, and the working directory stands in
 * for the job: a link leading anywhere else is refused rather than trusted.
 */
export function jobRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const roots = [env.GITHUB_WORKSPACE, env.RUNNER_TEMP].filter((root): root is string => Boolean(root));
  return roots.length > 0 ? roots : [process.cwd()];
}

/**
 * A file an input names, as text: every file the action reads goes through
 * here. Strict UTF-8 (a wrong byte is refused, not turned into U+FFFD), and a
 * leading byte order mark dropped — Windows editors save one that no one sees.
 */
export function readTextInputFile(inputName: string, path: string, options: ReadOptions = {}): string {
  const bytes = readInputFile(inputName, path, { maxBytes: MAX_TEXT_FILE_BYTES, ...options });
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const line = bytes.subarray(0, firstInvalidByte(bytes)).filter(byte => byte === 0x0a).length + 1;
    throw new InputError(`Input '${inputName}' must name UTF-8 text, but '${path}' is not valid UTF-8 (line ${line}); save it as UTF-8`);
  }
}

/**
 * A file an input names, as bytes. Repository content comes from pull
 * requests, so a symlink on the way (the file, or a folder above it) must
 * lead inside the job's folders: a link to /etc/passwd is never read. A path
 * with no link on the way is the workflow's own choice and is read as given.
 */
export function readInputFile(inputName: string, path: string, options: ReadOptions = {}): Buffer {
  const { fd, size } = openInputFile(inputName, path, options);
  try {
    const bytes = Buffer.alloc(size);
    let filled = 0;
    while (filled < bytes.length) {
      const read = readSync(fd, bytes, filled, bytes.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return bytes.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

/**
 * A file an input names, opened after the symlink and size checks of
 * readInputFile, for a caller that streams it (a package is too large to hold
 * in memory). The caller closes the descriptor.
 */
export function openInputFile(inputName: string, path: string, options: ReadOptions = {}): { fd: number; size: number } {
  const { maxBytes = Number.POSITIVE_INFINITY, roots = jobRoots() } = options;
  const real = realPath(inputName, path);
  if (real !== resolve(path) && !roots.some(root => isInside(real, realPathOrSelf(root)))) {
    throw new InputError(
      `Input '${inputName}' names '${path}', a symlink (or a path through one) that leads outside the workspace and the runner's temp folder; ` +
        'only links within the job are followed'
    );
  }
  // The path that was checked is the one opened, so a link swapped in between is not followed.
  const fd = open(inputName, path, real);
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw notReadable(inputName, path, 'it is a directory');
    if (!stat.isFile()) throw notReadable(inputName, path, 'not a regular file');
    if (stat.size > maxBytes) {
      throw new InputError(`Input '${inputName}' names '${path}', which is ${stat.size} bytes; the limit is ${maxBytes}`);
    }
    return { fd, size: stat.size };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

function realPath(inputName: string, path: string): string {
  try {
    return realpathSync(path);
  } catch (error) {
    throw notReadable(inputName, path, why(error));
  }
}

function realPathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function open(inputName: string, path: string, real: string): number {
  try {
    return openSync(real, 'r');
  } catch (error) {
    throw notReadable(inputName, path, why(error));
  }
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function why(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'ELOOP') return 'a loop of symlinks';
  return code ?? 'unreadable';
}

function notReadable(inputName: string, path: string, reason: string): InputError {
  return new InputError(`Input '${inputName}' must be a readable file path, got '${path}' (${reason})`);
}

/**
 * Where UTF-8 first breaks: every prefix before it still decodes, so a binary
 * search finds it without a decoder of our own. A file that decodes up to its
 * end was cut off in its last character.
 */
function firstInvalidByte(bytes: Uint8Array): number {
  if (decodesSoFar(bytes)) return bytes.length - 1;
  let good = 0;
  let bad = bytes.length;
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    if (decodesSoFar(bytes.subarray(0, middle))) good = middle;
    else bad = middle;
  }
  return good;
}

function decodesSoFar(bytes: Uint8Array): boolean {
  try {
    // `stream`: a sequence cut off at the end of the prefix is not yet an error.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}
