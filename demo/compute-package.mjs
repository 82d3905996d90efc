// @ts-check
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

/**
 * A Compute package laid out as `fastly compute build` writes it: the
 * project's folder, its fastly.toml and bin/main.wasm.
 * @param {string} name  the project's name: the top folder and fastly.toml's
 * @param {Buffer} wasm  main.wasm's bytes: other bytes make another files hash
 * @returns {Promise<Buffer>} the .tar.gz
 */
export async function computePackage(name, wasm) {
  const pack = tar.pack();
  /** @type {Buffer[]} */
  const chunks = [];
  pack.on('data', (chunk) => chunks.push(/** @type {Buffer} */ (chunk)));
  const ended = new Promise((resolve, reject) => {
    pack.on('end', () => resolve(undefined));
    pack.on('error', reject);
  });
  pack.entry({ name: `${name}/`, type: 'directory' });
  pack.entry({ name: `${name}/bin/`, type: 'directory' });
  pack.entry({ name: `${name}/bin/main.wasm` }, wasm);
  pack.entry({ name: `${name}/fastly.toml` }, `manifest_version = 3\nname = "${name}"\nlanguage = "rust"\n`);
  pack.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}
