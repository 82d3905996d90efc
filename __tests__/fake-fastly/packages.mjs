// @ts-check
/**
 * Compute packages, one per version. The metadata is worked out from the
 * uploaded archive as Fastly does it: the whole file's SHA-512 (hashsum), the
 * files' contents concatenated in byte order of their names (files_hash), and
 * name, description, authors and language from fastly.toml. The tar reader is
 * the fake's own, synchronous like every handler, and shares no code with the
 * action's reader.
 *
 * @typedef {import('./server.mjs').Route} Route
 * @typedef {import('./server.mjs').Answer} Answer
 * @typedef {import('./server.mjs').Service} Service
 * @typedef {{ name: string, description: string, authors: string[], language: string, size: number,
 *   hashsum: string, files_hash: string }} PackageMetadata
 * @typedef {{ id: string, metadata: PackageMetadata, createdAt: string, updatedAt: string }} StoredPackage
 */
import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { parse as parseToml } from 'smol-toml';
import { onVersion } from './versions.mjs';

/** Fastly's words for any archive it cannot read (recorded by go-fastly). @returns {Answer} */
const badPackage = () => ({ status: 400, json: { msg: 'Bad request', detail: 'Failed to extract metadata from package' } });

/** @param {Buffer} bytes */
const sha512 = (bytes) => createHash('sha512').update(bytes).digest('hex');

/**
 * The entries of a tar, in archive order, with what each holds. Reads ustar
 * names (with prefix), GNU long names and pax `path` records; stops at the
 * first zero block. Null for anything that is not a well-formed tar.
 * @param {Buffer} tar @returns {{ name: string, type: string, content: Buffer }[] | null}
 */
function tarEntries(tar) {
  /** @type {{ name: string, type: string, content: Buffer }[]} */
  const entries = [];
  /** @type {string | null} */
  let longName = null;
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((byte) => byte === 0)) return entries;
    const field = (/** @type {number} */ from, /** @type {number} */ length) => {
      const raw = header.subarray(from, from + length);
      const end = raw.indexOf(0);
      return raw.subarray(0, end < 0 ? length : end).toString('utf8');
    };
    // The checksum counts its own field as spaces.
    const checksum = header.reduce((sum, byte, index) => sum + (index >= 148 && index < 156 ? 32 : byte), 0);
    if (Number.parseInt(field(148, 8).trim(), 8) !== checksum) return null;
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0x30);
    const content = tar.subarray(at + 512, at + 512 + size);
    if (content.length !== size) return null;
    at += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = content.toString('utf8').replace(/\0+$/, '');
      continue;
    }
    if (type === 'x') {
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(content.toString('utf8'))?.[1] ?? longName;
      continue;
    }
    if (type === 'g') continue;
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = null;
    entries.push({ name, type: type === '\0' || type === '0' ? (name.endsWith('/') ? '5' : '0') : type, content });
  }
  return null;
}

/** @param {string} name */
const baseName = (name) => name.replace(/\/+$/, '').split('/').pop() ?? '';

/**
 * What Fastly stores for an uploaded archive, or null where it answers "Failed to extract metadata".
 * @param {Buffer} archive @param {number} now @returns {StoredPackage | null}
 */
export function storedPackage(archive, now) {
  let entries;
  try {
    entries = tarEntries(gunzipSync(archive));
  } catch {
    return null;
  }
  if (!entries) return null;
  /** @type {Map<string, Buffer>} */
  const files = new Map();
  for (const entry of entries) if (entry.type !== '5') files.set(entry.name, entry.content);
  const manifests = [...files.keys()].filter((name) => baseName(name) === 'fastly.toml')
    .sort((a, b) => a.split('/').length - b.split('/').length);
  if (manifests.length === 0 || ![...files.keys()].some((name) => baseName(name) === 'main.wasm')) return null;
  /** @type {Record<string, unknown>} */
  let toml;
  try {
    toml = parseToml(files.get(manifests[0] ?? '')?.toString('utf8') ?? '');
  } catch {
    return null;
  }
  if (typeof toml.name !== 'string') return null;
  const names = [...files.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const filesHash = createHash('sha512');
  for (const name of names) filesHash.update(files.get(name) ?? Buffer.alloc(0));
  const text = (/** @type {unknown} */ value) => (typeof value === 'string' ? value : '');
  const at = new Date(now).toISOString();
  return {
    id: randomBytes(11).toString('base64url'),
    metadata: {
      name: toml.name,
      description: text(toml.description),
      authors: Array.isArray(toml.authors) ? toml.authors.filter((a) => typeof a === 'string') : [],
      language: text(toml.language),
      size: archive.length,
      hashsum: sha512(archive),
      files_hash: filesHash.digest('hex'),
    },
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * The one file part named `field` of a multipart/form-data body, or null.
 * @param {string | undefined} contentType @param {Buffer} body @param {string} field
 */
function filePart(contentType, body, field) {
  const boundary = /^multipart\/form-data;.*\bboundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
  if (!boundary) return null;
  const delimiter = Buffer.from(`--${boundary}`);
  for (let at = body.indexOf(delimiter); at >= 0;) {
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), at + delimiter.length);
    if (next < 0) return null;
    const part = body.subarray(at + delimiter.length + 2, next);
    const split = part.indexOf('\r\n\r\n');
    if (split >= 0) {
      const head = part.subarray(0, split).toString('utf8');
      const disposition = /^content-disposition:\s*form-data;(.*)$/im.exec(head)?.[1] ?? '';
      if (/\bname="([^"]*)"/.exec(disposition)?.[1] === field) return part.subarray(split + 4);
    }
    at = next + 2;
  }
  return null;
}

/** @param {Service} service @param {number} version @param {StoredPackage} stored */
const packageJson = (service, version, stored) => ({
  service_id: service.id, version, id: stored.id, metadata: stored.metadata,
  created_at: stored.createdAt, updated_at: stored.updatedAt, deleted_at: null,
});

/** @type {Route[]} */
export const packageRoutes = [
  onVersion('GET', '/package', false, (_ctx, service, version) => (version.package
    ? { status: 200, json: packageJson(service, version.number, version.package) }
    : { status: 404, json: { msg: 'Record not found' } })),
  onVersion('PUT', '/package', true, (ctx, service, version) => {
    if (service.type !== 'wasm') {
      return { status: 400, json: { msg: 'Bad request', detail: `Service ${service.id} is a VCL service; packages belong to Compute (wasm) services` } };
    }
    const archive = filePart(ctx.headers['content-type'], ctx.bytes, 'package');
    if (!archive) return { status: 400, json: { msg: 'Bad request', detail: 'The package must be a multipart/form-data file part named package' } };
    const stored = storedPackage(archive, ctx.now);
    if (!stored) return badPackage();
    // Uploading again into the same draft replaces its package.
    version.package = stored;
    version.updatedAt = stored.updatedAt;
    return { status: 200, json: packageJson(service, version.number, stored) };
  }),
];
