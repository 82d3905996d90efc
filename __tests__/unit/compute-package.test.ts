import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { MAX_PACKAGE_BYTES, readComputePackage } from '../../src/inputs/compute-package.js';
import { InputError } from '../../src/errors.js';
import { cliEntries, expectedFilesHash, manifestToml, packageBytes, packageDir, sha512, tarOf, writePackage, type PackageEntry } from '../packages.js';

const WASM = Buffer.from('\0asm\x01\0\0\0 the module');

/** Names whose UTF-16 order differs from their UTF-8 byte order, and a '-' that sorts before '/'. */
const AWKWARD: PackageEntry[] = [
  { name: 'svc/', type: 'directory' },
  { name: 'svc/bin/main.wasm', content: WASM },
  { name: 'svc/fastly.toml', content: manifestToml({ name: 'svc' }) },
  { name: 'svc/src/\u{1F600}.rs', content: 'emoji (UTF-16 first, UTF-8 last)' },
  { name: 'svc/src/\uFF5E.rs', content: 'fullwidth tilde' },
  { name: 'svc/src/a/x.rs', content: 'in a folder' },
  { name: 'svc/src/a-b.rs', content: 'dash sorts before slash' }
];

describe('readComputePackage', () => {
  it('reads the CLI layout: metadata from fastly.toml, size, hashsum and files hash', async () => {
    const entries = cliEntries({ name: 'edge-app', language: 'javascript', description: 'An app', authors: ['dev@example.com'], wasm: WASM });
    const path = await writePackage(entries);
    const pkg = await readComputePackage(path);
    expect(pkg).toEqual({
      path,
      name: 'edge-app',
      language: 'javascript',
      description: 'An app',
      authors: ['dev@example.com'],
      size: readFileSync(path).length,
      hashsum: sha512(readFileSync(path)),
      filesHash: expectedFilesHash(entries)
    });
    // Fastly's definition spelled out: main.wasm's bytes, then fastly.toml's, and nothing of names or folders.
    expect(pkg.filesHash).toBe(sha512(Buffer.concat([WASM, Buffer.from(manifestToml({ name: 'edge-app', language: 'javascript', description: 'An app', authors: ['dev@example.com'] }))])));
  });

  it('hashes files in byte order of their names, whatever the archive order (read twice through a spool)', async () => {
    const spool = mkdtempSync(join(tmpdir(), 'spool-'));
    const sorted = await readComputePackage(await writePackage(AWKWARD), { tempDir: spool });
    const shuffled = [AWKWARD[0], ...AWKWARD.slice(1).reverse()].filter((e): e is PackageEntry => e !== undefined);
    const reversed = await readComputePackage(await writePackage(shuffled), { tempDir: spool });
    expect(sorted.filesHash).toBe(expectedFilesHash(AWKWARD));
    expect(reversed.filesHash).toBe(sorted.filesHash);
    expect(readdirSync(spool)).toEqual([]);
  });

  it('agrees with GNU tar and sha512sum on an archive tar made itself', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gnu-tar-'));
    for (const entry of AWKWARD) {
      if (entry.content === undefined) continue;
      mkdirSync(dirname(join(root, entry.name)), { recursive: true });
      writeFileSync(join(root, entry.name), entry.content);
    }
    const archive = join(packageDir(), 'gnu.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', root, 'svc']);
    const independent = execFileSync('sh', ['-c', 'find svc -type f -print0 | LC_ALL=C sort -z | xargs -0 cat | sha512sum'], { cwd: root })
      .toString()
      .split(' ')[0];
    expect((await readComputePackage(archive)).filesHash).toBe(independent);
  });

  it('keeps the last of two entries with one name, and skips directories and links', async () => {
    // The second copy comes right after the first, so the names are otherwise in order.
    const [top, bin, wasm, manifest] = cliEntries({ wasm: WASM });
    const entries = [top, bin, wasm, { name: 'my-service/bin/main.wasm', content: 'the second copy wins' }, manifest,
      { name: 'my-service/link', type: 'symlink', linkname: 'fastly.toml' }, { name: 'my-service/zz/', type: 'directory' }]
      .filter((e): e is PackageEntry => e !== undefined);
    const pkg = await readComputePackage(await writePackage(entries));
    expect(pkg.filesHash).toBe(sha512(Buffer.concat([Buffer.from('the second copy wins'), Buffer.from(manifestToml())])));
  });

  it('takes fastly.toml and main.wasm at the top of the archive too, and the shallowest fastly.toml', async () => {
    const entries: PackageEntry[] = [
      { name: 'fastly.toml', content: manifestToml({ name: 'flat' }) },
      { name: 'main.wasm', content: WASM },
      { name: 'src/vendor/fastly.toml', content: 'not = "the manifest"' }
    ];
    expect((await readComputePackage(await writePackage(entries))).name).toBe('flat');
  });

  it('follows a symlink that stays inside the job', async () => {
    const dir = packageDir();
    const real = await writePackage(cliEntries(), dir);
    symlinkSync(real, join(dir, 'link.tar.gz'));
    expect((await readComputePackage(join(dir, 'link.tar.gz'), { roots: [dir] })).name).toBe('my-service');
  });
});

describe('readComputePackage refuses what is not a package', () => {
  const refusals: [string, () => Promise<string>, string][] = [
    ['a file that is not gzip', () => writePackage(Buffer.from('fastly.toml main.wasm')), 'it is not gzip-compressed'],
    ['a gzip stream cut short', async () => writePackage((await packageBytes()).subarray(0, 60)), 'its gzip stream is cut short'],
    ['gzip of something other than tar', () => writePackage(gzipSync('just text, no tar header here'.repeat(40))), 'not a tar archive'],
    ['an empty archive', async () => writePackage(gzipSync(await tarOf([]))), 'it holds no fastly.toml'],
    ['no fastly.toml', () => writePackage(cliEntries().filter(e => !e.name.endsWith('fastly.toml'))), 'it holds no fastly.toml'],
    ['no main.wasm', () => writePackage(cliEntries().filter(e => !e.name.endsWith('main.wasm'))), 'it holds no main.wasm'],
    ['main.wasm as a folder', () => writePackage([...cliEntries().filter(e => !e.name.endsWith('main.wasm')), { name: 'my-service/bin/main.wasm/', type: 'directory' }]), 'it holds no main.wasm'],
    ['fastly.toml that is not TOML', () => writePackage(withManifest('name = "x"\nlanguage = \n')), "its 'my-service/fastly.toml' is not valid TOML (line 2, column"],
    ['fastly.toml without a name', () => writePackage(withManifest('language = "rust"\n')), "its 'my-service/fastly.toml' has no name"],
    ['fastly.toml not in UTF-8', () => writePackage(withManifest(Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3d, 0xff]))), 'is not UTF-8'],
    ['two projects side by side', () => writePackage([...cliEntries(), { name: 'other/fastly.toml', content: manifestToml({ name: 'other' }) }]), "it holds two projects ('my-service/fastly.toml' and 'other/fastly.toml')"],
    ['a file over 100,000,000 bytes', tooLarge, `which is ${MAX_PACKAGE_BYTES + 1} bytes; the limit is ${MAX_PACKAGE_BYTES}`],
    ['a missing file', async () => join(packageDir(), 'absent.tar.gz'), 'must be a readable file path'],
    ['a folder', async () => packageDir(), 'it is a directory']
  ];

  it.each(refusals)('%s', async (_, make, why) => {
    const path = await make();
    const refusal = readComputePackage(path);
    await expect(refusal).rejects.toThrow(InputError);
    await expect(refusal).rejects.toThrow(`Input 'package'`);
    await expect(refusal).rejects.toThrow(why);
  });

  it('an archive that unpacks beyond the limit (a gzip bomb)', async () => {
    const path = await writePackage(cliEntries({ wasm: Buffer.alloc(200_000) }));
    await expect(readComputePackage(path, { maxUnpackedBytes: 100_000 })).rejects.toThrow(`'${path}' is not one: it unpacks to more than 100000 bytes`);
    await expect(readComputePackage(path, { maxUnpackedBytes: 300_000 })).resolves.toMatchObject({ name: 'my-service' });
  });

  it('a symlink leading outside the job', async () => {
    const outside = await writePackage(cliEntries());
    const job = packageDir();
    symlinkSync(outside, join(job, 'pkg.tar.gz'));
    await expect(readComputePackage(join(job, 'pkg.tar.gz'), { roots: [job] })).rejects.toThrow(
      `Input 'package' names '${join(job, 'pkg.tar.gz')}', a symlink (or a path through one) that leads outside the workspace`
    );
  });

  it('quotes entry names with their control characters escaped', async () => {
    const path = await writePackage([...cliEntries(), { name: 'evil\u001b[31m/fastly.toml', content: manifestToml() }]);
    const error = (await readComputePackage(path).then(() => undefined, (e: unknown) => e)) as Error;
    expect(error.message).toContain("'evil\\u001b[31m/fastly.toml'");
    expect(error.message).not.toContain('\u001b');
  });
});

function withManifest(content: string | Buffer): PackageEntry[] {
  return cliEntries().map(e => (e.name === 'my-service/fastly.toml' ? { ...e, content } : e));
}

/** Sparse: the size check comes before any byte is read. */
async function tooLarge(): Promise<string> {
  const path = join(packageDir(), 'huge.tar.gz');
  writeFileSync(path, '');
  truncateSync(path, MAX_PACKAGE_BYTES + 1);
  return path;
}
