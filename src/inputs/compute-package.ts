import { createHash, type Hash } from 'node:crypto';
import { closeSync, read } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parse as parseToml, TomlError } from 'smol-toml';
import * as tar from 'tar-stream';
import { InputError } from '../errors.js';
import { shorten } from './parsers.js';
import { openInputFile, type ReadOptions } from './read-file.js';

/** Fastly's limit (the CLI refuses a larger `.tar.gz`). */
export const MAX_PACKAGE_BYTES = 100_000_000;
/**
 * What the archive may unpack to. Far above any real package (Wasm compresses
 * about 3:1), far below what a gzip bomb would cost to hash or spool.
 */
export const MAX_UNPACKED_BYTES = 1_000_000_000;
/** Entries a package may hold: a project with its source is hundreds; the spool keeps one span per file. */
export const MAX_PACKAGE_ENTRIES = 100_000;
/** fastly.toml is a few hundred bytes; it is the one file held in memory. */
const MAX_MANIFEST_BYTES = 1024 * 1024;
const MANIFEST = 'fastly.toml';
const WASM = 'main.wasm';
const INPUT = 'package';
const LAYOUT = `a Compute package holds <name>/${MANIFEST} and <name>/bin/${WASM}, as 'fastly compute build' makes it`;

/** A Compute package as Fastly will see it, read before anything is sent. */
export interface ComputePackage {
  /** As the input gave it. */
  readonly path: string;
  readonly name: string;
  readonly language: string | undefined;
  readonly description: string | undefined;
  readonly authors: readonly string[];
  /** Bytes of the `.tar.gz`. */
  readonly size: number;
  /** SHA-512 hex over every file's content in ascending order of entry names: what Fastly compares. */
  readonly filesHash: string;
  /** SHA-512 hex of the whole `.tar.gz`. */
  readonly hashsum: string;
}

export interface PackageReadOptions {
  readonly roots?: ReadOptions['roots'];
  /** Where an archive whose entries are not in name order is unpacked to hash it; default RUNNER_TEMP or the OS's. */
  readonly tempDir?: string;
  /** Default MAX_UNPACKED_BYTES; smaller in tests, so a bomb is cheap to make. */
  readonly maxUnpackedBytes?: number;
}

/**
 * Reads the package the `package` input names, streaming it: nothing but
 * fastly.toml is held in memory. Fastly's files hash concatenates the files in
 * name order, and the CLI writes them in that order, so one pass usually
 * hashes them as they arrive; an archive in any other order is read a second
 * time into a temporary file, which is then hashed in name order.
 */
export async function readComputePackage(path: string, options: PackageReadOptions = {}): Promise<ComputePackage> {
  const { fd, size } = openInputFile(INPUT, path, { maxBytes: MAX_PACKAGE_BYTES, roots: options.roots });
  try {
    const limit = options.maxUnpackedBytes ?? MAX_UNPACKED_BYTES;
    const first = await firstPass(fd, path, limit);
    const filesHash = first.inOrder ? first.filesHash : await spooledFilesHash(fd, path, limit, first.hashsum, tempRoot(options));
    const manifest = parseManifest(path, first.manifest);
    return { path, size, filesHash, hashsum: first.hashsum, ...manifest };
  } finally {
    closeSync(fd);
  }
}

/** One tar entry, read to its end by whoever gets it. */
type Entry = tar.ExtractEvents['entry'][1];

interface FirstPass {
  readonly hashsum: string;
  /** Valid only when `inOrder`. */
  readonly filesHash: string;
  readonly inOrder: boolean;
  readonly manifest: { readonly name: string; readonly content: Buffer };
}

async function firstPass(fd: number, path: string, limit: number): Promise<FirstPass> {
  const filesHash = createHash('sha512');
  let inOrder = true;
  let previous: Buffer | undefined;
  let manifest: { name: string; depth: number; content: Buffer; tie: string | undefined } | undefined;
  let hasWasm = false;
  const hashsum = await eachFile(fd, path, limit, async (name, entry) => {
    const key = Buffer.from(name);
    // An equal name is a second copy that replaces the first, as in Fastly's hash: not in order either.
    if (previous && Buffer.compare(previous, key) >= 0) inOrder = false;
    previous = key;
    const base = baseName(name);
    if (base === WASM && entry.header.type === 'file') hasWasm = true;
    const depth = name.split('/').filter(Boolean).length;
    const isManifest = base === MANIFEST && entry.header.type === 'file' && (!manifest || depth <= manifest.depth);
    const chunks: Buffer[] = [];
    let held = 0;
    for await (const chunk of entry as AsyncIterable<Buffer>) {
      if (inOrder) filesHash.update(chunk);
      if (isManifest) {
        held += chunk.length;
        if (held > MAX_MANIFEST_BYTES) throw packageError(path, `its ${quoteName(name)} is over ${MAX_MANIFEST_BYTES} bytes`);
        chunks.push(chunk);
      }
    }
    if (isManifest) {
      const tie = manifest && manifest.depth === depth && manifest.name !== name ? manifest.name : undefined;
      manifest = { name, depth, content: Buffer.concat(chunks), tie };
    }
  });
  if (!manifest) throw packageError(path, `it holds no ${MANIFEST}; ${LAYOUT}`);
  if (manifest.tie !== undefined) {
    throw packageError(path, `it holds two projects (${quoteName(manifest.tie)} and ${quoteName(manifest.name)}); a package holds one`);
  }
  if (!hasWasm) throw packageError(path, `it holds no ${WASM}; ${LAYOUT}`);
  return { hashsum, filesHash: filesHash.digest('hex'), inOrder, manifest };
}

/** Each file's content into one temporary file, then hashed in name order: memory stays flat whatever the order. */
async function spooledFilesHash(fd: number, path: string, limit: number, hashsum: string, root: string): Promise<string> {
  const dir = await mkdtemp(join(root, 'fastly-package-'));
  try {
    const spool = await open(join(dir, 'files'), 'w+');
    try {
      const spans = new Map<string, { start: number; length: number }>();
      let end = 0;
      const again = await eachFile(fd, path, limit, async (name, entry) => {
        const start = end;
        for await (const chunk of entry as AsyncIterable<Buffer>) {
          await writeAll(spool, chunk, end);
          end += chunk.length;
        }
        spans.set(name, { start, length: end - start });
      });
      if (again !== hashsum) throw packageError(path, 'it changed while it was being read; build it before this step, not beside it');
      const names = [...spans.keys()].map(name => ({ name, key: Buffer.from(name) })).sort((a, b) => Buffer.compare(a.key, b.key));
      const hash = createHash('sha512');
      for (const { name } of names) {
        const span = spans.get(name);
        if (span) await hashRange(spool, span.start, span.length, hash);
      }
      return hash.digest('hex');
    } finally {
      await spool.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function writeAll(handle: FileHandle, chunk: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, written, chunk.length - written, position + written);
    written += bytesWritten;
  }
}

async function hashRange(handle: FileHandle, start: number, length: number, hash: Hash): Promise<void> {
  const buffer = Buffer.alloc(Math.min(length, 1024 * 1024));
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, length - done), start + done);
    if (bytesRead === 0) throw new Error(`the package spool ended ${length - done} bytes early`);
    hash.update(buffer.subarray(0, bytesRead));
    done += bytesRead;
  }
}

/**
 * One pass over the archive: every entry that is not a directory goes to
 * `visit` (which reads it to the end), in archive order. Answers the SHA-512
 * of the raw file. A file that is not a gzip-compressed tar is an InputError.
 */
async function eachFile(fd: number, path: string, limit: number, visit: (name: string, entry: Entry) => Promise<void>): Promise<string> {
  const raw = createHash('sha512');
  let unpacked = 0;
  let entries = 0;
  let failure: 'gzip' | 'tar' | undefined;
  const source = readFromStart(fd);
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      raw.update(chunk);
      done(null, chunk);
    }
  });
  const gunzip = createGunzip();
  // Counted as it unpacks, tar headers too: a bomb of empty entries is stopped as early as one big file.
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      unpacked += chunk.length;
      done(unpacked > limit ? packageError(path, `it unpacks to more than ${limit} bytes`) : null, chunk);
    }
  });
  const extract = tar.extract();
  gunzip.once('error', () => (failure ??= 'gzip'));
  extract.once('error', () => (failure ??= 'tar'));
  const flowing = pipeline(source, tee, gunzip, measure, extract);
  // The loop below reports the same failure; this only keeps it from going unhandled.
  flowing.catch(() => undefined);
  try {
    for await (const entry of extract) {
      entries += 1;
      if (entries > MAX_PACKAGE_ENTRIES) throw packageError(path, `it holds more than ${MAX_PACKAGE_ENTRIES} entries`);
      if (entry.header.type === 'directory') entry.resume();
      else await visit(entry.header.name, entry);
    }
    await flowing;
  } catch (error) {
    source.destroy();
    const bomb = await flowing.then(() => undefined, (cause: unknown) => (cause instanceof InputError ? cause : undefined));
    if (error instanceof InputError) throw error;
    if (bomb) throw bomb;
    if (failure === undefined) throw error;
    throw archiveError(path, failure, error);
  }
  return raw.digest('hex');
}

const CHUNK_BYTES = 1024 * 1024;

/** The descriptor read from byte 0, left open: a second pass reads the same file, not whatever the path names by then. */
function readFromStart(fd: number): Readable {
  let position = 0;
  return new Readable({
    highWaterMark: CHUNK_BYTES,
    read() {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      read(fd, buffer, 0, CHUNK_BYTES, position, (error, bytesRead) => {
        if (error) {
          this.destroy(error);
          return;
        }
        position += bytesRead;
        this.push(bytesRead === 0 ? null : buffer.subarray(0, bytesRead));
      });
    }
  });
}

function archiveError(path: string, stage: 'gzip' | 'tar', error: unknown): InputError {
  if (stage === 'tar') return packageError(path, `it is gzip-compressed but not a tar archive (or a cut-short one); ${LAYOUT}`);
  if ((error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') return packageError(path, 'its gzip stream is cut short');
  return packageError(path, `it is not gzip-compressed; ${LAYOUT}`);
}

function parseManifest(path: string, manifest: FirstPass['manifest']): Pick<ComputePackage, 'name' | 'language' | 'description' | 'authors'> {
  const where = quoteName(manifest.name);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(manifest.content);
  } catch {
    throw packageError(path, `its ${where} is not UTF-8`);
  }
  let toml: Record<string, unknown>;
  try {
    toml = parseToml(text);
  } catch (error) {
    // Only the position: the parser's message quotes the file.
    const at = error instanceof TomlError ? ` (line ${error.line}, column ${error.column})` : '';
    throw packageError(path, `its ${where} is not valid TOML${at}`);
  }
  const name = toml.name;
  if (typeof name !== 'string' || name.trim() === '') throw packageError(path, `its ${where} has no name; add name = "…" to it`);
  return {
    name,
    language: optionalText(toml.language),
    description: optionalText(toml.description),
    authors: Array.isArray(toml.authors) ? toml.authors.filter((a): a is string => typeof a === 'string') : []
  };
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function packageError(path: string, what: string): InputError {
  return new InputError(`Input '${INPUT}' must name a Compute package (.tar.gz), but '${path}' is not one: ${what}`);
}

function quoteName(name: string): string {
  return `'${shorten(name, 80)}'`;
}

function baseName(name: string): string {
  return name.replace(/\/+$/, '').split('/').pop() ?? '';
}

function tempRoot(options: PackageReadOptions): string {
  return options.tempDir ?? (process.env.RUNNER_TEMP || tmpdir());
}
