export const id = 885;
export const ids = [885];
export const modules = {

/***/ 885:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   readComputePackage: () => (/* binding */ readComputePackage)
/* harmony export */ });
/* unused harmony exports MAX_PACKAGE_BYTES, MAX_UNPACKED_BYTES, MAX_PACKAGE_ENTRIES */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(8161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__webpack_require__.n(node_os__WEBPACK_IMPORTED_MODULE_3__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_4___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_4__);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_5___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_5__);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(6466);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_6___default = /*#__PURE__*/__webpack_require__.n(node_stream_promises__WEBPACK_IMPORTED_MODULE_6__);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(8522);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_7___default = /*#__PURE__*/__webpack_require__.n(node_zlib__WEBPACK_IMPORTED_MODULE_7__);
/* harmony import */ var smol_toml__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(3292);
/* harmony import */ var tar_stream__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(6118);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_12__ = __webpack_require__(3916);
/* harmony import */ var _parsers_js__WEBPACK_IMPORTED_MODULE_10__ = __webpack_require__(5165);
/* harmony import */ var _read_file_js__WEBPACK_IMPORTED_MODULE_11__ = __webpack_require__(9404);













/** Fastly's limit (the CLI refuses a larger `.tar.gz`). */
const MAX_PACKAGE_BYTES = 100_000_000;
/**
 * What the archive may unpack to. Far above any real package (Wasm compresses
 * about 3:1), far below what a gzip bomb would cost to hash or spool.
 */
const MAX_UNPACKED_BYTES = 1_000_000_000;
/** Entries a package may hold: a project with its source is hundreds; the spool keeps one span per file. */
const MAX_PACKAGE_ENTRIES = 100_000;
/** fastly.toml is a few hundred bytes; it is the one file held in memory. */
const MAX_MANIFEST_BYTES = 1024 * 1024;
const MANIFEST = 'fastly.toml';
const WASM = 'main.wasm';
const INPUT = 'package';
const LAYOUT = `a Compute package holds <name>/${MANIFEST} and <name>/bin/${WASM}, as 'fastly compute build' makes it`;
/**
 * Reads the package the `package` input names, streaming it: nothing but
 * fastly.toml is held in memory. Fastly's files hash concatenates the files in
 * name order, and the CLI writes them in that order, so one pass usually
 * hashes them as they arrive; an archive in any other order is read a second
 * time into a temporary file, which is then hashed in name order.
 */
async function readComputePackage(path, options = {}) {
    const { fd, size } = (0,_read_file_js__WEBPACK_IMPORTED_MODULE_11__/* .openInputFile */ .Hd)(INPUT, path, { maxBytes: MAX_PACKAGE_BYTES, roots: options.roots });
    try {
        const limit = options.maxUnpackedBytes ?? MAX_UNPACKED_BYTES;
        const first = await firstPass(fd, path, limit);
        const filesHash = first.inOrder ? first.filesHash : await spooledFilesHash(fd, path, limit, first.hashsum, tempRoot(options));
        const manifest = parseManifest(path, first.manifest);
        return { path, size, filesHash, hashsum: first.hashsum, ...manifest };
    }
    finally {
        (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.closeSync)(fd);
    }
}
async function firstPass(fd, path, limit) {
    const filesHash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha512');
    let inOrder = true;
    let previous;
    let manifest;
    let hasWasm = false;
    const hashsum = await eachFile(fd, path, limit, async (name, entry) => {
        const key = Buffer.from(name);
        // An equal name is a second copy that replaces the first, as in Fastly's hash: not in order either.
        if (previous && Buffer.compare(previous, key) >= 0)
            inOrder = false;
        previous = key;
        const base = baseName(name);
        if (base === WASM && entry.header.type === 'file')
            hasWasm = true;
        const depth = name.split('/').filter(Boolean).length;
        const isManifest = base === MANIFEST && entry.header.type === 'file' && (!manifest || depth <= manifest.depth);
        const chunks = [];
        let held = 0;
        for await (const chunk of entry) {
            if (inOrder)
                filesHash.update(chunk);
            if (isManifest) {
                held += chunk.length;
                if (held > MAX_MANIFEST_BYTES)
                    throw packageError(path, `its ${quoteName(name)} is over ${MAX_MANIFEST_BYTES} bytes`);
                chunks.push(chunk);
            }
        }
        if (isManifest) {
            const tie = manifest && manifest.depth === depth && manifest.name !== name ? manifest.name : undefined;
            manifest = { name, depth, content: Buffer.concat(chunks), tie };
        }
    });
    if (!manifest)
        throw packageError(path, `it holds no ${MANIFEST}; ${LAYOUT}`);
    if (manifest.tie !== undefined) {
        throw packageError(path, `it holds two projects (${quoteName(manifest.tie)} and ${quoteName(manifest.name)}); a package holds one`);
    }
    if (!hasWasm)
        throw packageError(path, `it holds no ${WASM}; ${LAYOUT}`);
    return { hashsum, filesHash: filesHash.digest('hex'), inOrder, manifest };
}
/** Each file's content into one temporary file, then hashed in name order: memory stays flat whatever the order. */
async function spooledFilesHash(fd, path, limit, hashsum, root) {
    const dir = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.mkdtemp)((0,node_path__WEBPACK_IMPORTED_MODULE_4__.join)(root, 'fastly-package-'));
    try {
        const spool = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.open)((0,node_path__WEBPACK_IMPORTED_MODULE_4__.join)(dir, 'files'), 'w+');
        try {
            const spans = new Map();
            let end = 0;
            const again = await eachFile(fd, path, limit, async (name, entry) => {
                const start = end;
                for await (const chunk of entry) {
                    await writeAll(spool, chunk, end);
                    end += chunk.length;
                }
                spans.set(name, { start, length: end - start });
            });
            if (again !== hashsum)
                throw packageError(path, 'it changed while it was being read; build it before this step, not beside it');
            const names = [...spans.keys()].map(name => ({ name, key: Buffer.from(name) })).sort((a, b) => Buffer.compare(a.key, b.key));
            const hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha512');
            for (const { name } of names) {
                const span = spans.get(name);
                if (span)
                    await hashRange(spool, span.start, span.length, hash);
            }
            return hash.digest('hex');
        }
        finally {
            await spool.close();
        }
    }
    finally {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rm)(dir, { recursive: true, force: true });
    }
}
async function writeAll(handle, chunk, position) {
    let written = 0;
    while (written < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, written, chunk.length - written, position + written);
        written += bytesWritten;
    }
}
async function hashRange(handle, start, length, hash) {
    const buffer = Buffer.alloc(Math.min(length, 1024 * 1024));
    let done = 0;
    while (done < length) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, length - done), start + done);
        if (bytesRead === 0)
            throw new Error(`the package spool ended ${length - done} bytes early`);
        hash.update(buffer.subarray(0, bytesRead));
        done += bytesRead;
    }
}
/**
 * One pass over the archive: every entry that is not a directory goes to
 * `visit` (which reads it to the end), in archive order. Answers the SHA-512
 * of the raw file. A file that is not a gzip-compressed tar is an InputError.
 */
async function eachFile(fd, path, limit, visit) {
    const raw = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha512');
    let unpacked = 0;
    let entries = 0;
    let failure;
    const source = readFromStart(fd);
    const tee = new node_stream__WEBPACK_IMPORTED_MODULE_5__.Transform({
        transform(chunk, _encoding, done) {
            raw.update(chunk);
            done(null, chunk);
        }
    });
    const gunzip = (0,node_zlib__WEBPACK_IMPORTED_MODULE_7__.createGunzip)();
    // Counted as it unpacks, tar headers too: a bomb of empty entries is stopped as early as one big file.
    const measure = new node_stream__WEBPACK_IMPORTED_MODULE_5__.Transform({
        transform(chunk, _encoding, done) {
            unpacked += chunk.length;
            done(unpacked > limit ? packageError(path, `it unpacks to more than ${limit} bytes`) : null, chunk);
        }
    });
    const extract = tar_stream__WEBPACK_IMPORTED_MODULE_9__.extract();
    gunzip.once('error', () => (failure ??= 'gzip'));
    extract.once('error', () => (failure ??= 'tar'));
    const flowing = (0,node_stream_promises__WEBPACK_IMPORTED_MODULE_6__.pipeline)(source, tee, gunzip, measure, extract);
    // The loop below reports the same failure; this only keeps it from going unhandled.
    flowing.catch(() => undefined);
    try {
        for await (const entry of extract) {
            entries += 1;
            if (entries > MAX_PACKAGE_ENTRIES)
                throw packageError(path, `it holds more than ${MAX_PACKAGE_ENTRIES} entries`);
            if (entry.header.type === 'directory')
                entry.resume();
            else
                await visit(entry.header.name, entry);
        }
        await flowing;
    }
    catch (error) {
        source.destroy();
        const bomb = await flowing.then(() => undefined, (cause) => (cause instanceof _errors_js__WEBPACK_IMPORTED_MODULE_12__/* .InputError */ .dz ? cause : undefined));
        if (error instanceof _errors_js__WEBPACK_IMPORTED_MODULE_12__/* .InputError */ .dz)
            throw error;
        if (bomb)
            throw bomb;
        if (failure === undefined)
            throw error;
        throw archiveError(path, failure, error);
    }
    return raw.digest('hex');
}
const CHUNK_BYTES = 1024 * 1024;
/** The descriptor read from byte 0, left open: a second pass reads the same file, not whatever the path names by then. */
function readFromStart(fd) {
    let position = 0;
    return new node_stream__WEBPACK_IMPORTED_MODULE_5__.Readable({
        highWaterMark: CHUNK_BYTES,
        read() {
            const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
            (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.read)(fd, buffer, 0, CHUNK_BYTES, position, (error, bytesRead) => {
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
function archiveError(path, stage, error) {
    if (stage === 'tar')
        return packageError(path, `it is gzip-compressed but not a tar archive (or a cut-short one); ${LAYOUT}`);
    if (error.code === 'Z_BUF_ERROR')
        return packageError(path, 'its gzip stream is cut short');
    return packageError(path, `it is not gzip-compressed; ${LAYOUT}`);
}
function parseManifest(path, manifest) {
    const where = quoteName(manifest.name);
    let text;
    try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(manifest.content);
    }
    catch {
        throw packageError(path, `its ${where} is not UTF-8`);
    }
    let toml;
    try {
        toml = (0,smol_toml__WEBPACK_IMPORTED_MODULE_8__/* .parse */ .qg)(text);
    }
    catch (error) {
        // Only the position: the parser's message quotes the file.
        const at = error instanceof smol_toml__WEBPACK_IMPORTED_MODULE_8__/* .TomlError */ .zx ? ` (line ${error.line}, column ${error.column})` : '';
        throw packageError(path, `its ${where} is not valid TOML${at}`);
    }
    const name = toml.name;
    if (typeof name !== 'string' || name.trim() === '')
        throw packageError(path, `its ${where} has no name; add name = "…" to it`);
    return {
        name,
        language: optionalText(toml.language),
        description: optionalText(toml.description),
        authors: Array.isArray(toml.authors) ? toml.authors.filter((a) => typeof a === 'string') : []
    };
}
function optionalText(value) {
    return typeof value === 'string' ? value : undefined;
}
function packageError(path, what) {
    return new _errors_js__WEBPACK_IMPORTED_MODULE_12__/* .InputError */ .dz(`Input '${INPUT}' must name a Compute package (.tar.gz), but '${path}' is not one: ${what}`);
}
function quoteName(name) {
    return `'${(0,_parsers_js__WEBPACK_IMPORTED_MODULE_10__/* .shorten */ .ml)(name, 80)}'`;
}
function baseName(name) {
    return name.replace(/\/+$/, '').split('/').pop() ?? '';
}
function tempRoot(options) {
    return options.tempDir ?? (process.env.RUNNER_TEMP || (0,node_os__WEBPACK_IMPORTED_MODULE_3__.tmpdir)());
}


/***/ })

};
