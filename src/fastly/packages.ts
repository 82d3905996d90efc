import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { packageWithHash } from './answers.js';
import { FastlyError, isRecord } from './errors.js';
import type { Transport } from './transport.js';

/** A version's package as Fastly describes it (`metadata` of the package endpoints). */
export interface PackageMetadata {
  readonly name: string | undefined;
  readonly language: string | undefined;
  readonly description: string | undefined;
  readonly authors: readonly string[];
  /** Bytes of the `.tar.gz`. */
  readonly size: number | undefined;
  /** What the CLI and this action compare to skip an unchanged package. */
  readonly filesHash: string | undefined;
  readonly hashsum: string | undefined;
}

/** What an upload answered: verified to carry the files hash. */
export type UploadedPackage = PackageMetadata & { readonly filesHash: string };

/** The package calls, in the client's terms; client.ts exposes them on FastlyApi. */
export function packageCalls(transport: Transport) {
  const packagePath = (sid: string, n: number) => `/service/${encodeURIComponent(sid)}/version/${n}/package`;
  return {
    /** Undefined for a version without a package (Fastly answers 404). */
    async getPackage(sid: string, n: number): Promise<PackageMetadata | undefined> {
      try {
        // Lenient: a package whose hash is not known is simply not the one to skip, so it is uploaded.
        const verify = (body: unknown) => (isRecord(body) ? undefined : 'its answer is not the package it returns');
        return toMetadata(await transport.send({ method: 'GET', path: packagePath(sid, n), verify }));
      } catch (error) {
        if (error instanceof FastlyError && error.status === 404) return undefined;
        throw error;
      }
    },
    /**
     * Streams the file as the multipart field `package`. Uploading into the
     * same draft again replaces its package, so a lost answer, or one without
     * the files hash to check it by, is sent again (then FastlyUnconfirmedError).
     * In a dry run nothing is sent and nothing is known: undefined.
     */
    async uploadPackage(sid: string, n: number, path: string): Promise<UploadedPackage | undefined> {
      const body = await transport.send({ method: 'PUT', path: packagePath(sid, n), stream: multipartFile('package', path), verify: packageWithHash });
      if (body === undefined) return undefined;
      const metadata = toMetadata(body);
      return { ...metadata, filesHash: String(metadata.filesHash) };
    }
  };
}

export type PackageCalls = ReturnType<typeof packageCalls>;

/**
 * One file part, as go-fastly and the CLI send it. The length is known up
 * front (Fastly gets a Content-Length, not chunks), and the file is read
 * afresh for each attempt.
 */
function multipartFile(field: string, path: string) {
  const boundary = `fastly-deploy-action-${randomBytes(16).toString('hex')}`;
  // The file name is informational; quotes and line breaks would end the header early.
  const filename = basename(path).replace(/["\r\n\\]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n'
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const size = statSync(path).size;
  return {
    type: `multipart/form-data; boundary=${boundary}`,
    length: head.length + size + tail.length,
    open: () =>
      Readable.from(
        (async function* () {
          yield head;
          // No further than the length sent: a file that grew since would break the request midway.
          if (size > 0) yield* createReadStream(path, { start: 0, end: size - 1 });
          yield tail;
        })()
      )
  };
}

function toMetadata(body: unknown): PackageMetadata {
  const metadata = isRecord(body) && isRecord(body.metadata) ? body.metadata : {};
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return {
    name: text(metadata.name),
    language: text(metadata.language),
    description: text(metadata.description),
    authors: Array.isArray(metadata.authors) ? metadata.authors.filter((a): a is string => typeof a === 'string') : [],
    size: typeof metadata.size === 'number' && Number.isSafeInteger(metadata.size) ? metadata.size : undefined,
    filesHash: text(metadata.files_hash),
    hashsum: text(metadata.hashsum)
  };
}
