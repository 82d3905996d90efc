import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';

/**
 * Real `.tar.gz` Compute packages built on the fly, for the unit, fake and
 * end-to-end tests, and for the bench.
 */

export interface PackageEntry {
  readonly name: string;
  /** Absent for a directory. */
  readonly content?: string | Buffer;
  readonly type?: 'file' | 'directory' | 'symlink';
  readonly linkname?: string;
}

export interface PackageSpec {
  /** The project name: the top folder and fastly.toml's `name`. */
  readonly name?: string;
  readonly language?: string;
  readonly description?: string;
  readonly authors?: readonly string[];
  /** main.wasm's bytes: change them for a changed package. */
  readonly wasm?: string | Buffer;
  /** More files under the top folder, e.g. the source `--include-source` adds. */
  readonly extra?: Readonly<Record<string, string | Buffer>>;
}

export function manifestToml({ name = 'my-service', language = 'rust', description, authors = [] }: PackageSpec = {}): string {
  const lines = ['manifest_version = 3', `name = ${JSON.stringify(name)}`, `language = ${JSON.stringify(language)}`];
  if (description !== undefined) lines.push(`description = ${JSON.stringify(description)}`);
  if (authors.length > 0) lines.push(`authors = [${authors.map(a => JSON.stringify(a)).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

/** The entries `fastly compute build` writes: the top folder, bin/, bin/main.wasm, fastly.toml, in that order. */
export function cliEntries(spec: PackageSpec = {}): PackageEntry[] {
  const top = spec.name ?? 'my-service';
  const extra = Object.entries(spec.extra ?? {}).map(([name, content]) => ({ name: `${top}/${name}`, content }));
  return [
    { name: `${top}/`, type: 'directory' },
    { name: `${top}/bin/`, type: 'directory' },
    { name: `${top}/bin/main.wasm`, content: spec.wasm ?? Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0, 0, 0]) },
    { name: `${top}/fastly.toml`, content: manifestToml(spec) },
    ...extra
  ];
}

/** A tar of the entries, in the order given, uncompressed. */
export async function tarOf(entries: readonly PackageEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const entry of entries) {
    const type = entry.type ?? (entry.content === undefined ? 'directory' : 'file');
    const header = { name: entry.name, type, mode: type === 'directory' ? 0o755 : 0o644, mtime: new Date(0), linkname: entry.linkname };
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (type === 'file') pack.entry(header, Buffer.from(entry.content ?? ''), done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

export async function packageBytes(entries: readonly PackageEntry[] = cliEntries()): Promise<Buffer> {
  return gzipSync(await tarOf(entries));
}

let written = 0;

/** A fresh folder of its own under the OS's temp folder. */
export function packageDir(): string {
  return mkdtempSync(join(tmpdir(), 'fastly-test-packages-'));
}

/** Writes a package (entries or raw bytes) and answers its path. */
export async function writePackage(content: readonly PackageEntry[] | Buffer = cliEntries(), dir = packageDir()): Promise<string> {
  written += 1;
  const path = join(dir, `package-${written}.tar.gz`);
  const bytes = Buffer.isBuffer(content) ? content : await packageBytes(content);
  await pipeline(Readable.from([bytes]), createWriteStream(path));
  return path;
}

/**
 * Fastly's files hash worked out from the entries themselves, not from an
 * archive: SHA-512 over the files' contents in ascending byte order of their
 * names, a later entry of the same name replacing an earlier one.
 */
export function expectedFilesHash(entries: readonly PackageEntry[]): string {
  const files = new Map<string, Buffer>();
  for (const entry of entries) {
    const type = entry.type ?? (entry.content === undefined ? 'directory' : 'file');
    if (type === 'directory') continue;
    files.set(entry.name, Buffer.from(type === 'file' ? (entry.content ?? '') : ''));
  }
  const hash = createHash('sha512');
  const names = [...files.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) hash.update(files.get(name) ?? Buffer.alloc(0));
  return hash.digest('hex');
}

export function sha512(bytes: Buffer): string {
  return createHash('sha512').update(bytes).digest('hex');
}

/**
 * A package of about `bytes` bytes, in the CLI's layout, streamed to disk: its
 * main.wasm is incompressible (a keystream from `seed`), so the
 * `.tar.gz` is as large as the Wasm. For the bench: `seed` changes the package.
 */
export async function writeLargePackage(path: string, bytes: number, seed = 'bench'): Promise<void> {
  const pack = tar.pack();
  const written = pipeline(pack, createGzip({ level: 1 }), createWriteStream(path));
  const top = 'big-service';
  let wasmDone: (error?: Error | null) => void = () => undefined;
  const wasmWritten = new Promise<void>((resolve, reject) => (wasmDone = error => (error ? reject(error) : resolve())));
  const wasm = pack.entry({ name: `${top}/bin/main.wasm`, size: bytes, mtime: new Date(0) }, error => wasmDone(error));
  // AES-CTR over zeros: deterministic, incompressible, and fast enough that the bench times the action, not this.
  const keystream = createCipheriv('aes-128-ctr', createHash('sha256').update(seed).digest().subarray(0, 16), Buffer.alloc(16));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let offset = 0; offset < bytes; ) {
    const chunk = keystream.update(zeros.subarray(0, Math.min(zeros.length, bytes - offset)));
    offset += chunk.length;
    if (!wasm.write(chunk)) await new Promise<void>(resolve => wasm.once('drain', () => resolve()));
  }
  wasm.end(undefined);
  await wasmWritten;
  // After bin/main.wasm, as the CLI writes it: the names are then in order and read in one pass.
  pack.entry({ name: `${top}/fastly.toml`, mtime: new Date(0) }, manifestToml({ name: top }));
  pack.finalize();
  await written;
}
