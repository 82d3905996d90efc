import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 3916:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   UB: () => (/* binding */ expectedMessage),
/* harmony export */   bD: () => (/* binding */ messageOf),
/* harmony export */   dz: () => (/* binding */ InputError),
/* harmony export */   lZ: () => (/* binding */ ActionError)
/* harmony export */ });
/**
 * A failure the action expects and explains: the step fails with this message
 * alone. Anything else reaching main.ts is a defect and gets its stack in the
 * debug log.
 */
class ActionError extends Error {
    name = 'ActionError';
}
class InputError extends ActionError {
    name = 'InputError';
}
/** The text of anything thrown, for a message that quotes it. */
function messageOf(error) {
    return error instanceof Error ? error.message : String(error);
}
/**
 * The message of an expected failure, for a caller that reports it and goes
 * on to the next service or item. A defect (a TypeError…) is thrown on, so
 * main.ts reports it as one, with its stack in the debug log.
 */
function expectedMessage(error) {
    if (error instanceof ActionError)
        return error.message;
    throw error;
}


/***/ }),

/***/ 9407:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _main_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(55);

await (0,_main_js__WEBPACK_IMPORTED_MODULE_0__/* .run */ .e)();

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 5165:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   GC: () => (/* binding */ surrogateKey),
/* harmony export */   JI: () => (/* binding */ readInteger),
/* harmony export */   JU: () => (/* binding */ purgeUrl),
/* harmony export */   Kf: () => (/* binding */ readChoice),
/* harmony export */   UN: () => (/* binding */ escapeControls),
/* harmony export */   Vf: () => (/* binding */ readBoolean),
/* harmony export */   bu: () => (/* binding */ readListWithFile),
/* harmony export */   f$: () => (/* binding */ parseHttpUrl),
/* harmony export */   ml: () => (/* binding */ shorten),
/* harmony export */   ry: () => (/* binding */ splitList)
/* harmony export */ });
/* unused harmony export MAX_SURROGATE_KEY_BYTES */
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(3916);
/* harmony import */ var _read_file_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(9404);


/** One entry of a list: anything between commas, whitespace and newlines. */
const ENTRY = /[^\s,]+/g;
function readBoolean(read, name, fallback) {
    const raw = read(name);
    if (raw === '')
        return fallback;
    const lower = raw.toLowerCase();
    if (lower === 'true')
        return true;
    if (lower === 'false')
        return false;
    throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`Input '${name}' must be 'true' or 'false', got '${raw}'`);
}
function readInteger(read, name, fallback, range) {
    const raw = read(name);
    if (raw === '')
        return fallback;
    const value = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
    const { min, max } = range;
    if (Number.isSafeInteger(value) && value >= min && (max === undefined || value <= max))
        return value;
    const expected = max === undefined ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
    throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`Input '${name}' must be ${expected}, got '${raw}'`);
}
function readChoice(read, name, choices) {
    const raw = read(name);
    const found = choices.find(choice => choice === raw);
    if (found)
        return found;
    const expected = choices.map(choice => `'${choice}'`).join(', ');
    throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`Input '${name}' must be one of ${expected}, got '${raw}'`);
}
/** Splits on commas, whitespace and newlines, dropping empty entries and duplicates (first one kept). */
function splitList(text) {
    return [...new Set(text.match(ENTRY))];
}
/**
 * The list from an inline input and/or a file input, in that order, each entry
 * passed through `normalise` (which names the input an entry came from in its
 * error), without duplicates. One entry at a time: a file of 100,000 URLs
 * should not pass through five arrays of 100,000 on its way in.
 */
function readListWithFile(read, inlineName, fileName, normalise = (_, entry) => entry) {
    const file = read(fileName);
    const list = new Set();
    for (const [entry] of read(inlineName).matchAll(ENTRY))
        list.add(normalise(inlineName, entry));
    if (file !== '') {
        for (const [entry] of (0,_read_file_js__WEBPACK_IMPORTED_MODULE_0__/* .readTextInputFile */ .YV)(fileName, file).matchAll(ENTRY))
            list.add(normalise(fileName, entry));
    }
    return [...list];
}
/** Userinfo in an absolute URL's authority: `//user:secret@`. */
const CREDENTIALS = /^([a-z][a-z\d+.-]*:\/\/)[^/?#]*@/i;
/**
 * An absolute http(s) URL without user credentials: a password in a URL
 * would be printed in the log, the summary and `purge-ids`, so it is refused,
 * and the message does not repeat it.
 */
function parseHttpUrl(name, raw) {
    let url;
    try {
        url = new URL(raw);
    }
    catch {
        url = undefined;
    }
    const shown = escapeControls(raw.replace(CREDENTIALS, '$1***@'));
    if (url && (url.username !== '' || url.password !== '')) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`Input '${name}' must not carry user credentials (user:password@), got '${shown}'; a URL is shown in the log and the summary`);
    }
    if (url && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '')
        return url;
    throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`Input '${name}' must be an absolute http(s) URL, got '${shown}'`);
}
/** A URL to purge: the fragment never reaches a server, so `#a` and `#b` of one page are one purge. */
function purgeUrl(name, raw) {
    const url = parseHttpUrl(name, raw);
    url.hash = '';
    return url.href;
}
/** Fastly's limit for one surrogate key. */
const MAX_SURROGATE_KEY_BYTES = 1024;
/** C0 controls, DEL and C1 controls: invisible in a log, and no key or name of Fastly's needs one. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
function surrogateKey(name, key) {
    const bytes = Buffer.byteLength(key);
    if (bytes > MAX_SURROGATE_KEY_BYTES) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`Input '${name}' has a surrogate key of ${bytes} bytes, '${shorten(key)}'; Fastly's limit is ${MAX_SURROGATE_KEY_BYTES} bytes`);
    }
    const control = CONTROL.exec(key);
    if (control) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`Input '${name}' has a surrogate key with the control character ${codePoint(control[0])}, '${shorten(key)}'`);
    }
    return key;
}
/** Untrusted text quoted in an input error: control characters as `\u001b`, at most 40 characters. */
function shorten(text, max = 40) {
    const cut = [...text];
    return escapeControls(cut.length > max ? `${cut.slice(0, max).join('')}…` : text);
}
/** Control characters as `\u001b`: an ESC in an input error must not reach the terminal as one. */
function escapeControls(text) {
    return text.replace(new RegExp(CONTROL.source, 'g'), char => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
function codePoint(char) {
    return `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}


/***/ }),

/***/ 9404:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Hd: () => (/* binding */ openInputFile),
/* harmony export */   YV: () => (/* binding */ readTextInputFile)
/* harmony export */ });
/* unused harmony exports MAX_TEXT_FILE_BYTES, jobRoots, readInputFile */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(3916);



/**
 * Far above any list of keys, URLs, items or VCL a run sends (100,000 long
 * URLs are about 10 MB), and far below what would exhaust the runner's memory.
 */
const MAX_TEXT_FILE_BYTES = 64 * 1024 * 1024;
/**
 * The folders a symlink may resolve into: the workspace and the runner's temp
 * folder. Outside a runner neither is set, and the working directory stands in
 * for the job: a link leading anywhere else is refused rather than trusted.
 */
function jobRoots(env = process.env) {
    const roots = [env.GITHUB_WORKSPACE, env.RUNNER_TEMP].filter((root) => Boolean(root));
    return roots.length > 0 ? roots : [process.cwd()];
}
/**
 * A file an input names, as text: every file the action reads goes through
 * here. Strict UTF-8 (a wrong byte is refused, not turned into U+FFFD), and a
 * leading byte order mark dropped — Windows editors save one that no one sees.
 */
function readTextInputFile(inputName, path, options = {}) {
    const bytes = readInputFile(inputName, path, { maxBytes: MAX_TEXT_FILE_BYTES, ...options });
    try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    }
    catch {
        const line = bytes.subarray(0, firstInvalidByte(bytes)).filter(byte => byte === 0x0a).length + 1;
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .InputError */ .dz(`Input '${inputName}' must name UTF-8 text, but '${path}' is not valid UTF-8 (line ${line}); save it as UTF-8`);
    }
}
/**
 * A file an input names, as bytes. Repository content comes from pull
 * requests, so a symlink on the way (the file, or a folder above it) must
 * lead inside the job's folders: a link to /etc/passwd is never read. A path
 * with no link on the way is the workflow's own choice and is read as given.
 */
function readInputFile(inputName, path, options = {}) {
    const { fd, size } = openInputFile(inputName, path, options);
    try {
        const bytes = Buffer.alloc(size);
        let filled = 0;
        while (filled < bytes.length) {
            const read = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readSync)(fd, bytes, filled, bytes.length - filled, filled);
            if (read === 0)
                break;
            filled += read;
        }
        return bytes.subarray(0, filled);
    }
    finally {
        (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.closeSync)(fd);
    }
}
/**
 * A file an input names, opened after the symlink and size checks of
 * readInputFile, for a caller that streams it (a package is too large to hold
 * in memory). The caller closes the descriptor.
 */
function openInputFile(inputName, path, options = {}) {
    const { maxBytes = Number.POSITIVE_INFINITY, roots = jobRoots() } = options;
    const real = realPath(inputName, path);
    if (real !== (0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)(path) && !roots.some(root => isInside(real, realPathOrSelf(root)))) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .InputError */ .dz(`Input '${inputName}' names '${path}', a symlink (or a path through one) that leads outside the workspace and the runner's temp folder; ` +
            'only links within the job are followed');
    }
    // The path that was checked is the one opened, so a link swapped in between is not followed.
    const fd = open(inputName, path, real);
    try {
        const stat = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.fstatSync)(fd);
        if (stat.isDirectory())
            throw notReadable(inputName, path, 'it is a directory');
        if (!stat.isFile())
            throw notReadable(inputName, path, 'not a regular file');
        if (stat.size > maxBytes) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .InputError */ .dz(`Input '${inputName}' names '${path}', which is ${stat.size} bytes; the limit is ${maxBytes}`);
        }
        return { fd, size: stat.size };
    }
    catch (error) {
        (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.closeSync)(fd);
        throw error;
    }
}
function realPath(inputName, path) {
    try {
        return (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.realpathSync)(path);
    }
    catch (error) {
        throw notReadable(inputName, path, why(error));
    }
}
function realPathOrSelf(path) {
    try {
        return (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.realpathSync)(path);
    }
    catch {
        return (0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)(path);
    }
}
function open(inputName, path, real) {
    try {
        return (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.openSync)(real, 'r');
    }
    catch (error) {
        throw notReadable(inputName, path, why(error));
    }
}
function isInside(path, root) {
    const rel = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.relative)(root, path);
    return rel === '' || (!rel.startsWith('..') && !(0,node_path__WEBPACK_IMPORTED_MODULE_1__.isAbsolute)(rel));
}
function why(error) {
    const code = error.code;
    if (code === 'ENOENT')
        return 'no such file';
    if (code === 'EISDIR')
        return 'it is a directory';
    if (code === 'EACCES')
        return 'permission denied';
    if (code === 'ELOOP')
        return 'a loop of symlinks';
    return code ?? 'unreadable';
}
function notReadable(inputName, path, reason) {
    return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .InputError */ .dz(`Input '${inputName}' must be a readable file path, got '${path}' (${reason})`);
}
/**
 * Where UTF-8 first breaks: every prefix before it still decodes, so a binary
 * search finds it without a decoder of our own. A file that decodes up to its
 * end was cut off in its last character.
 */
function firstInvalidByte(bytes) {
    if (decodesSoFar(bytes))
        return bytes.length - 1;
    let good = 0;
    let bad = bytes.length;
    while (bad - good > 1) {
        const middle = Math.floor((good + bad) / 2);
        if (decodesSoFar(bytes.subarray(0, middle)))
            good = middle;
        else
            bad = middle;
    }
    return good;
}
function decodesSoFar(bytes) {
    try {
        // `stream`: a sequence cut off at the end of the prefix is not yet an error.
        new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
        return true;
    }
    catch {
        return false;
    }
}


/***/ }),

/***/ 55:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  e: () => (/* binding */ main_run)
});

// EXTERNAL MODULE: ./src/errors.ts
var errors = __nccwpck_require__(3916);
;// CONCATENATED MODULE: ./src/cancel.ts

/** In-flight requests get this long to finish after the signal. */
const IN_FLIGHT_GRACE_MS = 1500;
/** Clean-up ends here after the signal: the report still has a second before the runner's SIGKILL. */
const CLEAN_UP_DEADLINE_MS = 3000;
const never = new AbortController().signal;
/** For runs nothing can cancel (unit tests, the demo). */
const NOT_CANCELLABLE = { stop: never, abort: never, deadline: never, by: () => undefined };
/**
 * Listens for SIGINT and SIGTERM for the rest of the process. Having a
 * listener keeps Node from dying on the second signal, so the report is
 * always written.
 */
function cancelOnSignals(onCancel = () => undefined) {
    const stop = new AbortController();
    const abort = new AbortController();
    const deadline = new AbortController();
    let by;
    const listener = (signal) => {
        if (by !== undefined)
            return;
        by = signal;
        stop.abort();
        setTimeout(() => abort.abort(), IN_FLIGHT_GRACE_MS).unref();
        setTimeout(() => deadline.abort(), CLEAN_UP_DEADLINE_MS).unref();
        onCancel(signal);
    };
    process.on('SIGINT', listener);
    process.on('SIGTERM', listener);
    return { stop: stop.signal, abort: abort.signal, deadline: deadline.signal, by: () => by };
}
/** A timer that ends early when `signal` fires; it never rejects. */
function sleepUnless(ms, signal) {
    if (signal?.aborted)
        return Promise.resolve();
    return new Promise(resolve => {
        const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener('abort', done, { once: true });
    });
}
/** The reason every item the run did not get to carries. */
const NOT_SENT_CANCELLED = 'Not sent: the run was cancelled';
/** A request the transport refused to start, or cut in flight, because the run was cancelled. */
class CancelledError extends errors/* ActionError */.lZ {
    method;
    path;
    inFlight;
    name = 'CancelledError';
    constructor(method, path, 
    /** True when the request had gone out: Fastly may have acted on it. */
    inFlight) {
        super(inFlight
            ? `Cancelled in flight: ${method} ${path} was cut off when the run was cancelled; Fastly may or may not have acted on it`
            : `${NOT_SENT_CANCELLED} (${method} ${path})`);
        this.method = method;
        this.path = path;
        this.inFlight = inFlight;
    }
}
/** A request the cancel kept from going out: Fastly never saw it, so there is nothing to count or read back. */
function neverSent(error) {
    return error instanceof CancelledError && !error.inFlight;
}

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __nccwpck_require__(8161);
// EXTERNAL MODULE: external "os"
var external_os_ = __nccwpck_require__(857);
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/utils.js
// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Sanitizes an input into a string so it can be passed into issueCommand safely
 * @param input input to sanitize into a string
 */
function toCommandValue(input) {
    if (input === null || input === undefined) {
        return '';
    }
    else if (typeof input === 'string' || input instanceof String) {
        return input;
    }
    return JSON.stringify(input);
}
/**
 *
 * @param annotationProperties
 * @returns The command properties to send with the actual annotation command
 * See IssueCommandProperties: https://github.com/actions/runner/blob/main/src/Runner.Worker/ActionCommandManager.cs#L646
 */
function toCommandProperties(annotationProperties) {
    if (!Object.keys(annotationProperties).length) {
        return {};
    }
    return {
        title: annotationProperties.title,
        file: annotationProperties.file,
        line: annotationProperties.startLine,
        endLine: annotationProperties.endLine,
        col: annotationProperties.startColumn,
        endColumn: annotationProperties.endColumn
    };
}
//# sourceMappingURL=utils.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/command.js


/**
 * Issues a command to the GitHub Actions runner
 *
 * @param command - The command name to issue
 * @param properties - Additional properties for the command (key-value pairs)
 * @param message - The message to include with the command
 * @remarks
 * This function outputs a specially formatted string to stdout that the Actions
 * runner interprets as a command. These commands can control workflow behavior,
 * set outputs, create annotations, mask values, and more.
 *
 * Command Format:
 *   ::name key=value,key=value::message
 *
 * @example
 * ```typescript
 * // Issue a warning annotation
 * issueCommand('warning', {}, 'This is a warning message');
 * // Output: ::warning::This is a warning message
 *
 * // Set an environment variable
 * issueCommand('set-env', { name: 'MY_VAR' }, 'some value');
 * // Output: ::set-env name=MY_VAR::some value
 *
 * // Add a secret mask
 * issueCommand('add-mask', {}, 'secretValue123');
 * // Output: ::add-mask::secretValue123
 * ```
 *
 * @internal
 * This is an internal utility function that powers the public API functions
 * such as setSecret, warning, error, and exportVariable.
 */
function issueCommand(command, properties, message) {
    const cmd = new Command(command, properties, message);
    process.stdout.write(cmd.toString() + external_os_.EOL);
}
function issue(name, message = '') {
    issueCommand(name, {}, message);
}
const CMD_STRING = '::';
class Command {
    constructor(command, properties, message) {
        if (!command) {
            command = 'missing.command';
        }
        this.command = command;
        this.properties = properties;
        this.message = message;
    }
    toString() {
        let cmdStr = CMD_STRING + this.command;
        if (this.properties && Object.keys(this.properties).length > 0) {
            cmdStr += ' ';
            let first = true;
            for (const key in this.properties) {
                if (this.properties.hasOwnProperty(key)) {
                    const val = this.properties[key];
                    if (val) {
                        if (first) {
                            first = false;
                        }
                        else {
                            cmdStr += ',';
                        }
                        cmdStr += `${key}=${escapeProperty(val)}`;
                    }
                }
            }
        }
        cmdStr += `${CMD_STRING}${escapeData(this.message)}`;
        return cmdStr;
    }
}
function escapeData(s) {
    return toCommandValue(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A');
}
function escapeProperty(s) {
    return toCommandValue(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A')
        .replace(/:/g, '%3A')
        .replace(/,/g, '%2C');
}
//# sourceMappingURL=command.js.map
;// CONCATENATED MODULE: external "crypto"
const external_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");
// EXTERNAL MODULE: external "fs"
var external_fs_ = __nccwpck_require__(9896);
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/file-command.js
// For internal use, subject to change.
// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */




function issueFileCommand(command, message) {
    const filePath = process.env[`GITHUB_${command}`];
    if (!filePath) {
        throw new Error(`Unable to find environment variable for file command ${command}`);
    }
    if (!external_fs_.existsSync(filePath)) {
        throw new Error(`Missing file at path: ${filePath}`);
    }
    external_fs_.appendFileSync(filePath, `${toCommandValue(message)}${external_os_.EOL}`, {
        encoding: 'utf8'
    });
}
function prepareKeyValueMessage(key, value) {
    const delimiter = `ghadelimiter_${external_crypto_namespaceObject.randomUUID()}`;
    const convertedValue = toCommandValue(value);
    // These should realistically never happen, but just in case someone finds a
    // way to exploit uuid generation let's not allow keys or values that contain
    // the delimiter.
    if (key.includes(delimiter)) {
        throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
    }
    if (convertedValue.includes(delimiter)) {
        throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
    }
    return `${key}<<${delimiter}${external_os_.EOL}${convertedValue}${external_os_.EOL}${delimiter}`;
}
//# sourceMappingURL=file-command.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/summary.js
var __awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const { access, appendFile, writeFile } = external_fs_.promises;
const SUMMARY_ENV_VAR = 'GITHUB_STEP_SUMMARY';
const SUMMARY_DOCS_URL = 'https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-job-summary';
class Summary {
    constructor() {
        this._buffer = '';
    }
    /**
     * Finds the summary file path from the environment, rejects if env var is not found or file does not exist
     * Also checks r/w permissions.
     *
     * @returns step summary file path
     */
    filePath() {
        return __awaiter(this, void 0, void 0, function* () {
            if (this._filePath) {
                return this._filePath;
            }
            const pathFromEnv = process.env[SUMMARY_ENV_VAR];
            if (!pathFromEnv) {
                throw new Error(`Unable to find environment variable for $${SUMMARY_ENV_VAR}. Check if your runtime environment supports job summaries.`);
            }
            try {
                yield access(pathFromEnv, external_fs_.constants.R_OK | external_fs_.constants.W_OK);
            }
            catch (_a) {
                throw new Error(`Unable to access summary file: '${pathFromEnv}'. Check if the file has correct read/write permissions.`);
            }
            this._filePath = pathFromEnv;
            return this._filePath;
        });
    }
    /**
     * Wraps content in an HTML tag, adding any HTML attributes
     *
     * @param {string} tag HTML tag to wrap
     * @param {string | null} content content within the tag
     * @param {[attribute: string]: string} attrs key-value list of HTML attributes to add
     *
     * @returns {string} content wrapped in HTML element
     */
    wrap(tag, content, attrs = {}) {
        const htmlAttrs = Object.entries(attrs)
            .map(([key, value]) => ` ${key}="${value}"`)
            .join('');
        if (!content) {
            return `<${tag}${htmlAttrs}>`;
        }
        return `<${tag}${htmlAttrs}>${content}</${tag}>`;
    }
    /**
     * Writes text in the buffer to the summary buffer file and empties buffer. Will append by default.
     *
     * @param {SummaryWriteOptions} [options] (optional) options for write operation
     *
     * @returns {Promise<Summary>} summary instance
     */
    write(options) {
        return __awaiter(this, void 0, void 0, function* () {
            const overwrite = !!(options === null || options === void 0 ? void 0 : options.overwrite);
            const filePath = yield this.filePath();
            const writeFunc = overwrite ? writeFile : appendFile;
            yield writeFunc(filePath, this._buffer, { encoding: 'utf8' });
            return this.emptyBuffer();
        });
    }
    /**
     * Clears the summary buffer and wipes the summary file
     *
     * @returns {Summary} summary instance
     */
    clear() {
        return __awaiter(this, void 0, void 0, function* () {
            return this.emptyBuffer().write({ overwrite: true });
        });
    }
    /**
     * Returns the current summary buffer as a string
     *
     * @returns {string} string of summary buffer
     */
    stringify() {
        return this._buffer;
    }
    /**
     * If the summary buffer is empty
     *
     * @returns {boolen} true if the buffer is empty
     */
    isEmptyBuffer() {
        return this._buffer.length === 0;
    }
    /**
     * Resets the summary buffer without writing to summary file
     *
     * @returns {Summary} summary instance
     */
    emptyBuffer() {
        this._buffer = '';
        return this;
    }
    /**
     * Adds raw text to the summary buffer
     *
     * @param {string} text content to add
     * @param {boolean} [addEOL=false] (optional) append an EOL to the raw text (default: false)
     *
     * @returns {Summary} summary instance
     */
    addRaw(text, addEOL = false) {
        this._buffer += text;
        return addEOL ? this.addEOL() : this;
    }
    /**
     * Adds the operating system-specific end-of-line marker to the buffer
     *
     * @returns {Summary} summary instance
     */
    addEOL() {
        return this.addRaw(external_os_.EOL);
    }
    /**
     * Adds an HTML codeblock to the summary buffer
     *
     * @param {string} code content to render within fenced code block
     * @param {string} lang (optional) language to syntax highlight code
     *
     * @returns {Summary} summary instance
     */
    addCodeBlock(code, lang) {
        const attrs = Object.assign({}, (lang && { lang }));
        const element = this.wrap('pre', this.wrap('code', code), attrs);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML list to the summary buffer
     *
     * @param {string[]} items list of items to render
     * @param {boolean} [ordered=false] (optional) if the rendered list should be ordered or not (default: false)
     *
     * @returns {Summary} summary instance
     */
    addList(items, ordered = false) {
        const tag = ordered ? 'ol' : 'ul';
        const listItems = items.map(item => this.wrap('li', item)).join('');
        const element = this.wrap(tag, listItems);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML table to the summary buffer
     *
     * @param {SummaryTableCell[]} rows table rows
     *
     * @returns {Summary} summary instance
     */
    addTable(rows) {
        const tableBody = rows
            .map(row => {
            const cells = row
                .map(cell => {
                if (typeof cell === 'string') {
                    return this.wrap('td', cell);
                }
                const { header, data, colspan, rowspan } = cell;
                const tag = header ? 'th' : 'td';
                const attrs = Object.assign(Object.assign({}, (colspan && { colspan })), (rowspan && { rowspan }));
                return this.wrap(tag, data, attrs);
            })
                .join('');
            return this.wrap('tr', cells);
        })
            .join('');
        const element = this.wrap('table', tableBody);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds a collapsable HTML details element to the summary buffer
     *
     * @param {string} label text for the closed state
     * @param {string} content collapsable content
     *
     * @returns {Summary} summary instance
     */
    addDetails(label, content) {
        const element = this.wrap('details', this.wrap('summary', label) + content);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML image tag to the summary buffer
     *
     * @param {string} src path to the image you to embed
     * @param {string} alt text description of the image
     * @param {SummaryImageOptions} options (optional) addition image attributes
     *
     * @returns {Summary} summary instance
     */
    addImage(src, alt, options) {
        const { width, height } = options || {};
        const attrs = Object.assign(Object.assign({}, (width && { width })), (height && { height }));
        const element = this.wrap('img', null, Object.assign({ src, alt }, attrs));
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML section heading element
     *
     * @param {string} text heading text
     * @param {number | string} [level=1] (optional) the heading level, default: 1
     *
     * @returns {Summary} summary instance
     */
    addHeading(text, level) {
        const tag = `h${level}`;
        const allowedTag = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].includes(tag)
            ? tag
            : 'h1';
        const element = this.wrap(allowedTag, text);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML thematic break (<hr>) to the summary buffer
     *
     * @returns {Summary} summary instance
     */
    addSeparator() {
        const element = this.wrap('hr', null);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML line break (<br>) to the summary buffer
     *
     * @returns {Summary} summary instance
     */
    addBreak() {
        const element = this.wrap('br', null);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML blockquote to the summary buffer
     *
     * @param {string} text quote text
     * @param {string} cite (optional) citation url
     *
     * @returns {Summary} summary instance
     */
    addQuote(text, cite) {
        const attrs = Object.assign({}, (cite && { cite }));
        const element = this.wrap('blockquote', text, attrs);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML anchor tag to the summary buffer
     *
     * @param {string} text link text/content
     * @param {string} href hyperlink
     *
     * @returns {Summary} summary instance
     */
    addLink(text, href) {
        const element = this.wrap('a', text, { href });
        return this.addRaw(element).addEOL();
    }
}
const _summary = new Summary();
/**
 * @deprecated use `core.summary`
 */
const markdownSummary = (/* unused pure expression or super */ null && (_summary));
const summary = _summary;
//# sourceMappingURL=summary.js.map
;// CONCATENATED MODULE: ./src/runner.ts





/**
 * The runner's protocol — inputs, workflow commands, file commands, the job
 * summary — made of @actions/core's own files. Its entry point is not used:
 * it loads an OIDC client whose HTTP library (undici) is most of the bundle
 * and a third of the start-up time (measured: 1.06 MB and +25 ms over a bare
 * `node -e 0` for `core.info` alone), and the action never asks for an ID token.
 * The package's `exports` allow only that entry, hence the paths.
 */
/** As the runner passes them: `INPUT_` and the name upper-cased, spaces as `_`; trimmed. */
function getInput(name) {
    return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}
function info(line) {
    process.stdout.write(line + external_node_os_.EOL);
}
function command(name, message, properties = {}) {
    issueCommand(name, toCommandProperties(properties), message);
}
function startGroup(title) {
    issue('group', title);
}
function endGroup() {
    issue('endgroup');
}
/** Through the GITHUB_OUTPUT file; without one (outside a runner), as the older command. */
function setOutput(name, value) {
    if (process.env.GITHUB_OUTPUT) {
        issueFileCommand('OUTPUT', prepareKeyValueMessage(name, value));
        return;
    }
    process.stdout.write(external_node_os_.EOL);
    issueCommand('set-output', { name }, toCommandValue(value));
}
function fail(message) {
    process.exitCode = 1;
    command('error', message);
}
async function appendSummary(markdown) {
    await summary.addRaw(markdown).write();
}

;// CONCATENATED MODULE: ./src/secrets.ts
/** What a secret's forms are replaced by, as the runner masks them in the log. */
const MASK = '***';
/** Below this a base64 run says too little to be sure it holds the secret: "YQ" is "a" and a thousand other things. */
const MIN_BASE64_CORE = 8;
const BASE64_CHAR = /[A-Za-z0-9+/_-]/;
/**
 * Removes every form of `secret` a server or proxy may echo back: raw, URL-encoded
 * (either case of hex), and base64 or base64url, alone or inside a longer run such
 * as `Authorization: Basic base64(user:secret)`. Where the secret starts inside a
 * base64 run decides its encoding, so each of the 3 byte offsets has its own core:
 * the characters only the secret's bytes determine. The whole run around a core is
 * masked, since its edge characters carry a few of the secret's bits too.
 */
function scrubberFor(secret) {
    if (secret === '')
        return text => text;
    const literals = [...new Set([secret, encodeURIComponent(secret)])];
    const encoded = literals.map(literal => new RegExp(escapeRegExp(literal), literal === secret ? 'g' : 'gi'));
    const cores = [...new Set([0, 1, 2].flatMap(offset => base64Cores(secret, offset)))].filter(core => core.length >= MIN_BASE64_CORE);
    return text => {
        let out = text;
        for (const pattern of encoded)
            out = out.replace(pattern, MASK);
        for (const core of cores)
            out = maskRuns(out, core);
        return out;
    };
}
function base64Cores(secret, offset) {
    const bytes = Buffer.concat([Buffer.alloc(offset), Buffer.from(secret, 'utf8')]);
    const end = Math.floor(bytes.length / 3) * 4;
    const start = offset === 0 ? 0 : 4;
    const standard = bytes.toString('base64').slice(start, end);
    return [standard, bytes.toString('base64url').slice(start, end)];
}
function maskRuns(text, core) {
    let out = text;
    for (let at = out.indexOf(core); at >= 0; at = out.indexOf(core, at + MASK.length)) {
        let from = at;
        let to = at + core.length;
        while (from > 0 && BASE64_CHAR.test(out.charAt(from - 1)))
            from -= 1;
        while (to < out.length && BASE64_CHAR.test(out.charAt(to)))
            to += 1;
        while (out.charAt(to) === '=')
            to += 1;
        out = `${out.slice(0, from)}${MASK}${out.slice(to)}`;
        at = from;
    }
    return out;
}
function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
let active = text => text;
/** From here on, `scrub` removes this secret: the last line of defence before any log, output or summary write. */
function registerSecret(secret) {
    active = scrubberFor(secret);
}
function scrub(text) {
    return active(text);
}

;// CONCATENATED MODULE: ./src/log.ts


/**
 * The only way the action prints. The runner executes a stdout line that starts
 * with `::` (after leading blanks), and the older `##[command]` form anywhere in a
 * line; inputs and Fastly's answers are part of many lines, so every line and
 * every command's payload goes through `oneLine` first.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
/**
 * Text as one harmless line: the secret scrubbed, line breaks and other control
 * characters shown escaped (an ESC would drive the log viewer's colours), `##[`
 * broken, and a leading `::` preceded by a backslash. Backslashes are not doubled:
 * Windows paths and VCL regexes stay readable, and nothing reads these lines back.
 */
function oneLine(text) {
    const flat = scrub(text)
        .replace(CONTROL, char => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
        .replace(/##\[/g, '##\\[');
    return flat.replace(/^(\s*)::/, '$1\\::');
}
function log_info(text) {
    info(oneLine(text));
}
/** Text with line breaks of its own (the summary, when there is no summary file): each line made harmless. */
function infoLines(text) {
    for (const line of text.split(/\r?\n/))
        info(oneLine(line));
}
function debug(text) {
    command('debug', oneLine(text));
}
function log_notice(text) {
    command('notice', oneLine(text));
}
function log_warning(text) {
    command('warning', oneLine(text));
}
function error(text) {
    command('error', oneLine(text));
}
/** An annotation on a repository file, at a line (and column) when known: GitHub shows it beside that line. */
function annotate(level, text, where) {
    command(level, oneLine(text), {
        file: oneLine(where.file),
        ...(where.line === undefined ? {} : { startLine: where.line }),
        ...(where.column === undefined ? {} : { startColumn: where.column })
    });
}
/** The step's failure: an `::error::` annotation and exit code 1. */
function log_fail(text) {
    fail(oneLine(text));
}
function log_startGroup(title) {
    startGroup(oneLine(title));
}
function log_endGroup() {
    endGroup();
}
/** The runner masks the token in the log from here on; the action scrubs it from everything else it writes. */
function maskSecret(secret) {
    command('add-mask', secret);
    registerSecret(secret);
}
/** Without GITHUB_OUTPUT, the output is printed as a command, escaped; either way the secret is scrubbed. */
function log_setOutput(name, value) {
    setOutput(name, scrub(value));
}

;// CONCATENATED MODULE: ./src/version.ts
/** Kept in step with package.json by a unit test; sent in the User-Agent. */
const ACTION_VERSION = '1.0.0';
const USER_AGENT = `fastly-deploy-action/${ACTION_VERSION}`;

;// CONCATENATED MODULE: ./src/fastly/errors.ts

/** Fastly answered, and the answer was a refusal. */
class FastlyError extends errors/* ActionError */.lZ {
    method;
    path;
    status;
    reason;
    retries;
    body;
    name = 'FastlyError';
    constructor(method, path, status, reason, retries, 
    /** The answer's text (token scrubbed), for a call whose refusals carry detail per item (a KV batch). */
    body = '') {
        super(status === 407
            ? `The proxy between the runner and Fastly refused ${method} ${path}: ${proxyRefusal(status)}`
            : reason.startsWith(`HTTP ${status}`)
                ? `Fastly refused ${method} ${path}: ${reason}${afterRetries(retries)}`
                : `Fastly refused ${method} ${path} (HTTP ${status}): ${reason}${afterRetries(retries)}`);
        this.method = method;
        this.path = path;
        this.status = status;
        this.reason = reason;
        this.retries = retries;
        this.body = body;
    }
}
/**
 * What a proxy's refusal means. A 407 comes from the proxy, never from
 * Fastly: blaming Fastly or the network would send the reader the wrong way.
 */
function proxyRefusal(status) {
    if (status === 407) {
        return 'HTTP 407 Proxy Authentication Required; give the proxy its credentials in the proxy variable, e.g. https_proxy=http://user:password@proxy:3128';
    }
    return `HTTP ${status} instead of a tunnel to Fastly`;
}
/**
 * Fastly answered 2xx, but not with what the call returns (not JSON, an HTML
 * page, {"status":"error"}, a missing field): whether it acted is unknown.
 */
class FastlyUnconfirmedError extends errors/* ActionError */.lZ {
    method;
    path;
    status;
    reason;
    retries;
    answer;
    name = 'FastlyUnconfirmedError';
    constructor(method, path, status, reason, retries, 
    /** The parsed answer (undefined when it was empty or not JSON), for a caller that can use part of it. */
    answer) {
        super(`Fastly answered HTTP ${status} to ${method} ${path} but ${reason}${afterRetries(retries)}`);
        this.method = method;
        this.path = path;
        this.status = status;
        this.reason = reason;
        this.retries = retries;
        this.answer = answer;
    }
}
/** No answer at all: reset, refused, timed out. */
class FastlyNetworkError extends errors/* ActionError */.lZ {
    method;
    path;
    reason;
    name = 'FastlyNetworkError';
    constructor(method, path, reason, retries) {
        super(`Could not reach Fastly for ${method} ${path}: ${reason}${afterRetries(retries)}`);
        this.method = method;
        this.path = path;
        this.reason = reason;
    }
}
/** Fastly's rate limit stopped a request, and waiting is not an option. */
class FastlyRateLimitError extends errors/* ActionError */.lZ {
    method;
    path;
    resetAt;
    why;
    name = 'FastlyRateLimitError';
    constructor(method, path, resetAt, why) {
        const when = resetAt ? `the window resets at ${resetAt.toISOString()}` : 'Fastly gave no reset time';
        const what = {
            'beyond-wait-cap': `Fastly's rate limit refused ${method} ${path} (HTTP 429) and ${when}, more than the 120 s the action waits`,
            'retries-spent': `Fastly's rate limit refused ${method} ${path} (HTTP 429) and its retries (max-retries) are spent; ${when}`,
            'not-sent': `Not sent: ${method} ${path}, because Fastly's rate limit is exhausted and ${when}`
        }[why];
        super(`${what}; run again after that`);
        this.method = method;
        this.path = path;
        this.resetAt = resetAt;
        this.why = why;
    }
}
function afterRetries(retries) {
    return retries > 0 ? ` (after ${retries} ${retries === 1 ? 'retry' : 'retries'})` : '';
}
const MAX_REASON = 300;
/**
 * Fastly's reason from an error body, whichever of its shapes it uses:
 * {msg, detail}, {errors: [{title, detail}]}, problem+json {title, detail};
 * from a proxy's HTML page its title or heading, from plain text the text.
 * A body that says nothing usable (empty, JSON without a reason, JSON cut
 * short) gives the status line: a JSON dump explains nothing to a reader.
 */
function reasonFromBody(body, status, statusText) {
    const statusLine = `HTTP ${status} ${statusText}`.trim();
    const parsed = parseJson(body);
    if (parsed !== undefined)
        return shorten((isRecord(parsed) ? reasonOf(parsed) : textOf(parsed)) ?? statusLine);
    const text = body.trim();
    if (text === '' || /^[[{]/.test(text))
        return statusLine;
    return shorten((isMarkup(text) ? headingOf(text) : undefined) ?? (errors_oneLine(isMarkup(text) ? textOfMarkup(text) : text) || statusLine));
}
/**
 * What a 2xx that is not JSON said, to show beside "its answer is not JSON":
 * the text a reader would see of it (an HTML page's text, not its markup).
 */
function textOfAnswer(body) {
    return shorten(errors_oneLine(isMarkup(body.trim()) ? textOfMarkup(body) : body) || 'unreadable');
}
/** The reason an error-shaped body gives, or undefined when it gives none. */
function reasonOf(body) {
    const head = joinDistinct([textOf(body.msg) ?? textOf(body.title) ?? textOf(body.message) ?? textOf(body.error), textOf(body.detail)], ': ');
    const errors = Array.isArray(body.errors)
        ? joinDistinct(body.errors.filter(isRecord).map(e => joinDistinct([textOf(e.title) ?? textOf(e.msg) ?? textOf(e.message), textOf(e.detail) ?? textOf(e.reason)], ': ')), '; ')
        : undefined;
    return joinDistinct([head, errors], ': ');
}
function joinDistinct(parts, separator) {
    const kept = [...new Set(parts.filter((part) => Boolean(part)))];
    return kept.length > 0 ? kept.join(separator) : undefined;
}
function isMarkup(text) {
    return /^</.test(text) && /<\/?[a-z!][^>]*>/i.test(text);
}
/** A page's own name for the error: its <title>, else its first heading. */
function headingOf(page) {
    for (const tag of ['title', 'h1', 'h2']) {
        const inner = new RegExp(`<${tag}\\b[^>]*>([\\s\\S]*?)</${tag}>`, 'i').exec(page)?.[1];
        const text = inner === undefined ? '' : errors_oneLine(textOfMarkup(inner));
        if (text !== '')
            return text;
    }
    return undefined;
}
function textOfMarkup(page) {
    return decodeEntities(page
        .replace(/<!--[\s\S]*?(-->|$)/g, ' ')
        .replace(/<(script|style|head)\b[\s\S]*?(<\/\1\s*>|$)/gi, ' ')
        .replace(/<[^>]*>?/g, ' '));
}
const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
function decodeEntities(text) {
    return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (entity, name) => {
        const code = name.startsWith('#x') || name.startsWith('#X') ? parseInt(name.slice(2), 16) : name.startsWith('#') ? Number(name.slice(1)) : undefined;
        if (code === undefined)
            return ENTITIES[name.toLowerCase()] ?? entity;
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    });
}
function errors_oneLine(text) {
    return text.replace(/\s+/g, ' ').trim();
}
/**
 * Why a 2xx answer is not the call's answer, or undefined when it is. `parsed`
 * is undefined both for an empty body and for one that is not JSON: the raw
 * text tells them apart, so malformed JSON never passes as "no body".
 */
function unconfirmedReason(raw, parsed, verify) {
    if (raw.trim() !== '' && parsed === undefined)
        return `its answer is not JSON (${textOfAnswer(raw)})`;
    return verify?.(parsed);
}
/**
 * The reason a 2xx answer gives for not having acted: {"status": "error", …}
 * or {"errors": [{title, detail}, …]}. A KV batch's per-line errors ({key,
 * index, code, reason}) are its own answer and read by its caller. Empty when
 * the error gives no reason.
 */
function errorInAnswer(parsed) {
    if (!isRecord(parsed))
        return undefined;
    const listed = Array.isArray(parsed.errors) && parsed.errors.some(e => isRecord(e) && [e.title, e.detail, e.msg, e.message].some(v => textOf(v)));
    if (parsed.status !== 'error' && !listed)
        return undefined;
    return reasonOf(parsed) ?? '';
}
/** Lenient: undefined for anything that is not JSON (error bodies come in many shapes). */
function parseJson(body) {
    try {
        return JSON.parse(body);
    }
    catch {
        return undefined;
    }
}
function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function textOf(value) {
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
function shorten(text) {
    return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}

;// CONCATENATED MODULE: ./src/fastly/answers.ts

/**
 * Checks for `ApiRequest.verify`: each answers why a 2xx body is not what the
 * call returns (see FASTLY-API.md), or undefined when it is.
 */
/** Purges, purge-all and item batches answer {"status": "ok"}. */
function statusOk(body) {
    if (isRecord(body) && body.status === 'ok')
        return undefined;
    if (!isRecord(body) || typeof body.status !== 'string')
        return 'its answer has no "status": "ok"';
    return `its answer said "status": ${JSON.stringify(body.status)}, not "ok"`;
}
/** A list page: an array of objects, each with a string `field` (e.g. item_key). */
function listOf(field, what) {
    return body => {
        if (!Array.isArray(body))
            return `its answer is not the list of ${what} it returns`;
        const bad = body.findIndex(entry => !isRecord(entry) || typeof entry[field] !== 'string');
        return bad < 0 ? undefined : `entry ${bad + 1} of its list of ${what} has no string "${field}"`;
    };
}
/** One object with a string `field` equal to `value` when given (e.g. the VCL just written, by name). */
function objectWith(field, what, value) {
    return body => {
        if (!isRecord(body) || typeof body[field] !== 'string')
            return `its answer is not the ${what} it returns`;
        return value === undefined || body[field] === value
            ? undefined
            : `its answer is a ${what} with ${field} ${JSON.stringify(body[field])}, not ${JSON.stringify(value)}`;
    };
}
/**
 * A package answer: `metadata` with the files hash, the one field the action
 * checks an upload by (an upload without it could hold anything).
 */
function packageWithHash(body) {
    if (!isRecord(body) || !isRecord(body.metadata))
        return 'its answer is not the package it returns (no "metadata")';
    const hash = body.metadata.files_hash;
    return typeof hash === 'string' && hash !== '' ? undefined : 'its package metadata has no "files_hash" to check the upload by';
}

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __nccwpck_require__(7067);
;// CONCATENATED MODULE: ./node_modules/@actions/http-client/lib/proxy.js
function getProxyUrl(reqUrl) {
    const usingSsl = reqUrl.protocol === 'https:';
    if (checkBypass(reqUrl)) {
        return undefined;
    }
    const proxyVar = (() => {
        if (usingSsl) {
            return process.env['https_proxy'] || process.env['HTTPS_PROXY'];
        }
        else {
            return process.env['http_proxy'] || process.env['HTTP_PROXY'];
        }
    })();
    if (proxyVar) {
        try {
            return new DecodedURL(proxyVar);
        }
        catch (_a) {
            if (!proxyVar.startsWith('http://') && !proxyVar.startsWith('https://'))
                return new DecodedURL(`http://${proxyVar}`);
        }
    }
    else {
        return undefined;
    }
}
function checkBypass(reqUrl) {
    if (!reqUrl.hostname) {
        return false;
    }
    const reqHost = reqUrl.hostname;
    if (isLoopbackAddress(reqHost)) {
        return true;
    }
    const noProxy = process.env['no_proxy'] || process.env['NO_PROXY'] || '';
    if (!noProxy) {
        return false;
    }
    // Determine the request port
    let reqPort;
    if (reqUrl.port) {
        reqPort = Number(reqUrl.port);
    }
    else if (reqUrl.protocol === 'http:') {
        reqPort = 80;
    }
    else if (reqUrl.protocol === 'https:') {
        reqPort = 443;
    }
    // Format the request hostname and hostname with port
    const upperReqHosts = [reqUrl.hostname.toUpperCase()];
    if (typeof reqPort === 'number') {
        upperReqHosts.push(`${upperReqHosts[0]}:${reqPort}`);
    }
    // Compare request host against noproxy
    for (const upperNoProxyItem of noProxy
        .split(',')
        .map(x => x.trim().toUpperCase())
        .filter(x => x)) {
        if (upperNoProxyItem === '*' ||
            upperReqHosts.some(x => x === upperNoProxyItem ||
                x.endsWith(`.${upperNoProxyItem}`) ||
                (upperNoProxyItem.startsWith('.') &&
                    x.endsWith(`${upperNoProxyItem}`)))) {
            return true;
        }
    }
    return false;
}
function isLoopbackAddress(host) {
    const hostLower = host.toLowerCase();
    return (hostLower === 'localhost' ||
        hostLower.startsWith('127.') ||
        hostLower.startsWith('[::1]') ||
        hostLower.startsWith('[0:0:0:0:0:0:0:1]'));
}
class DecodedURL extends URL {
    constructor(url, base) {
        super(url, base);
        this._decodedUsername = decodeURIComponent(super.username);
        this._decodedPassword = decodeURIComponent(super.password);
    }
    get username() {
        return this._decodedUsername;
    }
    get password() {
        return this._decodedPassword;
    }
}
//# sourceMappingURL=proxy.js.map
;// CONCATENATED MODULE: ./src/fastly/agent.ts


/**
 * The connection agent for one API host, chosen as @actions/http-client
 * chooses it (`https_proxy`, `http_proxy`, `no_proxy`; a CONNECT tunnel
 * through a proxy), from its own proxy rules and the same tunnel library. Its
 * client class is not used: it loads undici at start-up, which this action
 * never uses (see runner.ts for the measurement). The tunnel library loads
 * TLS as it starts, so it is loaded only when there is a proxy.
 */
async function agentFor(baseUrl) {
    const proxy = getProxyUrl(baseUrl);
    const secure = baseUrl.protocol === 'https:';
    if (!proxy?.hostname)
        return secure ? new (process.getBuiltinModule('node:https').Agent)({ keepAlive: true }) : new external_node_http_.Agent({ keepAlive: true });
    const tunnel = await __nccwpck_require__.e(/* import() */ 770).then(__nccwpck_require__.t.bind(__nccwpck_require__, 770, 19));
    const auth = proxy.username || proxy.password ? { proxyAuth: `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}` } : {};
    const options = { maxSockets: 100, keepAlive: true, proxy: { ...auth, host: proxy.hostname, port: Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80)) } };
    const overHttps = proxy.protocol === 'https:';
    if (secure)
        return overHttps ? tunnel.httpsOverHttps(options) : tunnel.httpsOverHttp(options);
    return overHttps ? tunnel.httpOverHttps(options) : tunnel.httpOverHttp(options);
}
/** A tunnel agent has no destroy() of its own. */
function disposeAgent(agent) {
    if (typeof agent.destroy === 'function')
        agent.destroy();
}

;// CONCATENATED MODULE: ./src/fastly/exchange.ts


/** The answer's last byte had not arrived when the request timeout ran out. */
class RequestTimeout extends Error {
    name = 'RequestTimeout';
}
/** The run was cancelled while the request was in flight. */
class RequestAborted extends Error {
    name = 'RequestAborted';
}
/**
 * Sends requests to one host. The agent is picked once, by @actions/http-client's
 * proxy rules, so proxies (`https_proxy`, `no_proxy`) work as in every other
 * action; the requests themselves go through node:http directly: http-client's
 * per-request wrapper doubled the peak memory of 100,000 requests (227 MB
 * against 108 MB for the same loop on node:http).
 */
class Exchange {
    headers;
    connectTo;
    base;
    agent;
    resolvedAgent;
    send;
    /**
     * `headers` go with every request (auth, User-Agent): merged once per request, with the request's own.
     * `connectTo`: the address to connect to instead of the host's own (Fastly's staging IP), the host name
     * still in the Host header and the TLS server name. Behind a proxy the tunnel is opened to that address;
     * whether a proxy is used at all is decided by the host name, as `no_proxy` names hosts.
     */
    constructor(baseUrl, headers, connectTo) {
        this.headers = headers;
        this.connectTo = connectTo;
        this.base = new URL(baseUrl);
        this.agent = agentFor(this.base);
        // node:https loads TLS (about 5 MB): only a run that speaks it pays for it.
        this.send = this.base.protocol === 'https:' ? process.getBuiltinModule('node:https').request : external_node_http_.request;
    }
    async request(method, path, headers, body, limits) {
        const { hostname, port, pathname } = this.base;
        const sent = { ...this.headers, ...headers };
        // node:https's agent and the tunnel library both take the TLS server name from the Host header.
        if (this.connectTo !== undefined)
            sent.Host = this.base.host;
        if (body) {
            sent['Content-Type'] = body.type;
            sent['Content-Length'] = String('text' in body ? Buffer.byteLength(body.text) : body.length);
        }
        const { timeoutMs, signal } = limits;
        if (signal?.aborted)
            throw new RequestAborted('cancelled before it was sent');
        const agent = this.resolvedAgent ?? (this.resolvedAgent = await this.agent);
        return new Promise((resolve, reject) => {
            const request = this.send({
                host: this.connectTo ?? hostname.replace(/^\[(.*)\]$/, '$1'),
                port: port === '' ? undefined : Number(port),
                path: pathname.replace(/\/+$/, '') + path,
                method,
                headers: sent,
                agent
            }, response => {
                let text = '';
                response.setEncoding('utf8');
                response.on('data', (chunk) => (text += chunk));
                response.on('error', fail);
                response.on('end', () => {
                    done();
                    resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', headers: response.headers, body: text });
                });
            });
            // Once the answer has begun, destroying the request fails the response with a plain 'aborted': keep the real cause.
            let cut;
            const stop = (why) => {
                cut = why;
                request.destroy(why);
            };
            const timer = setTimeout(() => stop(new RequestTimeout(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
            const abort = () => stop(new RequestAborted('cancelled in flight'));
            signal?.addEventListener('abort', abort, { once: true });
            function done() {
                clearTimeout(timer);
                signal?.removeEventListener('abort', abort);
            }
            function fail(error) {
                done();
                reject(cut ?? error);
            }
            request.on('error', fail);
            if (body && 'open' in body) {
                const source = body.open();
                source.on('error', error => request.destroy(error));
                // A request that fails midway would otherwise leave the file open, unpiped.
                request.on('close', () => source.destroy());
                source.pipe(request);
            }
            else {
                request.end(body?.text);
            }
        });
    }
    dispose() {
        if (this.resolvedAgent)
            disposeAgent(this.resolvedAgent);
    }
}

;// CONCATENATED MODULE: ./src/fastly/rate-limit.ts
const FASTLY_DEFAULT_HOURLY_LIMIT = 1000;
class RateLimitTracker {
    lowest;
    lowestReset;
    highest = FASTLY_DEFAULT_HOURLY_LIMIT;
    /**
     * A reading from a later window replaces the lowest one: after waiting out a
     * 429, "0 left" describes a window that has ended.
     */
    observe(remainingHeader, resetHeader) {
        const remaining = parseNumber(remainingHeader);
        if (remaining === undefined)
            return;
        const reset = epochSecondsToDate(resetHeader);
        this.highest = Math.max(this.highest, remaining);
        const window = reset?.getTime() ?? NaN;
        const current = this.lowestReset?.getTime() ?? NaN;
        if (window < current)
            return;
        const newWindow = window > current;
        if (this.lowest === undefined || newWindow || remaining <= this.lowest) {
            this.lowest = remaining;
            this.lowestReset = reset ?? this.lowestReset;
        }
    }
    snapshot() {
        return { remaining: this.lowest, reset: this.lowestReset, limit: this.highest };
    }
}
function epochSecondsToDate(header) {
    const seconds = parseNumber(header);
    return seconds === undefined ? undefined : new Date(seconds * 1000);
}
function parseNumber(header) {
    if (header === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(header))
        return undefined;
    return Number(header);
}

;// CONCATENATED MODULE: ./src/fastly/retry.ts

/** The most a run waits for rate-limit windows on one request, per the contract. */
const MAX_RATE_LIMIT_WAIT_MS = 120_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 20_000;
/** Exponential backoff with full jitter: a random wait up to base·2^retry, so parallel retries spread out. */
function backoffMs(retry, random) {
    return Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** retry));
}
function isRetryableStatus(status) {
    return status === 429 || status >= 500;
}
/**
 * When a 429's window ends: Fastly-RateLimit-Reset (epoch seconds), else
 * Retry-After (seconds or an HTTP date). Undefined when neither says.
 */
function rateLimitResetAt(headers, nowMs) {
    const reset = epochSecondsToDate(headers.reset);
    if (reset && reset.getTime() > nowMs)
        return reset;
    const retryAfter = headers.retryAfter?.trim();
    if (!retryAfter)
        return reset;
    if (/^\d+$/.test(retryAfter))
        return new Date(nowMs + Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    return Number.isNaN(date) ? reset : new Date(date);
}

;// CONCATENATED MODULE: ./src/fastly/transport.ts






const PLANNED_WRITES_KEPT = 50;
/**
 * One Fastly request with auth, retries and rate-limit bookkeeping. It answers
 * with the parsed body of a 2xx, or throws a typed error naming the request.
 */
class Transport {
    options;
    books;
    /** What ends this transport's work: the run's stop and abort, or for clean-up the deadline. */
    stop;
    cut;
    /** A proxy's error page or a 401 may echo the request headers: the token leaves no answer in any form. */
    scrub;
    constructor(options, shared) {
        this.options = options;
        this.books = shared?.books ?? {
            http: new Exchange(options.baseUrl, { 'Fastly-Key': options.token, Accept: 'application/json', 'User-Agent': options.userAgent }),
            rateLimit: new RateLimitTracker(),
            writesBlockedUntil: undefined,
            writeGate: undefined,
            planned: [],
            plannedTotal: 0,
            usage: { requests: 0, retries: 0, rateLimitWaitMs: 0 }
        };
        this.scrub = scrubberFor(options.token);
        const cancel = options.cancel ?? NOT_CANCELLABLE;
        this.stop = shared?.cleanUp ? cancel.deadline : cancel.stop;
        this.cut = shared?.cleanUp ? cancel.deadline : cancel.abort;
    }
    /**
     * The same client state for the work a cancel must still do (a rollback):
     * it may start requests after the cancel, until the clean-up deadline.
     */
    /** Reads go on meanwhile; no write leaves before `check` has passed, and none after it failed. */
    holdWritesUntil(check) {
        // Whoever awaits the check hears of its failure; the gate must not be an unhandled rejection.
        check.catch(() => undefined);
        this.books.writeGate = check;
    }
    forCleanUp() {
        return new Transport(this.options, { books: this.books, cleanUp: true });
    }
    /**
     * The backoff before retry `retry` (0-based) of a call the caller repeats
     * itself (after a 429, until the window resets, within the 120 s cap);
     * false, without waiting, when max-retries is spent or the window is too
     * far, and after a cancel (the wait ends early then too).
     */
    async pauseBeforeRetry(retry, error) {
        if (retry >= this.options.maxRetries || this.stop.aborted)
            return false;
        const { now, random, sleep } = this.options;
        let wait = backoffMs(retry, random);
        if (error instanceof FastlyRateLimitError) {
            const untilReset = (error.resetAt?.getTime() ?? 0) - now();
            if (error.why !== 'retries-spent' || untilReset > MAX_RATE_LIMIT_WAIT_MS)
                return false;
            if (untilReset > 0) {
                wait = untilReset + Math.floor(random() * 250);
                this.books.usage.rateLimitWaitMs += wait;
            }
        }
        await sleep(wait, this.stop);
        if (this.stop.aborted)
            return false;
        this.books.usage.retries += 1;
        return true;
    }
    /** Writes are recorded, not sent, and answer nothing. */
    get dryRun() {
        return this.options.dryRun;
    }
    /**
     * A reading whose window has ended says nothing about now. Key and URL
     * purges carry no rate-limit headers, so after a purge 429 is waited out no
     * later reading replaces its "0 left".
     */
    rateLimitSnapshot() {
        const snapshot = this.books.rateLimit.snapshot();
        if (snapshot.reset === undefined || snapshot.reset.getTime() > this.options.now())
            return snapshot;
        return { ...snapshot, remaining: undefined, reset: undefined };
    }
    apiUsage() {
        return { ...this.books.usage };
    }
    plannedWrites() {
        return { shown: this.books.planned, total: this.books.plannedTotal };
    }
    dispose() {
        this.books.http.dispose();
    }
    async send(request) {
        return (await this.exchangeWithRetries(request)).body;
    }
    /** The answer's text and headers, unparsed. Meant for reads: a dry run answers a write with an empty 200. */
    async sendRaw(request) {
        return (await this.exchangeWithRetries(request, true)).raw ?? { status: 200, headers: {}, text: '' };
    }
    /** For list endpoints that page with an RFC 5988 Link header: the body and the next and last pages' paths, if any. */
    async sendForPage(request) {
        const { body, link } = await this.exchangeWithRetries(request);
        return { body, next: linkedPath(link, 'next'), last: linkedPath(link, 'last') };
    }
    async exchangeWithRetries(request, raw = false) {
        const { method, path } = request;
        const { maxRetries, now, random, sleep, log } = this.options;
        const writes = method !== 'GET' && request.changesNothing !== true;
        if (writes && this.books.writeGate)
            await this.books.writeGate;
        if (this.options.dryRun && writes)
            return { body: this.plan(request), link: undefined };
        let rateLimitWaitMs = 0;
        for (let retry = 0;; retry++) {
            if (this.stop.aborted)
                throw new CancelledError(method, path, false);
            this.refuseWhileBlocked(request);
            const canRetry = retry < maxRetries && request.once !== true;
            const canRepeat = canRetry && request.safeToRepeat !== false;
            let answer;
            this.books.usage.requests += 1;
            if (retry > 0)
                this.books.usage.retries += 1;
            try {
                answer = await this.exchange(request);
            }
            catch (error) {
                if (error instanceof RequestAborted)
                    throw new CancelledError(method, path, true);
                const cause = this.scrub(networkCause(error, this.options.timeoutMs));
                // A proxy that refuses (407, 403) will refuse again; only its 5xx may pass.
                const proxyStatus = tunnelStatus(error);
                if (!canRepeat || (proxyStatus !== undefined && proxyStatus < 500))
                    throw new FastlyNetworkError(method, path, cause, retry);
                const wait = backoffMs(retry, random);
                log(`${method} ${path}: ${cause}; retry ${retry + 1} of ${maxRetries} in ${seconds(wait)}`);
                await sleep(wait, this.stop);
                continue;
            }
            if (method !== 'GET') {
                this.books.rateLimit.observe(header(answer, 'fastly-ratelimit-remaining'), header(answer, 'fastly-ratelimit-reset'));
            }
            const body = this.scrub(answer.body);
            if (answer.status >= 200 && answer.status < 300 && raw) {
                return { body: undefined, link: undefined, raw: { status: answer.status, headers: rawHeaders(answer, this.scrub), text: body } };
            }
            if (answer.status >= 200 && answer.status < 300) {
                const parsed = body === '' ? undefined : parseJson(body);
                const doubt = withFastlysReason(request.status !== undefined && answer.status !== request.status
                    ? `a good answer here is HTTP ${request.status}`
                    : unconfirmedReason(body, parsed, request.verify), 
                // A lint or a validation reports its findings so; a write that answers an error did not succeed.
                writes ? errorInAnswer(parsed) : undefined);
                if (doubt === undefined)
                    return { body: parsed, link: header(answer, 'link') };
                if (!canRepeat)
                    throw new FastlyUnconfirmedError(method, path, answer.status, doubt, retry, parsed);
                const wait = backoffMs(retry, random);
                log(`${method} ${path}: HTTP ${answer.status} but ${doubt}; retry ${retry + 1} of ${maxRetries} in ${seconds(wait)}`);
                await sleep(wait, this.stop);
                continue;
            }
            const reason = reasonFromBody(body, answer.status, this.scrub(answer.statusText));
            if (answer.status === 429 && !canRetry) {
                const resetAt = this.resetOf(answer);
                if (resetAt && resetAt.getTime() - now() > MAX_RATE_LIMIT_WAIT_MS)
                    this.blockWritesUntil(method, resetAt);
                throw new FastlyRateLimitError(method, path, resetAt, 'retries-spent');
            }
            if (!isRetryableStatus(answer.status) || (answer.status !== 429 && !canRepeat)) {
                throw new FastlyError(method, path, answer.status, reason, retry, body);
            }
            let wait = backoffMs(retry, random);
            if (answer.status === 429) {
                const resetAt = this.resetOf(answer);
                // A reset already past says nothing about when to retry: back off instead.
                if (resetAt && resetAt.getTime() > now()) {
                    const untilReset = resetAt.getTime() - now();
                    if (rateLimitWaitMs + untilReset > MAX_RATE_LIMIT_WAIT_MS) {
                        this.blockWritesUntil(method, resetAt);
                        throw new FastlyRateLimitError(method, path, resetAt, 'beyond-wait-cap');
                    }
                    // A little jitter past the reset so parallel requests do not all return in the same instant.
                    wait = untilReset + Math.floor(random() * 250);
                    rateLimitWaitMs += wait;
                    this.books.usage.rateLimitWaitMs += wait;
                }
            }
            log(`${method} ${path}: HTTP ${answer.status} (${reason}); retry ${retry + 1} of ${maxRetries} in ${seconds(wait)}`);
            await sleep(wait, this.stop);
        }
    }
    /**
     * For a write sent elsewhere than the API (a PURGE to a staging IP): it
     * waits for the token check as every write does, and in a dry run it is
     * planned, not sent. Answers whether to send it.
     */
    async mayWrite(write) {
        if (this.books.writeGate)
            await this.books.writeGate;
        if (!this.options.dryRun)
            return true;
        this.books.plannedTotal += 1;
        if (this.books.planned.length < PLANNED_WRITES_KEPT)
            this.books.planned.push(write);
        return false;
    }
    plan(request) {
        this.books.plannedTotal += 1;
        if (this.books.planned.length < PLANNED_WRITES_KEPT) {
            this.books.planned.push({
                method: request.method,
                path: request.path,
                headers: { ...request.headers },
                body: bodyOf(request) ?? undefined
            });
        }
        return undefined;
    }
    refuseWhileBlocked(request) {
        const until = this.books.writesBlockedUntil;
        if (request.method !== 'GET' && until && until.getTime() > this.options.now()) {
            throw new FastlyRateLimitError(request.method, request.path, until, 'not-sent');
        }
    }
    blockWritesUntil(method, resetAt) {
        if (method !== 'GET')
            this.books.writesBlockedUntil = resetAt;
    }
    resetOf(answer) {
        return rateLimitResetAt({ reset: header(answer, 'fastly-ratelimit-reset'), retryAfter: header(answer, 'retry-after') }, this.options.now());
    }
    exchange(request) {
        const limits = { timeoutMs: this.options.timeoutMs, signal: this.cut };
        if (request.stream)
            return this.books.http.request(request.method, request.path, request.headers, request.stream, limits);
        const text = bodyOf(request);
        const type = request.json !== undefined ? 'application/json' : (request.body?.type ?? 'application/x-www-form-urlencoded');
        return this.books.http.request(request.method, request.path, request.headers, text === null ? undefined : { type, text }, limits);
    }
}
/** Why a 2xx is in doubt, with the error Fastly's answer carried, if any. */
function withFastlysReason(doubt, error) {
    if (error === undefined)
        return doubt;
    const why = doubt ?? 'its answer is an error';
    return error === '' ? why : `${why} (Fastly said: ${error})`;
}
/** The path and query of the `rel="next"` URL: pages are fetched through the same base URL and retries. */
function linkedPath(link, rel) {
    const part = link?.split(',').find(p => new RegExp(`;\\s*rel="?${rel}"?`).test(p));
    const url = part?.match(/<([^>]+)>/)?.[1];
    if (!url)
        return undefined;
    const parsed = new URL(url, 'http://relative.invalid');
    return `${parsed.pathname}${parsed.search}`;
}
function bodyOf(request) {
    if (request.stream !== undefined)
        return `(${request.stream.length} bytes of ${request.stream.type.split(';')[0]})`;
    if (request.json !== undefined)
        return JSON.stringify(request.json);
    if (request.form !== undefined)
        return new URLSearchParams(request.form).toString();
    return request.body?.text ?? null;
}
function header(answer, name) {
    const value = answer.headers[name];
    return Array.isArray(value) ? value[0] : value;
}
/** Node reads header bytes as latin1; Fastly's are UTF-8 (a KV value's Metadata), so they are read back as such. */
function rawHeaders(answer, scrub) {
    const headers = {};
    for (const name of Object.keys(answer.headers)) {
        const value = header(answer, name);
        if (value !== undefined)
            headers[name] = scrub(Buffer.from(value, 'latin1').toString('utf8'));
    }
    return headers;
}
function networkCause(error, timeoutMs) {
    if (error instanceof RequestTimeout)
        return `no answer within ${seconds(timeoutMs)} (timeout)`;
    const proxyStatus = tunnelStatus(error);
    if (proxyStatus !== undefined)
        return `the proxy refused: ${proxyRefusal(proxyStatus)}`;
    const { code, message } = error;
    if (typeof message === 'string' && message.startsWith(`${TUNNEL_FAILED}, cause=`)) {
        return `the proxy could not be reached (${message.slice(TUNNEL_FAILED.length + ', cause='.length)})`;
    }
    return code ?? (typeof message === 'string' && message !== '' ? message : 'network error');
}
/** The tunnel agent's words when a proxy's CONNECT fails; its code is a misleading ECONNRESET. */
const TUNNEL_FAILED = 'tunneling socket could not be established';
/** The status a proxy answered the CONNECT with, when that is why the request failed. */
function tunnelStatus(error) {
    const message = error?.message;
    const prefix = `${TUNNEL_FAILED}, statusCode=`;
    return typeof message === 'string' && message.startsWith(prefix) ? Number(message.slice(prefix.length)) : undefined;
}
function seconds(ms) {
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

;// CONCATENATED MODULE: ./src/fastly/store-reads.ts


// What the KV store and ACL calls share: answer shapes, page walks with an end, 404 as absent.
/** A `verify` for `ApiRequest`: why a 2xx body fails `ok`, or undefined when it passes. */
function shaped(ok, expected) {
    return body => (ok(body) ? undefined : `its answer is not ${expected}`);
}
/**
 * Walks pages from `first` (a cursor, or a path for Link paging) until a page
 * names no next one. A next already read, or more than `maxPages` pages, stops
 * the walk: such a list has no end and cannot be trusted.
 */
async function walkPages(endpoint, first, maxPages, fetchPage) {
    const seen = new Set();
    let at = first;
    while (at !== undefined) {
        if (seen.has(at)) {
            throw new errors/* ActionError */.lZ(`Fastly's list at GET ${endpoint} came back to a page already read (${at.slice(0, 100)}); the list cannot be trusted, so nothing was changed`);
        }
        if (seen.size === maxPages) {
            throw new errors/* ActionError */.lZ(`Fastly's list at GET ${endpoint} ran past ${maxPages} pages; the list cannot be trusted, so nothing was changed`);
        }
        seen.add(at);
        at = await fetchPage(at);
    }
}
/** The `meta.next_cursor` of a cursor page; undefined (the last page) when absent or empty. */
function nextCursor(body) {
    const next = isRecord(body.meta) ? body.meta.next_cursor : undefined;
    return typeof next === 'string' && next !== '' ? next : undefined;
}
/** Undefined for a 404: the thing asked for is not there. */
async function orNotFound(request) {
    try {
        return await request;
    }
    catch (error) {
        if (error instanceof FastlyError && error.status === 404)
            return undefined;
        throw error;
    }
}

;// CONCATENATED MODULE: ./src/fastly/acls.ts



/** Fastly's cap on one VCL ACL batch; Compute ACLs document none, so they keep the same. */
const MAX_ACL_OPS = 1000;
const ACL_ENTRIES_PER_PAGE = 100;
/**
 * 100,000 entries: ten times go-fastly's cap on a VCL ACL. A list running
 * past it is a paging loop, not an ACL.
 */
const MAX_ACL_PAGES = 1000;
/** VCL and Compute ACL calls, in the client's terms; client.ts exposes them on FastlyApi. */
function aclCalls(transport) {
    const service = (sid) => `/service/${encodeURIComponent(sid)}`;
    const computeAcl = (id) => `/resources/acls/${encodeURIComponent(id)}`;
    const checkOps = (ops) => {
        if (ops.length > MAX_ACL_OPS)
            throw new RangeError(`an ACL batch takes at most ${MAX_ACL_OPS} ops, got ${ops.length}`);
    };
    return {
        /** Undefined when the version has no ACL of that name. */
        async findVclAcl(sid, version, name) {
            const path = `${service(sid)}/version/${version}/acl/${encodeURIComponent(name)}`;
            const body = (await orNotFound(transport.send({ method: 'GET', path, verify: vclAcl })));
            if (body === undefined)
                return undefined;
            return { id: body.id, name: typeof body.name === 'string' ? body.name : name };
        },
        /** Every entry, 100 a page, following the Link header's rel="next". */
        async listVclAclEntries(sid, aclId) {
            const endpoint = `${service(sid)}/acl/${encodeURIComponent(aclId)}/entries`;
            const entries = [];
            const first = `${endpoint}?page=1&per_page=${ACL_ENTRIES_PER_PAGE}&sort=created&direction=ascend`;
            await walkPages(endpoint, first, MAX_ACL_PAGES, async (path) => {
                const page = await transport.sendForPage({ method: 'GET', path, verify: vclEntries });
                entries.push(...page.body.map(entry => toVclEntry(entry)));
                return page.next;
            });
            return entries;
        },
        async patchVclAclEntries(sid, aclId, ops) {
            checkOps(ops);
            const path = `${service(sid)}/acl/${encodeURIComponent(aclId)}/entries`;
            await transport.send({ method: 'PATCH', path, json: { entries: ops }, verify: statusOk });
        },
        /** By name first, then by ID; undefined when neither finds it. */
        async findComputeAcl(nameOrId) {
            const path = '/resources/acls';
            const list = (await transport.send({ method: 'GET', path, verify: computeAcls }));
            const byName = list.data.find(acl => acl.name === nameOrId);
            if (byName)
                return { id: byName.id, name: byName.name };
            const one = (await orNotFound(transport.send({ method: 'GET', path: computeAcl(nameOrId), verify: oneComputeAcl })));
            return one && { id: one.id, name: one.name };
        },
        /** Every entry, following `meta.next_cursor`. */
        async listComputeAclEntries(id) {
            const endpoint = `${computeAcl(id)}/entries`;
            const entries = [];
            await walkPages(endpoint, '', MAX_ACL_PAGES, async (cursor) => {
                const path = `${endpoint}?limit=${ACL_ENTRIES_PER_PAGE}${cursor === '' ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
                const body = (await transport.send({ method: 'GET', path, verify: computeEntries }));
                entries.push(...body.entries.map(({ prefix, action }) => ({ prefix, action })));
                return nextCursor(body);
            });
            return entries;
        },
        /**
         * Fastly answers 202 with no body and applies the batch shortly after. The
         * body confirms nothing, so only a 202 does: a 200 from anything else
         * (a proxy's page) is treated as unconfirmed.
         */
        async patchComputeAclEntries(id, ops) {
            checkOps(ops);
            await transport.send({ method: 'PATCH', path: `${computeAcl(id)}/entries`, json: { entries: ops }, status: 202 });
        }
    };
}
function isAclRef(value) {
    return isRecord(value) && typeof value.id === 'string' && typeof value.name === 'string';
}
function isComputeEntry(value) {
    return isRecord(value) && typeof value.prefix === 'string' && (value.action === 'ALLOW' || value.action === 'BLOCK');
}
const vclAcl = shaped(b => isRecord(b) && typeof b.id === 'string', 'the ACL it returns ({"id", "name", …})');
const vclEntries = shaped(b => Array.isArray(b) && b.every(entry => toVclEntry(entry) !== undefined), 'the list of ACL entries it returns ([{"id", "ip", "subnet", "negated", …}])');
const computeAcls = shaped(b => isRecord(b) && Array.isArray(b.data) && b.data.every(isAclRef), 'the list of Compute ACLs it returns ({"data": [{"id", "name"}], "meta"})');
const oneComputeAcl = shaped(isAclRef, 'the Compute ACL it returns ({"id", "name"})');
const computeEntries = shaped(b => isRecord(b) && Array.isArray(b.entries) && b.entries.every(isComputeEntry), 'the entries it returns ({"entries": [{"prefix", "action": "ALLOW" or "BLOCK"}], "meta"})');
const NEGATED = { '0': false, '1': true, false: false, true: true };
/** `negated` comes as the string "0"/"1" in lists; a number or boolean is taken too. Undefined for a malformed entry. */
function toVclEntry(value) {
    if (!isRecord(value) || typeof value.id !== 'string' || typeof value.ip !== 'string')
        return undefined;
    const { subnet, negated, comment } = value;
    const negation = NEGATED[String(negated)];
    const bits = subnet === null || subnet === undefined || subnet === '' ? undefined : Number(subnet);
    if (negation === undefined || (bits !== undefined && !Number.isInteger(bits)))
        return undefined;
    return { id: value.id, ip: value.ip, subnet: bits, negated: negation, comment: typeof comment === 'string' ? comment : '' };
}

;// CONCATENATED MODULE: ./src/pool.ts
/**
 * Runs `work` over `items` with at most `limit` in flight. Workers pull from
 * one iterator, so a list of 100,000 never becomes 100,000 pending promises.
 * `work` records the failures its caller goes on after; what it throws rejects the whole call. Once `stop` fires,
 * nothing new starts: each item left goes to `skip`, so it is still accounted for.
 */
async function forEachLimited(items, limit, work, stop) {
    const iterator = items[Symbol.iterator]();
    const worker = async () => {
        for (let next = iterator.next(); !next.done; next = iterator.next()) {
            if (stop?.signal.aborted)
                stop.skip(next.value);
            else
                await work(next.value);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
}
function* chunks(items, size) {
    for (let start = 0; start < items.length; start += size)
        yield items.slice(start, start + size);
}

;// CONCATENATED MODULE: ./src/fastly/items.ts




/** Fastly's cap on one PATCH …/items request. */
const MAX_OPS_PER_BATCH = 1000;
/** Fastly documents no larger page than its default; go-fastly pages at 100 too. */
const PER_PAGE = 100;
/**
 * go-fastly caps a dictionary at 25,000 items: 250 pages of 100. A list
 * running past that is a paging loop, not a dictionary.
 */
const MAX_PAGES = 250;
/**
 * Item pages read side by side once the first says how many there are: a
 * dictionary of 3,200 items in two round trips, not 32. Reads spend no write budget.
 */
const PARALLEL_PAGES = 32;
/** Edge dictionary and config store calls, in the client's terms; client.ts exposes them on FastlyApi. */
function itemCalls(transport) {
    const service = (sid) => `/service/${encodeURIComponent(sid)}`;
    const store = (id) => `/resources/stores/config/${encodeURIComponent(id)}`;
    return {
        /** Undefined when the version has no dictionary of that name. */
        async findDictionary(sid, version, name) {
            const path = `${service(sid)}/version/${version}/dictionary/${encodeURIComponent(name)}`;
            const body = await items_orNotFound(transport.send({ method: 'GET', path, verify: objectWith('id', 'dictionary') }));
            if (!isRecord(body))
                return undefined;
            return { id: String(body.id), name: String(body.name ?? name), writeOnly: body.write_only === true || body.write_only === 'true' };
        },
        /**
         * Every item. The first page's Link header says (rel="last") how many
         * there are: the others are read side by side, then put in page order.
         * Without a last link the rel="next" pages are followed one by one. A
         * link already followed, or more pages than a dictionary can hold, stops
         * the read: a partial list must never decide what to delete.
         */
        async listDictionaryItems(sid, dictionaryId) {
            const endpoint = `${service(sid)}/dictionary/${encodeURIComponent(dictionaryId)}/items`;
            const items = new Map();
            const seen = new Set();
            const first = `${endpoint}?page=1&per_page=${PER_PAGE}&sort=created&direction=ascend`;
            seen.add(first);
            const head = await transport.sendForPage({ method: 'GET', path: first, verify: itemList });
            addItems(items, head.body);
            const lastPage = pageNumber(head.last);
            let path = head.next;
            // Past the cap the pages are walked one by one, to the cap, as a list without a last link is.
            if (head.next && head.last && lastPage !== undefined && lastPage > 1 && lastPage <= MAX_PAGES) {
                const paths = Array.from({ length: lastPage - 1 }, (_, i) => withPage(head.last, i + 2));
                const pages = new Array(paths.length);
                await forEachLimited(paths.keys(), PARALLEL_PAGES, async (i) => {
                    pages[i] = await transport.sendForPage({ method: 'GET', path: paths[i], verify: itemList });
                });
                for (const [i, page] of pages.entries()) {
                    seen.add(paths[i]);
                    addItems(items, page.body);
                }
                // Items added while it was read: the last page then links on.
                path = pages.at(-1)?.next;
            }
            while (path) {
                if (seen.has(path)) {
                    throw new errors/* ActionError */.lZ(`Fastly's item list at GET ${endpoint} links back to a page already read (${path}); the list cannot be trusted, so nothing was changed`);
                }
                if (seen.size === MAX_PAGES) {
                    throw new errors/* ActionError */.lZ(`Fastly's item list at GET ${endpoint} has more than ${MAX_PAGES} pages of ${PER_PAGE} (over the 25,000 items a dictionary holds); the list cannot be trusted, so nothing was changed`);
                }
                seen.add(path);
                const page = await transport.sendForPage({ method: 'GET', path, verify: itemList });
                addItems(items, page.body);
                path = page.next;
            }
            return items;
        },
        async patchDictionaryItems(sid, dictionaryId, ops) {
            await transport.send({ method: 'PATCH', path: `${service(sid)}/dictionary/${encodeURIComponent(dictionaryId)}/items`, json: { items: ops }, verify: statusOk });
        },
        /** By name first, then by ID; undefined when neither finds it. */
        async findConfigStore(nameOrId) {
            // An unknown name answers [] or 404: which one is not confirmed.
            const byName = await items_orNotFound(transport.send({ method: 'GET', path: `/resources/stores/config?name=${encodeURIComponent(nameOrId)}`, verify: listOf('id', 'config stores') }));
            const match = (Array.isArray(byName) ? byName.filter(isRecord) : []).find(s => s.name === nameOrId);
            const found = match ?? (await items_orNotFound(transport.send({ method: 'GET', path: store(nameOrId), verify: objectWith('id', 'config store') })));
            return isRecord(found) ? { id: String(found.id), name: String(found.name ?? nameOrId) } : undefined;
        },
        async listConfigStoreItems(id) {
            const items = new Map();
            addItems(items, await transport.send({ method: 'GET', path: `${store(id)}/items`, verify: itemList }));
            return items;
        },
        async patchConfigStoreItems(id, ops) {
            await transport.send({ method: 'PATCH', path: `${store(id)}/items`, json: { items: ops }, verify: statusOk });
        }
    };
}
async function items_orNotFound(request) {
    try {
        return await request;
    }
    catch (error) {
        if (error instanceof FastlyError && error.status === 404)
            return undefined;
        throw error;
    }
}
const itemList = listOf('item_key', 'items');
/** The page passed `itemList`: an array of objects with a string item_key. */
function addItems(items, body) {
    for (const item of body) {
        items.set(item.item_key, typeof item.item_value === 'string' ? item.item_value : '');
    }
}
/** The `page` a Link URL asks for; undefined without one. */
function pageNumber(path) {
    const page = path === undefined ? null : new URLSearchParams(path.split('?')[1] ?? '').get('page');
    return page !== null && /^\d+$/.test(page) ? Number(page) : undefined;
}
/** The same list URL as `path` (Fastly's own query), at page `n`. */
function withPage(path, n) {
    const [pathname, query = ''] = path.split('?');
    const params = new URLSearchParams(query);
    params.set('page', String(n));
    return `${pathname}?${params.toString()}`;
}

;// CONCATENATED MODULE: ./src/fastly/kv-stores.ts


/** Fastly's largest key page, and what it answers without `limit`. */
const KV_KEYS_PER_PAGE = 1000;
/**
 * A million keys: far beyond a store kept in a repository, so a list running
 * past it is a cursor loop, not a store.
 */
const MAX_KV_KEY_PAGES = 1000;
const MAX_STORE_PAGES = 100;
/** The NDJSON line of one write: the value goes as base64 of its UTF-8 bytes. */
function kvBatchLine({ key, value, metadata, ttl }) {
    return JSON.stringify({
        key,
        value: Buffer.from(value, 'utf8').toString('base64'),
        ...(metadata === undefined ? {} : { metadata }),
        ...(ttl === undefined ? {} : { time_to_live_sec: ttl })
    });
}
/** KV store calls, in the client's terms; client.ts exposes them on FastlyApi. */
function kvStoreCalls(transport) {
    const store = (id) => `/resources/stores/kv/${encodeURIComponent(id)}`;
    const keyPath = (id, key) => `${store(id)}/keys/${encodeURIComponent(key)}`;
    return {
        /**
         * By name first, then by ID; undefined when neither finds it. No recording
         * shows the name filter matching nothing: `{"data": []}` or, as config
         * stores may answer, a 404; both mean no store has that name.
         */
        async findKvStore(nameOrId) {
            const endpoint = '/resources/stores/kv';
            let found;
            await walkPages(endpoint, '', MAX_STORE_PAGES, async (cursor) => {
                const path = `${endpoint}?name=${encodeURIComponent(nameOrId)}${cursor === '' ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
                const body = (await orNotFound(transport.send({ method: 'GET', path, verify: storeList })));
                if (body === undefined)
                    return undefined;
                found = body.data.find(s => s.name === nameOrId);
                return found ? undefined : nextCursor(body);
            });
            if (found)
                return { id: found.id, name: found.name };
            const byId = (await orNotFound(transport.send({ method: 'GET', path: store(nameOrId), verify: oneStore })));
            return byId && { id: byId.id, name: byId.name };
        },
        /**
         * Every key, sorted as Fastly lists them, following `meta.next_cursor`.
         * `consistency=strong`, as go-fastly's recorded list and the CLI's default
         * ask: an eventual list is served from a cache and may miss a key written
         * moments ago, and a plan made from it would delete or rewrite the wrong keys.
         */
        async listKvKeys(id) {
            const keys = [];
            const endpoint = `${store(id)}/keys`;
            await walkPages(endpoint, '', MAX_KV_KEY_PAGES, async (cursor) => {
                const path = `${endpoint}?consistency=strong&limit=${KV_KEYS_PER_PAGE}${cursor === '' ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
                const body = (await transport.send({ method: 'GET', path, verify: keyList }));
                keys.push(...body.data);
                return nextCursor(body);
            });
            return keys;
        },
        /** Undefined for a key that is not there (404). */
        async getKvValue(id, key) {
            const path = keyPath(id, key);
            let answer;
            try {
                answer = await transport.sendRaw({ method: 'GET', path });
            }
            catch (error) {
                if (error instanceof FastlyError && error.status === 404)
                    return undefined;
                throw error;
            }
            const generation = answer.headers.generation ?? '';
            if (!/^\d+$/.test(generation)) {
                throw new FastlyUnconfirmedError('GET', path, answer.status, 'its answer has no Generation header, so it is not a KV value', 0, undefined);
            }
            return { value: answer.text, metadata: answer.headers.metadata ?? '', generation };
        },
        /**
         * One batch upsert. Answers the lines Fastly refused (none on success);
         * whether the others were written is then unknown: read them back.
         */
        async upsertKvBatch(id, writes) {
            const path = `${store(id)}/batch`;
            const text = `${writes.map(kvBatchLine).join('\n')}\n`;
            let body;
            try {
                body = await transport.send({ method: 'PUT', path, body: { type: 'application/x-ndjson', text }, verify: batchResult });
            }
            catch (error) {
                const failures = error instanceof FastlyError ? lineFailures(parseJson(error.body), writes) : undefined;
                if (failures === undefined || failures.length === 0)
                    throw error;
                return failures;
            }
            if (transport.dryRun)
                return [];
            const failures = lineFailures(body, writes);
            if (failures === undefined) {
                throw new FastlyUnconfirmedError('PUT', path, 200, 'its answer names lines the batch does not have', 0, body);
            }
            return failures;
        },
        /** Gone afterwards, whether it was there or not (`force`): a retry after a lost answer is no failure. */
        async deleteKvKey(id, key) {
            await transport.send({ method: 'DELETE', path: `${keyPath(id, key)}?force=true` });
        }
    };
}
function isStore(value) {
    return isRecord(value) && typeof value.id === 'string' && typeof value.name === 'string';
}
const storeList = shaped(b => isRecord(b) && Array.isArray(b.data) && b.data.every(isStore), 'the list of KV stores it returns ({"data": [{"id", "name"}], "meta"})');
const oneStore = shaped(isStore, 'the KV store it returns ({"id", "name"})');
const keyList = shaped(b => isRecord(b) && Array.isArray(b.data) && b.data.every(key => typeof key === 'string'), 'the key list it returns ({"data": ["key", …], "meta"})');
const batchResult = shaped(b => isRecord(b) && Array.isArray(b.errors), 'the batch result it returns ({"title", "errors": […]})');
/** The per-line errors of a batch answer; undefined when the answer is not a batch result. */
function lineFailures(body, writes) {
    if (!isRecord(body) || !Array.isArray(body.errors))
        return undefined;
    const failures = [];
    for (const error of body.errors) {
        if (!isRecord(error) || typeof error.index !== 'number' || writes[error.index] === undefined)
            return undefined;
        failures.push({
            key: writes[error.index]?.key ?? '',
            index: error.index,
            code: typeof error.code === 'string' || typeof error.code === 'number' ? String(error.code) : '',
            reason: typeof error.reason === 'string' && error.reason.trim() !== '' ? error.reason : 'no reason given'
        });
    }
    return failures;
}

;// CONCATENATED MODULE: ./src/fastly/lint.ts

function lintCalls(transport) {
    return {
        async lintVcl(sid, vcl) {
            const path = `/service/${encodeURIComponent(sid)}/lint`;
            try {
                return lintResult(await transport.send({ method: 'POST', path, json: { vcl }, changesNothing: true, verify: lintAnswer }));
            }
            catch (error) {
                // No recording shows how invalid VCL is answered: a refusal that carries the linter's answer is read as one.
                if (error instanceof FastlyError && (error.status === 400 || error.status === 422)) {
                    const parsed = parsedBody(error.body);
                    const result = parsed === undefined || lintAnswer(parsed) !== undefined ? undefined : lintResult(parsed);
                    return result && !result.ok ? result : { ok: false, errors: [error.reason], warnings: result?.warnings ?? [] };
                }
                throw error;
            }
        }
    };
}
/** The SDKs' ValidatorResult wraps the answer in data.attributes; Fastly's reference page shows it bare. */
function attributesOf(body) {
    if (!isRecord(body))
        return undefined;
    const data = body.data;
    if (isRecord(data) && isRecord(data.attributes))
        return data.attributes;
    return body;
}
function lintAnswer(body) {
    const attributes = attributesOf(body);
    const known = attributes && (attributes.status === 'ok' || attributes.status === 'error' || Array.isArray(attributes.errors) || Array.isArray(attributes.messages));
    return known ? undefined : 'its answer has no lint "status", "errors" or "messages", so what the linter found is unknown';
}
function lintResult(body) {
    const attributes = attributesOf(body) ?? {};
    let errors = strings(attributes.errors);
    let warnings = strings(attributes.warnings);
    // `messages` repeats the two lists with a flag each; it is read only when they are absent.
    if (errors.length === 0 && warnings.length === 0 && Array.isArray(attributes.messages)) {
        const messages = attributes.messages.filter(isRecord);
        errors = messages.filter(m => m.warning !== true && m.type !== 'warning').flatMap(m => strings(m.message));
        warnings = messages.filter(m => m.warning === true || m.type === 'warning').flatMap(m => strings(m.message));
    }
    const failed = attributes.status === 'error' || errors.length > 0;
    if (failed && errors.length === 0)
        errors = strings(attributes.msg).length > 0 ? strings(attributes.msg) : ['Fastly\'s linter answered "status": "error" without a message'];
    return { ok: !failed, errors, warnings };
}
function parsedBody(text) {
    try {
        return JSON.parse(text);
    }
    catch {
        return undefined;
    }
}
function strings(value) {
    if (typeof value === 'string')
        return value.trim() === '' ? [] : [value];
    if (!Array.isArray(value))
        return [];
    return value.flatMap(item => (isRecord(item) ? strings(item.message ?? item.msg) : strings(item)));
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __nccwpck_require__(7598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __nccwpck_require__(7075);
;// CONCATENATED MODULE: ./src/fastly/packages.ts






/** The package calls, in the client's terms; client.ts exposes them on FastlyApi. */
function packageCalls(transport) {
    const packagePath = (sid, n) => `/service/${encodeURIComponent(sid)}/version/${n}/package`;
    return {
        /** Undefined for a version without a package (Fastly answers 404). */
        async getPackage(sid, n) {
            try {
                // Lenient: a package whose hash is not known is simply not the one to skip, so it is uploaded.
                const verify = (body) => (isRecord(body) ? undefined : 'its answer is not the package it returns');
                return toMetadata(await transport.send({ method: 'GET', path: packagePath(sid, n), verify }));
            }
            catch (error) {
                if (error instanceof FastlyError && error.status === 404)
                    return undefined;
                throw error;
            }
        },
        /**
         * Streams the file as the multipart field `package`. Uploading into the
         * same draft again replaces its package, so a lost answer, or one without
         * the files hash to check it by, is sent again (then FastlyUnconfirmedError).
         * In a dry run nothing is sent and nothing is known: undefined.
         */
        async uploadPackage(sid, n, path) {
            const body = await transport.send({ method: 'PUT', path: packagePath(sid, n), stream: multipartFile('package', path), verify: packageWithHash });
            if (body === undefined)
                return undefined;
            const metadata = toMetadata(body);
            return { ...metadata, filesHash: String(metadata.filesHash) };
        }
    };
}
/**
 * One file part, as go-fastly and the CLI send it. The length is known up
 * front (Fastly gets a Content-Length, not chunks), and the file is read
 * afresh for each attempt.
 */
function multipartFile(field, path) {
    const boundary = `fastly-deploy-action-${(0,external_node_crypto_.randomBytes)(16).toString('hex')}`;
    // The file name is informational; quotes and line breaks would end the header early.
    const filename = (0,external_node_path_.basename)(path).replace(/["\r\n\\]/g, '_');
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n');
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const size = (0,external_node_fs_.statSync)(path).size;
    return {
        type: `multipart/form-data; boundary=${boundary}`,
        length: head.length + size + tail.length,
        open: () => external_node_stream_.Readable.from((async function* () {
            yield head;
            // No further than the length sent: a file that grew since would break the request midway.
            if (size > 0)
                yield* (0,external_node_fs_.createReadStream)(path, { start: 0, end: size - 1 });
            yield tail;
        })())
    };
}
function toMetadata(body) {
    const metadata = isRecord(body) && isRecord(body.metadata) ? body.metadata : {};
    const text = (value) => (typeof value === 'string' && value !== '' ? value : undefined);
    return {
        name: text(metadata.name),
        language: text(metadata.language),
        description: text(metadata.description),
        authors: Array.isArray(metadata.authors) ? metadata.authors.filter((a) => typeof a === 'string') : [],
        size: typeof metadata.size === 'number' && Number.isSafeInteger(metadata.size) ? metadata.size : undefined,
        filesHash: text(metadata.files_hash),
        hashsum: text(metadata.hashsum)
    };
}

;// CONCATENATED MODULE: ./src/fastly/staging-purge.ts




/**
 * A URL is purged on Fastly's staging environment by sending PURGE for it to
 * the staging IP, with the URL's host in the Host header and TLS name. The
 * token goes along (for a service that requires authenticated purging) only
 * over https, where the certificate proves the address is the host's: never
 * in clear text. One connection pool per origin and address.
 */
class StagingPurger {
    options;
    exchanges = new Map();
    scrub;
    constructor(options) {
        this.options = options;
        this.scrub = scrubberFor(options.token);
    }
    /** Answers the purge ID ('' when the edge gave none). */
    async purge(url, address, soft) {
        const key = `${url.origin} ${address}`;
        let http = this.exchanges.get(key);
        if (!http) {
            const secure = url.protocol === 'https:';
            http = new Exchange(url.origin, { 'User-Agent': this.options.userAgent, Accept: 'application/json', ...(secure ? { 'Fastly-Key': this.options.token } : {}) }, address);
            this.exchanges.set(key, http);
        }
        const where = `PURGE ${url.href} through the staging IP ${address}`;
        let answer;
        try {
            answer = await http.request('PURGE', `${url.pathname}${url.search}`, soft ? { 'Fastly-Soft-Purge': '1' } : undefined, undefined, {
                timeoutMs: this.options.timeoutMs,
                signal: this.options.stop
            });
        }
        catch (error) {
            if (error instanceof RequestTimeout)
                throw new errors/* ActionError */.lZ(`${where}: no answer within ${this.options.timeoutMs / 1000} s`);
            if (error instanceof RequestAborted)
                throw new errors/* ActionError */.lZ(`${where}: cancelled`);
            const { code, message } = error;
            throw new errors/* ActionError */.lZ(`${where}: ${this.scrub(code ?? message)}`);
        }
        if (answer.status < 200 || answer.status >= 300)
            throw new errors/* ActionError */.lZ(`${where}: HTTP ${answer.status} ${this.scrub(answer.statusText)}`.trimEnd());
        return idOf(answer.body);
    }
    dispose() {
        for (const http of this.exchanges.values())
            http.dispose();
    }
}
function idOf(body) {
    try {
        const parsed = JSON.parse(body);
        return isRecord(parsed) && typeof parsed.id === 'string' ? parsed.id : '';
    }
    catch {
        return '';
    }
}

;// CONCATENATED MODULE: ./src/fastly/stats.ts


function statsCalls(transport) {
    return {
        async serviceStats(sid, from, to, by) {
            const path = `/stats/service/${encodeURIComponent(sid)}?from=${from}&to=${to}&by=${by}`;
            const body = await transport.send({ method: 'GET', path });
            if (!isRecord(body) || body.status !== 'success' || !Array.isArray(body.data)) {
                const why = isRecord(body) && typeof body.msg === 'string' ? body.msg : 'not a stats answer';
                throw new errors/* ActionError */.lZ(`Fastly answered GET ${path} without stats: ${why}`);
            }
            return body.data.filter(isRecord).map(bucket => ({
                start: num(bucket.start_time),
                requests: num(bucket.requests),
                hits: num(bucket.hits),
                miss: num(bucket.miss),
                pass: num(bucket.pass),
                bandwidth: num(bucket.bandwidth),
                status2xx: num(bucket.status_2xx),
                status3xx: num(bucket.status_3xx),
                status4xx: num(bucket.status_4xx),
                status5xx: num(bucket.status_5xx)
            }));
        }
    };
}
function num(value) {
    const n = typeof value === 'number' ? value : Number(value);
    return Number.isFinite(n) ? n : 0;
}

;// CONCATENATED MODULE: ./src/fastly/versions.ts



/** The version and VCL calls, in the client's terms; client.ts exposes them on FastlyApi. */
function versionCalls(transport) {
    const service = (sid) => `/service/${encodeURIComponent(sid)}`;
    const version = (sid, n) => `${service(sid)}/version/${n}`;
    return {
        async serviceDetails(sid) {
            const body = record(await transport.send({ method: 'GET', path: `${service(sid)}/details`, verify: serviceAnswer }));
            // The service's own environments[] may be the only place a staged version shows: the recorded
            // details list none on their versions.
            const staged = onEnvironment(body.environments, 'staging');
            const versions = body.versions.map(toVersion).map(v => (v.number === staged && !v.staging ? { ...v, staging: true } : v));
            const active = isRecord(body.active_version) ? toVersion(body.active_version).number : undefined;
            return {
                id: sid,
                name: typeof body.name === 'string' ? body.name : sid,
                type: typeof body.type === 'string' ? body.type : undefined,
                activeVersion: active ?? versions.find(v => v.active)?.number ?? onEnvironment(body.environments, 'production'),
                versions
            };
        },
        async cloneVersion(sid, n) {
            let body;
            try {
                body = await transport.send({ method: 'PUT', path: `${version(sid, n)}/clone`, safeToRepeat: false });
            }
            catch (error) {
                // A 2xx that is not JSON made a clone or not: the caller finds out which, as for an answer without a number.
                if (error instanceof FastlyUnconfirmedError)
                    throw new CloneWithoutNumber(sid, n);
                throw error;
            }
            const clone = toVersion(body);
            if (!Number.isSafeInteger(clone.number) || clone.number < 1)
                throw new CloneWithoutNumber(sid, n);
            return clone;
        },
        async setComment(sid, n, comment) {
            await transport.send({ method: 'PUT', path: version(sid, n), form: { comment }, verify: versionAnswer });
        },
        async listVcl(sid, n) {
            const body = await transport.send({ method: 'GET', path: `${version(sid, n)}/vcl`, verify: listOf('name', 'VCLs') });
            return body.map(v => ({
                name: String(v.name ?? ''),
                content: typeof v.content === 'string' ? v.content : '',
                main: v.main === true || v.main === 'true'
            }));
        },
        async createVcl(sid, n, vcl) {
            const form = { name: vcl.name, content: vcl.content, main: String(vcl.main) };
            await transport.send({ method: 'POST', path: `${version(sid, n)}/vcl`, form, verify: objectWith('name', 'VCL', vcl.name) });
        },
        async updateVcl(sid, n, name, content) {
            await transport.send({
                method: 'PUT',
                path: `${version(sid, n)}/vcl/${encodeURIComponent(name)}`,
                form: { content },
                verify: objectWith('name', 'VCL', name)
            });
        },
        async setMainVcl(sid, n, name) {
            await transport.send({ method: 'PUT', path: `${version(sid, n)}/vcl/${encodeURIComponent(name)}/main`, verify: objectWith('name', 'VCL', name) });
        },
        /** A failure comes as a 2xx with "status": "error" or, unconfirmed but handled, as a 400 or 422 refusal. */
        async validateVersion(sid, n) {
            let body;
            try {
                body = record(await transport.send({ method: 'GET', path: `${version(sid, n)}/validate`, verify: validationAnswer }));
            }
            catch (error) {
                if (error instanceof FastlyError && (error.status === 400 || error.status === 422)) {
                    return { ok: false, errors: [error.reason], warnings: [] };
                }
                throw error;
            }
            // `errors` carries the detail (line numbers); `msg` is its headline, so only one is kept.
            const detailed = versions_strings(body.errors);
            const errors = detailed.length > 0 ? detailed : versions_strings(body.msg);
            return { ok: body.status === 'ok', errors, warnings: [...versions_strings(body.warnings), ...versions_strings(body.messages)] };
        },
        /**
         * One attempt, never repeated by the transport: the caller re-reads the
         * active version before each attempt (another deploy may have activated
         * one meanwhile). The answer confirms the activation only when it is the
         * version asked for, active (or staged) on that environment.
         */
        async activateVersion(sid, n, environment) {
            const suffix = environment === 'staging' ? '/activate/staging' : '/activate';
            const body = record(await transport.send({ method: 'PUT', path: `${version(sid, n)}${suffix}`, once: true }));
            const warning = typeof body.msg === 'string' && body.msg.trim() !== '' ? body.msg : undefined;
            const live = environment === 'staging' ? body.staging === true || deployedOn(body.environments, 'staging', n) : body.active === true;
            return { confirmed: Number(body.number) === n && live, warning };
        },
        /** With `include=staging_ips`: each domain's staging IP. */
        async listDomains(sid, n) {
            const body = await transport.send({ method: 'GET', path: `${version(sid, n)}/domain?include=staging_ips`, verify: listOf('name', 'domains') });
            return body.map(d => ({
                name: String(d.name),
                stagingIp: typeof d.staging_ip === 'string' && d.staging_ip.trim() !== '' ? d.staging_ip.trim() : undefined
            }));
        },
        /** Takes `n` off staging: Fastly then has nothing staged. */
        async deactivateStaging(sid, n) {
            await transport.send({ method: 'PUT', path: `${version(sid, n)}/deactivate/staging`, verify: versionAnswer });
        },
        /**
         * What changed between two versions. Fastly's reference gives the generated VCL at `/vcl/diff/…`; the recorded
         * traffic shows the older `/diff/…`, the service's configuration as text. The first is asked once, and its
         * error answer (a route this API does not have) falls back to the second: a diff is worth showing either way.
         */
        async versionDiff(sid, from, to) {
            try {
                const body = record(await transport.send({ method: 'GET', path: `${service(sid)}/vcl/diff/from/${from}/to/${to}?format=text`, once: true }));
                return { of: 'generated-vcl', text: typeof body.diff === 'string' ? body.diff : '' };
            }
            catch (error) {
                if (!(error instanceof FastlyError))
                    throw error;
            }
            const body = record(await transport.send({ method: 'GET', path: `${service(sid)}/diff/from/${from}/to/${to}` }));
            return { of: 'configuration', text: typeof body.diff === 'string' ? body.diff : '' };
        }
    };
}
/** Fastly made a clone (it said 200) but not which: the caller must find the draft it left. */
class CloneWithoutNumber extends errors/* ActionError */.lZ {
    name = 'CloneWithoutNumber';
    constructor(sid, base) {
        super(`Fastly answered the clone of version ${base} of ${sid} without a version number`);
    }
}
function toVersion(value) {
    const v = record(value);
    const number = Number(v.number);
    return {
        number,
        active: v.active === true,
        locked: v.locked === true,
        // Fastly documents `staging` as unused and lists a staged version under environments[]: either shape counts.
        staging: v.staging === true || deployedOn(v.environments, 'staging', number),
        comment: typeof v.comment === 'string' ? v.comment : ''
    };
}
/** The version an `environments[]` list names for `name`. */
function onEnvironment(environments, name) {
    const entry = Array.isArray(environments) ? environments.find(e => isRecord(e) && e.name === name) : undefined;
    const number = isRecord(entry) ? Number(entry.active_version) : NaN;
    return Number.isSafeInteger(number) && number > 0 ? number : undefined;
}
/** Fastly lists an environment in `environments[]` only where the version is deployed. */
function deployedOn(environments, name, number) {
    return Array.isArray(environments) && environments.some(e => isRecord(e) && e.name === name && Number(e.active_version) === number);
}
function versionAnswer(body) {
    return isRecord(body) && Number.isInteger(body.number) ? undefined : 'its answer is not the version object it returns';
}
function serviceAnswer(body) {
    if (!isRecord(body) || !Array.isArray(body.versions))
        return 'its answer is not the service with its versions it returns';
    return body.versions.every(v => versionAnswer(v) === undefined) ? undefined : 'its answer lists a version without a number';
}
function validationAnswer(body) {
    return isRecord(body) && (body.status === 'ok' || body.status === 'error')
        ? undefined
        : 'its answer has no "status" of "ok" or "error", so the validation result is unknown';
}
function record(value) {
    return isRecord(value) ? value : {};
}
/** A string, an array of strings, or objects with a message: Fastly's validation shapes are not all confirmed. */
function versions_strings(value) {
    if (typeof value === 'string')
        return value.trim() === '' ? [] : [value];
    if (!Array.isArray(value))
        return [];
    return value.flatMap(item => (isRecord(item) ? versions_strings(item.message ?? item.msg ?? item.detail ?? item.title) : versions_strings(item)));
}

;// CONCATENATED MODULE: ./src/fastly/client.ts













const MAX_KEYS_PER_PURGE = 256;
const SOFT_PURGE = Object.freeze({ 'Fastly-Soft-Purge': '1' });
const ON_STAGING = Object.freeze({ 'Fastly-Purge-Environment': 'staging' });
const SOFT_ON_STAGING = Object.freeze({ ...SOFT_PURGE, ...ON_STAGING });
function createFastlyClient(options) {
    const transport = new Transport({
        userAgent: USER_AGENT,
        sleep: sleepUnless,
        now: Date.now,
        random: Math.random,
        log: () => undefined,
        ...options
    });
    const { token, timeoutMs, cancel } = options;
    return apiOver(transport, new StagingPurger({ token, timeoutMs, userAgent: options.userAgent ?? USER_AGENT, stop: (cancel ?? NOT_CANCELLABLE).stop }));
}
function apiOver(transport, staging) {
    const soft = (isSoft) => (isSoft ? SOFT_PURGE : undefined);
    // One frozen object per combination: 100,000 purges should not make 100,000 header objects.
    const purgeHeaders = (isSoft, environment) => environment === 'staging' ? (isSoft ? SOFT_ON_STAGING : ON_STAGING) : soft(isSoft);
    return {
        ...versionCalls(transport),
        ...lintCalls(transport),
        ...packageCalls(transport),
        ...itemCalls(transport),
        ...kvStoreCalls(transport),
        ...aclCalls(transport),
        ...statsCalls(transport),
        async tokenSelf() {
            return toTokenInfo(await transport.send({ method: 'GET', path: '/tokens/self' }));
        },
        async purgeKeys(serviceId, keys, isSoft, environment = 'production') {
            if (keys.length > MAX_KEYS_PER_PURGE) {
                throw new RangeError(`purgeKeys takes at most ${MAX_KEYS_PER_PURGE} keys, got ${keys.length}`);
            }
            let body;
            let status = 200;
            try {
                body = await transport.send({
                    method: 'POST',
                    path: `/service/${encodeURIComponent(serviceId)}/purge`,
                    json: { surrogate_keys: keys },
                    headers: purgeHeaders(isSoft, environment),
                    verify: answer => missingPurgeIds(answer, keys)
                });
            }
            catch (error) {
                // Retries could not get every key confirmed: the keys that were confirmed are purged all the same.
                if (!(error instanceof FastlyUnconfirmedError) || confirmedIds(error.answer, keys).size === 0)
                    throw error;
                body = error.answer;
                status = error.status;
            }
            return {
                ids: confirmedIds(body, keys),
                unconfirmed: `Fastly answered HTTP ${status} but did not confirm this key (its answer held no purge ID for it)`
            };
        },
        async purgeUrl({ host, pathname, search }, isSoft) {
            const body = await transport.send({
                method: 'POST',
                path: `/purge/${host}${pathname}${search}`,
                headers: soft(isSoft),
                verify: statusOk
            });
            return isRecord(body) ? stringOr(body.id, '') : '';
        },
        async purgeAll(serviceId, environment = 'production') {
            await transport.send({
                method: 'POST',
                path: `/service/${encodeURIComponent(serviceId)}/purge_all`,
                headers: purgeHeaders(false, environment),
                verify: statusOk
            });
        },
        async purgeUrlOnStaging(url, address, isSoft) {
            const headers = { Host: url.host, ...soft(isSoft) };
            if (!(await transport.mayWrite({ method: 'PURGE', path: `${url.href} (through the staging IP ${address})`, headers, body: undefined })))
                return '';
            return staging.purge(url, address, isSoft);
        },
        rateLimit: () => transport.rateLimitSnapshot(),
        usage: () => transport.apiUsage(),
        plannedWrites: () => transport.plannedWrites(),
        pauseBeforeRetry: (retry, error) => transport.pauseBeforeRetry(retry, error),
        forCleanUp: () => apiOver(transport.forCleanUp(), staging),
        holdWritesUntil: check => transport.holdWritesUntil(check),
        dispose: () => {
            transport.dispose();
            staging.dispose();
        }
    };
}
/** The keys Fastly's batch answer maps to a purge ID (a non-empty string). */
function confirmedIds(body, keys) {
    const ids = new Map();
    if (!isRecord(body))
        return ids;
    for (const key of keys) {
        const id = Object.hasOwn(body, key) ? body[key] : undefined;
        if (typeof id === 'string' && id !== '')
            ids.set(key, id);
    }
    return ids;
}
function missingPurgeIds(body, keys) {
    if (!isRecord(body))
        return 'its answer is not the object of purge IDs a key purge returns';
    const missing = keys.length - confirmedIds(body, keys).size;
    return missing === 0 ? undefined : `its answer did not confirm ${missing} of ${keys.length} keys (no purge ID for them)`;
}
function toTokenInfo(body) {
    const record = isRecord(body) ? body : {};
    const scopes = Array.isArray(record.scopes)
        ? record.scopes.filter((s) => typeof s === 'string')
        : stringOr(record.scope, '').split(/\s+/).filter(Boolean);
    const services = Array.isArray(record.services)
        ? record.services.filter((s) => typeof s === 'string')
        : [];
    const expires = typeof record.expires_at === 'string' ? new Date(record.expires_at) : undefined;
    return {
        name: typeof record.name === 'string' ? record.name : undefined,
        scopes,
        services,
        expiresAt: expires && !Number.isNaN(expires.getTime()) ? expires : undefined
    };
}
function stringOr(value, fallback) {
    return typeof value === 'string' ? value : fallback;
}

// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __nccwpck_require__(7030);
;// CONCATENATED MODULE: ./src/fastly/staging-address.ts


/** The domain that serves `hostname`: the one named so, or else the wildcard domain (`*.example.com`) that covers it, as Fastly routes a host. */
function domainOf(domains, hostname) {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    const exact = domains.find(d => d.name.toLowerCase() === host);
    return exact ?? domains.find(d => d.name.startsWith('*.') && host.endsWith(d.name.slice(1).toLowerCase()) && !host.slice(0, -d.name.length + 1).includes('.'));
}
/**
 * The staging IP for `hostname`: that of the domain that serves it.
 * Anything but an IP address is no staging IP: it came from an answer, and
 * a name would be resolved to production.
 */
function stagingAddressOf(domains, hostname) {
    const ip = domainOf(domains, hostname)?.stagingIp;
    return ip !== undefined && (0,external_node_net_.isIP)(ip) !== 0 ? ip : undefined;
}
/** Why `hostname` has no staging IP on `sid`, and what to do about it. */
function noStagingAddress(sid, version, domains, hostname) {
    const named = domains.map(d => d.name);
    const listed = named.length === 0 ? 'it has no domains' : `its domains are ${named.slice(0, 10).join(', ')}${named.length > 10 ? ', …' : ''}`;
    const domain = domainOf(domains, hostname);
    const given = domain?.stagingIp === undefined ? '' : ` (its staging_ip, '${domain.stagingIp}', is not an IP address)`;
    const why = domain ? `Fastly gave no staging IP for ${hostname}${given}` : `${hostname} is not a domain of it (${listed})`;
    return new errors/* ActionError */.lZ(`No staging IP for ${hostname} on version ${version} of ${sid}: ${why}. Use a URL on one of the service's domains, or production`);
}

;// CONCATENATED MODULE: ./src/origin/poll-url.ts




const MAX_TRY_MS = 10_000;
const MIN_INTERVAL_MS = 250;
const realClock = { now: Date.now, sleep: sleepUnless };
/**
 * Requests a URL until `streak` answers in a row are good or the time is up,
 * logging each try in a group. Each try is cut by the time that is left,
 * counted to the answer's last byte. A client of its own: no Fastly token
 * goes to an origin.
 */
async function pollUrl(poll, clock = realClock) {
    const interval = Math.min(poll.intervalMs, Math.max(MIN_INTERVAL_MS, Math.floor(poll.timeoutMs / 10)));
    const target = new URL(poll.url);
    const http = new Exchange(target.origin, { 'User-Agent': USER_AGENT }, poll.connectTo);
    const started = clock.now();
    const left = () => poll.timeoutMs - (clock.now() - started);
    const tries = [];
    let streak = 0;
    log_startGroup(poll.title);
    try {
        while (!poll.stop?.aborted && left() > 0) {
            const attempt = await tryOnce(http, `${target.pathname}${target.search}`, poll, clock.now() - started, Math.min(MAX_TRY_MS, left()));
            if (poll.stop?.aborted)
                break;
            tries.push(attempt);
            streak = attempt.good ? streak + 1 : 0;
            const answer = attempt.status !== undefined ? `HTTP ${attempt.status}` : attempt.error;
            log_info(`${(attempt.at / 1000).toFixed(1)} s: ${answer}, ${attempt.good ? `good (${streak} of ${poll.streak})` : 'not yet'}`);
            if (streak >= poll.streak || left() - interval <= 0)
                break;
            await clock.sleep(interval, poll.stop);
        }
        if (poll.stop?.aborted)
            log_info(`${((clock.now() - started) / 1000).toFixed(1)} s: stopped, the run was cancelled`);
    }
    finally {
        log_endGroup();
        http.dispose();
    }
    const reached = streak >= poll.streak;
    return { reached, tries, durationMs: clock.now() - started, stopped: !reached && poll.stop?.aborted === true };
}
async function tryOnce(http, path, poll, at, timeoutMs) {
    try {
        const { status, body } = await http.request('GET', path, undefined, undefined, { timeoutMs, signal: poll.stop });
        return { at, status, error: undefined, good: poll.good(status, body), excerpt: body.replace(/\s+/g, ' ').trim().slice(0, 120) };
    }
    catch (error) {
        if (error instanceof RequestTimeout)
            return { at, status: undefined, error: `no complete answer within ${poll_url_seconds(timeoutMs)}`, good: false, excerpt: '' };
        if (error instanceof RequestAborted)
            return { at, status: undefined, error: 'cancelled', good: false, excerpt: '' };
        const { code, message } = error;
        return { at, status: undefined, error: code ?? (message || 'no answer'), good: false, excerpt: '' };
    }
}
function poll_url_seconds(ms) {
    return `${Number((ms / 1000).toFixed(1))} s`;
}
function answerOf(t) {
    return t.status !== undefined ? `HTTP ${t.status}` : (t.error ?? 'no answer');
}

;// CONCATENATED MODULE: ./src/origin/health-check.ts

/** Consecutive 2xx answers that make a URL healthy: one good answer can be luck. */
const HEALTHY_STREAK = 2;
/** "A couple of seconds apart". */
const INTERVAL_MS = 2000;
/**
 * Requests `url` until it answers 2xx twice in a row, `timeoutMs` passes or `stop` fires;
 * through the address `via` when given (Fastly's staging IP for the URL's host).
 */
async function checkHealth(url, timeoutMs, stop, clock = realClock, via) {
    const { reached, tries, durationMs, stopped } = await pollUrl({
        url,
        timeoutMs,
        intervalMs: INTERVAL_MS,
        streak: HEALTHY_STREAK,
        good: status => status >= 200 && status < 300,
        title: `Health check: ${url}${via === undefined ? '' : ` through staging IP ${via}`} (up to ${Math.round(timeoutMs / 1000)} s)`,
        stop,
        connectTo: via
    }, clock);
    const observed = stopped ? `cancelled after ${tries.length} ${tries.length === 1 ? 'try' : 'tries'} in ${Math.round(durationMs / 1000)} s` : describe(tries, durationMs, reached);
    return { url, via, healthy: reached, tries, durationMs, cancelled: stopped, observed };
}
function describe(tries, durationMs, healthy) {
    const seconds = `${Math.round(durationMs / 1000)} s`;
    const last = tries.at(-1);
    if (!last)
        return `no answer in ${seconds}`;
    if (healthy)
        return `${answerOf(last)} after ${tries.length} ${tries.length === 1 ? 'try' : 'tries'} in ${seconds}`;
    const kinds = new Set(tries.map(answerOf));
    return kinds.size === 1 ? `${answerOf(last)} for ${seconds}` : `${answerOf(last)} at the end of ${seconds} (${tries.length} tries: ${[...kinds].join(', ')})`;
}

;// CONCATENATED MODULE: ./src/modes/activate/package.ts

/**
 * A Compute package as a content step, in the shape of the VCL one: read what
 * is live, plan against it, upload into the clone. The live read comes before
 * the clone, because an unchanged package deploys nothing at all.
 */
async function planPackage(api, sid, base, wanted) {
    const live = await api.getPackage(sid, base);
    const before = live && factsOf(live);
    const same = before?.filesHash !== undefined && before.filesHash === wanted.filesHash;
    return { path: wanted.path, before, after: factsOf(wanted), action: same ? 'unchanged' : 'upload', uploaded: false };
}
/**
 * Uploads into the clone what the plan says differs. Sending it again into
 * the same draft only replaces the draft's package, so the client may repeat
 * it; Fastly's files hash must then be the one computed here, or the draft
 * holds something else than what was read and is not activated.
 */
async function uploadPackage(api, sid, clone, base, wanted, plan) {
    if (plan.action === 'unchanged')
        return plan;
    const left = `version ${clone}, cloned from ${base}, was left as a draft and nothing was activated`;
    let answer;
    try {
        answer = await api.uploadPackage(sid, clone, wanted.path);
    }
    catch (error) {
        // A defect stays one, for main.ts to report with its stack.
        if (!(error instanceof errors/* ActionError */.lZ))
            throw error;
        throw new errors/* ActionError */.lZ(`Uploading the package '${wanted.path}' failed: ${error.message}; ${left}`);
    }
    if (answer === undefined)
        return plan;
    if (answer.filesHash !== wanted.filesHash) {
        throw new errors/* ActionError */.lZ(`Fastly took the package '${wanted.path}' into version ${clone} of ${sid} with the files hash ${package_short(answer.filesHash)}, ` +
            `but it hashes to ${package_short(wanted.filesHash)} here: the upload is not the package that was read; ${left}. ` +
            'Re-run the deploy; if it happens again, rebuild the package.');
    }
    return { ...plan, after: { ...factsOf(answer), filesHash: answer.filesHash }, uploaded: true };
}
/** The first 12 hex digits: enough to tell packages apart at a glance; the result output has the whole hash. */
function package_short(hash) {
    return hash === undefined ? 'unknown' : hash.slice(0, 12);
}
function factsOf(metadata) {
    return { name: metadata.name, language: metadata.language, size: metadata.size, filesHash: metadata.filesHash };
}

;// CONCATENATED MODULE: ./node_modules/diff/libesm/diff/base.js
class Diff {
    diff(oldStr, newStr, 
    // Type below is not accurate/complete - see above for full possibilities - but it compiles
    options = {}) {
        let callback;
        if (typeof options === 'function') {
            callback = options;
            options = {};
        }
        else if ('callback' in options) {
            callback = options.callback;
        }
        // Allow subclasses to massage the input prior to running
        const oldString = this.castInput(oldStr, options);
        const newString = this.castInput(newStr, options);
        const oldTokens = this.removeEmpty(this.tokenize(oldString, options));
        const newTokens = this.removeEmpty(this.tokenize(newString, options));
        return this.diffWithOptionsObj(oldTokens, newTokens, options, callback);
    }
    diffWithOptionsObj(oldTokens, newTokens, options, callback) {
        var _a;
        const done = (value) => {
            value = this.postProcess(value, options);
            if (callback) {
                setTimeout(function () { callback(value); }, 0);
                return undefined;
            }
            else {
                return value;
            }
        };
        const newLen = newTokens.length, oldLen = oldTokens.length;
        let editLength = 1;
        let maxEditLength = newLen + oldLen;
        if (options.maxEditLength != null) {
            maxEditLength = Math.min(maxEditLength, options.maxEditLength);
        }
        const maxExecutionTime = (_a = options.timeout) !== null && _a !== void 0 ? _a : Infinity;
        const abortAfterTimestamp = Date.now() + maxExecutionTime;
        const bestPath = [{ oldPos: -1, lastComponent: undefined }];
        // Seed editLength = 0, i.e. the content starts with the same values
        let newPos = this.extractCommon(bestPath[0], newTokens, oldTokens, 0, options);
        if (bestPath[0].oldPos + 1 >= oldLen && newPos + 1 >= newLen) {
            // Identity per the equality and tokenizer
            return done(this.buildValues(bestPath[0].lastComponent, newTokens, oldTokens));
        }
        // Once we hit the right edge of the edit graph on some diagonal k, we can
        // definitely reach the end of the edit graph in no more than k edits, so
        // there's no point in considering any moves to diagonal k+1 any more (from
        // which we're guaranteed to need at least k+1 more edits).
        // Similarly, once we've reached the bottom of the edit graph, there's no
        // point considering moves to lower diagonals.
        // We record this fact by setting minDiagonalToConsider and
        // maxDiagonalToConsider to some finite value once we've hit the edge of
        // the edit graph.
        // This optimization is not faithful to the original algorithm presented in
        // Myers's paper, which instead pointlessly extends D-paths off the end of
        // the edit graph - see page 7 of Myers's paper which notes this point
        // explicitly and illustrates it with a diagram. This has major performance
        // implications for some common scenarios. For instance, to compute a diff
        // where the new text simply appends d characters on the end of the
        // original text of length n, the true Myers algorithm will take O(n+d^2)
        // time while this optimization needs only O(n+d) time.
        let minDiagonalToConsider = -Infinity, maxDiagonalToConsider = Infinity;
        // Main worker method. checks all permutations of a given edit length for acceptance.
        const execEditLength = () => {
            for (let diagonalPath = Math.max(minDiagonalToConsider, -editLength); diagonalPath <= Math.min(maxDiagonalToConsider, editLength); diagonalPath += 2) {
                let basePath;
                const removePath = bestPath[diagonalPath - 1], addPath = bestPath[diagonalPath + 1];
                if (removePath) {
                    // No one else is going to attempt to use this value, clear it
                    // @ts-expect-error - perf optimisation. This type-violating value will never be read.
                    bestPath[diagonalPath - 1] = undefined;
                }
                let canAdd = false;
                if (addPath) {
                    // what newPos will be after we do an insertion:
                    const addPathNewPos = addPath.oldPos - diagonalPath;
                    canAdd = addPath && 0 <= addPathNewPos && addPathNewPos < newLen;
                }
                const canRemove = removePath && removePath.oldPos + 1 < oldLen;
                if (!canAdd && !canRemove) {
                    // If this path is a terminal then prune
                    // @ts-expect-error - perf optimisation. This type-violating value will never be read.
                    bestPath[diagonalPath] = undefined;
                    continue;
                }
                // Select the diagonal that we want to branch from. We select the prior
                // path whose position in the old string is the farthest from the origin
                // and does not pass the bounds of the diff graph
                if (!canRemove || (canAdd && removePath.oldPos < addPath.oldPos)) {
                    basePath = this.addToPath(addPath, true, false, 0, options);
                }
                else {
                    basePath = this.addToPath(removePath, false, true, 1, options);
                }
                newPos = this.extractCommon(basePath, newTokens, oldTokens, diagonalPath, options);
                if (basePath.oldPos + 1 >= oldLen && newPos + 1 >= newLen) {
                    // If we have hit the end of both strings, then we are done
                    return done(this.buildValues(basePath.lastComponent, newTokens, oldTokens)) || true;
                }
                else {
                    bestPath[diagonalPath] = basePath;
                    if (basePath.oldPos + 1 >= oldLen) {
                        maxDiagonalToConsider = Math.min(maxDiagonalToConsider, diagonalPath - 1);
                    }
                    if (newPos + 1 >= newLen) {
                        minDiagonalToConsider = Math.max(minDiagonalToConsider, diagonalPath + 1);
                    }
                }
            }
            editLength++;
        };
        // Performs the length of edit iteration. Is a bit fugly as this has to support the
        // sync and async mode which is never fun. Loops over execEditLength until a value
        // is produced, or until the edit length exceeds options.maxEditLength (if given),
        // in which case it will return undefined.
        if (callback) {
            (function exec() {
                setTimeout(function () {
                    if (editLength > maxEditLength || Date.now() > abortAfterTimestamp) {
                        return callback(undefined);
                    }
                    if (!execEditLength()) {
                        exec();
                    }
                }, 0);
            }());
        }
        else {
            while (editLength <= maxEditLength && Date.now() <= abortAfterTimestamp) {
                const ret = execEditLength();
                if (ret) {
                    return ret;
                }
            }
        }
    }
    addToPath(path, added, removed, oldPosInc, options) {
        const last = path.lastComponent;
        if (last && !options.oneChangePerToken && last.added === added && last.removed === removed) {
            return {
                oldPos: path.oldPos + oldPosInc,
                lastComponent: { count: last.count + 1, added: added, removed: removed, previousComponent: last.previousComponent }
            };
        }
        else {
            return {
                oldPos: path.oldPos + oldPosInc,
                lastComponent: { count: 1, added: added, removed: removed, previousComponent: last }
            };
        }
    }
    extractCommon(basePath, newTokens, oldTokens, diagonalPath, options) {
        const newLen = newTokens.length, oldLen = oldTokens.length;
        let oldPos = basePath.oldPos, newPos = oldPos - diagonalPath, commonCount = 0;
        while (newPos + 1 < newLen && oldPos + 1 < oldLen && this.equals(oldTokens[oldPos + 1], newTokens[newPos + 1], options)) {
            newPos++;
            oldPos++;
            commonCount++;
            if (options.oneChangePerToken) {
                basePath.lastComponent = { count: 1, previousComponent: basePath.lastComponent, added: false, removed: false };
            }
        }
        if (commonCount && !options.oneChangePerToken) {
            basePath.lastComponent = { count: commonCount, previousComponent: basePath.lastComponent, added: false, removed: false };
        }
        basePath.oldPos = oldPos;
        return newPos;
    }
    equals(left, right, options) {
        if (options.comparator) {
            return options.comparator(left, right);
        }
        else {
            return left === right
                || (!!options.ignoreCase && left.toLowerCase() === right.toLowerCase());
        }
    }
    removeEmpty(array) {
        const ret = [];
        for (let i = 0; i < array.length; i++) {
            if (array[i]) {
                ret.push(array[i]);
            }
        }
        return ret;
    }
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    castInput(value, options) {
        return value;
    }
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    tokenize(value, options) {
        return Array.from(value);
    }
    join(chars) {
        // Assumes ValueT is string, which is the case for most subclasses.
        // When it's false, e.g. in diffArrays, this method needs to be overridden (e.g. with a no-op)
        // Yes, the casts are verbose and ugly, because this pattern - of having the base class SORT OF
        // assume tokens and values are strings, but not completely - is weird and janky.
        return chars.join('');
    }
    postProcess(changeObjects, 
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    options) {
        return changeObjects;
    }
    get useLongestToken() {
        return false;
    }
    buildValues(lastComponent, newTokens, oldTokens) {
        // First we convert our linked list of components in reverse order to an
        // array in the right order:
        const components = [];
        let nextComponent;
        while (lastComponent) {
            components.push(lastComponent);
            nextComponent = lastComponent.previousComponent;
            delete lastComponent.previousComponent;
            lastComponent = nextComponent;
        }
        components.reverse();
        const componentLen = components.length;
        let componentPos = 0, newPos = 0, oldPos = 0;
        for (; componentPos < componentLen; componentPos++) {
            const component = components[componentPos];
            if (!component.removed) {
                if (!component.added && this.useLongestToken) {
                    let value = newTokens.slice(newPos, newPos + component.count);
                    value = value.map(function (value, i) {
                        const oldValue = oldTokens[oldPos + i];
                        return oldValue.length > value.length ? oldValue : value;
                    });
                    component.value = this.join(value);
                }
                else {
                    component.value = this.join(newTokens.slice(newPos, newPos + component.count));
                }
                newPos += component.count;
                // Common case
                if (!component.added) {
                    oldPos += component.count;
                }
            }
            else {
                component.value = this.join(oldTokens.slice(oldPos, oldPos + component.count));
                oldPos += component.count;
            }
        }
        return components;
    }
}

;// CONCATENATED MODULE: ./node_modules/diff/libesm/diff/line.js


class LineDiff extends Diff {
    constructor() {
        super(...arguments);
        this.tokenize = tokenize;
    }
    equals(left, right, options) {
        // If we're ignoring whitespace, we need to normalise lines by stripping
        // whitespace before checking equality. (This has an annoying interaction
        // with newlineIsToken that requires special handling: if newlines get their
        // own token, then we DON'T want to trim the *newline* tokens down to empty
        // strings, since this would cause us to treat whitespace-only line content
        // as equal to a separator between lines, which would be weird and
        // inconsistent with the documented behavior of the options.)
        if (options.ignoreWhitespace) {
            if (!options.newlineIsToken || !left.includes('\n')) {
                left = left.trim();
            }
            if (!options.newlineIsToken || !right.includes('\n')) {
                right = right.trim();
            }
        }
        else if (options.ignoreNewlineAtEof && !options.newlineIsToken) {
            if (left.endsWith('\n')) {
                left = left.slice(0, -1);
            }
            if (right.endsWith('\n')) {
                right = right.slice(0, -1);
            }
        }
        return super.equals(left, right, options);
    }
}
const lineDiff = new LineDiff();
function diffLines(oldStr, newStr, options) {
    return lineDiff.diff(oldStr, newStr, options);
}
function diffTrimmedLines(oldStr, newStr, options) {
    options = generateOptions(options, { ignoreWhitespace: true });
    return lineDiff.diff(oldStr, newStr, options);
}
// Exported standalone so it can be used from jsonDiff too.
function tokenize(value, options) {
    if (options.stripTrailingCr) {
        // remove one \r before \n to match GNU diff's --strip-trailing-cr behavior
        value = value.replace(/\r\n/g, '\n');
    }
    const retLines = [], linesAndNewlines = value.split(/(\n|\r\n)/);
    // Ignore the final empty token that occurs if the string ends with a new line
    if (!linesAndNewlines[linesAndNewlines.length - 1]) {
        linesAndNewlines.pop();
    }
    // Merge the content and line separators into single tokens
    for (let i = 0; i < linesAndNewlines.length; i++) {
        const line = linesAndNewlines[i];
        if (i % 2 && !options.newlineIsToken) {
            retLines[retLines.length - 1] += line;
        }
        else {
            retLines.push(line);
        }
    }
    return retLines;
}

;// CONCATENATED MODULE: ./node_modules/diff/libesm/patch/create.js

/**
 * Returns true if the filename contains characters that require C-style
 * quoting (as used by Git and GNU diffutils in diff output).
 */
function needsQuoting(s) {
    for (let i = 0; i < s.length; i++) {
        if (s[i] < '\x20' || s[i] > '\x7e' || s[i] === '"' || s[i] === '\\') {
            return true;
        }
    }
    return false;
}
/**
 * C-style quotes a filename, encoding special characters as escape sequences
 * and non-ASCII bytes as octal escapes. This is the inverse of
 * `parseQuotedFileName` in parse.ts.
 *
 * Non-ASCII bytes are encoded as UTF-8 before being emitted as octal escapes.
 * This matches the behaviour of both Git and GNU diffutils, which always emit
 * UTF-8 octal escapes regardless of the underlying filesystem encoding (e.g.
 * Git for Windows converts from NTFS's UTF-16 to UTF-8 internally).
 *
 * If the filename doesn't need quoting, returns it as-is.
 */
function quoteFileNameIfNeeded(s) {
    if (!needsQuoting(s)) {
        return s;
    }
    let result = '"';
    const bytes = new TextEncoder().encode(s);
    let i = 0;
    while (i < bytes.length) {
        const b = bytes[i];
        // See https://en.wikipedia.org/wiki/Escape_sequences_in_C#Escape_sequences
        if (b === 0x07) {
            result += '\\a';
        }
        else if (b === 0x08) {
            result += '\\b';
        }
        else if (b === 0x09) {
            result += '\\t';
        }
        else if (b === 0x0a) {
            result += '\\n';
        }
        else if (b === 0x0b) {
            result += '\\v';
        }
        else if (b === 0x0c) {
            result += '\\f';
        }
        else if (b === 0x0d) {
            result += '\\r';
        }
        else if (b === 0x22) {
            result += '\\"';
        }
        else if (b === 0x5c) {
            result += '\\\\';
        }
        else if (b >= 0x20 && b <= 0x7e) {
            // Just a printable ASCII character that is neither a double quote nor a
            // backslash; no need to escape it.
            result += String.fromCharCode(b);
        }
        else {
            // Either part of a non-ASCII character or a control character without a
            // special escape sequence; needs escaping as a 3-digit octal escape
            result += '\\' + b.toString(8).padStart(3, '0');
        }
        i++;
    }
    result += '"';
    return result;
}
const INCLUDE_HEADERS = {
    includeIndex: true,
    includeUnderline: true,
    includeFileHeaders: true
};
const FILE_HEADERS_ONLY = {
    includeIndex: false,
    includeUnderline: false,
    includeFileHeaders: true
};
const OMIT_HEADERS = {
    includeIndex: false,
    includeUnderline: false,
    includeFileHeaders: false
};
function structuredPatch(oldFileName, newFileName, oldStr, newStr, oldHeader, newHeader, options) {
    let optionsObj;
    if (!options) {
        optionsObj = {};
    }
    else if (typeof options === 'function') {
        optionsObj = { callback: options };
    }
    else {
        optionsObj = options;
    }
    if (typeof optionsObj.context === 'undefined') {
        optionsObj.context = 4;
    }
    // We copy this into its own variable to placate TypeScript, which thinks
    // optionsObj.context might be undefined in the callbacks below.
    const context = optionsObj.context;
    // @ts-expect-error (runtime check for something that is correctly a static type error)
    if (optionsObj.newlineIsToken) {
        throw new Error('newlineIsToken may not be used with patch-generation functions, only with diffing functions');
    }
    if (!optionsObj.callback) {
        return diffLinesResultToPatch(diffLines(oldStr, newStr, optionsObj));
    }
    else {
        const { callback } = optionsObj;
        diffLines(oldStr, newStr, Object.assign(Object.assign({}, optionsObj), { callback: (diff) => {
                const patch = diffLinesResultToPatch(diff);
                // TypeScript is unhappy without the cast because it does not understand that `patch` may
                // be undefined here only if `callback` is StructuredPatchCallbackAbortable:
                callback(patch);
            } }));
    }
    function diffLinesResultToPatch(diff) {
        // STEP 1: Build up the patch with no "\ No newline at end of file" lines and with the arrays
        //         of lines containing trailing newline characters. We'll tidy up later...
        if (!diff) {
            return;
        }
        diff.push({ value: '', lines: [] }); // Append an empty value to make cleanup easier
        function contextLines(lines) {
            return lines.map(function (entry) { return ' ' + entry; });
        }
        const hunks = [];
        let oldRangeStart = 0, newRangeStart = 0, curRange = [], oldLine = 1, newLine = 1;
        for (let i = 0; i < diff.length; i++) {
            const current = diff[i], lines = current.lines || splitLines(current.value);
            current.lines = lines;
            if (current.added || current.removed) {
                // If we have previous context, start with that
                if (!oldRangeStart) {
                    const prev = diff[i - 1];
                    oldRangeStart = oldLine;
                    newRangeStart = newLine;
                    if (prev) {
                        curRange = context > 0 ? contextLines(prev.lines.slice(-context)) : [];
                        oldRangeStart -= curRange.length;
                        newRangeStart -= curRange.length;
                    }
                }
                // Output our changes
                for (const line of lines) {
                    curRange.push((current.added ? '+' : '-') + line);
                }
                // Track the updated file position
                if (current.added) {
                    newLine += lines.length;
                }
                else {
                    oldLine += lines.length;
                }
            }
            else {
                // Identical context lines. Track line changes
                if (oldRangeStart) {
                    // Close out any changes that have been output (or join overlapping)
                    if (lines.length <= context * 2 && i < diff.length - 2) {
                        // Overlapping
                        for (const line of contextLines(lines)) {
                            curRange.push(line);
                        }
                    }
                    else {
                        // end the range and output
                        const contextSize = Math.min(lines.length, context);
                        for (const line of contextLines(lines.slice(0, contextSize))) {
                            curRange.push(line);
                        }
                        const hunk = {
                            oldStart: oldRangeStart,
                            oldLines: (oldLine - oldRangeStart + contextSize),
                            newStart: newRangeStart,
                            newLines: (newLine - newRangeStart + contextSize),
                            lines: curRange
                        };
                        hunks.push(hunk);
                        oldRangeStart = 0;
                        newRangeStart = 0;
                        curRange = [];
                    }
                }
                oldLine += lines.length;
                newLine += lines.length;
            }
        }
        // Step 2: eliminate the trailing `\n` from each line of each hunk, and, where needed, add
        //         "\ No newline at end of file".
        for (const hunk of hunks) {
            for (let i = 0; i < hunk.lines.length; i++) {
                if (hunk.lines[i].endsWith('\n')) {
                    hunk.lines[i] = hunk.lines[i].slice(0, -1);
                }
                else {
                    hunk.lines.splice(i + 1, 0, '\\ No newline at end of file');
                    i++; // Skip the line we just added, then continue iterating
                }
            }
        }
        return {
            oldFileName: oldFileName, newFileName: newFileName,
            oldHeader: oldHeader, newHeader: newHeader,
            hunks: hunks
        };
    }
}
/**
 * creates a unified diff patch.
 *
 * @param patch either a single structured patch object (as returned by `structuredPatch`) or an
 *   array of them (as returned by `parsePatch`).
 * @param headerOptions behaves the same as the `headerOptions` option of `createTwoFilesPatch`.
 *   Ignored for patches where `isGit` is `true`.
 *
 * When a patch has `isGit: true`, `formatPatch` output is changed to more closely match Git's
 * output: it emits a `diff --git` header, emits Git extended headers as appropriate based on
 * properties like `isRename`, `isCreate`, `newMode`, etc, and will omit `---`/`+++` file
 * headers for patches with no hunks (e.g. renames without content changes).
 */
function formatPatch(patch, headerOptions) {
    var _a, _b, _c, _d, _e, _f;
    if (!headerOptions) {
        headerOptions = INCLUDE_HEADERS;
    }
    if (Array.isArray(patch)) {
        if (patch.length > 1 && !headerOptions.includeFileHeaders && !patch.every(p => p.isGit)) {
            throw new Error('Cannot omit file headers on a multi-file patch. '
                + '(The result would be unparseable; how would a tool trying to apply '
                + 'the patch know which changes are to which file?)');
        }
        return patch.map(p => formatPatch(p, headerOptions)).join('\n');
    }
    const ret = [];
    // Git patches have a fixed header format (diff --git, extended headers,
    // and ---/+++ when hunks are present), so headerOptions is ignored.
    if (patch.isGit) {
        headerOptions = INCLUDE_HEADERS;
        // Emit Git-style diff --git header and extended headers.
        // Git never puts /dev/null in the "diff --git" line; for file
        // creations/deletions it uses the real filename on both sides.
        if (!patch.oldFileName) {
            throw new Error('oldFileName must be specified for Git patches');
        }
        if (!patch.newFileName) {
            throw new Error('newFileName must be specified for Git patches');
        }
        let gitOldName = patch.oldFileName;
        let gitNewName = patch.newFileName;
        if (patch.isCreate && gitOldName === '/dev/null') {
            gitOldName = gitNewName.replace(/^b\//, 'a/');
        }
        else if (patch.isDelete && gitNewName === '/dev/null') {
            gitNewName = gitOldName.replace(/^a\//, 'b/');
        }
        ret.push('diff --git ' + quoteFileNameIfNeeded(gitOldName) + ' ' + quoteFileNameIfNeeded(gitNewName));
        if (patch.isDelete) {
            ret.push('deleted file mode ' + ((_a = patch.oldMode) !== null && _a !== void 0 ? _a : '100644'));
        }
        if (patch.isCreate) {
            ret.push('new file mode ' + ((_b = patch.newMode) !== null && _b !== void 0 ? _b : '100644'));
        }
        if (patch.oldMode && patch.newMode && !patch.isDelete && !patch.isCreate) {
            ret.push('old mode ' + patch.oldMode);
            ret.push('new mode ' + patch.newMode);
        }
        if (patch.isRename) {
            ret.push('rename from ' + quoteFileNameIfNeeded(((_c = patch.oldFileName) !== null && _c !== void 0 ? _c : '').replace(/^a\//, '')));
            ret.push('rename to ' + quoteFileNameIfNeeded(((_d = patch.newFileName) !== null && _d !== void 0 ? _d : '').replace(/^b\//, '')));
        }
        if (patch.isCopy) {
            ret.push('copy from ' + quoteFileNameIfNeeded(((_e = patch.oldFileName) !== null && _e !== void 0 ? _e : '').replace(/^a\//, '')));
            ret.push('copy to ' + quoteFileNameIfNeeded(((_f = patch.newFileName) !== null && _f !== void 0 ? _f : '').replace(/^b\//, '')));
        }
    }
    else {
        if (headerOptions.includeIndex && patch.oldFileName == patch.newFileName && patch.oldFileName !== undefined) {
            ret.push('Index: ' + patch.oldFileName);
        }
        if (headerOptions.includeUnderline) {
            ret.push('===================================================================');
        }
    }
    // Emit --- / +++ file headers. For Git patches with no hunks (e.g.
    // pure renames, mode-only changes), Git omits these, so we do too.
    const hasHunks = patch.hunks.length > 0;
    if (headerOptions.includeFileHeaders && patch.oldFileName !== undefined && patch.newFileName !== undefined
        && (!patch.isGit || hasHunks)) {
        ret.push('--- ' + quoteFileNameIfNeeded(patch.oldFileName) + (patch.oldHeader ? '\t' + patch.oldHeader : ''));
        ret.push('+++ ' + quoteFileNameIfNeeded(patch.newFileName) + (patch.newHeader ? '\t' + patch.newHeader : ''));
    }
    for (let i = 0; i < patch.hunks.length; i++) {
        const hunk = patch.hunks[i];
        // Unified Diff Format quirk: If the chunk size is 0,
        // the first number is one lower than one would expect.
        // https://www.artima.com/weblogs/viewpost.jsp?thread=164293
        const oldStart = hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart;
        const newStart = hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart;
        ret.push('@@ -' + oldStart + ',' + hunk.oldLines
            + ' +' + newStart + ',' + hunk.newLines
            + ' @@');
        for (const line of hunk.lines) {
            ret.push(line);
        }
    }
    return ret.join('\n') + '\n';
}
function createTwoFilesPatch(oldFileName, newFileName, oldStr, newStr, oldHeader, newHeader, options) {
    if (typeof options === 'function') {
        options = { callback: options };
    }
    if (!(options === null || options === void 0 ? void 0 : options.callback)) {
        const patchObj = structuredPatch(oldFileName, newFileName, oldStr, newStr, oldHeader, newHeader, options);
        if (!patchObj) {
            return;
        }
        return formatPatch(patchObj, options === null || options === void 0 ? void 0 : options.headerOptions);
    }
    else {
        const { callback } = options;
        structuredPatch(oldFileName, newFileName, oldStr, newStr, oldHeader, newHeader, Object.assign(Object.assign({}, options), { callback: patchObj => {
                if (!patchObj) {
                    callback(undefined);
                }
                else {
                    callback(formatPatch(patchObj, options.headerOptions));
                }
            } }));
    }
}
function createPatch(fileName, oldStr, newStr, oldHeader, newHeader, options) {
    return createTwoFilesPatch(fileName, fileName, oldStr, newStr, oldHeader, newHeader, options);
}
/**
 * Split `text` into an array of lines, including the trailing newline character (where present)
 */
function splitLines(text) {
    const hasTrailingNl = text.endsWith('\n');
    const result = text.split('\n').map(line => line + '\n');
    if (hasTrailingNl) {
        result.pop();
    }
    else {
        result.push(result.pop().slice(0, -1));
    }
    return result;
}

;// CONCATENATED MODULE: ./src/unified-diff.ts

/**
 * Past this many edits the diff says only that the file changed: Myers' work
 * grows with the edits, and a plan must not hang on a rewritten huge file.
 */
const MAX_EDITS = 5_000;
const CONTEXT = 3;
/**
 * The unified diff (`---`/`+++` headers, `@@` hunks with 3 lines of context)
 * of two texts; `before` undefined is a new file, diffed from /dev/null.
 * What the summary shows of it is capped there, by the run's byte budget.
 */
function unifiedDiff(before, after) {
    const from = before?.name ?? '/dev/null';
    const old = before?.text ?? '';
    const patch = structuredPatch(from, after.name, old, after.text, undefined, undefined, { context: CONTEXT, maxEditLength: MAX_EDITS });
    if (!patch)
        return `--- ${from}\n+++ ${after.name}\n(changed: ${lineCount(old)} → ${lineCount(after.text)} lines, over ${MAX_EDITS} edits; too large to diff here)`;
    return formatPatch(patch, FILE_HEADERS_ONLY).trimEnd();
}
function lineCount(text) {
    return text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

;// CONCATENATED MODULE: ./src/modes/activate/vcl-plan.ts






/** Lint requests in flight at once per service: enough for a repository's VCL files to go in one wave. */
const LINT_CONCURRENCY = 32;
function planVclContent(files, vclMain, current, base) {
    const byName = new Map(current.map(vcl => [vcl.name, vcl]));
    const planned = files.map((file) => {
        const existing = byName.get(file.name);
        const action = !existing ? 'create' : existing.content === file.content ? 'unchanged' : 'update';
        return { name: file.name, path: file.path, action, sha256: (0,external_node_crypto_.createHash)('sha256').update(file.content, 'utf8').digest('hex') };
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
async function lintVclFiles(api, sid, files) {
    const results = files.map(() => []);
    let unavailable;
    await forEachLimited(files.keys(), LINT_CONCURRENCY, async (i) => {
        const file = files[i];
        let result;
        try {
            result = await api.lintVcl(sid, file.content);
        }
        catch (error) {
            // An API without the linter (a proxy, an older Fastly) must not block deploys: validation after the upload still guards.
            if (error instanceof FastlyError && NO_LINTER.has(error.status)) {
                unavailable = error;
                return;
            }
            // Fastly's bare words name only a path: the reader must learn that lint stopped the deploy, and the way past it.
            if (error instanceof errors/* ActionError */.lZ && !(error instanceof CancelledError)) {
                throw new errors/* ActionError */.lZ(`Fastly's linter could not lint ${file.path} for ${sid}, so nothing was cloned: ${error.message}. Run again, or set 'lint: false' to deploy without linting (Fastly still validates the new version)`);
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
function finding(path, severity, message) {
    const line = /\bline\s*:?\s*(\d+)/i.exec(message);
    const column = line ? /\b(?:pos|col|column)\s*:?\s*(\d+)/i.exec(message.slice(line.index)) : null;
    return { path, severity, message, line: line ? Number(line[1]) : undefined, column: column ? Number(column[1]) : undefined };
}
function repositoryDiff(current, base, files, changes) {
    const parts = changes
        .filter(change => change.action !== 'unchanged')
        .map(change => {
        const before = current.find(vcl => vcl.name === change.name);
        const file = files.find(f => f.name === change.name);
        return unifiedDiff(before && { name: `${before.name} (version ${base})`, text: before.content }, { name: change.path, text: file?.content ?? '' });
    });
    return parts.length > 0 ? parts.join('\n') : undefined;
}

;// CONCATENATED MODULE: ./src/modes/activate/plan.ts



/**
 * Reads only: the service's versions with lint beside them, then the base's
 * VCL when files are given. Nothing here writes (lint changes nothing).
 */
async function planService(settings, api, serviceId) {
    let part = {
        kind: 'vcl-service',
        serviceId,
        serviceName: serviceId,
        environment: settings.environment,
        activeVersion: undefined,
        baseVersion: undefined,
        clone: settings.clone,
        files: [],
        mainVcl: undefined,
        package: undefined,
        diff: undefined,
        lint: [],
        alreadyLive: false,
        error: undefined
    };
    const files = settings.vclFiles;
    // Lint goes beside the reads: the base's VCL is asked for as soon as the versions are known, not after lint.
    const linting = settings.lint && files.length > 0 ? lintVclFiles(api, serviceId, files) : Promise.resolve([]);
    const linted = linting.then(findings => ({ ok: true, findings }), (error) => ({ ok: false, error }));
    try {
        const details = await api.serviceDetails(serviceId);
        const active = activeOn(details, settings.environment);
        part = { ...part, serviceName: details.name, activeVersion: active };
        const base = pickBase(details, settings.version);
        part = { ...part, baseVersion: base };
        const current = settings.clone && files.length > 0 ? await api.listVcl(serviceId, base) : undefined;
        const lint = await linted;
        if (!lint.ok)
            throw lint.error;
        part = { ...part, lint: lint.findings };
        if (!settings.clone)
            return { part: { ...part, alreadyLive: base === active }, details, failure: undefined };
        if (settings.package) {
            // The live version already having these files makes an empty plan: nothing is cloned.
            const change = await planPackage(api, serviceId, base, settings.package);
            part = { ...part, package: change, alreadyLive: change.action === 'unchanged' && base === active };
        }
        else if (current) {
            const content = planVclContent(files, settings.vclMain, current, base);
            part = { ...part, files: content.files, mainVcl: content.mainVcl, diff: content.diff, alreadyLive: content.same && base === active };
        }
        return { part, details, failure: undefined };
    }
    catch (error) {
        await linted;
        return { part: { ...part, error: (0,errors/* expectedMessage */.UB)(error) }, details: undefined, failure: error };
    }
}
function activeOn(details, environment) {
    return environment === 'staging' ? details.versions.find(v => v.staging)?.number : details.activeVersion;
}
function pickBase(details, wanted) {
    const numbers = details.versions.map(v => v.number);
    if (wanted === 'latest') {
        if (numbers.length === 0)
            throw new errors/* ActionError */.lZ(`Service ${details.id} has no version to start from`);
        return Math.max(...numbers);
    }
    if (wanted === 'active') {
        if (details.activeVersion === undefined) {
            throw new errors/* ActionError */.lZ(`Service ${details.id} has no active version; set 'version' to 'latest' or a version number`);
        }
        return details.activeVersion;
    }
    if (wanted === 'staged') {
        const staged = activeOn(details, 'staging');
        if (staged === undefined) {
            throw new errors/* ActionError */.lZ(`Nothing is staged on service ${details.id}, so there is no staged version to start from; stage one first (mode: activate, environment: staging) or set 'version'`);
        }
        return staged;
    }
    if (!numbers.includes(wanted)) {
        const range = numbers.length > 0 ? ` (it has versions ${Math.min(...numbers)}–${Math.max(...numbers)})` : '';
        throw new errors/* ActionError */.lZ(`Version ${wanted} does not exist on service ${details.id}${range}; check 'version'`);
    }
    return wanted;
}

;// CONCATENATED MODULE: ./src/modes/activate/activate.ts








/** Reads only: each service's starting version, the VCL files against it, lint. */
async function plan(settings, api) {
    const services = [];
    for (const serviceId of settings.serviceIds)
        services.push(await planService(settings, api, serviceId));
    return { services };
}
function planParts(planned) {
    return planned.services.map(s => s.part);
}
/** Services one after another: writes to one service are never concurrent, and neither are deploys. */
async function apply(settings, api, planned, cancel = NOT_CANCELLABLE) {
    const services = [];
    for (const service of planned.services)
        services.push(await deploy(settings, api, cancel, service));
    return { mode: 'activate', services };
}
class ConflictError extends errors/* ActionError */.lZ {
}
/** Executes one service's plan: nothing when it is already live or lint failed; otherwise clone, upload, validate, activate. */
async function deploy(settings, api, cancel, planned) {
    const { part, details } = planned;
    let known = knownOf(part);
    let active = part.activeVersion;
    let end;
    let comment;
    if (!details || part.baseVersion === undefined)
        return finish({ kind: 'failed', error: planned.failure });
    if (part.lint.some(f => f.severity === 'error'))
        return finish({ kind: 'lint-failed' });
    const base = part.baseVersion;
    try {
        let version = base;
        if (!settings.clone) {
            known = { ...known, newVersion: base };
            if (part.alreadyLive)
                return finish({ kind: 'unchanged' });
            if (settings.dryRun)
                return finish({ kind: 'planned' });
        }
        else if (part.alreadyLive) {
            return finish({ kind: 'unchanged' });
        }
        else if (settings.dryRun) {
            if (!settings.package)
                known = { ...known, diffTitle: `Repository VCL against version ${base}`, diff: part.diff };
            return finish({ kind: 'planned' });
        }
        else {
            const clone = await cloneOnce(api, details, base);
            version = clone;
            known = { ...known, newVersion: clone };
            if (settings.package && part.package) {
                known = { ...known, package: await uploadPackage(api, part.serviceId, clone, base, settings.package, part.package) };
            }
            else {
                await uploadVcl(api, part.serviceId, clone, settings.vclFiles, part);
            }
            comment = commentBeside(api, part.serviceId, clone, base, settings.comment);
        }
        const checked = await activateChecked(settings, api, cancel, known, version, comment);
        known = { ...known, ...checked.learned };
        if (checked.active)
            active = checked.active.version;
        end = checked.end;
    }
    catch (error) {
        end = { kind: 'failed', error };
    }
    return finish(end);
    function finish(ending) {
        return { ...known, ...verdict(settings, known, ending, active) };
    }
}
function knownOf(part) {
    return {
        serviceId: part.serviceId,
        serviceName: part.serviceName,
        previousVersion: part.activeVersion,
        baseVersion: part.baseVersion,
        newVersion: undefined,
        vcl: part.files.map(({ name, action, path }) => ({ name, action, path })),
        mainVcl: part.mainVcl,
        package: part.package,
        lint: part.lint,
        validation: undefined,
        warning: undefined,
        notes: [],
        diff: undefined,
        diffTitle: undefined,
        health: undefined
    };
}
/** The one place a deploy's status and error are decided. */
function verdict(settings, known, end, active) {
    const sid = known.serviceId;
    const env = settings.environment;
    switch (end.kind) {
        case 'unchanged':
        case 'planned':
        case 'activated':
            return { status: end.kind, error: undefined, activeVersion: active };
        case 'lint-failed': {
            const errors = known.lint.filter(f => f.severity === 'error');
            const paths = [...new Set(errors.map(f => f.path))].join(', ');
            const error = `Fastly's linter found ${errors.length} ${errors.length === 1 ? 'error' : 'errors'} in ${paths} for ${sid}; nothing was cloned and ${env} stays on version ${known.previousVersion ?? 'none'}`;
            return { status: 'lint-failed', error, activeVersion: active };
        }
        case 'invalid': {
            const kept = settings.clone ? `version ${end.version} was left as a draft` : `version ${end.version} was not activated`;
            const error = `Fastly found version ${end.version} of ${sid} invalid; ${kept} and ${env} stays on version ${known.previousVersion ?? 'none'}`;
            return { status: 'invalid', error, activeVersion: active };
        }
        case 'failed':
            return { status: end.error instanceof ConflictError ? 'conflict' : 'failed', error: (0,errors/* expectedMessage */.UB)(end.error), activeVersion: active };
        case 'unhealthy':
            return unhealthyVerdict(end, sid, env, active);
    }
}
function unhealthyVerdict(end, sid, env, active) {
    const { version, health, rollback } = end;
    const what = health.cancelled
        ? `Version ${version} of ${sid} had not passed its health check of ${health.url} when the run was cancelled`
        : `Version ${version} of ${sid} failed its health check (${health.observed} from ${health.url})`;
    switch (rollback.kind) {
        case 'no-previous':
            return {
                status: health.cancelled ? 'unchecked' : 'rollback-failed',
                error: `${what}, and no version was active before it: ${env} stays on the ${health.cancelled ? 'unchecked' : 'unhealthy'} version ${version}. A person is needed now.`,
                activeVersion: active
            };
        case 'done':
            return { status: 'rolled-back', error: `${what}; version ${version} was rolled back to ${rollback.to}, which is active on ${env} again.`, activeVersion: rollback.to };
        case 'deactivated':
            return {
                status: 'rolled-back',
                error: `${what}; nothing was staged before it, so staging was deactivated: no version is on staging now, and production was not touched.`,
                activeVersion: undefined
            };
        case 'superseded':
            return {
                status: 'superseded',
                error: `${what}, but another deploy made version ${rollback.active ?? 'none'} active on ${env} meanwhile, ` +
                    `so nothing was rolled back: version ${rollback.active ?? 'none'} is live. Check it.`,
                activeVersion: rollback.active
            };
        case 'failed': {
            const off = `taking version ${version} off staging`;
            const goingBack = rollback.to === undefined ? off : `re-activating version ${rollback.to}`;
            if (health.cancelled) {
                return {
                    status: 'unchecked',
                    error: `${what}, and ${rollback.to === undefined ? off : `rolling back to version ${rollback.to}`} could not be done in time (${rollback.why}). ` +
                        `Version ${version} is live on ${env} and unchecked; ${rollback.to === undefined ? 'nothing was staged' : `version ${rollback.to} was live`} before. A person is needed now.`,
                    activeVersion: active
                };
            }
            return {
                status: 'rollback-failed',
                error: `ROLLBACK FAILED: ${what}, and ${goingBack} failed: ${rollback.why}. ${env} is on the unhealthy version ${version}: a person is needed now.`,
                activeVersion: active
            };
        }
    }
}
/** The comment changes nothing Fastly validates: it is written while the clone is validated, one write at a time still. */
function commentBeside(api, sid, clone, base, text) {
    return () => api.setComment(sid, clone, text).catch((error) => {
        throw new errors/* ActionError */.lZ(`${(0,errors/* messageOf */.bD)(error)}; version ${clone}, cloned from ${base} but not commented, was left as a draft and nothing was activated`);
    });
}
/**
 * Each clone call makes a new version, so a clone whose answer was lost is
 * not repeated: the versions are re-read to say what Fastly may have made.
 */
async function cloneOnce(api, details, base) {
    try {
        return (await api.cloneVersion(details.id, base)).number;
    }
    catch (error) {
        const lost = (error instanceof FastlyError && error.status >= 500) || error instanceof FastlyNetworkError || error instanceof CloneWithoutNumber;
        if (!lost || !(error instanceof Error))
            throw error;
        const highest = Math.max(0, ...details.versions.map(v => v.number));
        const after = await api.serviceDetails(details.id).catch(() => undefined);
        const made = after?.versions.filter(v => v.number > highest).map(v => v.number) ?? [];
        const maybe = made.length > 0
            ? `Fastly now has version ${made.join(', ')}, which may be that clone (left as a draft).`
            : after ? 'No new version appeared.' : 'The versions could not be re-read to check.';
        throw new errors/* ActionError */.lZ(`${error.message}. A clone is not safe to repeat, so it was not retried; nothing was activated. ${maybe}`);
    }
}
async function uploadVcl(api, sid, version, files, plan) {
    for (const change of plan.files) {
        const file = files.find(f => f.name === change.name);
        if (!file || change.action === 'unchanged')
            continue;
        if (change.action === 'create') {
            await api.createVcl(sid, version, { name: file.name, content: file.content, main: file.name === plan.mainVcl });
        }
        else {
            await api.updateVcl(sid, version, file.name, file.content);
        }
    }
    const mainIsNew = plan.files.some(change => change.name === plan.mainVcl && change.action === 'create');
    if (plan.mainVcl && !mainIsNew)
        await api.setMainVcl(sid, version, plan.mainVcl);
}
/**
 * Validates (with `besideValidation`, the clone's comment, alongside),
 * activates under the guard, checks health (rolling back if it fails) and
 * reads Fastly's diff. A failure part-way still answers what was learned before it.
 */
async function activateChecked(settings, api, cancel, known, version, besideValidation) {
    const sid = known.serviceId;
    const env = settings.environment;
    let learned = {};
    let end = { kind: 'activated' };
    const previous = known.previousVersion;
    // Fastly's diff compares two versions, not what is active: it is read while the new one is validated. A Compute
    // service has no generated VCL to compare.
    const diffing = previous === undefined || settings.package ? Promise.resolve(undefined) : api.versionDiff(sid, previous, version).catch(() => undefined);
    try {
        const [validated, beside, address] = await Promise.allSettled([
            api.validateVersion(sid, version),
            besideValidation?.(),
            healthCheckAddress(settings, api, sid, version)
        ]);
        const kept = settings.clone ? `version ${version} was left as a draft and nothing was activated` : 'nothing was activated';
        // A validation that never answered (a cancel, a network failure) says nothing of the draft by itself.
        if (validated.status === 'rejected')
            throw validated.reason instanceof errors/* ActionError */.lZ ? new errors/* ActionError */.lZ(`${validated.reason.message}; ${kept}`) : validated.reason;
        const validation = validated.value;
        learned = { validation };
        if (beside.status === 'rejected')
            throw beside.reason;
        if (!validation.ok) {
            await diffing;
            return { learned, end: { kind: 'invalid', version } };
        }
        if (address.status === 'rejected') {
            throw new errors/* ActionError */.lZ(`${(0,errors/* messageOf */.bD)(address.reason)}; ${kept}`);
        }
        const activation = await activateGuarded(api, sid, version, env, known.previousVersion);
        learned = { ...learned, warning: activation.warning, notes: [...known.notes, ...activation.notes] };
        if (settings.healthCheckUrl) {
            const health = await checkHealth(settings.healthCheckUrl, settings.healthCheckTimeoutMs, cancel.stop, undefined, address.value);
            learned = { ...learned, health };
            if (!health.healthy) {
                const rollback = await rollBack(api, sid, env, version, known.previousVersion);
                learned = { ...learned, notes: [...(learned.notes ?? []), ...rollback.notes] };
                end = { kind: 'unhealthy', version, health, rollback: rollback.result };
            }
        }
        const diff = await diffing;
        if (previous !== undefined && !cancel.stop.aborted) {
            const of = diff?.of === 'configuration' ? 'Service configuration' : 'Generated VCL';
            learned = { ...learned, diffTitle: `${of}: version ${previous} → ${version}`, diff: diff?.text };
        }
        return { learned, end, active: { version } };
    }
    catch (error) {
        await diffing;
        if (!(error instanceof Superseded))
            return { learned, end: { kind: 'failed', error } };
        const kept = settings.clone ? `version ${version} was left as a draft` : 'nothing was activated';
        const conflict = new ConflictError(`Version ${error.active ?? 'none'} became active on ${env} of ${sid} while this run was deploying ` +
            `(it started from ${known.previousVersion ?? 'none'}); another deploy? ${kept}. Re-run once the other deploy is done.`);
        return { learned, end: { kind: 'failed', error: conflict }, active: { version: error.active } };
    }
}
/**
 * On staging, the health check goes through the staging IP of the URL's host,
 * from the domains of the version being staged. It is read beside validation,
 * before activating: a URL staging cannot serve fails with nothing activated.
 */
async function healthCheckAddress(settings, api, sid, version) {
    if (settings.environment !== 'staging' || settings.healthCheckUrl === undefined)
        return undefined;
    const { hostname } = new URL(settings.healthCheckUrl);
    const domains = await api.listDomains(sid, version);
    const address = stagingAddressOf(domains, hostname);
    if (address === undefined)
        throw noStagingAddress(sid, version, domains, hostname);
    return address;
}
/** Another deploy made `active` live: this run must not touch the environment. */
class Superseded extends Error {
    active;
    constructor(active) {
        super(`version ${active ?? 'none'} is active`);
        this.active = active;
    }
}
/**
 * Activates `version` on `env` only while `expected` is the version there:
 * the active version is re-read before every attempt, the first and each
 * retry, so a retry never lands over another deploy (Superseded). After an
 * attempt that failed, lost its answer or answered something else than the
 * activation, that read also tells whether it landed after all. The reads
 * that settle a doubt go through the clean-up client: a cancel must not hide
 * a version that went live.
 */
async function activateGuarded(api, sid, version, env, expected) {
    const settle = api.forCleanUp();
    let warning;
    let doubt;
    for (let retry = 0;; retry++) {
        const active = activeOn(await (doubt ? settle : api).serviceDetails(sid), env);
        if (active === version && doubt)
            return { warning, notes: [landedAnyway(doubt, version, env)] };
        if (active !== expected)
            throw new Superseded(active);
        try {
            const answer = await api.activateVersion(sid, version, env);
            warning = answer.warning ?? warning;
            const landed = { warning, notes: doubt ? [`Activated on attempt ${retry + 1}; before it: ${doubt.message}`] : [] };
            if (answer.confirmed)
                return landed;
            // Fastly answers a staging activation with `environments: []` and an unused `staging` flag: only a re-read can
            // confirm it, and that is no doubt worth a warning (nor a pause before it).
            if (env === 'staging' && activeOn(await settle.serviceDetails(sid), env) === version)
                return landed;
            doubt = new errors/* ActionError */.lZ(`Fastly answered the activation of version ${version} of ${sid} with HTTP 2xx but did not confirm it active on ${env}`);
        }
        catch (error) {
            if (!(error instanceof Error))
                throw error;
            doubt = error;
            if (!isRetryable(error))
                break;
        }
        if (!(await api.pauseBeforeRetry(retry, doubt)))
            break;
    }
    const active = await settle.serviceDetails(sid).then(details => activeOn(details, env), () => undefined);
    if (active === version)
        return { warning, notes: [landedAnyway(doubt, version, env)] };
    throw doubt;
}
function landedAnyway(doubt, version, env) {
    return `${doubt.message}; re-reading the service shows version ${version} active on ${env}, so the run carried on as activated.`;
}
/** Worth another guarded attempt: Fastly may not have acted, or said nothing usable. */
function isRetryable(error) {
    if (error instanceof CancelledError)
        return false;
    if (error instanceof FastlyRateLimitError)
        return error.why === 'retries-spent';
    if (error instanceof FastlyError)
        return error.status >= 500;
    return error instanceof FastlyNetworkError || error instanceof errors/* ActionError */.lZ;
}
/**
 * A version that activates but breaks the site must not stay: go back to the
 * one before, unless another deploy has made a version active meanwhile. A
 * cancel during the check counts as not healthy: the version would stay live
 * unchecked. The rollback goes through the clean-up client, so it still
 * happens after a cancel, within the clean-up deadline.
 */
async function rollBack(api, sid, env, version, previous) {
    if (previous === undefined) {
        return env === 'staging' ? { result: await offStaging(api.forCleanUp(), sid, version), notes: [] } : { result: { kind: 'no-previous' }, notes: [] };
    }
    try {
        const landed = await activateGuarded(api.forCleanUp(), sid, previous, env, version);
        return { result: { kind: 'done', to: previous }, notes: landed.notes };
    }
    catch (error) {
        if (error instanceof Superseded)
            return { result: { kind: 'superseded', active: error.active }, notes: [] };
        return { result: { kind: 'failed', to: previous, why: (0,errors/* messageOf */.bD)(error) }, notes: [] };
    }
}
/**
 * Takes `version` off staging, guarded as an activation is: only while it is
 * the staged one; after a failed attempt, a re-read tells whether it went.
 */
async function offStaging(api, sid, version) {
    const staged = async () => activeOn(await api.serviceDetails(sid), 'staging');
    try {
        const before = await staged();
        if (before !== version)
            return { kind: 'superseded', active: before };
        await api.deactivateStaging(sid, version);
        return { kind: 'deactivated' };
    }
    catch (error) {
        const after = await staged().catch(() => version);
        return after === undefined ? { kind: 'deactivated' } : { kind: 'failed', to: undefined, why: (0,errors/* messageOf */.bD)(error) };
    }
}

;// CONCATENATED MODULE: ./src/modes/purge/outcome.ts


/** GitHub caps one output at 1 MB: the purge-ids JSON stays under this many bytes (UTF-8, after JSON escaping). */
const MAX_PURGE_IDS_BYTES = 900_000;
/** One `"item":"id"` member of the purge-ids JSON. */
function idEntry(item, id) {
    return `${JSON.stringify(item)}:${JSON.stringify(id)}`;
}
/** An item Fastly's answer did not confirm; one instance serves a whole batch. */
class Unconfirmed {
    reason;
    constructor(reason) {
        this.reason = reason;
    }
}
/** Collects one target's results while its requests complete in any order. */
class TargetTally {
    kind;
    name;
    dryRun;
    requested = 0;
    requests = 0;
    purgedCount = 0;
    ids = new Map();
    failed = [];
    /** The JSON object's braces count too. */
    idBytes = 2;
    idsFull = false;
    constructor(kind, name, dryRun) {
        this.kind = kind;
        this.name = name;
        this.dryRun = dryRun;
    }
    /**
     * Records one request's items as purged, those it did not confirm as failed
     * with its reason, or all of them as failed with the request's error. The
     * request answers a look-up of each item's purge ID rather than an object
     * keyed by item: a URL as a property name makes V8 build a new hidden class per URL.
     */
    async send(items, request) {
        this.requests += 1;
        try {
            const idOf = await request();
            if (this.dryRun)
                return;
            for (const item of items) {
                const id = idOf(item);
                if (typeof id === 'string')
                    this.keepId(item, id);
                else
                    this.failed.push({ item, reason: id.reason });
            }
        }
        catch (error) {
            const reason = (0,errors/* expectedMessage */.UB)(error);
            for (const item of items)
                this.failed.push({ item, reason });
        }
    }
    /** Items a cancelled run never sent. */
    notSent(items) {
        for (const item of items)
            this.failed.push({ item, reason: NOT_SENT_CANCELLED });
    }
    keepId(item, id) {
        this.purgedCount += 1;
        if (this.idsFull)
            return;
        const size = Buffer.byteLength(idEntry(item, id)) + 1;
        if (this.idBytes + size > MAX_PURGE_IDS_BYTES) {
            this.idsFull = true;
            return;
        }
        this.ids.set(item, id);
        this.idBytes += size;
    }
}

;// CONCATENATED MODULE: ./src/modes/purge/purge-all.ts

async function run(settings, api, cancel) {
    const targets = [];
    for (const serviceId of settings.serviceIds) {
        const tally = new TargetTally('service', serviceId, settings.dryRun);
        tally.requested = 1;
        if (cancel.stop.aborted)
            tally.notSent([serviceId]);
        else
            await tally.send([serviceId], async () => {
                await api.purgeAll(serviceId, settings.environment);
                return () => '';
            });
        targets.push(tally);
    }
    return { mode: settings.mode, targets };
}

;// CONCATENATED MODULE: ./src/modes/purge/purge-keys.ts



/**
 * Batches in flight per service. Not the `concurrency` input, which the
 * contract gives to URL purges; a few parallel batches keep 100,000 keys
 * (391 requests) quick without crowding one service.
 */
const BATCHES_IN_FLIGHT = 4;
async function purge_keys_run(settings, api, cancel) {
    const targets = [];
    for (const serviceId of settings.serviceIds) {
        const tally = new TargetTally('service', serviceId, settings.dryRun);
        tally.requested = settings.keys.length;
        await forEachLimited(chunks(settings.keys, MAX_KEYS_PER_PURGE), BATCHES_IN_FLIGHT, batch => tally.send(batch, async () => {
            const { ids, unconfirmed } = await api.purgeKeys(serviceId, batch, settings.soft, settings.environment);
            const failure = new Unconfirmed(unconfirmed);
            return key => ids.get(key) ?? failure;
        }), { signal: cancel.stop, skip: batch => tally.notSent(batch) });
        targets.push(tally);
    }
    return { mode: settings.mode, targets };
}

;// CONCATENATED MODULE: ./src/origin/wait-for-origin.ts


/** Consecutive matching answers: one edge or origin node serving the new build is not all of them. */
const MATCH_STREAK = 3;
/** "Every few seconds." */
const wait_for_origin_INTERVAL_MS = 3000;
/** Returns once the origin serves the new build; throws, naming what it saw, when it never does in time. */
async function waitForOrigin(waitFor, stop, clock = realClock) {
    const { reached, tries, durationMs, stopped } = await pollUrl({
        url: waitFor.url,
        timeoutMs: waitFor.timeoutMs,
        intervalMs: wait_for_origin_INTERVAL_MS,
        streak: MATCH_STREAK,
        good: (status, body) => status >= 200 && status < 300 && body.includes(waitFor.text),
        title: `Waiting for ${waitFor.url} to serve '${waitFor.text}' (up to ${Math.round(waitFor.timeoutMs / 1000)} s)`,
        stop
    }, clock);
    if (reached)
        return { tries: tries.length, durationMs };
    if (stopped)
        throw new errors/* ActionError */.lZ(`The run was cancelled while waiting for ${waitFor.url} to serve '${waitFor.text}'. Nothing was purged.`);
    const last = tries.at(-1);
    const saw = last ? `${answerOf(last)}${last.excerpt ? `: '${last.excerpt}'` : ''}` : 'nothing';
    throw new errors/* ActionError */.lZ(`${waitFor.url} did not serve '${waitFor.text}' on ${MATCH_STREAK} consecutive tries within ${Math.round(waitFor.timeoutMs / 1000)} s ` +
        `(wait-timeout); it last answered ${saw}. Nothing was purged.`);
}

;// CONCATENATED MODULE: ./src/modes/purge/passes.ts


/**
 * What every purge mode does around its own pass: wait until the origin serves
 * the new build, purge, and with purge-twice wait and purge everything again
 * (the shield may have handed the edge a stale copy while the first purge spread).
 */
async function runPasses(settings, api, cancel, pass) {
    const waited = settings.waitFor && !settings.dryRun ? await waitForOrigin(settings.waitFor, cancel.stop) : undefined;
    const first = await pass(settings, api, cancel);
    const extras = { waited };
    if (settings.secondPassDelayMs === undefined)
        return { ...first, ...extras };
    if (!settings.dryRun)
        await realClock.sleep(settings.secondPassDelayMs, cancel.stop);
    // What the first pass purged stays purged: a cancel that skips the second must not make it look undone.
    if (cancel.stop.aborted)
        return { ...first, ...extras, secondPassCancelled: true };
    const second = await pass(settings, api, cancel);
    return { ...first, ...extras, targets: first.targets.map(target => combine(target, second.targets.find(t => t.name === target.name))) };
}
/** One row per item: purged only if both passes purged it; a failure in either pass is listed with its pass. */
function combine(first, second) {
    const failedFirst = new Set(first.failed.map(f => f.item));
    // Every item the first pass did not fail, it purged.
    const failedOnlySecond = (second?.failed ?? []).filter(f => !failedFirst.has(f.item));
    const lost = new Set(failedOnlySecond.map(f => f.item));
    return {
        ...first,
        requests: first.requests + (second?.requests ?? 0),
        purgedCount: first.purgedCount - lost.size,
        ids: new Map([...first.ids].filter(([item]) => !lost.has(item))),
        failed: [
            ...first.failed.map(f => ({ item: f.item, reason: `first pass: ${f.reason}` })),
            ...failedOnlySecond.map(f => ({ item: f.item, reason: `second pass: ${f.reason}` }))
        ],
        secondPass: second ? { purged: second.purgedCount, failed: second.failed.length } : undefined
    };
}

;// CONCATENATED MODULE: ./src/modes/purge/purge-urls.ts





/** URL purges go by host, not service, so results are grouped by host. */
async function purge_urls_run(settings, api, cancel) {
    const staging = settings.environment === 'staging' ? await stagedDomains(api, settings.serviceIds) : undefined;
    const byHost = new Map();
    const tallyOf = (parsed) => {
        let tally = byHost.get(parsed.host);
        if (!tally) {
            tally = new TargetTally('host', parsed.host, settings.dryRun);
            byHost.set(parsed.host, tally);
        }
        tally.requested += 1;
        return tally;
    };
    // Each URL is parsed once, when its turn comes: 100,000 URL objects up front would be 100,000 times the garbage.
    await forEachLimited(settings.urls, settings.concurrency, url => {
        const parsed = new URL(url);
        return tallyOf(parsed).send([url], async () => {
            const id = staging ? await api.purgeUrlOnStaging(parsed, staging.addressOf(parsed.hostname), settings.soft) : await api.purgeUrl(parsed, settings.soft);
            return () => id;
        });
    }, { signal: cancel.stop, skip: url => tallyOf(new URL(url)).notSent([url]) });
    return { mode: settings.mode, targets: [...byHost.values()] };
}
/**
 * The domains of the version on staging now, on each service: its staging IP
 * is where that version's cache is. Nothing staged on a service is an error
 * before any purge: its URLs have no staging cache to purge.
 */
async function stagedDomains(api, serviceIds) {
    const found = [];
    for (const sid of serviceIds) {
        try {
            const details = await api.serviceDetails(sid);
            const version = details.versions.find(v => v.staging)?.number;
            if (version === undefined) {
                throw new errors/* ActionError */.lZ(`Nothing is staged on service ${sid}, so it has no staging cache to purge; stage a version first (mode: activate, environment: staging) or purge on production`);
            }
            found.push({ sid, version, domains: await api.listDomains(sid, version) });
        }
        catch (error) {
            if (error instanceof FastlyError && error.status === 403) {
                throw new errors/* ActionError */.lZ(`${error.message}. Purging URLs on staging reads the staged version's domains (their staging IPs), ` +
                    "so the token needs scope 'global:read' besides 'purge_select'");
            }
            throw error;
        }
    }
    const cache = new Map();
    return {
        addressOf(hostname) {
            let known = cache.get(hostname);
            if (known === undefined) {
                const hit = found.map(f => stagingAddressOf(f.domains, hostname)).find(address => address !== undefined);
                known = hit ?? (found.length === 1 && found[0] ? noStagingAddress(found[0].sid, found[0].version, found[0].domains, hostname) : noneOf(found, hostname));
                cache.set(hostname, known);
            }
            if (known instanceof errors/* ActionError */.lZ)
                throw known;
            return known;
        }
    };
}
function noneOf(found, hostname) {
    const where = found.map(f => `version ${f.version} of ${f.sid}`).join(', ');
    return new errors/* ActionError */.lZ(`No staging IP for ${hostname}: it is not a domain with a staging IP on the staged ${where}. Use a URL on one of the services' domains, or production`);
}

;// CONCATENATED MODULE: ./src/modes/stats/outcome.ts
function ratio(part, whole) {
    return whole > 0 ? part / whole : undefined;
}
const ZERO = { requests: 0, hits: 0, miss: 0, pass: 0, bandwidth: 0, status2xx: 0, status3xx: 0, status4xx: 0, status5xx: 0 };
/** Field by field, for a window or a group of buckets. */
function sum(buckets) {
    return buckets.reduce((total, b) => ({
        requests: total.requests + b.requests,
        hits: total.hits + b.hits,
        miss: total.miss + b.miss,
        pass: total.pass + b.pass,
        bandwidth: total.bandwidth + b.bandwidth,
        status2xx: total.status2xx + b.status2xx,
        status3xx: total.status3xx + b.status3xx,
        status4xx: total.status4xx + b.status4xx,
        status5xx: total.status5xx + b.status5xx
    }), ZERO);
}

;// CONCATENATED MODULE: ./src/modes/stats/stats.ts


async function stats_run(settings, api) {
    const services = [];
    for (const serviceId of settings.serviceIds) {
        const stats = {
            serviceId,
            serviceName: serviceId,
            buckets: [],
            totals: sum([]),
            hitRatio: undefined,
            errorRatio: undefined,
            gateFailures: [],
            gateNotes: [],
            error: undefined
        };
        try {
            // The name makes the report readable; a token that may not read the service still gets its stats.
            stats.serviceName = (await api.serviceDetails(serviceId).catch(() => undefined))?.name ?? serviceId;
            const { from, to, by } = settings.window;
            stats.buckets = (await api.serviceStats(serviceId, from, to, by)).sort((a, b) => a.start - b.start);
            stats.totals = sum(stats.buckets);
            stats.hitRatio = ratio(stats.totals.hits, stats.totals.hits + stats.totals.miss);
            stats.errorRatio = ratio(stats.totals.status5xx, stats.totals.requests);
            judge(settings, stats);
        }
        catch (error) {
            stats.error = (0,errors/* expectedMessage */.UB)(error);
        }
        services.push(stats);
    }
    return { mode: 'stats', services };
}
function judge(settings, stats) {
    const who = `${stats.serviceName} (${stats.serviceId})`;
    const pct = (x) => `${(x * 100).toFixed(1)}%`;
    const { minHitRatio, maxErrorRatio } = settings;
    if (minHitRatio !== undefined) {
        if (stats.hitRatio === undefined)
            stats.gateNotes.push(`min-hit-ratio not checked for ${who}: no cacheable traffic in the window`);
        else if (stats.hitRatio < minHitRatio) {
            stats.gateFailures.push(`${who}: hit ratio ${pct(stats.hitRatio)} is below min-hit-ratio ${pct(minHitRatio)}`);
        }
    }
    if (maxErrorRatio !== undefined) {
        if (stats.errorRatio === undefined)
            stats.gateNotes.push(`max-error-ratio not checked for ${who}: no requests in the window`);
        else if (stats.errorRatio > maxErrorRatio) {
            stats.gateFailures.push(`${who}: 5xx share ${pct(stats.errorRatio)} is above max-error-ratio ${pct(maxErrorRatio)}`);
        }
    }
}

;// CONCATENATED MODULE: ./src/plan/kinds/read-back.ts
/** Reading a canonical state back from a plan comment: its shape is not trusted, so nothing here throws. */
function read_back_record(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}
function field(value, name) {
    return Object.hasOwn(value, name) ? value[name] : undefined;
}
function list(value) {
    return Array.isArray(value) ? value : [];
}
/**
 * A value read back, for a sentence: a string as it is, anything else in JSON's spelling.
 * `String()` would throw for an object whose `toString` is no function, which JSON can give.
 */
function read_back_text(value) {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}
function numberOr(n) {
    return n === undefined ? 'none' : String(n);
}

;// CONCATENATED MODULE: ./src/plan/kinds/items-store.ts

const STORE_NAMES = {
    dictionary: 'edge dictionary',
    'config-store': 'config store',
    'kv-store': 'KV store',
    'vcl-acl': 'ACL',
    'compute-acl': 'Compute ACL'
};
const noun = (store, n) => store === 'vcl-acl' || store === 'compute-acl' ? (n === 1 ? 'entry' : 'entries') : store === 'kv-store' ? (n === 1 ? 'key' : 'keys') : n === 1 ? 'item' : 'items';
/** Keys named in one sentence at most; the rest are counted. */
const KEYS_NAMED = 5;
const itemsStore = {
    target: part => (part.serviceId === undefined ? part.name : `${part.serviceId}/${part.name}`),
    changesNothing: part => part.error === undefined && part.changes.length === 0,
    encode: part => ({
        store: part.store,
        id: part.id ?? null,
        before: part.before ?? null,
        state: part.beforeSha256 ?? null,
        changes: [...part.changes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(c => ({ key: c.key, action: c.action, value: c.valueSha256 ?? null })),
        error: part.error ?? null
    }),
    differences(reviewed, fresh) {
        const was = read_back_record(reviewed);
        const what = `${STORE_NAMES[fresh.store]} '${fresh.name}'${fresh.serviceId ? ` of ${fresh.serviceId}` : ''}`;
        const out = [];
        if (field(was, 'id') !== (fresh.id ?? null))
            out.push(`the ${what} is another store than the one reviewed`);
        if (field(was, 'state') !== (fresh.beforeSha256 ?? null)) {
            const then = field(was, 'before');
            out.push(`the items of the ${what} changed since the review (${typeof then === 'number' ? then : 'unknown'} then, ${fresh.before ?? 'unknown'} now)`);
        }
        const reviewedChanges = new Map(list(field(was, 'changes')).map(c => [read_back_text(field(read_back_record(c), 'key')), read_back_record(c)]));
        const more = fresh.changes.length - reviewedChanges.size;
        if (more !== 0) {
            const n = Math.abs(more);
            out.push(`${n} ${more > 0 ? 'more' : 'fewer'} ${noun(fresh.store, 1)} ${n === 1 ? 'change' : 'changes'} than reviewed`);
        }
        const differing = [];
        for (const change of fresh.changes) {
            const before = reviewedChanges.get(change.key);
            reviewedChanges.delete(change.key);
            if (!before)
                differing.push(`'${change.key}' (${change.action}, not reviewed)`);
            else if (field(before, 'action') !== change.action)
                differing.push(`'${change.key}' (${change.action}, reviewed as ${read_back_text(field(before, 'action'))})`);
            else if (field(before, 'value') !== (change.valueSha256 ?? null))
                differing.push(`'${change.key}' (another value than reviewed)`);
        }
        for (const key of reviewedChanges.keys())
            differing.push(`'${key}' (reviewed, no longer changed)`);
        if (differing.length > 0) {
            const rest = differing.length > KEYS_NAMED ? ` and ${differing.length - KEYS_NAMED} more` : '';
            out.push(`keys that differ: ${differing.slice(0, KEYS_NAMED).join(', ')}${rest}`);
        }
        return out;
    },
    headline(part) {
        const name = STORE_NAMES[part.store];
        const what = `${name.charAt(0).toUpperCase()}${name.slice(1)} ${part.name}${part.serviceId ? ` (${part.serviceId})` : ''}`;
        if (part.error !== undefined)
            return `${what}: no plan: ${part.error}`;
        const from = part.before === undefined ? 'write-only, items unknown' : `${part.before} ${noun(part.store, part.before)}`;
        if (part.changes.length === 0)
            return `${what}: ${from}: already live, nothing to change`;
        const counts = ['create', 'update', 'upsert', 'delete']
            .map(action => [action, part.changes.filter(c => c.action === action).length])
            .filter(([, n]) => n > 0)
            .map(([action, n]) => `${n} to ${action}`);
        return `${what}: ${from}: ${counts.join(', ')}, ${part.unchanged} unchanged`;
    },
    sections(part) {
        if (part.changes.length === 0)
            return [];
        const text = part.changes.map(c => `${c.action === 'delete' ? '-' : c.action === 'create' ? '+' : '~'} ${c.key} (${c.action})`).join('\n');
        return [{ title: `Keys of ${itemsStore.target(part)}`, code: { language: 'diff', text }, collapsed: true }];
    }
};

;// CONCATENATED MODULE: ./src/report/html.ts

/**
 * Escapes text for a job summary: HTML's specials, and Markdown's, since
 * GitHub still parses Markdown between inline tags. Line breaks too: a blank
 * line would end GitHub's HTML block, and what follows would be Markdown
 * outside the table or paragraph it belongs to (inside <pre>, a reference
 * still breaks the line). The secret goes first, before its characters turn
 * into references.
 */
function html_escape(text) {
    return scrub(text).replace(/[&<>"'`*_[\]|~\\#!\r\n]/g, char => `&#${char.charCodeAt(0)};`);
}
/** The action's own markup: the literal parts are trusted, every value must be Html already (or a number). */
function html(literals, ...values) {
    return literals.reduce((out, literal, i) => out + (i === 0 ? '' : String(values[i - 1])) + literal, '');
}
/** Text inside a Mermaid chart's quoted label or list: Mermaid has no escapes, so only harmless characters are kept. */
function mermaidText(text) {
    return scrub(text).replace(/[^\w .:,-]/g, '');
}
function join(parts, separator) {
    return parts.join(separator);
}
/** A headline is one line: a line break in a service name or an error would end the heading. */
function flat(text) {
    return text.replace(/\s+/g, ' ');
}
const EMPTY = '';
/** `cells` are Html: escape what goes in. */
function table(head, rows) {
    const headRow = `<tr>${head.map(cell => `<th>${cell}</th>`).join('')}</tr>`;
    const bodyRows = rows.map(row => `<tr>${row.map(cell => `<td>${cell}</td>`).join('')}</tr>`);
    return `<table>${[headRow, ...bodyRows].join('')}</table>`;
}
function details(summary, body, open = false) {
    return `<details${open ? ' open' : ''}><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}
function code(text) {
    return html `<code>${html_escape(text)}</code>`;
}
/** 12,345 as en-US writes it, without toLocaleString: its first call starts ICU, about 9 ms of every run. */
function count(n) {
    const rounded = Math.round(n * 1000) / 1000;
    const [whole = '', fraction] = String(Math.abs(rounded)).split('.');
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return `${rounded < 0 ? '-' : ''}${grouped}${fraction ? `.${fraction}` : ''}`;
}
/** `one` and `many` are the action's own words. */
function plural(n, one, many = `${one}s`) {
    return `${count(n)} ${html_escape(n === 1 ? one : many)}`;
}
/** 2026-11-23 21:00:00 UTC: readable, and unambiguous on a runner in any zone. */
function utc(date) {
    return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

;// CONCATENATED MODULE: ./src/plan/kinds/vcl-service.ts


const vclService = {
    target: part => part.serviceId,
    changesNothing: part => part.error === undefined && part.alreadyLive,
    encode: part => ({
        environment: part.environment,
        active: part.activeVersion ?? null,
        base: part.baseVersion ?? null,
        clone: part.clone,
        files: [...part.files].sort((a, b) => (a.name < b.name ? -1 : 1)).map(f => ({ name: f.name, action: f.action, sha256: f.sha256 })),
        main: part.mainVcl ?? null,
        package: part.package ? { before: part.package.before?.filesHash ?? null, after: part.package.after.filesHash ?? null, action: part.package.action } : null,
        error: part.error ?? null
    }),
    differences(reviewed, fresh) {
        const was = read_back_record(reviewed);
        const now = read_back_record(vclService.encode(fresh));
        const env = fresh.environment;
        const out = [];
        const version = (n) => (typeof n === 'number' ? `version ${n}` : 'no version');
        if (field(was, 'environment') !== env)
            out.push(`the reviewed plan was for ${read_back_text(field(was, 'environment'))}, this run deploys to ${env}`);
        if (field(was, 'active') !== field(now, 'active')) {
            out.push(`${env} of ${fresh.serviceId} moved from ${version(field(was, 'active'))} to ${version(field(now, 'active'))} since the review`);
        }
        else if (field(was, 'base') !== field(now, 'base')) {
            out.push(`${fresh.serviceId} starts from ${version(field(now, 'base'))}, not ${version(field(was, 'base'))} as reviewed`);
        }
        if (field(was, 'clone') !== fresh.clone)
            out.push(`clone is ${String(fresh.clone)} now, ${read_back_text(field(was, 'clone'))} when reviewed`);
        const reviewedFiles = new Map(list(field(was, 'files')).map(f => [read_back_text(field(read_back_record(f), 'name')), read_back_record(f)]));
        for (const file of fresh.files) {
            const before = reviewedFiles.get(file.name);
            reviewedFiles.delete(file.name);
            if (!before)
                out.push(`${file.path} was not in the reviewed plan`);
            else if (field(before, 'sha256') !== file.sha256)
                out.push(`${file.path} differs from what was reviewed`);
            else if (field(before, 'action') !== file.action)
                out.push(`${file.path} would now be ${describeAction(file.action)}, ${describeAction(read_back_text(field(before, 'action')))} when reviewed`);
        }
        for (const name of reviewedFiles.keys())
            out.push(`the VCL '${name}' was in the reviewed plan but is not in this run`);
        if (field(was, 'main') !== field(now, 'main'))
            out.push(`the VCL made main is ${read_back_text(field(now, 'main') ?? 'unchanged')} now, ${read_back_text(field(was, 'main') ?? 'unchanged')} when reviewed`);
        const wasPackage = read_back_record(field(was, 'package'));
        const nowPackage = read_back_record(field(now, 'package'));
        if (field(wasPackage, 'after') !== field(nowPackage, 'after'))
            out.push(fresh.package ? `the package ${fresh.package.path} differs from what was reviewed` : 'the reviewed plan had a package, this run has none');
        else if (field(wasPackage, 'before') !== field(nowPackage, 'before'))
            out.push(`the package of ${fresh.serviceId}'s version ${numberOr(fresh.baseVersion)} is not the one reviewed`);
        if (out.length === 0 && field(was, 'error') !== field(now, 'error'))
            out.push(`the plan of ${fresh.serviceId} failed differently`);
        return out;
    },
    headline(part) {
        const who = `${part.serviceName} (${part.serviceId})`;
        if (part.error !== undefined)
            return `${who}: no plan: ${part.error}`;
        const from = `from version ${numberOr(part.baseVersion)}${part.baseVersion === part.activeVersion ? `, active on ${part.environment}` : ` (${part.environment} is on ${numberOr(part.activeVersion)})`}`;
        const lint = lintStatus(part);
        if (part.alreadyLive)
            return `${who}: already live on ${part.environment} (version ${numberOr(part.activeVersion)}): nothing to deploy${lint}`;
        if (part.package) {
            const what = part.package.action === 'unchanged' ? 'the package is already there (same files hash)' : `upload the package (files hash ${shortHash(part.package.before?.filesHash)} → ${shortHash(part.package.after.filesHash)})`;
            return `${who}: clone ${from}: ${what}`;
        }
        if (!part.clone)
            return `${who}: activate version ${numberOr(part.baseVersion)} on ${part.environment} (now ${numberOr(part.activeVersion)})`;
        const counts = ['create', 'update', 'unchanged']
            .map(action => [action, part.files.filter(f => f.action === action).length])
            .filter(([, n]) => n > 0)
            .map(([action, n]) => `${n} ${describeAction(action)}`);
        const files = part.files.length > 0 ? `: VCL ${counts.join(', ')}` : ': no VCL files';
        const main = part.mainVcl ? `; '${part.mainVcl}' made main` : '';
        return `${who}: clone ${from}${files}${main}${lint}`;
    },
    sections(part) {
        const sections = [];
        if (part.lint.length > 0) {
            const items = part.lint.map(f => {
                const at = f.line === undefined ? '' : `:${f.line}${f.column === undefined ? '' : `:${f.column}`}`;
                return html `<li>${f.severity === 'error' ? html `❌` : html `⚠️`} <code>${html_escape(`${f.path}${at}`)}</code> ${html_escape(f.message)}</li>`;
            });
            sections.push({ title: `Lint of ${part.serviceId}`, markdown: html `<ul>${join(items, '')}</ul>` });
        }
        if (part.package) {
            const row = (label, facts) => html `<tr><td>${html_escape(label)}</td><td>${html_escape(facts?.name ?? '—')}</td><td>${html_escape(facts?.language ?? '—')}</td><td>${html_escape(facts?.size === undefined ? '—' : String(facts.size))}</td><td><code>${html_escape(facts?.filesHash ?? '—')}</code></td></tr>`;
            const table = html `<table><tr><th></th><th>Name</th><th>Language</th><th>Bytes</th><th>Files hash</th></tr>${row(`version ${numberOr(part.baseVersion)}`, part.package.before)}${row(part.package.path, part.package.after)}</table>`;
            sections.push({ title: `Package of ${part.serviceId}`, markdown: table });
        }
        if (part.diff)
            sections.push({ title: `VCL of ${part.serviceId}: the repository against version ${numberOr(part.baseVersion)}`, code: { language: 'diff', text: part.diff }, collapsed: true });
        return sections;
    }
};
function lintStatus(part) {
    if (part.files.length === 0)
        return '';
    const errors = part.lint.filter(f => f.severity === 'error').length;
    const warnings = part.lint.length - errors;
    if (errors > 0)
        return `; lint failed: ${errors} ${errors === 1 ? 'error' : 'errors'}${warnings > 0 ? `, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}` : ''}`;
    if (warnings > 0)
        return `; lint passed with ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}`;
    return '; lint passed';
}
function shortHash(hash) {
    return hash === undefined ? 'none' : hash.slice(0, 12);
}
function describeAction(action) {
    return action === 'create' ? 'created' : action === 'update' ? 'updated' : action === 'unchanged' ? 'unchanged' : action;
}

;// CONCATENATED MODULE: ./src/plan/kinds.ts


/** One entry per kind of part: a mode that brings a new kind adds its module here. */
const KINDS = {
    'vcl-service': vclService,
    'items-store': itemsStore
};
function kindOf(part) {
    return KINDS[part.kind];
}

;// CONCATENATED MODULE: ./src/plan/canonical.ts


/**
 * The plan's canonical form: the mode and, per target in a stable order, what
 * its kind's encoder keeps (starting state and content changes, never a
 * comment, a commit, a run or a time).
 */
function canonicalPlan(plan) {
    const parts = plan.parts.map(canonicalPart).sort((a, b) => compare(`${a.kind}\u0000${a.target}`, `${b.kind}\u0000${b.target}`));
    return { mode: plan.mode, parts };
}
function canonicalPart(part) {
    const kind = kindOf(part);
    return { kind: part.kind, target: kind.target(part), state: kind.encode(part) };
}
/** JSON with every object's keys in code-point order and no spaces: the same value always gives the same text. */
function canonicalJson(value) {
    if (value === null || typeof value !== 'object')
        return JSON.stringify(value);
    if (Array.isArray(value))
        return `[${value.map(canonicalJson).join(',')}]`;
    const entries = Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => compare(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
/** SHA-256 (hex) of the canonical form: `plan-digest`. */
function planDigest(plan) {
    const canonical = isCanonical(plan) ? plan : canonicalPlan(plan);
    return sha256(canonicalJson(canonical));
}
function sha256(text) {
    return (0,external_node_crypto_.createHash)('sha256').update(text, 'utf8').digest('hex');
}
function isCanonical(plan) {
    return plan.parts.every(part => 'state' in part);
}
function compare(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}

;// CONCATENATED MODULE: ./src/modes/items/sync-items.ts






function newStoreSync(kind, serviceId, name) {
    return {
        kind,
        serviceId,
        name,
        id: undefined,
        writeOnly: false,
        status: 'failed',
        changes: [],
        unchanged: 0,
        before: undefined,
        after: undefined,
        batches: 0,
        singleWrites: 0,
        failed: [],
        error: undefined,
        read: undefined
    };
}
/** Each store's planned changes, store after store; a store whose plan failed stays failed. */
async function applyPlan(plan, dryRun) {
    for (const { sync, patch, read } of plan.stores) {
        if (patch === undefined)
            continue;
        try {
            await applyItems(sync, { dryRun, patch, read });
        }
        catch (error) {
            sync.error = (0,errors/* expectedMessage */.UB)(error);
            sync.status = 'failed';
        }
    }
    return { mode: plan.mode, stores: plan.stores.map(s => s.sync) };
}
/**
 * Sends the planned changes in batches of at most 1000, one after another,
 * counting those that went out. A refused batch fails its keys and the next
 * batch still goes. A batch that failed in doubt (see `mayHaveLanded`) is
 * checked against a fresh read, when `read` can give one: an op whose key is
 * now in its wanted state is done, whatever the answers said. No change sends
 * nothing.
 */
async function applyItems(sync, options) {
    // Upserts before deletes: on a write-only dictionary a delete of a key that is not there fails its whole batch.
    const ops = [...sync.changes].sort((a, b) => Number(a.action === 'delete') - Number(b.action === 'delete')).map(toOp);
    let batches = 0;
    const failed = [];
    for (const batch of chunks(ops, MAX_OPS_PER_BATCH)) {
        // In a dry run the transport records the batch for the plan and sends nothing.
        try {
            await options.patch(batch);
            batches += 1;
        }
        catch (error) {
            const reason = (0,errors/* expectedMessage */.UB)(error);
            if (!neverSent(error))
                batches += 1;
            const landed = mayHaveLanded(error) && options.read ? await reread(options.read) : undefined;
            const missed = landed === undefined ? batch : batch.filter(op => !inWantedState(op, landed));
            failed.push(...missed.map(op => ({ key: op.item_key, reason })));
        }
    }
    settle(sync, { batches, failed }, options.dryRun);
}
/** What a store's writes came to: the requests that went out, the keys not done, the count after, the status. */
function settle(sync, sent, dryRun) {
    sync.batches = sent.batches;
    if (sent.singleWrites !== undefined)
        sync.singleWrites = sent.singleWrites;
    sync.failed = [...sent.failed];
    settleAfter(sync);
    sync.status = dryRun ? 'planned' : sync.failed.length > 0 ? 'failed' : 'synced';
}
/** The count after a run some of whose changes failed: a create not done is not there, a delete not done still is. */
function settleAfter(sync) {
    if (sync.after === undefined || sync.failed.length === 0)
        return;
    const failed = new Set(sync.failed.map(f => f.key));
    for (const change of sync.changes) {
        if (!failed.has(change.key))
            continue;
        if (change.action === 'create')
            sync.after -= 1;
        else if (change.action === 'delete')
            sync.after += 1;
    }
}
/** The plan part of a store: what was read (as a digest) and every change, values as digests. */
/**
 * `start` is the starting state when the items were not read whole (a KV
 * store's key count and generations, an ACL's version and entry count);
 * otherwise the items read are.
 */
function itemsPart(sync, start) {
    const startingState = start ?? (sync.read === undefined ? undefined : Object.fromEntries(sync.read));
    return {
        kind: 'items-store',
        store: sync.kind,
        serviceId: sync.serviceId,
        name: sync.name,
        id: sync.id,
        before: sync.before,
        beforeSha256: startingState === undefined ? undefined : sha256(canonicalJson(startingState)),
        changes: sync.changes.map(c => ({ key: c.key, action: c.action, valueSha256: valueDigest(c) })),
        unchanged: sync.unchanged,
        error: sync.error
    };
}
function valueDigest({ value, metadata }) {
    if (value === undefined)
        return undefined;
    return sha256(metadata === undefined ? value : canonicalJson({ value, metadata }));
}
/**
 * An earlier attempt may have been applied: its answer was lost or unreadable,
 * Fastly failed with a 5xx, or a retry was refused (a 404 for a delete, a
 * conflict for a create) after an attempt whose answer never came back.
 */
function mayHaveLanded(error) {
    if (error instanceof FastlyNetworkError || error instanceof FastlyUnconfirmedError)
        return true;
    if (!(error instanceof FastlyError))
        return false;
    return error.status >= 500 || (error.retries > 0 && error.status !== 429);
}
/** The state now, or undefined when it cannot be read either (then the batch stays failed). */
async function reread(read) {
    try {
        return await read();
    }
    catch {
        return undefined;
    }
}
function inWantedState(op, items) {
    return op.op === 'delete' ? !items.has(op.item_key) : items.get(op.item_key) === op.item_value;
}
/** What changes, from the items read (undefined: unreadable, so every wanted value is upserted): the store's plan. */
function planItems(sync, current, wanted, deleteMissing) {
    sync.read = current;
    const changes = [];
    let unchanged = 0;
    for (const [key, value] of wanted) {
        if (value === null) {
            if (!current || current.has(key))
                changes.push({ key, action: 'delete' });
            else
                unchanged += 1;
        }
        else if (!current)
            changes.push({ key, action: 'upsert', value });
        else if (!current.has(key))
            changes.push({ key, action: 'create', value });
        else if (current.get(key) !== value)
            changes.push({ key, action: 'update', value });
        else
            unchanged += 1;
    }
    if (deleteMissing && current) {
        for (const key of current.keys())
            if (!wanted.has(key))
                changes.push({ key, action: 'delete' });
    }
    sync.changes = changes;
    sync.unchanged = unchanged;
    sync.before = current?.size;
    const created = changes.filter(c => c.action === 'create').length;
    const deleted = changes.filter(c => c.action === 'delete').length;
    sync.after = current ? current.size + created - deleted : undefined;
}
function toOp(change) {
    return change.action === 'delete'
        ? { op: 'delete', item_key: change.key }
        : { op: 'upsert', item_key: change.key, item_value: change.value ?? '' };
}

;// CONCATENATED MODULE: ./src/modes/items/update-config-store.ts


/** Reads only: the store and its items, and what changes. */
async function update_config_store_plan(settings, api) {
    const sync = newStoreSync('config-store', undefined, settings.configStore);
    let planned = { sync, patch: undefined, read: undefined };
    try {
        const store = await api.findConfigStore(settings.configStore);
        if (!store) {
            throw new errors/* ActionError */.lZ(`Config store '${settings.configStore}' not found by name or by ID; check 'config-store'`);
        }
        sync.id = store.id;
        const read = () => api.listConfigStoreItems(store.id);
        planItems(sync, await read(), settings.items, settings.deleteMissing);
        planned = { sync, patch: ops => api.patchConfigStoreItems(store.id, ops), read };
    }
    catch (error) {
        sync.error = (0,errors/* expectedMessage */.UB)(error);
        sync.status = 'failed';
    }
    return { mode: settings.mode, stores: [planned] };
}

;// CONCATENATED MODULE: ./src/modes/items/update-dictionary.ts


/** Reads only, service after service; a service that fails is reported and the next one still gets its plan. */
async function update_dictionary_plan(settings, api) {
    const stores = [];
    for (const serviceId of settings.serviceIds) {
        const sync = newStoreSync('dictionary', serviceId, settings.dictionary);
        let planned = { sync, patch: undefined, read: undefined };
        try {
            planned = await planDictionary(settings, api, sync, serviceId);
        }
        catch (error) {
            sync.error = (0,errors/* expectedMessage */.UB)(error);
            sync.status = 'failed';
        }
        stores.push(planned);
    }
    return { mode: settings.mode, stores };
}
async function planDictionary(settings, api, sync, serviceId) {
    const { activeVersion } = await api.serviceDetails(serviceId);
    if (activeVersion === undefined) {
        throw new errors/* ActionError */.lZ(`Service ${serviceId} has no active version, so it has no edge dictionary '${settings.dictionary}' to update`);
    }
    const dictionary = await api.findDictionary(serviceId, activeVersion, settings.dictionary);
    if (!dictionary) {
        throw new errors/* ActionError */.lZ(`Edge dictionary '${settings.dictionary}' not found on service ${serviceId} (active version ${activeVersion}); ` +
            "check 'dictionary', or create it in a version of the service first");
    }
    sync.id = dictionary.id;
    sync.writeOnly = dictionary.writeOnly;
    if (dictionary.writeOnly && settings.deleteMissing) {
        throw new errors/* ActionError */.lZ(`Edge dictionary '${settings.dictionary}' on ${serviceId} is write-only: its keys cannot be read, so 'delete-missing: true' cannot know what to delete`);
    }
    // A write-only dictionary's values cannot be read back, so a doubtful batch stays failed.
    const read = dictionary.writeOnly ? undefined : () => api.listDictionaryItems(serviceId, dictionary.id);
    planItems(sync, await read?.(), settings.items, settings.deleteMissing);
    return { sync, patch: ops => api.patchDictionaryItems(serviceId, dictionary.id, ops), read };
}

;// CONCATENATED MODULE: ./src/inputs/duplicate-keys.ts
/**
 * The first key that one object of a valid JSON text names twice, at any
 * depth; undefined when there is none. JSON.parse keeps the last value of a
 * repeated key without a word, so the text itself is scanned: strings are
 * skipped whole, and a string followed by ':' inside an object is a key.
 */
function firstDuplicateKey(json) {
    // One entry per open bracket: the keys seen so far for an object, undefined for an array.
    const open = [];
    for (let at = 0; at < json.length; at++) {
        const char = json[at];
        if (char === '{')
            open.push(new Set());
        else if (char === '[')
            open.push(undefined);
        else if (char === '}' || char === ']')
            open.pop();
        else if (char === '"') {
            const end = closingQuote(json, at);
            const keys = open.at(-1);
            if (keys && nextToken(json, end + 1) === ':') {
                const literal = json.slice(at, end + 1);
                const key = literal.includes('\\') ? JSON.parse(literal) : literal.slice(1, -1);
                if (keys.has(key))
                    return key;
                keys.add(key);
            }
            at = end;
        }
    }
    return undefined;
}
function closingQuote(json, opening) {
    for (let at = opening + 1; at < json.length; at++) {
        if (json[at] === '\\')
            at++;
        else if (json[at] === '"')
            return at;
    }
    return json.length;
}
function nextToken(json, from) {
    for (let at = from; at < json.length; at++) {
        const char = json[at];
        if (char !== ' ' && char !== '\t' && char !== '\n' && char !== '\r')
            return char;
    }
    return undefined;
}

// EXTERNAL MODULE: ./src/inputs/parsers.ts
var parsers = __nccwpck_require__(5165);
// EXTERNAL MODULE: ./src/inputs/read-file.ts
var read_file = __nccwpck_require__(9404);
;// CONCATENATED MODULE: ./src/inputs/kv-items.ts





const MAX_KV_KEY_BYTES = 1024;
const MAX_KV_METADATA_BYTES = 2000;
/**
 * Fastly documents no cap on a batch. One that fails leaves every line in
 * doubt until read back, so batches stay at a size a read-back can afford.
 */
const MAX_KV_BATCH_LINES = 1000;
const MAX_KV_BATCH_BYTES = 16 * 1024 * 1024;
const FIELDS = new Set(['value', 'metadata', 'ttl']);
/** Why Fastly would refuse `key`, or undefined. */
function kvKeyProblem(key) {
    if (key === '' || key === '.' || key === '..')
        return `is not a key name Fastly accepts ("", "." and ".." are reserved)`;
    const bytes = Buffer.byteLength(key, 'utf8');
    if (bytes > MAX_KV_KEY_BYTES)
        return `is ${bytes} bytes in UTF-8; Fastly's limit is ${MAX_KV_KEY_BYTES}`;
    if (key.startsWith('.well-known/acme-challenge/'))
        return 'starts with .well-known/acme-challenge/, which Fastly reserves';
    const bad = /[#;?^|\r\n]/.exec(key)?.[0];
    if (bad !== undefined)
        return `contains ${JSON.stringify(bad)}; Fastly refuses keys with # ; ? ^ | or a line break`;
    return undefined;
}
/**
 * The KV wanted state from a parsed JSON object (`input` names where it came
 * from): a string value, null to delete, or {"value", "metadata", "ttl"}.
 */
function kvWantedFrom(input, parsed) {
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new errors/* InputError */.dz(`Input '${input}' must be a JSON object of keys, e.g. {"/old": "/new", "gone": null}`);
    }
    const wanted = new Map();
    for (const [key, raw] of Object.entries(parsed)) {
        const name = `Input '${input}' key '${(0,parsers/* shorten */.ml)(key, 60)}'`;
        const problem = kvKeyProblem(key);
        if (problem !== undefined)
            throw new errors/* InputError */.dz(`${name} ${problem}; rename the key`);
        wanted.set(key, wantedValue(name, raw));
    }
    return wanted;
}
function wantedValue(name, raw) {
    if (raw === null)
        return null;
    if (typeof raw === 'string')
        return { value: raw, metadata: '', ttl: undefined };
    if (typeof raw !== 'object' || Array.isArray(raw)) {
        throw new errors/* InputError */.dz(`${name} must be a string, null (to delete it) or {"value": "…", "metadata": "…", "ttl": 3600}, got ${(0,parsers/* shorten */.ml)(JSON.stringify(raw), 60)}`);
    }
    const fields = raw;
    const unknown = Object.keys(fields).find(field => !FIELDS.has(field));
    if (unknown !== undefined)
        throw new errors/* InputError */.dz(`${name} has the field '${(0,parsers/* shorten */.ml)(unknown)}'; only "value", "metadata" and "ttl" are known`);
    const { value, metadata = '', ttl } = fields;
    if (typeof value !== 'string')
        throw new errors/* InputError */.dz(`${name} needs a string "value"`);
    if (typeof metadata !== 'string')
        throw new errors/* InputError */.dz(`${name} has a "metadata" that is not a string; metadata is text, e.g. a JSON string`);
    const metaBytes = Buffer.byteLength(metadata, 'utf8');
    if (metaBytes > MAX_KV_METADATA_BYTES)
        throw new errors/* InputError */.dz(`${name} has metadata of ${metaBytes} bytes; Fastly's limit is ${MAX_KV_METADATA_BYTES}`);
    // Fastly answers metadata in an HTTP header, which cannot carry these: it could never be read back as written.
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(metadata))
        throw new errors/* InputError */.dz(`${name} has control characters (such as a line break) in its metadata; remove them`);
    if (ttl !== undefined && !(typeof ttl === 'number' && Number.isSafeInteger(ttl) && ttl > 0)) {
        throw new errors/* InputError */.dz(`${name} has a "ttl" of ${(0,parsers/* shorten */.ml)(JSON.stringify(ttl), 30)}; it must be a whole number of seconds above 0`);
    }
    return { value, metadata, ttl: ttl };
}
/**
 * The wanted state against what is there: `currentKeys` from the key list,
 * `current` the values read back for the keys the wanted state names (a key
 * listed but not read back counts as absent). A TTL cannot be read back, so it
 * never makes a key differ; it goes with every write of its key.
 */
function diffKv(wanted, currentKeys, current, deleteMissing) {
    const listed = new Set(currentKeys);
    const created = [];
    const updated = [];
    const deleted = [];
    const unchanged = [];
    const writes = [];
    for (const [key, want] of wanted) {
        const have = listed.has(key) ? current.get(key) : undefined;
        if (want === null) {
            if (listed.has(key))
                deleted.push(key);
            else
                unchanged.push(key);
            continue;
        }
        if (have && have.value === want.value && have.metadata === want.metadata) {
            unchanged.push(key);
            continue;
        }
        (have ? updated : created).push(key);
        // Sent even when empty: leaving it out could keep the metadata the key had.
        writes.push({ key, value: want.value, metadata: want.metadata, ...(want.ttl === undefined ? {} : { ttl: want.ttl }) });
    }
    if (deleteMissing)
        for (const key of currentKeys)
            if (!wanted.has(key))
                deleted.push(key);
    return { created, updated, deleted, unchanged, batches: batchesOf(writes) };
}
/** At most MAX_KV_BATCH_LINES lines and MAX_KV_BATCH_BYTES bytes each; a larger line goes alone. */
function batchesOf(writes) {
    const batches = [];
    let batch = [];
    let bytes = 0;
    for (const write of writes) {
        const size = Buffer.byteLength(kvBatchLine(write)) + 1;
        if (batch.length > 0 && (batch.length === MAX_KV_BATCH_LINES || bytes + size > MAX_KV_BATCH_BYTES)) {
            batches.push(batch);
            batch = [];
            bytes = 0;
        }
        batch.push(write);
        bytes += size;
    }
    if (batch.length > 0)
        batches.push(batch);
    return batches;
}
/**
 * The KV wanted state from `items` and/or `items-file`, `items` winning on a
 * key both name; every key and value checked here, before any request.
 */
function readWantedKvItems(read) {
    const file = read('items-file');
    const inline = read('items');
    if (file === '' && inline === '') {
        throw new errors/* InputError */.dz(`Input 'items' or 'items-file' is required: a JSON object such as {"/old": "/new", "flag": {"value": "on", "metadata": "…"}, "gone": null}`);
    }
    const fromFile = file === '' ? new Map() : kvWantedFrom('items-file', parseObject('items-file', (0,read_file/* readTextInputFile */.YV)('items-file', file)));
    const fromInline = inline === '' ? new Map() : kvWantedFrom('items', parseObject('items', inline));
    return new Map([...fromFile, ...fromInline]);
}
function parseObject(name, text) {
    let parsed;
    try {
        parsed = JSON.parse(text);
    }
    catch (error) {
        throw new errors/* InputError */.dz(`Input '${name}' must be valid JSON: ${(0,parsers/* escapeControls */.UN)((0,errors/* messageOf */.bD)(error))}`);
    }
    const duplicate = firstDuplicateKey(text);
    if (duplicate !== undefined) {
        throw new errors/* InputError */.dz(`Input '${name}' names the key '${(0,parsers/* shorten */.ml)(duplicate)}' twice; JSON would keep only the last value, so keep one`);
    }
    return parsed;
}

;// CONCATENATED MODULE: ./src/modes/kv/plan.ts



/** KV reads are not rate limited; this many values are read at once. */
const KV_READS_IN_FLIGHT = 16;
async function planKvStore(api, asked, wanted, deleteMissing) {
    const store = await api.findKvStore(asked);
    if (!store)
        throw new errors/* ActionError */.lZ(`KV store '${asked}' not found by name or by ID; check 'kv-store'`);
    const keys = await api.listKvKeys(store.id);
    const listed = new Set(keys);
    // Only keys that could be unchanged or updated need their value; a key to delete or create does not.
    const toRead = [...wanted].filter(([key, want]) => want !== null && listed.has(key)).map(([key]) => key);
    const current = new Map();
    await forEachLimited(toRead, KV_READS_IN_FLIGHT, async (key) => {
        const value = await api.getKvValue(store.id, key);
        if (value)
            current.set(key, value);
    });
    return {
        kind: 'kv-store',
        asked,
        store,
        keysBefore: keys.length,
        generations: toRead.flatMap(key => {
            const generation = current.get(key)?.generation;
            return generation === undefined ? [] : [[key, generation]];
        }),
        diff: diffKv(wanted, keys, current, deleteMissing)
    };
}

;// CONCATENATED MODULE: ./src/modes/kv/apply.ts




/** Deletes are one request a key and spend no write budget; a few go at once. */
const DELETES_IN_FLIGHT = 8;
/**
 * Writes exactly the plan: its batches one after another, then its deletes.
 * A batch that fails leaves every line of it in doubt (Fastly does not say
 * whether the good lines landed), so each key of it is read back and judged
 * by what the store really holds; one a cancel kept from going out is not
 * (nothing of it can have landed). A dry run sends nothing (the transport
 * records each write) and judges nothing.
 */
async function applyKvStorePlan(api, plan) {
    const id = plan.store.id;
    const failed = [];
    let batches = 0;
    for (const batch of plan.diff.batches) {
        let refused;
        let batchError;
        try {
            refused = await api.upsertKvBatch(id, batch);
        }
        catch (error) {
            if (neverSent(error)) {
                const reason = (0,errors/* expectedMessage */.UB)(error);
                failed.push(...batch.map(write => ({ key: write.key, reason })));
                continue;
            }
            refused = [];
            batchError = (0,errors/* expectedMessage */.UB)(error);
        }
        batches += 1;
        if (refused.length > 0 || batchError !== undefined)
            failed.push(...(await judgeBatch(api, id, batch, refused, batchError)));
    }
    let deletes = 0;
    await forEachLimited(plan.diff.deleted, DELETES_IN_FLIGHT, async (key) => {
        try {
            await api.deleteKvKey(id, key);
        }
        catch (error) {
            failed.push({ key, reason: (0,errors/* expectedMessage */.UB)(error) });
            if (neverSent(error))
                return;
        }
        deletes += 1;
    });
    return { batches, deletes, failed };
}
/** Each key of a failed batch by what is really there: written as wanted is done, whatever the answer said. */
async function judgeBatch(api, id, batch, refused, batchError) {
    const lineReason = new Map(refused.map(line => [line.key, line.code === '' ? line.reason : `${line.reason} (HTTP ${line.code})`]));
    const firstRefused = refused[0];
    const otherLine = firstRefused ? `not written: Fastly refused the batch because of another line (key '${firstRefused.key}': ${firstRefused.reason})` : '';
    const failed = [];
    await forEachLimited(batch, KV_READS_IN_FLIGHT, async (write) => {
        const why = lineReason.get(write.key) ?? batchError ?? otherLine;
        try {
            const now = await api.getKvValue(id, write.key);
            if (now && now.value === write.value && now.metadata === (write.metadata ?? ''))
                return;
            failed.push({ key: write.key, reason: why });
        }
        catch (error) {
            // After a cancel no read goes out: the batch's own reason says it all, one reason for the whole batch.
            failed.push({ key: write.key, reason: neverSent(error) ? why : `${why}; reading the key back failed too: ${(0,errors/* expectedMessage */.UB)(error)}` });
        }
    });
    // Read back concurrently: keep the batch's order for the report.
    const order = new Map(batch.map((write, index) => [write.key, index]));
    return failed.sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
}

;// CONCATENATED MODULE: ./src/modes/kv/update-kv-store.ts




async function update_kv_store_plan(settings, api) {
    const sync = newStoreSync('kv-store', undefined, settings.kvStore);
    try {
        const planned = await planKvStore(api, settings.kvStore, settings.items, settings.deleteMissing);
        describePlan(sync, planned);
        return { sync, plan: planned };
    }
    catch (error) {
        sync.error = (0,errors/* expectedMessage */.UB)(error);
        sync.status = 'failed';
        return { sync, plan: undefined };
    }
}
/** The plan part: the key count and the generation of every key compared are the starting state. */
function planPart({ sync, plan: planned }) {
    return itemsPart(sync, planned && { keys: planned.keysBefore, generations: planned.generations.map(([key, generation]) => [key, generation]) });
}
/** Writes exactly the plan; an empty plan sends nothing. */
async function update_kv_store_apply(settings, api, { sync, plan: planned }) {
    if (planned) {
        try {
            const applied = await applyKvStorePlan(api, planned);
            settle(sync, { batches: applied.batches, singleWrites: applied.deletes, failed: applied.failed }, settings.dryRun);
        }
        catch (error) {
            sync.error = (0,errors/* expectedMessage */.UB)(error);
            sync.status = 'failed';
        }
    }
    return { mode: settings.mode, stores: [sync] };
}
function describePlan(sync, plan) {
    const { diff } = plan;
    const writes = new Map(diff.batches.flat().map(write => [write.key, write]));
    const changed = (action) => (key) => {
        const write = writes.get(key);
        return { key, action, value: write?.value ?? '', ...(write?.metadata ? { metadata: write.metadata } : {}) };
    };
    sync.id = plan.store.id;
    sync.changes = [...diff.created.map(changed('create')), ...diff.updated.map(changed('update')), ...diff.deleted.map(key => ({ key, action: 'delete' }))];
    sync.unchanged = diff.unchanged.length;
    sync.before = plan.keysBefore;
    sync.after = plan.keysBefore + diff.created.length - diff.deleted.length;
}

;// CONCATENATED MODULE: ./src/inputs/acl-entries.ts





const IPV4_PART = /^(0|[1-9]\d{0,2})$/;
/**
 * The entries of `entries` for a VCL ACL: `192.0.2.0/24`, `2001:db8::/32`, a
 * bare address for one host, `!` in front to negate, `# text` for a comment.
 * Blank and comment-only lines are skipped.
 */
function parseVclAclEntries(text, input = 'entries') {
    const entries = [];
    forEachLine(text, (body, comment, line, raw) => {
        const negated = body.startsWith('!');
        const address = negated ? body.slice(1).trim() : body;
        const fail = failure(input, line, raw);
        if (/\s/.test(address))
            fail('a line holds one address or prefix, then an optional # comment (ALLOW and BLOCK are for compute-acl)');
        const network = parseNetwork(address, fail);
        entries.push({ ...network, negated, comment: comment ?? '', line });
    });
    return unique(entries, input, text);
}
/** The entries of `entries` for a Compute ACL: `192.0.2.0/24 BLOCK`; text after `#` is ignored. */
function parseComputeAclEntries(text, input = 'entries') {
    const entries = [];
    forEachLine(text, (body, _comment, line, raw) => {
        const fail = failure(input, line, raw);
        if (body.startsWith('!'))
            fail("'!' negates VCL ACL entries only; a Compute ACL entry ends with ALLOW or BLOCK instead");
        const match = /^(\S+)\s+(\S+)$/.exec(body);
        const action = match?.[2]?.toUpperCase();
        if (!match || (action !== 'ALLOW' && action !== 'BLOCK'))
            fail('each Compute ACL line is an address or prefix, then ALLOW or BLOCK, e.g. 192.0.2.0/24 BLOCK');
        entries.push({ ...parseNetwork(match?.[1] ?? '', fail), action: action, line });
    });
    return unique(entries, input, text);
}
/**
 * The wanted VCL ACL entries against the current ones: creates, updates
 * (negation or comment changed, carrying the current id), deletes (only with
 * `deleteMissing`), batched.
 */
function diffVclAcl(wanted, current, deleteMissing) {
    const byPrefix = new Map();
    const extra = [];
    for (const entry of current) {
        const key = currentPrefix(entry.ip, entry.subnet);
        if (byPrefix.has(key))
            extra.push({ key, op: { op: 'delete', id: entry.id } });
        else
            byPrefix.set(key, entry);
    }
    const creates = [];
    const updates = [];
    let unchanged = 0;
    const named = new Set();
    for (const want of wanted) {
        named.add(want.prefix);
        const fields = { ip: want.ip, subnet: want.bits, negated: want.negated ? 1 : 0, comment: want.comment };
        const have = byPrefix.get(want.prefix);
        if (!have)
            creates.push({ key: want.prefix, op: { op: 'create', ...fields } });
        else if (have.negated !== want.negated || have.comment !== want.comment)
            updates.push({ key: want.prefix, op: { op: 'update', id: have.id, ...fields } });
        else
            unchanged += 1;
    }
    const deletes = deleteMissing
        ? [...[...byPrefix].filter(([key]) => !named.has(key)).map(([key, entry]) => ({ key, op: { op: 'delete', id: entry.id } })), ...extra]
        : [];
    return planOf(creates, updates, deletes, unchanged);
}
/** The wanted Compute ACL entries against the current ones; an update is a changed action. */
function diffComputeAcl(wanted, current, deleteMissing) {
    const byPrefix = new Map();
    for (const entry of current)
        byPrefix.set(computePrefix(entry.prefix), entry);
    const creates = [];
    const updates = [];
    let unchanged = 0;
    const named = new Set();
    for (const want of wanted) {
        named.add(want.prefix);
        const have = byPrefix.get(want.prefix);
        if (!have)
            creates.push({ key: want.prefix, op: { op: 'create', prefix: want.prefix, action: want.action } });
        else if (have.action !== want.action)
            updates.push({ key: want.prefix, op: { op: 'update', prefix: have.prefix, action: want.action } });
        else
            unchanged += 1;
    }
    const deletes = deleteMissing
        ? [...byPrefix].filter(([key]) => !named.has(key)).map(([key, entry]) => ({ key, op: { op: 'delete', prefix: entry.prefix } }))
        : [];
    return planOf(creates, updates, deletes, unchanged);
}
function planOf(creates, updates, deletes, unchanged) {
    const all = [...deletes, ...updates, ...creates];
    const batches = [];
    for (let at = 0; at < all.length; at += MAX_ACL_OPS) {
        const slice = all.slice(at, at + MAX_ACL_OPS);
        batches.push({ ops: slice.map(c => c.op), keys: slice.map(c => c.key) });
    }
    const keys = (list) => list.map(c => c.key);
    return { created: keys(creates), updated: keys(updates), deleted: keys(deletes), unchanged, batches };
}
/** Each line with an entry: its text before `#` (trimmed) and its comment, undefined when it has no `#`. */
function forEachLine(text, each) {
    text.split(/\r?\n/).forEach((raw, index) => {
        const hash = raw.indexOf('#');
        const body = (hash < 0 ? raw : raw.slice(0, hash)).trim();
        if (body === '')
            return;
        each(body, hash < 0 ? undefined : raw.slice(hash + 1).trim(), index + 1, raw);
    });
}
function failure(input, line, raw) {
    return why => {
        throw new errors/* InputError */.dz(`Input '${input}' line ${line} ('${(0,parsers/* shorten */.ml)(raw.trim(), 80)}'): ${why}`);
    };
}
/** Two lines for one network would leave it unclear which one is wanted. */
function unique(entries, input, text) {
    const first = new Map();
    const lines = text.split(/\r?\n/);
    for (const entry of entries) {
        const earlier = first.get(entry.prefix);
        if (earlier) {
            throw new errors/* InputError */.dz(`Input '${input}' line ${entry.line} ('${(0,parsers/* shorten */.ml)((lines[entry.line - 1] ?? '').trim(), 80)}') is the same entry as line ${earlier.line} (${entry.prefix}); keep one`);
        }
        first.set(entry.prefix, entry);
    }
    return entries;
}
/** An address or prefix in canonical form; host bits set under the prefix are refused. */
function parseNetwork(text, fail) {
    const slash = text.indexOf('/');
    const address = slash < 0 ? text : text.slice(0, slash);
    const v4 = parseIpv4(address);
    const v6 = v4 === undefined ? parseIpv6(address) : undefined;
    if (v4 === undefined && v6 === undefined)
        fail(`'${(0,parsers/* shorten */.ml)(address, 60)}' is not an IPv4 or IPv6 address`);
    const width = v4 === undefined ? 128 : 32;
    const value = (v4 ?? v6);
    const lengthText = slash < 0 ? String(width) : text.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(lengthText) || Number(lengthText) > width) {
        fail(`the prefix length must be a whole number from 0 to ${width}, e.g. ${width === 32 ? '192.0.2.0/24' : '2001:db8::/32'}`);
    }
    const bits = Number(lengthText);
    const hostMask = (1n << BigInt(width - bits)) - 1n;
    const network = value & ~hostMask;
    const ip = width === 32 ? formatIpv4(value) : formatIpv6(value);
    if ((value & hostMask) !== 0n) {
        const net = width === 32 ? formatIpv4(network) : formatIpv6(network);
        fail(`${ip}/${bits} has host bits set under its /${bits} prefix; write the network, ${net}/${bits}, or the host alone, ${ip}`);
    }
    return { ip, bits, prefix: `${ip}/${bits}` };
}
/** A current entry's key; an address that does not parse keeps its text, so it matches nothing wanted. */
function currentPrefix(ip, subnet) {
    const raw = subnet === undefined ? ip : `${ip}/${subnet}`;
    try {
        return parseNetwork(raw, why => {
            throw new Error(why);
        }).prefix;
    }
    catch {
        return raw;
    }
}
function computePrefix(prefix) {
    const slash = prefix.indexOf('/');
    return slash < 0 ? currentPrefix(prefix, undefined) : currentPrefix(prefix.slice(0, slash), Number(prefix.slice(slash + 1)));
}
function parseIpv4(text) {
    const parts = text.split('.');
    if (parts.length !== 4 || !parts.every(p => IPV4_PART.test(p) && Number(p) <= 255))
        return undefined;
    return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}
function parseIpv6(text) {
    // Zone IDs (fe80::1%eth0) name an interface of one host: no ACL can hold them.
    if (!(0,external_node_net_.isIPv6)(text) || text.includes('%'))
        return undefined;
    const [head = '', tail] = text.split('::');
    const expand = (part) => part === ''
        ? []
        : part.split(':').flatMap(group => {
            const v4 = group.includes('.') ? (parseIpv4(group) ?? 0n) : undefined;
            return v4 === undefined ? [group] : [(v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
        });
    const left = expand(head);
    const right = tail === undefined ? [] : expand(tail);
    const all = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
    return all.reduce((acc, group) => (acc << 16n) | BigInt(`0x${group}`), 0n);
}
function formatIpv4(value) {
    return [24n, 16n, 8n, 0n].map(shift => String((value >> shift) & 0xffn)).join('.');
}
/** RFC 5952: lower case, no leading zeros, the first longest run of two or more zero groups as `::`. */
function formatIpv6(value) {
    const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
    let best = { at: -1, length: 1 };
    for (let i = 0; i < 8;) {
        if (groups[i] !== 0) {
            i += 1;
            continue;
        }
        let j = i;
        while (j < 8 && groups[j] === 0)
            j += 1;
        if (j - i > best.length)
            best = { at: i, length: j - i };
        i = j;
    }
    const hex = groups.map(g => g.toString(16));
    if (best.at < 0)
        return hex.join(':');
    return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}
/**
 * The wanted entries from `entries` and/or `entries-file`, parsed by `parse`
 * (the VCL or the Compute form). An entry both name is refused like a line
 * repeated within one: it would be unclear which of the two is wanted.
 */
function readWantedAclEntries(read, parse) {
    const file = read('entries-file');
    const inline = read('entries');
    if (file === '' && inline === '') {
        throw new errors/* InputError */.dz("Input 'entries' or 'entries-file' is required: ACL entries one per line, e.g. 192.0.2.0/24");
    }
    const fromFile = file === '' ? [] : parse((0,read_file/* readTextInputFile */.YV)('entries-file', file), 'entries-file');
    const fromInline = inline === '' ? [] : parse(inline, 'entries');
    const inFile = new Map(fromFile.map(entry => [entry.prefix, entry]));
    for (const entry of fromInline) {
        const twin = inFile.get(entry.prefix);
        if (twin) {
            throw new errors/* InputError */.dz(`Input 'entries' line ${entry.line} is the same entry as 'entries-file' line ${twin.line} (${entry.prefix}); keep one`);
        }
    }
    return [...fromFile, ...fromInline];
}

;// CONCATENATED MODULE: ./src/modes/acl/apply.ts




/**
 * Writes exactly the plan's batches, one after another; a refused batch fails
 * its entries and the next one still goes. A batch that failed in doubt (its
 * answer lost, a 5xx) is judged op by op against a fresh read. A Compute ACL
 * applies a batch shortly after its 202, so a read right after may lag: an op
 * not yet visible stays failed, never claimed.
 */
async function applyAclPlan(api, plan) {
    return plan.kind === 'vcl-acl'
        ? applyBatches(vclCalls(api, plan.serviceId, plan.acl.id), plan.diff.batches)
        : applyBatches(computeCalls(api, plan.acl.id), plan.diff.batches);
}
async function applyBatches(calls, batches) {
    const failed = [];
    let sent = 0;
    for (const batch of batches) {
        try {
            await calls.patch(batch.ops);
            sent += 1;
        }
        catch (error) {
            const reason = (0,errors/* expectedMessage */.UB)(error);
            if (!neverSent(error))
                sent += 1;
            const done = mayHaveLanded(error) ? await landedOps(calls, batch.ops) : undefined;
            batch.keys.forEach((key, at) => {
                if (!done?.has(at))
                    failed.push({ key, reason });
            });
        }
    }
    return { batches: sent, failed };
}
function vclCalls(api, sid, aclId) {
    return {
        patch: ops => api.patchVclAclEntries(sid, aclId, ops),
        read: async () => {
            const now = await api.listVclAclEntries(sid, aclId);
            return op => vclDone(op, now);
        }
    };
}
function computeCalls(api, id) {
    return {
        patch: ops => api.patchComputeAclEntries(id, ops),
        read: async () => {
            const now = await api.listComputeAclEntries(id);
            return op => computeDone(op, now);
        }
    };
}
/** Which ops of a batch the ACL now shows done; undefined when it cannot be read either. */
async function landedOps(calls, ops) {
    let done;
    try {
        done = await calls.read();
    }
    catch {
        return undefined;
    }
    return new Set(ops.flatMap((op, at) => (done(op) ? [at] : [])));
}
function vclDone(op, now) {
    if (op.op === 'delete')
        return !now.some(entry => entry.id === op.id);
    const prefix = `${op.ip}/${op.subnet}`;
    return now.some(entry => currentPrefix(entry.ip, entry.subnet) === prefix && entry.negated === (op.negated === 1) && entry.comment === op.comment);
}
function computeDone(op, now) {
    const target = computePrefix(op.prefix);
    const entry = now.find(e => computePrefix(e.prefix) === target);
    return op.op === 'delete' ? entry === undefined : entry?.action === op.action;
}

;// CONCATENATED MODULE: ./src/modes/acl/plan.ts


async function planVclAcl(api, serviceId, target, deleteMissing) {
    const { activeVersion } = await api.serviceDetails(serviceId);
    if (activeVersion === undefined) {
        throw new errors/* ActionError */.lZ(`Service ${serviceId} has no active version, so it has no ACL '${target.name}' to update`);
    }
    const acl = await api.findVclAcl(serviceId, activeVersion, target.name);
    if (!acl) {
        throw new errors/* ActionError */.lZ(`ACL '${target.name}' not found on service ${serviceId} (active version ${activeVersion}); check 'acl', or create it in a version of the service first`);
    }
    const current = await api.listVclAclEntries(serviceId, acl.id);
    return {
        kind: 'vcl-acl',
        asked: target.name,
        acl,
        serviceId,
        version: activeVersion,
        entriesBefore: current.length,
        diff: diffVclAcl(target.entries, current, deleteMissing)
    };
}
async function planComputeAcl(api, target, deleteMissing) {
    const acl = await api.findComputeAcl(target.name);
    if (!acl)
        throw new errors/* ActionError */.lZ(`Compute ACL '${target.name}' not found by name or by ID; check 'compute-acl'`);
    const current = await api.listComputeAclEntries(acl.id);
    return { kind: 'compute-acl', asked: target.name, acl, entriesBefore: current.length, diff: diffComputeAcl(target.entries, current, deleteMissing) };
}

;// CONCATENATED MODULE: ./src/modes/acl/update-acl.ts




/**
 * A VCL ACL on each service in turn (one that fails is reported and the next
 * still gets its plan), or the one Compute ACL, each planned from reads alone.
 */
async function update_acl_plan(settings, api) {
    const { acl } = settings;
    const targets = acl.kind === 'vcl-acl'
        ? settings.serviceIds.map(sid => ({ sid, plan: () => planVclAcl(api, sid, acl, settings.deleteMissing) }))
        : [{ sid: undefined, plan: () => planComputeAcl(api, acl, settings.deleteMissing) }];
    const planned = [];
    for (const target of targets) {
        const sync = newStoreSync(acl.kind, target.sid, acl.name);
        try {
            const made = await target.plan();
            update_acl_describePlan(sync, made);
            planned.push({ sync, plan: made });
        }
        catch (error) {
            sync.error = (0,errors/* expectedMessage */.UB)(error);
            sync.status = 'failed';
            planned.push({ sync, plan: undefined });
        }
    }
    return planned;
}
/** The plan part: the service's active version (for a VCL ACL) and the entry count are the starting state. */
function update_acl_planPart({ sync, plan: made }) {
    return itemsPart(sync, made && { entries: made.entriesBefore, version: made.kind === 'vcl-acl' ? made.version : null });
}
/** Writes exactly each plan, one ACL after another; an empty plan sends nothing. */
async function update_acl_apply(settings, api, planned) {
    for (const { sync, plan: made } of planned) {
        if (!made)
            continue;
        try {
            settle(sync, await applyAclPlan(api, made), settings.dryRun);
        }
        catch (error) {
            sync.error = (0,errors/* expectedMessage */.UB)(error);
            sync.status = 'failed';
        }
    }
    return { mode: settings.mode, stores: planned.map(p => p.sync) };
}
function update_acl_describePlan(sync, plan) {
    const changes = [];
    for (const batch of plan.diff.batches) {
        batch.keys.forEach((key, at) => {
            const op = batch.ops[at];
            if (op)
                changes.push(changeOf(key, op));
        });
    }
    // In the order a reader expects, not the order the batches send them in.
    const rank = { create: 0, update: 1, delete: 2, upsert: 3 };
    sync.id = plan.acl.id;
    sync.changes = changes.sort((a, b) => rank[a.action] - rank[b.action]);
    sync.unchanged = plan.diff.unchanged;
    sync.before = plan.entriesBefore;
    sync.after = plan.entriesBefore + plan.diff.created.length - plan.diff.deleted.length;
}
/** The entry as a line of `entries` would give it: `!` for negation, `# comment`, or the Compute action. */
function changeOf(key, op) {
    if (op.op === 'delete')
        return { key, action: 'delete' };
    const value = 'action' in op ? op.action : `${op.negated === 1 ? '!' : ''}${key}${op.comment === '' ? '' : ` # ${op.comment}`}`;
    return { key, action: op.op, value };
}

;// CONCATENATED MODULE: ./src/modes/index.ts











/**
 * A cancel ends each mode early with what it did; what it did not do is in
 * its outcome as not sent (the transport refuses every request after it).
 */
async function prepareMode(settings, api, cancel) {
    switch (settings.mode) {
        case 'activate': {
            const planned = await plan(settings, api);
            return {
                plan: { mode: settings.mode, parts: planParts(planned) },
                apply: async () => ({ kind: 'activate', settings, outcome: await apply(settings, api, planned, cancel) })
            };
        }
        case 'update-dictionary':
            return itemsMode(settings, await update_dictionary_plan(settings, api));
        case 'update-config-store':
            return itemsMode(settings, await update_config_store_plan(settings, api));
        case 'purge-keys':
            return unplanned(async () => ({ kind: 'purge', settings, outcome: await runPasses(settings, api, cancel, purge_keys_run) }));
        case 'purge-urls':
            return unplanned(async () => ({ kind: 'purge', settings, outcome: await runPasses(settings, api, cancel, purge_urls_run) }));
        case 'purge-all':
            return unplanned(async () => ({ kind: 'purge', settings, outcome: await runPasses(settings, api, cancel, run) }));
        case 'stats':
            return unplanned(async () => ({ kind: 'stats', settings, outcome: await stats_run(settings, api) }));
        case 'update-kv-store': {
            const planned = await update_kv_store_plan(settings, api);
            return {
                plan: { mode: settings.mode, parts: [planPart(planned)] },
                apply: async () => ({ kind: 'items', settings, outcome: await update_kv_store_apply(settings, api, planned) })
            };
        }
        case 'update-acl': {
            const planned = await update_acl_plan(settings, api);
            return {
                plan: { mode: settings.mode, parts: planned.map(update_acl_planPart) },
                apply: async () => ({ kind: 'items', settings, outcome: await update_acl_apply(settings, api, planned) })
            };
        }
    }
}
function itemsMode(settings, planned) {
    return {
        plan: { mode: settings.mode, parts: planned.stores.map(s => itemsPart(s.sync)) },
        apply: async () => ({ kind: 'items', settings, outcome: await applyPlan(planned, settings.dryRun) })
    };
}
function unplanned(apply) {
    return { plan: undefined, apply };
}

;// CONCATENATED MODULE: ./src/modes/activate/outcome.ts
function isActivationFailure(status) {
    return status !== 'activated' && status !== 'unchanged' && status !== 'planned';
}

;// CONCATENATED MODULE: ./src/report/budget.ts
/**
 * GitHub drops a job summary over 1 MiB and refuses an output over 1 MB. The
 * limits are bytes, after escaping, for the whole run: every service's lists
 * draw on one budget, and what does not fit is counted and said in place.
 */
/** The whole summary stays under this; a little under 1 MiB. */
const MAX_SUMMARY_BYTES = 1_000_000;
/** What a run's long lists (failures, changes, IDs, diffs) may take of the summary; headlines and tables have the rest. */
const SUMMARY_LIST_BYTES = 800_000;
/** Every output stays under this (GitHub: 1 MB). */
const MAX_OUTPUT_BYTES = 1_000_000;
/** What a run's failure lists may take of the `result` output; the counts and the rest of the JSON have the rest. */
const RESULT_LIST_BYTES = 800_000;
function bytes(text) {
    return Buffer.byteLength(text, 'utf8');
}
/** Bytes left for one run's lists in one place (the summary, or one output). */
class ByteBudget {
    left;
    constructor(left) {
        this.left = left;
    }
    /**
     * Takes `size` bytes if they fit. Once something does not fit, nothing more
     * is taken: lists stay in order, and "… and N more" is true.
     */
    take(size) {
        if (size > this.left) {
            this.left = 0;
            return false;
        }
        this.left -= size;
        return true;
    }
    get spent() {
        return this.left === 0;
    }
}
/** The first items whose rendering (text, or a table row's cells) fits, rendered; and how many were left out. */
function fitting(items, render, budget, overhead = 1) {
    const shown = [];
    for (const item of items) {
        const rendered = render(item);
        const size = typeof rendered === 'string' ? bytes(rendered) : rendered.reduce((sum, cell) => sum + bytes(cell), 0);
        if (!budget.take(size + overhead))
            break;
        shown.push(rendered);
    }
    return { shown, omitted: items.length - shown.length };
}

;// CONCATENATED MODULE: ./src/report/package.ts


/** The package rows of a service's section: before and after, and what became of the upload. */
function packageSection(s, change, dryRun, environment) {
    const base = s.baseVersion === undefined ? html `the base version` : html `version ${count(s.baseVersion)}`;
    const rows = ['name', 'language', 'size', 'filesHash'].map(field => [
        FIELD_LABEL[field],
        change.before ? fact(change.before, field) : html `—`,
        fact(change.after, field)
    ]);
    const facts = table([html `Package`, html `Before (${base})`, html `After (${code(change.path)})`], rows);
    return html `<p>${what(s, change, dryRun, environment)}</p>\n\n${facts}`;
}
function what(s, change, dryRun, environment) {
    const live = html `version ${s.previousVersion === undefined ? html `none` : count(s.previousVersion)}`;
    if (s.status === 'unchanged') {
        return html `➖ This package is already live on ${html_escape(environment)} (${live} has the same files hash): nothing was cloned, uploaded or activated.`;
    }
    if (change.action === 'unchanged')
        return html `➖ The clone keeps the package it has from its base: the files hash is the same, so nothing was uploaded.`;
    if (change.uploaded)
        return html `📦 The package was uploaded into the clone, and Fastly's files hash matches the one computed here.`;
    if (dryRun)
        return html `📦 A real run would upload this package into the clone.`;
    return html `📦 This package was not deployed.`;
}
const FIELD_LABEL = {
    name: html `Name`,
    language: html `Language`,
    size: html `Size`,
    filesHash: html `Files hash`
};
function fact(facts, field) {
    if (field === 'size')
        return facts.size === undefined ? html `—` : html `${count(facts.size)} bytes`;
    if (field === 'filesHash')
        return facts.filesHash === undefined ? html `—` : code(package_short(facts.filesHash));
    const value = facts[field];
    return value === undefined ? html `—` : html_escape(value);
}
/** The dry run's step for the package. */
function packageStep(change) {
    return change.action === 'upload'
        ? html `upload the package ${code(change.path)} (files hash ${code(package_short(change.after.filesHash))}) and check Fastly's files hash is the same`
        : html `keep the base's package (same files hash ${code(package_short(change.after.filesHash))})`;
}
function packageLogLine(change) {
    const hash = `files hash ${package_short(change.after.filesHash)}`;
    if (change.uploaded)
        return `package '${change.path}' uploaded (${hash}, confirmed by Fastly)`;
    if (change.action === 'unchanged')
        return `package '${change.path}' not uploaded: the version it starts from already has it (${hash})`;
    return `package '${change.path}' not uploaded (${hash}; was ${package_short(change.before?.filesHash)})`;
}
/** The `result` output's view of it: whole hashes, for a script to compare. */
function packageResult(change) {
    const plain = (facts) => ({ name: facts.name ?? null, language: facts.language ?? null, size: facts.size ?? null, filesHash: facts.filesHash ?? null });
    return { before: change.before ? plain(change.before) : null, after: plain(change.after), action: change.action, uploaded: change.uploaded };
}

;// CONCATENATED MODULE: ./src/report/activate.ts






/** A diff longer than this is cut in the summary; Fastly's web interface shows it whole. */
const MAX_DIFF_CHARS = 60_000;
const RESULT_LABEL = {
    activated: html `✅ activated`,
    unchanged: html `➖ already live`,
    planned: html `🧪 planned`,
    'lint-failed': html `❌ lint failed: nothing cloned`,
    invalid: html `❌ invalid: not activated`,
    conflict: html `⚠️ another deploy: not activated`,
    'rolled-back': html `↩️ unhealthy: rolled back`,
    'rollback-failed': html `🚨 unhealthy, rollback failed`,
    superseded: html `⚠️ unhealthy; another deploy is live`,
    unchecked: html `🚨 cancelled: live and unchecked`,
    failed: html `❌ failed`
};
/** A version whose check a cancel stopped was never shown unhealthy, only not yet healthy. */
const CANCELLED_CHECK_LABEL = {
    'rolled-back': html `↩️ unchecked: rolled back`,
    superseded: html `⚠️ unchecked; another deploy is live`
};
function resultLabel(s) {
    return (s.health?.cancelled ? CANCELLED_CHECK_LABEL[s.status] : undefined) ?? RESULT_LABEL[s.status];
}
function presentActivation(settings, outcome) {
    const failing = outcome.services.filter(s => isActivationFailure(s.status));
    const diffs = new ByteBudget(SUMMARY_LIST_BYTES);
    return {
        failed: failing.length > 0,
        headline: headline(settings, outcome, failing),
        sections: [banner(outcome), overview(settings, outcome), ...outcome.services.map(s => serviceSection(settings, outcome, s, diffs))],
        result: {
            environment: settings.environment,
            clone: settings.clone,
            services: outcome.services.map(s => ({
                serviceId: s.serviceId,
                serviceName: s.serviceName,
                status: s.status,
                previousVersion: s.previousVersion ?? null,
                baseVersion: s.baseVersion ?? null,
                newVersion: s.newVersion ?? null,
                activeVersion: s.activeVersion ?? null,
                vcl: s.vcl.map(({ name, action }) => ({ name, action })),
                ...(s.mainVcl ? { mainVcl: s.mainVcl } : {}),
                ...(s.package ? { package: packageResult(s.package) } : {}),
                ...(s.lint.length > 0 ? { lint: s.lint.map(({ path, severity, line, column, message }) => ({ path, severity, line: line ?? null, column: column ?? null, message })) } : {}),
                ...(s.validation ? { validation: s.validation } : {}),
                ...(s.warning ? { warning: s.warning } : {}),
                ...(s.notes.length > 0 ? { notes: s.notes } : {}),
                ...(s.health ? { healthCheck: { url: s.health.url, healthy: s.health.healthy, tries: s.health.tries.length, durationMs: s.health.durationMs, observed: s.health.observed } } : {}),
                rolledBack: s.status === 'rolled-back',
                ...(s.error ? { error: s.error } : {})
            }))
        },
        outputs: {
            version: perService(outcome, s => s.activeVersion),
            'previous-version': perService(outcome, s => s.previousVersion),
            'rolled-back': String(outcome.services.some(s => s.status === 'rolled-back')),
            'version-url': perService(outcome, s => (s.activeVersion === undefined ? undefined : versionUrl(s.serviceId, s.activeVersion))),
            ...(settings.package ? { 'package-uploaded': perService(outcome, s => s.package?.uploaded === true) } : {})
        },
        warnings: outcome.services.flatMap(s => [
            ...(s.warning ? [`${s.serviceId}: Fastly warns on activating version ${s.newVersion}: ${s.warning}`] : []),
            ...s.notes.map(note => `${s.serviceId}: ${note}`)
        ]),
        log: logLines(settings, outcome, failing),
        failure: failureMessage(outcome, failing)
    };
}
function headline(settings, outcome, failing) {
    const env = html_escape(settings.environment);
    const [only] = outcome.services;
    if (settings.dryRun) {
        if (outcome.services.every(s => s.status === 'unchanged'))
            return html `already live: nothing to deploy`;
        return html `nothing was changed; the plan follows`;
    }
    if (failing.length > 0) {
        if (outcome.services.length === 1 && only?.status === 'rolled-back') {
            if (only.activeVersion === undefined)
                return html `version ${version(only.newVersion)} ${healthEnd(only)}; ${env} was deactivated (nothing was staged before)`;
            return html `version ${version(only.newVersion)} ${healthEnd(only)}; ${env} is back on version ${version(only.activeVersion)}`;
        }
        if (outcome.services.length === 1 && only?.status === 'rollback-failed') {
            return html `ROLLBACK FAILED: ${env} is on the unhealthy version ${version(only.newVersion)}`;
        }
        if (outcome.services.length === 1 && only?.status === 'superseded') {
            return html `version ${version(only.newVersion)} ${healthEnd(only)}; another deploy made version ${version(only.activeVersion)} active on ${env}`;
        }
        if (outcome.services.length === 1 && only?.status === 'unchecked') {
            return html `CANCELLED: version ${version(only.newVersion)} is live on ${env} and unchecked (was ${version(only.previousVersion)})`;
        }
        if (outcome.services.length === 1 && only)
            return html `${env} stays on version ${version(only.activeVersion)} (${resultLabel(only)})`;
        return html `${count(failing.length)} of ${plural(outcome.services.length, 'service')} not activated`;
    }
    if (outcome.services.length === 1 && only?.status === 'unchanged' && only.package) {
        return html `the package is already live: version ${version(only.activeVersion)} on ${env} has it`;
    }
    if (outcome.services.length === 1 && only) {
        return only.status === 'unchanged'
            ? html `already live: version ${version(only.activeVersion)} on ${env} has it all, nothing was cloned or activated`
            : html `version ${version(only.activeVersion)} active on ${env} (was ${version(only.previousVersion)})`;
    }
    return html `${plural(outcome.services.length, 'service')} active on ${env}`;
}
/** A check a cancel stopped did not fail: the version may be fine, it was only never shown healthy. */
function healthEnd(s) {
    return s.health?.cancelled ? html `had not passed its health check` : html `failed its health check`;
}
/** A check a cancel stopped is not a failed one: the version may be fine. */
function healthVerdict(h) {
    if (h.healthy)
        return { icon: html `✅`, word: html `healthy` };
    return h.cancelled ? { icon: html `🛑`, word: html `not finished` } : { icon: html `❌`, word: html `unhealthy` };
}
function version(n) {
    return n === undefined ? html `none` : count(n);
}
const BANNER = {
    'rolled-back': html `↩️ <b>Rolled back.</b>`,
    'rollback-failed': html `🚨 <b>Rollback failed: a person is needed.</b>`,
    superseded: html `⚠️ <b>Not rolled back: another deploy is live.</b>`,
    unchecked: html `🚨 <b>Live and unchecked: a person is needed.</b>`
};
/** After a failed health check or a cancel, the first thing a reader sees. */
function banner(outcome) {
    const lines = outcome.services.flatMap(s => {
        const head = BANNER[s.status];
        return head ? [html `<p>${head} ${html_escape(s.error ?? '')}</p>`] : [];
    });
    return join(lines, '\n\n');
}
function overview(settings, outcome) {
    const rows = outcome.services.map(s => [
        html `${html_escape(s.serviceName)}<br>${code(s.serviceId)}`,
        versionLink(s.serviceId, s.previousVersion),
        versionLink(s.serviceId, settings.dryRun ? undefined : s.activeVersion),
        versionLink(s.serviceId, s.newVersion),
        resultLabel(s)
    ]);
    const newHead = settings.clone ? html `New version` : html `Activated`;
    return table([html `Service`, html `Before (${html_escape(settings.environment)})`, html `After`, newHead, html `Result`], rows);
}
function serviceSection(settings, outcome, s, diffs) {
    const parts = [html `#### ${html_escape(s.serviceName)} (${code(s.serviceId)})`];
    const newVersion = version(s.newVersion);
    if (s.error)
        parts.push(html `<p>❌ ${html_escape(s.error)}</p>`);
    if (s.status === 'unchanged')
        parts.push(alreadyLive(settings, s));
    if (settings.dryRun)
        parts.push(activate_plan(settings, outcome, s));
    else if (settings.clone && s.newVersion !== undefined)
        parts.push(html `<p>Version ${newVersion} was cloned from ${version(s.baseVersion)}, with the comment ${code(settings.comment)}.</p>`);
    if (s.package)
        parts.push(packageSection(s, s.package, settings.dryRun, settings.environment));
    if (s.vcl.length > 0) {
        const change = { create: html `created`, update: html `updated`, unchanged: html `unchanged` };
        const rows = s.vcl.map(v => [code(v.path), code(v.name), html `${change[v.action]}${v.name === s.mainVcl ? html `, made main` : EMPTY}`]);
        parts.push(table([html `File`, html `Custom VCL`, settings.dryRun ? html `Would be` : html `Change`], rows));
    }
    if (s.lint.length > 0)
        parts.push(lintSection(s));
    else if (settings.lint && s.vcl.length > 0)
        parts.push(html `<p>✅ Fastly's linter found nothing in ${plural(s.vcl.length, 'file')}.</p>`);
    if (s.validation) {
        parts.push(s.validation.ok
            ? html `<p>✅ Fastly validated version ${newVersion}.</p>`
            : html `<p>❌ Fastly's validation of version ${newVersion}:</p>\n<ul>${join(s.validation.errors.map(e => html `<li>${html_escape(e)}</li>`), '')}</ul>`);
        if (s.validation.warnings.length > 0)
            parts.push(html `<ul>${join(s.validation.warnings.map(w => html `<li>⚠️ ${html_escape(w)}</li>`), '')}</ul>`);
    }
    if (s.warning)
        parts.push(html `<p>⚠️ Fastly's warning on activation: ${html_escape(s.warning)}</p>`);
    for (const note of s.notes)
        parts.push(html `<p>⚠️ ${html_escape(note)}</p>`);
    if (s.health) {
        const h = s.health;
        const rows = h.tries.slice(-10).map(t => [html_escape(`${(t.at / 1000).toFixed(1)} s`), html_escape(answerOf(t))]);
        const tries = html `${plural(h.tries.length, 'try', 'tries')}${h.tries.length > 10 ? html ` (the last 10)` : EMPTY}`;
        parts.push(html `<p>${healthVerdict(h).icon} Health check of ${code(h.url)}${h.via === undefined ? EMPTY : html ` through the staging IP ${code(h.via)}`}: ${healthVerdict(h).word}, ${html_escape(h.observed)}.</p>\n\n${details(tries, table([html `At`, html `Answer`], rows))}`);
    }
    if (s.diff !== undefined && s.diffTitle)
        parts.push(diffSection(s.diff, s.diffTitle, diffs));
    return join(parts, '\n\n');
}
/** The diff, escaped, as far as the run's budget allows: 4 services with a 72 KB VCL each must not sink the summary. */
function diffSection(diff, title, budget) {
    const text = diff || '(no difference)';
    const cut = text.length > MAX_DIFF_CHARS ? text.slice(0, MAX_DIFF_CHARS) : text;
    let body = html_escape(cut);
    let shownChars = cut.length;
    if (!budget.take(bytes(body))) {
        // Line by line, as much as is left: a diff cut mid-entity would show garbage.
        const lines = cut.split('\n');
        const kept = [];
        shownChars = 0;
        for (const line of lines) {
            const escaped = html_escape(line);
            if (!budget.take(bytes(escaped) + 1))
                break;
            kept.push(escaped);
            shownChars += line.length + 1;
        }
        body = join(kept, '\n');
    }
    const tail = shownChars < text.length ? html `\n… (cut: ${count(text.length)} characters in all; the summary is capped at 1 MiB)` : EMPTY;
    return details(html_escape(title), html `<pre>${body}${tail}</pre>`);
}
function activate_plan(settings, outcome, s) {
    if (s.status !== 'planned')
        return EMPTY;
    const env = html_escape(settings.environment);
    const steps = settings.clone
        ? [
            html `clone version ${version(s.baseVersion)} (${s.baseVersion === s.previousVersion ? html `active on ${env}` : html `not the active one`})`,
            html `comment the clone ${code(settings.comment)}`,
            ...(s.package ? [packageStep(s.package)] : []),
            ...(s.vcl.length > 0 ? [html `upload ${plural(s.vcl.filter(v => v.action !== 'unchanged').length, 'changed VCL file')}${s.mainVcl ? html `, making ${code(s.mainVcl)} main` : EMPTY}`] : []),
            html `validate it`,
            html `activate it on ${env}`,
            ...healthStep(settings, outcome, s)
        ]
        : [html `validate version ${version(s.newVersion)}`, html `activate it on ${env} (a rollback from ${version(s.previousVersion)})`, ...healthStep(settings, outcome, s)];
    return html `<p>A real run would:</p>\n<ol>${join(steps.map(step => html `<li>${step}</li>`), '')}</ol>`;
}
function alreadyLive(settings, s) {
    const env = html_escape(settings.environment);
    if (s.vcl.length > 0) {
        return html `<p>➖ Already live: every VCL file is as version ${version(s.previousVersion)} on ${env} has it, so nothing was cloned, uploaded or activated.</p>`;
    }
    return html `<p>➖ Already live: version ${version(s.newVersion)} is the one active on ${env}, so nothing was sent.</p>`;
}
function lintSection(s) {
    const rows = s.lint.map(f => [
        f.severity === 'error' ? html `❌ error` : html `⚠️ warning`,
        code(f.line === undefined ? f.path : `${f.path}:${f.line}${f.column === undefined ? '' : `:${f.column}`}`),
        html `<pre>${html_escape(f.message)}</pre>`
    ]);
    return html `<p>Fastly's linter:</p>

${table([html `Finding`, html `Where`, html `Message`], rows)}`;
}
function healthStep(settings, outcome, s) {
    if (!settings.healthCheckUrl)
        return [];
    const seconds = Math.round(settings.healthCheckTimeoutMs / 1000);
    const through = settings.environment === 'staging' ? html ` through the staging IP of its host` : EMPTY;
    const back = settings.environment === 'staging' && s.previousVersion === undefined ? html `take it off staging` : html `re-activate version ${version(s.previousVersion)}`;
    return [html `check ${code(settings.healthCheckUrl)}${through} until it answers 2xx twice in a row (up to ${seconds} s); if it never does, ${back}`];
}
/** The version's page in the Fastly web interface. */
function versionUrl(serviceId, n) {
    return `https://manage.fastly.com/configure/services/${encodeURIComponent(serviceId)}/versions/${n}`;
}
function versionLink(serviceId, n) {
    if (n === undefined)
        return html `—`;
    return html `<a href="${html_escape(versionUrl(serviceId, n))}">${n}</a>`;
}
/** One service: the value. Several: a JSON object service ID → value. */
function perService(outcome, pick) {
    const [only] = outcome.services;
    if (outcome.services.length === 1 && only)
        return String(pick(only) ?? '');
    return JSON.stringify(Object.fromEntries(outcome.services.map(s => [s.serviceId, pick(s) ?? null])));
}
function logLines(settings, outcome, failing) {
    return outcome.services.flatMap((s) => [
        { level: 'info', text: `${s.serviceId} (${s.serviceName}): ${resultLabel(s)}; ${settings.environment} was ${s.previousVersion ?? 'none'}, is ${s.activeVersion ?? 'none'}` },
        ...(s.package ? [{ level: 'info', text: `${s.serviceId}: ${packageLogLine(s.package)}` }] : []),
        ...s.lint.map((f) => ({ annotate: f.severity, text: `Fastly's linter (${s.serviceId}): ${f.message}`, file: repositoryPath(f.path), line: f.line, column: f.column })),
        ...(s.validation?.ok === false ? s.validation.errors : []).map((message) => ({ level: 'error', text: `${s.serviceId} version ${s.newVersion}: ${message}` })),
        ...(failing.length > 1 && s.error ? [{ level: 'error', text: s.error }] : [])
    ]);
}
/** An annotation names a file relative to the repository: a path under GITHUB_WORKSPACE loses that prefix. */
function repositoryPath(path) {
    const workspace = process.env.GITHUB_WORKSPACE;
    if (!workspace || !(0,external_node_path_.isAbsolute)(path))
        return path.replace(/^\.\//, '');
    const inside = (0,external_node_path_.relative)(workspace, path);
    return inside === '' || inside.startsWith('..') || (0,external_node_path_.isAbsolute)(inside) ? path : inside.split(external_node_path_.sep).join('/');
}
function failureMessage(outcome, failing) {
    const [first] = failing;
    if (!first?.error)
        return undefined;
    return failing.length === 1 ? first.error : `${failing.length} of ${outcome.services.length} services were not activated. First: ${first.error}`;
}

;// CONCATENATED MODULE: ./src/report/group-by-reason.ts
/** Failures grouped by their reason, in order of first appearance: one reason usually covers a whole batch. */
function groupByReason(failures) {
    const groups = new Map();
    for (const { item, reason } of failures) {
        const items = groups.get(reason);
        if (items)
            items.push(item);
        else
            groups.set(reason, [item]);
    }
    return groups;
}

;// CONCATENATED MODULE: ./src/report/presented.ts
/** Failures listed in the `result` output, at most: GitHub caps one output at 1 MiB; the log has every failure. */
const MAX_FAILURES_IN_RESULT = 2000;

;// CONCATENATED MODULE: ./src/report/items.ts




/** Fastly's default cap on items per edge dictionary (raised per account on request). */
const DICTIONARY_ITEM_CAP = 1000;
const VALUES_SHOWN = 10;
const MAX_VALUE_SHOWN = 200;
const MAX_KEYS_LISTED = 500;
const KEYS_PER_REASON = 50;
/** A table row's own tags, counted with its cells. */
const ROW_BYTES = 40;
function presentItems(settings, outcome) {
    const failing = outcome.stores.filter(s => s.status === 'failed');
    const lists = new ByteBudget(SUMMARY_LIST_BYTES);
    const resultLists = new ByteBudget(RESULT_LIST_BYTES);
    let failureBudget = MAX_FAILURES_IN_RESULT;
    return {
        failed: failing.length > 0,
        headline: items_headline(settings, outcome, failing),
        sections: [items_overview(settings, outcome), ...outcome.stores.map(s => storeSection(settings, outcome, s, lists))],
        result: {
            deleteMissing: settings.deleteMissing,
            stores: outcome.stores.map(s => {
                const failed = s.failed.slice(0, fitting(s.failed.slice(0, Math.max(0, failureBudget)), JSON.stringify, resultLists).shown.length);
                failureBudget -= failed.length;
                return {
                    kind: s.kind,
                    ...(s.serviceId ? { serviceId: s.serviceId } : {}),
                    name: s.name,
                    id: s.id ?? null,
                    writeOnly: s.writeOnly,
                    status: s.status,
                    ...counts(s),
                    before: s.before ?? null,
                    after: s.after ?? null,
                    batches: s.batches,
                    ...(s.kind === 'kv-store' ? { keyDeletes: s.singleWrites } : {}),
                    failedCount: s.failed.length,
                    failed,
                    ...(failed.length < s.failed.length ? { failedOmitted: s.failed.length - failed.length } : {}),
                    ...(s.error ? { error: s.error } : {})
                };
            })
        },
        outputs: {},
        warnings: outcome.stores.flatMap(capWarning),
        log: items_logLines(settings, outcome, failing),
        failure: items_failureMessage(outcome, failing)
    };
}
function counts(s) {
    const of = (action) => s.changes.filter(c => c.action === action).length;
    return { created: of('create'), updated: of('update'), deleted: of('delete'), upserted: of('upsert'), unchanged: s.unchanged };
}
function label(s) {
    switch (s.kind) {
        case 'dictionary':
            return `dictionary '${s.name}' on ${s.serviceId}`;
        case 'config-store':
            return `config store '${s.name}'`;
        case 'kv-store':
            return `KV store '${s.name}'`;
        case 'vcl-acl':
            return `ACL '${s.name}' on ${s.serviceId}`;
        case 'compute-acl':
            return `Compute ACL '${s.name}'`;
    }
}
/** What one target of the mode is called, for counts of several. */
function targetNoun(mode) {
    if (mode === 'update-dictionary')
        return ['dictionary', 'dictionaries'];
    if (mode === 'update-acl')
        return ['ACL', 'ACLs'];
    return ['store', 'stores'];
}
/** What the mode's targets hold: dictionary and config-store items, KV keys, ACL entries. */
function itemNoun(mode) {
    if (mode === 'update-kv-store')
        return { one: 'key', heading: 'Keys' };
    if (mode === 'update-acl')
        return { one: 'entry', heading: 'Entries' };
    return { one: 'key', heading: 'Items' };
}
function items_headline(settings, outcome, failing) {
    const totals = outcome.stores.map(counts).reduce((a, b) => ({
        created: a.created + b.created,
        updated: a.updated + b.updated,
        deleted: a.deleted + b.deleted,
        upserted: a.upserted + b.upserted,
        unchanged: a.unchanged + b.unchanged
    }));
    const parts = [html `${count(totals.created)} created`, html `${count(totals.updated)} updated`, html `${count(totals.deleted)} deleted`];
    if (totals.upserted > 0)
        parts.push(html `${count(totals.upserted)} written blind`);
    parts.push(html `${count(totals.unchanged)} unchanged`);
    const [only] = outcome.stores;
    const [one, many] = targetNoun(outcome.mode);
    const where = outcome.stores.length === 1 && only ? html_escape(label(only)) : plural(outcome.stores.length, one, many);
    const differs = outcome.stores.some(s => s.changes.length > 0);
    if (failing.length === 0 && !differs)
        return html `${where} already live: nothing differs, ${count(totals.unchanged)} unchanged`;
    if (settings.dryRun)
        return html `nothing was changed; the plan for ${where}: ${join(parts, ', ')}`;
    if (failing.length > 0)
        return failing.length === 1 && outcome.stores.length === 1 ? html `${where}: failed` : html `${where}: ${count(failing.length)} failed`;
    return html `${where} in the wanted state: ${join(parts, ', ')}`;
}
function items_overview(settings, outcome) {
    const anyBlind = outcome.stores.some(s => s.writeOnly);
    const head = [html `Target`, html `Created`, html `Updated`, html `Deleted`, ...(anyBlind ? [html `Written blind`] : []), html `Unchanged`, html `${html_escape(itemNoun(outcome.mode).heading)} after`, settings.dryRun ? html `Would send` : html `Batches`, html `Result`];
    const rows = outcome.stores.map(s => {
        const c = counts(s);
        const result = s.status === 'synced' ? html `✅ synced` : s.status === 'planned' ? html `🧪 planned` : s.error ? html `❌ stopped` : html `❌ ${count(s.failed.length)} failed`;
        const target = s.serviceId !== undefined ? html `${code(s.name)} on ${code(s.serviceId)}` : code(s.name);
        return [target, count(c.created), count(c.updated), count(c.deleted), ...(anyBlind ? [count(c.upserted)] : []), count(c.unchanged), s.after === undefined ? html `—` : count(s.after), count(s.batches), result];
    });
    const note = settings.deleteMissing
        ? html `\n\n<p><code>delete-missing: true</code>: every existing ${html_escape(itemNoun(outcome.mode).one)} the wanted state does not name is deleted.</p>`
        : EMPTY;
    return html `${table(head, rows)}${note}`;
}
function storeSection(settings, outcome, s, budget) {
    const parts = [];
    if (s.error)
        parts.push(html `<p>❌ ${html_escape(s.error)}</p>`);
    if (s.writeOnly)
        parts.push(html `<p>${capitalisedLabel(s)} is write-only: its items cannot be read, so every wanted key was sent as an upsert, and no value is shown here.</p>`);
    if (s.changes.length > 0)
        parts.push(changesTable(settings, outcome, s, budget));
    else if (!s.error)
        parts.push(html `<p>➖ Already live: every wanted ${html_escape(itemNoun(outcome.mode).one)} is as ${html_escape(label(s))} has it, so nothing was sent.</p>`);
    const groups = [...groupByReason(s.failed.map(f => ({ item: f.key, reason: f.reason })))];
    if (groups.length > 0) {
        let hidden = 0;
        const rows = [];
        for (const [reason, keys] of groups) {
            const reasonCell = html_escape(reason);
            if (!budget.take(bytes(reasonCell) + ROW_BYTES)) {
                hidden += keys.length;
                continue;
            }
            const { shown } = fitting(keys.slice(0, KEYS_PER_REASON), code, budget);
            hidden += keys.length - shown.length;
            rows.push([reasonCell, count(keys.length), html `${join(shown, ' ')}${keys.length > shown.length ? html ` … and ${count(keys.length - shown.length)} more` : EMPTY}`]);
        }
        const tail = hidden > 0 ? html `\n\n<p>… and ${plural(hidden, 'more failure')}: the log lists them all.</p>` : EMPTY;
        parts.push(details(html `${capitalisedLabel(s)}: ${plural(s.failed.length, 'change')} failed`, html `${table([html `Reason`, html `Count`, html `Keys`], rows)}${tail}`, true));
    }
    for (const warning of capWarning(s))
        parts.push(html `<p>⚠️ ${html_escape(warning)}</p>`);
    return parts.length > 0 ? join([html `#### ${capitalisedLabel(s)}`, ...parts], '\n\n') : EMPTY;
}
function changesTable(settings, outcome, s, budget) {
    const verb = settings.dryRun ? html `Would be` : html `Change`;
    const word = { create: html `created`, update: html `updated`, delete: html `deleted`, upsert: html `written` };
    const shown = fitting(s.changes.slice(0, VALUES_SHOWN), c => [code(c.key), word[c.action], valueCell(s, c)], budget, ROW_BYTES).shown;
    const first = outcome.mode === 'update-acl' ? table([html `Entry`, verb, html `As written`], shown) : table([html `Key`, verb, html `Value`], shown);
    const rest = s.changes.slice(shown.length);
    if (rest.length === 0)
        return first;
    const listed = fitting(rest.slice(0, MAX_KEYS_LISTED), c => html `${code(c.key)} (${word[c.action]})`, budget, 2).shown;
    const unlisted = rest.length - listed.length;
    const more = unlisted > 0 ? html ` … and ${plural(unlisted, 'more change')}: the log lists them all` : EMPTY;
    return html `${first}\n\n${details(plural(rest.length, 'more change'), html `<p>${join(listed, ', ')}${more}</p>`)}`;
}
function valueCell(s, c) {
    if (c.value === undefined)
        return html `—`;
    if (s.writeOnly)
        return html `(hidden)`;
    const shown = (text) => code(text.length > MAX_VALUE_SHOWN ? `${text.slice(0, MAX_VALUE_SHOWN)}…` : text);
    return c.metadata === undefined ? shown(c.value) : html `${shown(c.value)} · metadata ${shown(c.metadata)}`;
}
function capWarning(s) {
    if (s.kind !== 'dictionary' || s.after === undefined || s.after <= DICTIONARY_ITEM_CAP)
        return [];
    return [
        `Edge dictionary '${s.name}' on ${s.serviceId} will hold ${count(s.after)} items, more than Fastly's default limit of ${count(DICTIONARY_ITEM_CAP)}; ` +
            'unless Fastly raised it for your account, writes past it are refused (a config store has no such limit).'
    ];
}
function capitalisedLabel(s) {
    return html_escape(capitalise(label(s)));
}
function capitalise(text) {
    return text.charAt(0).toUpperCase() + text.slice(1);
}
function items_logLines(settings, outcome, failing) {
    return outcome.stores.flatMap(s => {
        const c = counts(s);
        const blind = c.upserted > 0 ? `, ${c.upserted} written blind (write-only)` : '';
        const lines = [
            {
                level: 'info',
                text: `${capitalise(label(s))}: ${settings.dryRun ? 'would make ' : ''}${c.created} created, ${c.updated} updated, ${c.deleted} deleted${blind}, ${c.unchanged} unchanged, in ${plural(s.batches, 'batch', 'batches')}${singles(s)}`
            }
        ];
        if (s.changes.length > VALUES_SHOWN) {
            lines.push({ group: `All ${s.changes.length} changes to ${label(s)}`, lines: s.changes.map(change => `${change.action} ${change.key}`) });
        }
        if (s.failed.length > 0) {
            lines.push({ group: `Failed on ${label(s)}: ${plural(s.failed.length, 'change')}`, lines: s.failed.map(failure => `${failure.key}: ${failure.reason}`) });
        }
        if (failing.length > 1 && s.status === 'failed') {
            lines.push({ level: 'error', text: s.error ?? `${capitalise(label(s))}: ${s.failed.length} changes failed. First: ${s.failed[0]?.reason}` });
        }
        return lines;
    });
}
/** KV deletes go one request a key: said beside the batches, so the request count adds up. */
function singles(s) {
    return s.singleWrites > 0 ? ` and ${plural(s.singleWrites, 'single-key delete')}` : '';
}
function items_failureMessage(outcome, failing) {
    const [first] = failing;
    if (!first)
        return undefined;
    const why = first.error ??
        `${count(first.failed.length)} of ${plural(first.changes.length, 'change')} to ${label(first)} failed. First: ${first.failed[0]?.key}: ${first.failed[0]?.reason}`;
    return failing.length === 1 ? why : `${failing.length} of ${outcome.stores.length} ${targetNoun(outcome.mode)[1]} failed. First: ${why}`;
}

;// CONCATENATED MODULE: ./src/report/purge.ts





/** Caps that keep the summary readable; its bytes are capped by the run's ByteBudget. The outputs and log hold the rest. */
const MAX_TARGET_ROWS = 100;
const MAX_FAILING_TARGETS = 20;
const MAX_REASONS = 20;
const MAX_ITEMS_PER_REASON = 50;
const MAX_ID_ROWS = 100;
const IDS_SHOWN_OPEN = 10;
/** A table row's own tags, counted with its cells. */
const purge_ROW_BYTES = 40;
function presentPurge(settings, outcome) {
    const failed = outcome.targets.reduce((sum, target) => sum + target.failed.length, 0);
    const { json: purgeIds, omitted } = purgeIdsJson(outcome);
    const lists = new ByteBudget(SUMMARY_LIST_BYTES);
    return {
        failed: failed > 0,
        headline: purge_headline(settings, outcome, failed),
        sections: [purge_overview(settings), ...passesSection(settings, outcome), targetTable(settings, outcome), failuresSection(outcome.targets, lists), idsSection(settings, outcome, omitted, lists)],
        result: resultOf(settings, outcome),
        outputs: {
            'purged-count': String(purgedTotal(outcome)),
            'purge-ids': purgeIds
        },
        warnings: omitted > 0 ? [`The purge-ids output leaves out ${count(omitted)} purge IDs: GitHub caps an output at 1 MB.`] : [],
        log: purge_logLines(settings, outcome),
        failure: purge_failureMessage(outcome)
    };
}
function purge_headline(settings, outcome, failed) {
    const requested = outcome.targets.reduce((sum, t) => sum + t.requested, 0);
    const items = purge_itemNoun(settings.mode, requested);
    if (settings.dryRun) {
        const what = settings.mode === 'purge-all' ? html `everything on ${items}` : items;
        return html `nothing was sent; the plan purges ${what}`;
    }
    if (failed > 0)
        return html `${count(failed)} of ${items} failed`;
    if (settings.mode === 'purge-all')
        return html `everything purged on ${items}`;
    return settings.soft ? html `${items} purged (soft)` : html `${items} purged (hard)`;
}
function purge_itemNoun(mode, n) {
    const noun = { 'purge-keys': 'key', 'purge-urls': 'URL', 'purge-all': 'service' }[mode];
    return plural(n, noun);
}
function resultOf(settings, outcome) {
    let failureBudget = MAX_FAILURES_IN_RESULT;
    const listBytes = new ByteBudget(RESULT_LIST_BYTES);
    const targetJson = (target) => {
        const failed = target.failed.slice(0, fitting(target.failed.slice(0, Math.max(0, failureBudget)), JSON.stringify, listBytes).shown.length);
        failureBudget -= failed.length;
        return {
            [target.kind === 'host' ? 'host' : 'serviceId']: target.name,
            requested: target.requested,
            purged: target.purgedCount,
            failedCount: target.failed.length,
            failed,
            ...(failed.length < target.failed.length ? { failedOmitted: target.failed.length - failed.length } : {}),
            requests: target.requests
        };
    };
    const targets = outcome.targets.map(targetJson);
    return {
        ...(settings.mode === 'purge-all' ? {} : { soft: settings.soft }),
        ...(settings.mode === 'purge-urls' ? { hosts: targets } : { services: targets })
    };
}
function purge_overview(settings) {
    const where = settings.environment !== 'staging'
        ? EMPTY
        : settings.mode === 'purge-urls'
            ? html `<p>🧪 On Fastly's <b>staging</b> environment: each URL was sent as <code>PURGE</code> to the staging IP of its host, read from the staged version's domains; production's cache was not purged.</p>
`
            : html `<p>🧪 On Fastly's <b>staging</b> environment (<code>Fastly-Purge-Environment: staging</code>): production's cache was not purged. An account where Fastly does not act on that header purges production instead.</p>
`;
    if (settings.mode === 'purge-all') {
        return html `${where}<p>Purge-all cannot be soft: everything cached for each service is evicted (a hard purge), and the next requests go to the origin.</p>`;
    }
    return settings.soft
        ? html `${where}<p>Soft purge: content is marked stale and revalidated with the origin, not evicted.</p>`
        : html `${where}<p>Hard purge: content is evicted; the next requests go to the origin.</p>`;
}
/** The wait for the origin and the second pass, when asked for: what happened, or in a dry run what would. */
function passesSection(settings, outcome) {
    const parts = [];
    const waitFor = settings.waitFor;
    if (waitFor) {
        const what = html `${code(waitFor.url)} to serve ${code(waitFor.text)} on 3 consecutive tries`;
        parts.push(outcome.waited
            ? html `<p>⏳ Waited for ${what}: done after ${plural(outcome.waited.tries, 'try', 'tries')} in ${purge_seconds(outcome.waited.durationMs)}, then purged.</p>`
            : html `<p>⏳ A real run would first wait for ${what} (up to ${purge_seconds(waitFor.timeoutMs)}), and purge nothing if it never does.</p>`);
    }
    if (outcome.secondPassCancelled) {
        parts.push(html `<p>🔁 The second pass was not sent: the run was cancelled before it. What the first pass purged is counted.</p>`);
    }
    else if (settings.secondPassDelayMs !== undefined) {
        const delay = purge_seconds(settings.secondPassDelayMs);
        const second = outcome.targets.reduce((sum, t) => ({ purged: sum.purged + (t.secondPass?.purged ?? 0), failed: sum.failed + (t.secondPass?.failed ?? 0) }), { purged: 0, failed: 0 });
        parts.push(settings.dryRun
            ? html `<p>🔁 Purge twice: every request would be sent again ${delay} after the first pass (Fastly's advice for services with shielding).</p>`
            : html `<p>🔁 Purged twice, ${delay} apart (Fastly's advice for services with shielding): the second pass purged ${count(second.purged)}${second.failed > 0 ? html `, ${count(second.failed)} failed` : EMPTY}. An item counts as purged when both passes purged it.</p>`);
    }
    return parts;
}
function purge_seconds(ms) {
    return html `${Number((ms / 1000).toFixed(1))} s`;
}
function targetTable(settings, outcome) {
    const rows = outcome.targets.slice(0, MAX_TARGET_ROWS).map(target => {
        const failed = settings.dryRun ? html `—` : target.failed.length > 0 ? html `❌ ${count(target.failed.length)}` : html `0`;
        if (settings.mode === 'purge-all') {
            return [code(target.name), settings.dryRun ? html `🧪 planned` : target.failed.length > 0 ? html `❌ failed` : html `✅ purged`];
        }
        const row = [code(target.name), count(target.requested), settings.dryRun ? html `—` : count(target.purgedCount), failed];
        return settings.mode === 'purge-keys' ? [...row, count(target.requests)] : row;
    });
    const head = {
        'purge-all': [html `Service`, html `Purge-all`],
        'purge-keys': [html `Service`, html `Keys`, html `Purged`, html `Failed`, html `Batches`],
        'purge-urls': [html `Host`, html `URLs`, html `Purged`, html `Failed`]
    }[settings.mode];
    const more = outcome.targets.length - rows.length;
    return html `${table(head, rows)}${more > 0 ? html `\n\n<p>… and ${plural(more, 'more row')}: see the <code>result</code> output.</p>` : EMPTY}`;
}
function failuresSection(targets, budget) {
    const failing = targets.filter(target => target.failed.length > 0);
    if (failing.length === 0)
        return EMPTY;
    const total = failing.reduce((sum, target) => sum + target.failed.length, 0);
    let shownCount = 0;
    const blocks = [];
    for (const target of failing.slice(0, MAX_FAILING_TARGETS)) {
        const rows = [];
        for (const [reason, items] of [...groupByReason(target.failed)].slice(0, MAX_REASONS)) {
            const reasonCell = html_escape(reason);
            if (!budget.take(bytes(reasonCell) + purge_ROW_BYTES))
                break;
            const { shown } = fitting(items.slice(0, MAX_ITEMS_PER_REASON), code, budget);
            shownCount += shown.length;
            const more = items.length > shown.length ? html ` … and ${count(items.length - shown.length)} more` : EMPTY;
            rows.push([reasonCell, count(items.length), html `${join(shown, ' ')}${more}`]);
        }
        if (rows.length === 0)
            break;
        blocks.push(details(html `${code(target.name)}: ${plural(target.failed.length, 'failure')}`, table([html `Reason`, html `Count`, html `Items`], rows), true));
    }
    const hidden = total - shownCount;
    const moreTargets = failing.length - blocks.length;
    const where = moreTargets > 0 ? html ` ${plural(moreTargets, 'more target')} with failures are in the <code>result</code> output.` : EMPTY;
    const tail = hidden > 0
        ? html `<p>… and ${plural(hidden, 'more failure')}: the log lists them all.${where}</p>`
        : html `<p>The step's log lists every failed item.${where}</p>`;
    return join([html `#### Failed`, ...blocks, tail], '\n\n');
}
/** `omitted`: purge IDs the purge-ids output leaves out. */
function idsSection(settings, outcome, omitted, budget) {
    if (settings.dryRun || settings.mode === 'purge-all')
        return EMPTY;
    const total = purgedTotal(outcome);
    if (total === 0)
        return EMPTY;
    const several = outcome.targets.length > 1;
    const rows = [];
    for (const target of outcome.targets) {
        for (const [item, id] of target.ids) {
            if (rows.length === MAX_ID_ROWS)
                break;
            const row = [...(several ? [code(target.name)] : []), code(item), code(id || '—')];
            if (!budget.take(row.reduce((sum, cell) => sum + bytes(cell), purge_ROW_BYTES)))
                break;
            rows.push(row);
        }
    }
    const head = [...(several ? [settings.mode === 'purge-urls' ? html `Host` : html `Service`] : []), settings.mode === 'purge-urls' ? html `URL` : html `Key`, html `Purge ID`];
    const more = total - rows.length;
    const where = omitted === 0
        ? html ` in the <code>purge-ids</code> output`
        : html `; the <code>purge-ids</code> output holds the first ${count(total - omitted)} (GitHub caps an output at 1 MB)`;
    const body = html `${table(head, rows)}${more > 0 ? html `\n\n<p>… and ${plural(more, 'more purge ID')}${where}.</p>` : EMPTY}`;
    return details(html `Purge IDs (${count(total)})`, body, total <= IDS_SHOWN_OPEN);
}
function purgeIdsJson(outcome) {
    if (outcome.mode === 'purge-all')
        return { json: '{}', omitted: 0 };
    const entries = [];
    let size = 2;
    for (const target of outcome.targets) {
        for (const [item, id] of target.ids) {
            const entry = idEntry(item, id);
            const entryBytes = bytes(entry) + 1;
            if (size + entryBytes > MAX_PURGE_IDS_BYTES)
                continue;
            entries.push(entry);
            size += entryBytes;
        }
    }
    return { json: `{${entries.join(',')}}`, omitted: purgedTotal(outcome) - entries.length };
}
function purgedTotal(outcome) {
    return outcome.targets.reduce((sum, target) => sum + target.purgedCount, 0);
}
/**
 * One line per target, so a run that went well still leaves a readable log;
 * then every failed item.
 */
function purge_logLines(settings, outcome) {
    const twice = settings.secondPassDelayMs === undefined ? '' : `, twice ${purge_seconds(settings.secondPassDelayMs)} apart`;
    const how = `${settings.mode === 'purge-all' ? 'hard, purge-all' : settings.soft ? 'soft' : 'hard'}${twice}`;
    const lines = [];
    for (const target of outcome.targets) {
        const what = settings.mode === 'purge-all' ? 'everything' : purge_itemNoun(settings.mode, target.requested);
        const line = settings.dryRun
            ? `${target.name}: would purge ${what} (${how}) in ${plural(target.requests, 'request')}`
            : `${target.name}: purged ${settings.mode === 'purge-all' ? what : `${target.purgedCount} of ${what}`} (${how})` +
                (target.failed.length > 0 ? `; ${target.failed.length} failed` : '');
        lines.push({ level: 'info', text: line });
    }
    const failing = outcome.targets.filter(target => target.failed.length > 0);
    for (const target of failing) {
        lines.push({ group: `Failed on ${target.name}: ${purge_itemNoun(settings.mode, target.failed.length)}`, lines: target.failed.map(failure => `${failure.item}: ${failure.reason}`) });
        // With one failing target the step's own error says the same; annotate each only when there are several.
        if (failing.length > 1) {
            lines.push({ level: 'error', text: `${target.name}: ${target.failed.length} of ${purge_itemNoun(settings.mode, target.requested)} failed. First: ${target.failed[0]?.reason}` });
        }
    }
    return lines;
}
function purge_failureMessage(outcome) {
    const failing = outcome.targets.filter(target => target.failed.length > 0);
    const first = failing[0]?.failed[0];
    if (!first)
        return undefined;
    const failed = failing.reduce((sum, target) => sum + target.failed.length, 0);
    const requested = outcome.targets.reduce((sum, target) => sum + target.requested, 0);
    const what = `${failed} of ${purge_itemNoun(outcome.mode, requested)} failed to purge`;
    return failed === 1
        ? `${what}: ${first.item}: ${first.reason}`
        : `${what} (the job summary groups them by reason). First: ${first.item}: ${first.reason}`;
}

;// CONCATENATED MODULE: ./src/report/stats.ts


/** A trend wider than this is grouped into fewer points: a row of 1,440 minutes reads as noise. */
const MAX_POINTS = 48;
const BLOCKS = '▁▂▃▄▅▆▇█';
function presentStats(settings, outcome) {
    const failing = outcome.services.filter(s => s.gateFailures.length > 0 || s.error);
    const overall = weightedHitRatio(outcome.services);
    return {
        failed: failing.length > 0,
        headline: stats_headline(outcome, failing, overall),
        sections: [windowLine(settings), figures(settings, outcome), ...outcome.services.map(s => trend(settings, outcome, s))],
        result: {
            window: { from: iso(settings.window.from), to: iso(settings.window.to), by: settings.window.by },
            hitRatio: overall ?? null,
            services: outcome.services.map(s => ({
                serviceId: s.serviceId,
                serviceName: s.serviceName,
                ...s.totals,
                hitRatio: s.hitRatio ?? null,
                errorRatio: s.errorRatio ?? null,
                buckets: s.buckets.length,
                gateFailures: s.gateFailures,
                ...(s.error ? { error: s.error } : {})
            }))
        },
        outputs: { 'hit-ratio': overall === undefined ? '' : String(Number(overall.toFixed(4))) },
        warnings: outcome.services.flatMap(s => s.gateNotes),
        log: stats_logLines(outcome, failing),
        failure: stats_failureMessage(failing)
    };
}
/** Over all services, each service's hit ratio weighted by its requests (the contract's definition). */
function weightedHitRatio(services) {
    const rated = services.filter(s => s.hitRatio !== undefined);
    const requests = rated.reduce((total, s) => total + s.totals.requests, 0);
    return ratio(rated.reduce((total, s) => total + (s.hitRatio ?? 0) * s.totals.requests, 0), requests);
}
function stats_headline(outcome, failing, overall) {
    if (failing.length > 0) {
        const [first] = failing;
        return html_escape(first?.gateFailures[0] ?? first?.error ?? 'failed');
    }
    const requests = outcome.services.reduce((total, s) => total + s.totals.requests, 0);
    if (requests === 0)
        return html `no traffic in the window`;
    const where = outcome.services.length === 1 ? html_escape(outcome.services[0]?.serviceName ?? '') : html `${count(outcome.services.length)} services`;
    return html `${where}: ${count(requests)} requests, hit ratio ${percent(overall)}`;
}
function windowLine(settings) {
    const { from, to, by } = settings.window;
    const gates = [
        settings.minHitRatio === undefined ? EMPTY : html `min-hit-ratio ${percent(settings.minHitRatio)}`,
        settings.maxErrorRatio === undefined ? EMPTY : html `max-error-ratio ${percent(settings.maxErrorRatio)}`
    ].filter(Boolean);
    const gateText = gates.length > 0 ? html `; gates: ${join(gates, ', ')}` : EMPTY;
    return html `<p>From ${utc(new Date(from * 1000))} to ${utc(new Date(to * 1000))}, by ${html_escape(by)}${gateText}. Fastly's most recent buckets arrive 2–15 minutes late.</p>`;
}
function figures(settings, outcome) {
    const rows = outcome.services.map(s => row(settings, html `${html_escape(s.serviceName)}<br>${code(s.serviceId)}`, s.totals, s));
    if (outcome.services.length > 1) {
        const totals = sum(outcome.services.map(s => s.totals));
        const hitRatio = weightedHitRatio(outcome.services);
        rows.push(row(settings, html `<b>Total</b>`, totals, { hitRatio, errorRatio: ratio(totals.status5xx, totals.requests), error: undefined, buckets: [] }));
    }
    const head = [html `Service`, html `Requests`, html `Hit ratio`, html `Miss`, html `Pass`, html `Bandwidth`, html `2xx`, html `3xx`, html `4xx`, html `5xx`, html `5xx share`];
    return table(head, rows);
}
function row(settings, label, t, s) {
    if (s.error)
        return [label, html `❌ ${html_escape(s.error)}`, ...Array(9).fill(EMPTY)];
    if (t.requests === 0)
        return [label, html `no traffic`, ...Array(9).fill(html `—`)];
    const lowHit = settings.minHitRatio !== undefined && s.hitRatio !== undefined && s.hitRatio < settings.minHitRatio;
    const highErr = settings.maxErrorRatio !== undefined && s.errorRatio !== undefined && s.errorRatio > settings.maxErrorRatio;
    const mark = (bad, text, threshold) => (bad ? html `❌ <b>${text}</b> (limit ${percent(threshold)})` : text);
    return [
        label,
        count(t.requests),
        mark(lowHit, percent(s.hitRatio), settings.minHitRatio),
        count(t.miss),
        count(t.pass),
        stats_bytes(t.bandwidth),
        count(t.status2xx),
        count(t.status3xx),
        count(t.status4xx),
        count(t.status5xx),
        mark(highErr, percent(s.errorRatio), settings.maxErrorRatio)
    ];
}
function trend(settings, outcome, s) {
    if (s.error)
        return EMPTY;
    const title = html `#### ${html_escape(s.serviceName)} (${code(s.serviceId)})`;
    const notes = join(s.gateNotes.map(note => html `\n\n<p>⚠️ ${html_escape(note)}</p>`), '');
    if (s.totals.requests === 0) {
        return html `${title}\n\n<p>No traffic in this window: a new service, a quiet period, or buckets not yet in (they arrive 2–15 minutes late).</p>${notes}`;
    }
    const points = group(s.buckets);
    const requests = points.map(p => p.requests);
    const hitRatios = points.map(p => ratio(p.hits, p.hits + p.miss));
    const spark = table([EMPTY, html `Trend (${points.length} points, ${html_escape(labelOf(settings, points[0]))} → ${html_escape(labelOf(settings, points.at(-1)))})`], [
        [html `Requests`, code(sparkline(requests))],
        [html `Hit ratio`, code(sparkline(hitRatios, 0, 1))]
    ]);
    const top = Math.max(1, ...requests);
    const chart = join([
        html `\`\`\`mermaid`,
        html `xychart-beta`,
        html `  title "${mermaidText(s.serviceName)}: requests (bars), hit ratio (line, top of chart = 100%)"`,
        html `  x-axis [${join(points.map(p => html `"${mermaidText(labelOf(settings, p))}"`), ', ')}]`,
        // From 0, so bars are to scale and the top of the chart is where a 100% hit ratio lies.
        html `  y-axis "Requests" 0 --> ${top}`,
        html `  bar [${mermaidText(requests.join(', '))}]`,
        html `  line [${mermaidText(hitRatios.map(r => Math.round((r ?? 0) * top)).join(', '))}]`,
        html `\`\`\``
    ], '\n');
    return html `${title}\n\n${spark}\n\n${chart}${notes}`;
}
/** Sums neighbouring buckets so a trend has at most MAX_POINTS points. */
function group(buckets) {
    const size = Math.ceil(buckets.length / MAX_POINTS);
    const points = [];
    for (let i = 0; i < buckets.length; i += size) {
        const slice = buckets.slice(i, i + size);
        points.push({ start: slice[0]?.start ?? 0, ...sum(slice) });
    }
    return points;
}
function sparkline(values, min, max) {
    const known = values.filter((v) => v !== undefined);
    const low = min ?? Math.min(...known);
    const high = max ?? Math.max(...known);
    return values
        .map(v => (v === undefined ? ' ' : BLOCKS[high === low ? BLOCKS.length - 1 : Math.round(((v - low) / (high - low)) * (BLOCKS.length - 1))]))
        .join('');
}
function labelOf(settings, point) {
    if (!point)
        return '';
    const text = new Date(point.start * 1000).toISOString();
    // Short labels: a day of hourly points must not overlap.
    if (settings.window.by === 'day')
        return text.slice(5, 10);
    return settings.window.by === 'hour' ? `${text.slice(11, 13)}h` : text.slice(11, 16);
}
function percent(value) {
    return value === undefined ? html `—` : html_escape(`${(value * 100).toFixed(1)}%`);
}
function stats_bytes(n) {
    const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
    let value = n;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
        value /= 1000;
        unit += 1;
    }
    return unit === 0 ? html `${count(value)} B` : html_escape(`${value.toFixed(1)} ${units[unit]}`);
}
function iso(seconds) {
    return new Date(seconds * 1000).toISOString();
}
function stats_logLines(outcome, failing) {
    return outcome.services.flatMap((s) => {
        const figures = s.totals.requests === 0 ? 'no traffic' : `${count(s.totals.requests)} requests, hit ratio ${percent(s.hitRatio)}, 5xx ${percent(s.errorRatio)}`;
        const errors = failing.length > 1 ? [...s.gateFailures, ...(s.error ? [s.error] : [])] : [];
        return [{ level: 'info', text: `${s.serviceId} (${s.serviceName}): ${s.error ?? figures}` }, ...errors.map((text) => ({ level: 'error', text }))];
    });
}
function stats_failureMessage(failing) {
    const messages = failing.flatMap(s => [...s.gateFailures, ...(s.error ? [s.error] : [])]);
    if (messages.length === 0)
        return undefined;
    return messages.length === 1 ? messages[0] : `${messages.length} checks failed. First: ${messages[0]}`;
}

;// CONCATENATED MODULE: ./src/report/publish.ts









/** Below this share of the hourly budget the summary and log warn. */
const LOW_RATE_LIMIT_SHARE = 0.1;
function isRateLimitLow(rateLimit) {
    return rateLimit?.remaining !== undefined && rateLimit.remaining < rateLimit.limit * LOW_RATE_LIMIT_SHARE;
}
/**
 * Sets the outputs, logs what a person needs (every failure, warnings) and
 * writes the job summary. Answers the failure message for main.ts, if any.
 */
async function publish(report) {
    const presented = report.run && present(report.run);
    for (const [name, value] of Object.entries(outputsFor(report, presented)))
        log_setOutput(name, value);
    for (const notice of report.tokenCheck?.notices ?? [])
        log_notice(notice);
    for (const warning of [...report.warnings, ...(report.tokenCheck?.warnings ?? [])])
        log_warning(warning);
    for (const warning of presented?.warnings ?? [])
        log_warning(warning);
    for (const warning of report.review?.warnings ?? [])
        log_warning(warning);
    if (report.review)
        log_info(`Plan digest: ${report.review.digest}${report.review.note ? ` (${report.review.note})` : ''}`);
    const rateLimit = report.rateLimit;
    if (isRateLimitLow(rateLimit) && rateLimit?.remaining !== undefined) {
        const reset = rateLimit.reset ? ` (the window resets at ${utc(rateLimit.reset)})` : '';
        log_warning(`Only ${rateLimit.remaining} Fastly API writes are left this hour${reset}.`);
    }
    writeLog(presented?.log ?? []);
    await writeSummary(renderSummary(report, presented));
    const why = report.error ?? presented?.failure;
    if (report.cancelledBy === undefined)
        return why;
    return `The run was cancelled (${report.cancelledBy}): ${why ?? 'everything asked for had been done'}`;
}
async function writeSummary(markdown) {
    if (!process.env.GITHUB_STEP_SUMMARY) {
        log_info('No GITHUB_STEP_SUMMARY file: the job summary follows in the log.');
        infoLines(markdown);
        return;
    }
    await appendSummary(scrub(markdown));
}
function writeLog(lines) {
    for (const line of lines) {
        if ('group' in line) {
            log_startGroup(line.group);
            for (const text of line.lines)
                log_info(text);
            log_endGroup();
        }
        else if ('annotate' in line) {
            annotate(line.annotate, line.text, line);
        }
        else if (line.level === 'error') {
            error(line.text);
        }
        else {
            log_info(line.text);
        }
    }
}
function present(run) {
    switch (run.kind) {
        case 'purge':
            return presentPurge(run.settings, run.outcome);
        case 'activate':
            return presentActivation(run.settings, run.outcome);
        case 'items':
            return presentItems(run.settings, run.outcome);
        case 'stats':
            return presentStats(run.settings, run.outcome);
    }
}
const MAX_ERROR_CHARS = 10_000;
/** The outputs every mode sets; each kind of outcome adds its own. */
function outputsFor(report, presented) {
    const outputs = {
        result: JSON.stringify({
            mode: report.mode,
            dryRun: report.dryRun,
            ok: succeeded(report, presented),
            ...(report.error === undefined ? {} : { error: report.error }),
            ...(report.cancelledBy === undefined ? {} : { cancelled: report.cancelledBy }),
            ...presented?.result,
            ...(report.dryRun && report.planned ? { plannedRequests: report.planned.total } : {}),
            rateLimit: {
                remaining: report.rateLimit?.remaining ?? null,
                reset: report.rateLimit?.reset?.toISOString() ?? null
            }
        }),
        ...presented?.outputs,
        ...(report.review ? { 'plan-digest': report.review.digest, 'plan-comment-url': report.review.commentUrl ?? '' } : {}),
        'rate-limit-remaining': report.rateLimit?.remaining === undefined ? '' : String(report.rateLimit.remaining),
        'rate-limit-reset': report.rateLimit?.reset?.toISOString() ?? ''
    };
    if (bytes(outputs.result) >= MAX_OUTPUT_BYTES)
        outputs.result = cutResult(report, presented, bytes(outputs.result));
    return outputs;
}
/** `ok` in `result`: false whenever the step fails (a cancel fails it too). */
function succeeded(report, presented) {
    return report.error === undefined && !presented?.failed && report.cancelledBy === undefined;
}
/**
 * The last line of defence for GitHub's 1 MB: the kind's lists already fit
 * their budget, but an error may carry a long input. What every consumer
 * reads stays; the rest is said to be cut.
 */
function cutResult(report, presented, size) {
    const error = report.error === undefined ? {} : { error: report.error.length > MAX_ERROR_CHARS ? `${report.error.slice(0, MAX_ERROR_CHARS)}…` : report.error };
    return JSON.stringify({
        mode: report.mode,
        dryRun: report.dryRun,
        ok: succeeded(report, presented),
        ...error,
        cut: `The result was ${size} bytes, over GitHub's 1 MB for an output; the job summary and the log have the details.`
    });
}
const MAX_PLANNED_SHOWN = 10;
const MAX_BODY_SHOWN = 2000;
function renderSummary(report, presented) {
    const parts = [publish_headline(report, presented)];
    if (report.cancelledBy !== undefined)
        parts.push(cancelSection(report.cancelledBy));
    if (report.error !== undefined)
        parts.push(html `<p>❌ ${html_escape(report.error)}</p>`);
    if (presented)
        parts.push(...presented.sections);
    if (report.review)
        parts.push(reviewSection(report.review));
    if (report.dryRun && report.planned)
        parts.push(planSection(report.planned.shown, report.planned.total));
    parts.push(tokenSection(report.tokenCheck), ...warningLines(report), usageLine(report), rateLimitLine(report));
    return html `${join(withinCap(parts.filter(part => part !== '')), '\n\n')}\n`;
}
/**
 * The last line of defence for GitHub's 1 MiB: the lists already fit their
 * budget, but a headline, error or warning may carry a long input. Parts are
 * kept in order while they fit; the rest is said to be cut.
 */
function withinCap(parts) {
    const note = (n) => html `<p>… and ${plural(n, 'more part')} of this summary, cut: GitHub drops a summary over 1 MiB. The log has every failure.</p>`;
    const room = MAX_SUMMARY_BYTES - bytes(note(parts.length)) - 2;
    let used = 0;
    const kept = [];
    for (const part of parts) {
        used += bytes(part) + 2;
        if (used > room)
            break;
        kept.push(part);
    }
    return kept.length === parts.length ? kept : [...kept, note(parts.length - kept.length)];
}
function publish_headline(report, presented) {
    const mode = report.mode === '' ? html `fastly-deploy-action` : html `Fastly ${html_escape(report.mode)}`;
    if (report.cancelledBy !== undefined) {
        return html `### 🛑 ${mode}: cancelled (${html_escape(report.cancelledBy)}): ${presented ? flat(presented.headline) : html `stopped before any change`}`;
    }
    if (!presented)
        return html `### ❌ ${mode}: stopped before any change`;
    const text = flat(presented.headline);
    if (report.dryRun && report.error === undefined && !presented.failed)
        return html `### 🧪 ${mode} (dry run): ${text}`;
    if (presented.failed || report.error !== undefined)
        return html `### ❌ ${mode}: ${text}`;
    return html `### ✅ ${mode}: ${text}`;
}
function cancelSection(by) {
    return html `<p>🛑 <b>The run was cancelled</b> (${html_escape(by)}). Nothing new was started after it; requests in flight were given a moment to finish. Every item not done is listed as not sent because the run was cancelled.</p>`;
}
function planSection(shown, total) {
    if (total === 0)
        return EMPTY;
    const blocks = shown.slice(0, MAX_PLANNED_SHOWN).map(write => {
        const headers = Object.entries(write.headers).map(([name, value]) => `${name}: ${value}`);
        const lines = [`${write.method} ${write.path}`, ...headers];
        const body = write.body === undefined ? '' : `\n\n${shortBody(write.body)}`;
        return html `<pre>${html_escape(lines.join('\n'))}${html_escape(body)}</pre>`;
    });
    const more = total - blocks.length;
    const tail = more > 0 ? html `\n\n<p>… and ${plural(more, 'more request')} of the same form.</p>` : EMPTY;
    return html `#### Plan: ${plural(total, 'request')} that a real run would send\n\n${join(blocks, '\n')}${tail}`;
}
function reviewSection(review) {
    const link = review.commentUrl && /^https?:\/\//.test(review.commentUrl) ? html ` (<a href="${html_escape(review.commentUrl)}">the plan comment</a>)` : EMPTY;
    const note = review.note ? html ` ${html_escape(review.note)}` : EMPTY;
    const warnings = review.warnings.map(w => html `\n\n<p>⚠️ ${html_escape(w)}</p>`);
    return html `<p>Plan digest ${code(review.digest)}.${note}${link}</p>${join(warnings, '')}`;
}
function shortBody(body) {
    return body.length > MAX_BODY_SHOWN ? `${body.slice(0, MAX_BODY_SHOWN)}… (${count(body.length)} characters in all)` : body;
}
function tokenSection(check) {
    if (!check)
        return EMPTY;
    if (check.status === 'skipped')
        return html `<p>Token check: skipped (<code>token-check: false</code>).</p>`;
    if (check.status === 'not-permitted')
        return html `<p>Token check: ${html_escape(check.notices.join(' '))}</p>`;
    const token = check.token;
    if (!token)
        return EMPTY;
    const scopes = join(token.scopes.map(code), ', ') || html `none`;
    const services = token.services.length > 0 ? html `services ${join(token.services.map(code), ', ')}` : html `all services`;
    const expiry = token.expiresAt ? html `expires ${utc(token.expiresAt)}` : html `no expiry`;
    const name = token.name ? html `${code(token.name)} ` : EMPTY;
    return html `<p>Token ${name}checked: scope ${scopes}; ${services}; ${expiry}.</p>`;
}
function warningLines(report) {
    const warnings = [...report.warnings, ...(report.tokenCheck?.warnings ?? [])];
    return warnings.map(warning => html `<p>⚠️ ${html_escape(warning)}</p>`);
}
function usageLine(report) {
    const usage = report.usage;
    if (!usage || usage.requests === 0)
        return EMPTY;
    const retries = usage.retries > 0 ? html `, ${plural(usage.retries, 'retry', 'retries')} among them` : html `, no retry`;
    const wait = usage.rateLimitWaitMs > 0 ? html `; waited ${html_escape((usage.rateLimitWaitMs / 1000).toFixed(1))} s for a rate-limit window` : EMPTY;
    return html `<p>Fastly API: ${plural(usage.requests, 'request')} sent${retries}${wait}.</p>`;
}
function rateLimitLine(report) {
    const rateLimit = report.rateLimit;
    if (rateLimit?.remaining === undefined) {
        return report.dryRun
            ? html `<p>Rate limit: no write was sent, so Fastly reported no figures.</p>`
            : html `<p>Rate limit: Fastly reported no figures in this run.</p>`;
    }
    const reset = rateLimit.reset ? html `; the window resets at ${utc(rateLimit.reset)}` : EMPTY;
    const low = isRateLimitLow(rateLimit) ? html `⚠️ ` : EMPTY;
    return html `<p>${low}Rate limit: ${count(rateLimit.remaining)} API writes left this hour${reset}.</p>`;
}

;// CONCATENATED MODULE: ./src/github/context.ts


const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);
// Owner and repository names as GitHub allows them; anything else cannot be a path segment we trust.
const REPOSITORY = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;
// SHA-1 object names, and SHA-256 ones for repositories that use them.
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/**
 * Reads the run context. Unlike @actions/github's `context`, it is read when
 * called (not at import), from what it is given, and refuses a payload that is
 * there but unreadable instead of silently treating it as empty.
 */
function readRunContext({ env = process.env, readFile = path => (0,external_node_fs_.readFileSync)(path, 'utf8') } = {}) {
    const repository = repositoryOf(env.GITHUB_REPOSITORY);
    const eventName = nonEmpty(env.GITHUB_EVENT_NAME);
    const payload = payloadOf(env.GITHUB_EVENT_PATH, readFile);
    const serverUrl = withoutTrailingSlash(nonEmpty(env.GITHUB_SERVER_URL) ?? 'https://github.com');
    const runId = nonEmpty(env.GITHUB_RUN_ID);
    const pull = objectAt(payload, 'pull_request');
    const number = pull?.number;
    const pullRequest = eventName !== undefined && PULL_REQUEST_EVENTS.has(eventName) && isPositiveInteger(number)
        ? { number, headSha: shaOf(objectAt(pull, 'head')?.sha) }
        : undefined;
    return {
        repository,
        sha: shaOf(env.GITHUB_SHA),
        eventName,
        actor: nonEmpty(env.GITHUB_ACTOR),
        apiUrl: withoutTrailingSlash(nonEmpty(env.GITHUB_API_URL) ?? 'https://api.github.com'),
        serverUrl,
        runUrl: repository && runId && /^\d+$/.test(runId) ? `${serverUrl}/${repository.owner}/${repository.repo}/actions/runs/${runId}` : undefined,
        pullRequest,
        mergeGroupHeadSha: eventName === 'merge_group' ? shaOf(objectAt(payload, 'merge_group')?.head_sha) : undefined
    };
}
/**
 * The pull request a run belongs to: only pull_request and pull_request_target
 * events name one (a push names none; finding the one a pushed commit came
 * from is `pullRequestOfCommit`'s job).
 */
function pullRequestOfRun(context) {
    if (!context.repository || !context.pullRequest)
        return undefined;
    return { ...context.repository, number: context.pullRequest.number };
}
/** The contract's default version comment: repository, short SHA, actor and run URL — whichever the run provides. */
function versionComment({ repository, sha, actor, runUrl }) {
    const name = repository ? `${repository.owner}/${repository.repo}` : '';
    const where = name && sha ? `${name}@${sha.slice(0, 7)}` : name || 'fastly-deploy-action';
    return `${where}${actor ? ` by ${actor}` : ''}${runUrl ? ` — ${runUrl}` : ''}`;
}
/** Why `pullRequestOfRun` found none, for a refusal that says how to get one. */
function noPullRequestReason(context) {
    if (!context.repository)
        return 'GITHUB_REPOSITORY is not set to owner/name, so this run names no repository';
    const event = context.eventName ?? 'unknown';
    if (!PULL_REQUEST_EVENTS.has(event)) {
        return `this run was started by a '${event}' event, which belongs to no pull request; run it on 'pull_request' (or 'pull_request_target')`;
    }
    return `the '${event}' event payload names no pull request number`;
}
function payloadOf(path, readFile) {
    if (!nonEmpty(path))
        return undefined;
    let text;
    try {
        text = readFile(path);
    }
    catch (error) {
        throw new errors/* ActionError */.lZ(`Cannot read the event payload GITHUB_EVENT_PATH names, '${path}': ${(0,errors/* messageOf */.bD)(error)}`);
    }
    try {
        const parsed = JSON.parse(text);
        if (isObject(parsed))
            return parsed;
    }
    catch {
        // Answered below, with the path.
    }
    throw new errors/* ActionError */.lZ(`The event payload GITHUB_EVENT_PATH names, '${path}', is not a JSON object`);
}
function repositoryOf(value) {
    const match = REPOSITORY.exec(value ?? '');
    // '.' and '..' fit the pattern but would climb the API's path.
    if (!match || /^\.+$/.test(match[2]))
        return undefined;
    return { owner: match[1], repo: match[2] };
}
function shaOf(value) {
    return typeof value === 'string' && SHA.test(value) ? value : undefined;
}
function objectAt(value, key) {
    const at = value?.[key];
    return isObject(at) ? at : undefined;
}
function isObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function isPositiveInteger(value) {
    return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
function nonEmpty(value) {
    return value === undefined || value.trim() === '' ? undefined : value.trim();
}
function withoutTrailingSlash(url) {
    return url.replace(/\/+$/, '');
}

;// CONCATENATED MODULE: ./src/inputs/vcl-files.ts





/** Expands the `vcl-files` paths and globs, reads every file, and refuses what Fastly could not take. */
function readVclFiles(input) {
    const byName = new Map();
    for (const pattern of (0,parsers/* splitList */.ry)(input)) {
        const paths = (0,external_node_fs_.globSync)(pattern).filter(isFile).sort();
        if (paths.length === 0) {
            throw new errors/* InputError */.dz(`Input 'vcl-files' must name existing .vcl files; '${pattern}' matches no file`);
        }
        for (const path of paths) {
            if (!path.endsWith('.vcl')) {
                throw new errors/* InputError */.dz(`Input 'vcl-files' must name .vcl files, got '${path}'`);
            }
            const name = (0,external_node_path_.basename)(path, '.vcl');
            const clash = byName.get(name);
            if (clash && clash.path !== path) {
                throw new errors/* InputError */.dz(`Input 'vcl-files' names two files that would both be the VCL '${name}': '${clash.path}' and '${path}'`);
            }
            const content = (0,read_file/* readTextInputFile */.YV)('vcl-files', path);
            if (content.trim() === '')
                throw new errors/* InputError */.dz(`Input 'vcl-files' names an empty file, '${path}'`);
            byName.set(name, { name, path, content });
        }
    }
    return [...byName.values()];
}
/** A link to nowhere matches a glob but cannot be uploaded: it counts as no file. */
function isFile(path) {
    return (0,external_node_fs_.statSync)(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

;// CONCATENATED MODULE: ./src/inputs/stats-window.ts

/** Unix seconds past this (year 5138) are milliseconds pasted as seconds. */
const LATEST_UNIX_SECONDS = 99_999_999_999;
const UNIT_SECONDS = { minute: 60, hour: 3600, day: 86_400, week: 604_800 };
/** How long Fastly keeps each resolution (FASTLY-API.md); daily stats have no stated limit. */
const KEPT_DAYS = { minute: 35, hour: 375, day: undefined };
/** `stats-from`/`stats-to` in Unix seconds, ISO 8601 or Fastly's relative form ("2 hours ago", "now"). */
function readStatsWindow(read, nowMs) {
    const from = parseTime(read, 'stats-from', '1 day ago', nowMs);
    const to = parseTime(read, 'stats-to', 'now', nowMs);
    if (from >= to) {
        throw new errors/* InputError */.dz(`Input 'stats-from' must be before 'stats-to', got ${new Date(from * 1000).toISOString()} → ${new Date(to * 1000).toISOString()}`);
    }
    const by = read('stats-by') || 'hour';
    if (by !== 'minute' && by !== 'hour' && by !== 'day') {
        throw new errors/* InputError */.dz(`Input 'stats-by' must be one of 'minute', 'hour', 'day', got '${by}'`);
    }
    const now = Math.floor(nowMs / 1000);
    const start = new Date(from * 1000).toISOString();
    if (from >= now) {
        throw new errors/* InputError */.dz(`Input 'stats-from' is ${start}, not in the past: Fastly has no stats yet for a window that starts now or later`);
    }
    const kept = KEPT_DAYS[by];
    if (kept !== undefined && from < now - kept * UNIT_SECONDS.day) {
        throw new errors/* InputError */.dz(`Input 'stats-from' is ${start}, older than the ${kept} days Fastly keeps ${by}ly stats; ` +
            `start within the last ${kept} days or choose a coarser 'stats-by'`);
    }
    return { from, to, by };
}
function parseTime(read, name, fallback, nowMs) {
    const raw = (read(name) || fallback).trim();
    const now = Math.floor(nowMs / 1000);
    if (/^\d+$/.test(raw)) {
        if (Number(raw) > LATEST_UNIX_SECONDS) {
            throw new errors/* InputError */.dz(`Input '${name}' must be Unix time in seconds, got '${raw}' (milliseconds? drop the last three digits)`);
        }
        return Number(raw);
    }
    if (raw.toLowerCase() === 'now')
        return now;
    const relative = /^(\d+)\s+(minute|hour|day|week)s?\s+ago$/i.exec(raw);
    if (relative)
        return now - Number(relative[1]) * (UNIT_SECONDS[(relative[2] ?? '').toLowerCase()] ?? 0);
    const iso = /^(\d{4}-\d{2}-\d{2})([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.exec(raw);
    const ms = iso && isCalendarDate(iso[1] ?? '') ? Date.parse(raw) : NaN;
    if (!Number.isNaN(ms))
        return Math.floor(ms / 1000);
    throw new errors/* InputError */.dz(`Input '${name}' must be Unix seconds, an ISO 8601 time (2026-11-23T08:00:00Z) or a relative time ('2 hours ago', 'now'), got '${raw}'`);
}
/** Date.parse rolls 2026-02-30 over to March; a date that does not exist is a typo. */
function isCalendarDate(date) {
    const ms = Date.parse(`${date}T00:00:00Z`);
    return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(date);
}
/** A ratio input: a number from 0 to 1, or undefined when not set. */
function readRatio(read, name) {
    const raw = read(name);
    if (raw === '')
        return undefined;
    const value = /^(0|1|0?\.\d+|1\.0*)$/.test(raw) ? Number(raw) : NaN;
    if (Number.isNaN(value) || value < 0 || value > 1) {
        throw new errors/* InputError */.dz(`Input '${name}' must be a number from 0 to 1 (e.g. 0.9 for 90%), got '${raw}'`);
    }
    return value;
}

;// CONCATENATED MODULE: ./src/inputs/wanted-items.ts




const MAX_VALUE_LENGTH = 8000;
/**
 * The wanted state from `items` and/or `items-file`: JSON objects of string
 * (or null) values, `items` winning on a key both name. Every key is checked
 * against the store's limits here, before any request.
 */
function readWantedItems(read, maxKeyLength) {
    const file = read('items-file');
    const fromFile = file === '' ? {} : parseItems('items-file', (0,read_file/* readTextInputFile */.YV)('items-file', file), maxKeyLength);
    const inline = read('items') === '' ? {} : parseItems('items', read('items'), maxKeyLength);
    if (file === '' && read('items') === '') {
        throw new errors/* InputError */.dz(`Input 'items' or 'items-file' is required: a JSON object such as {"key": "value", "gone": null}`);
    }
    return new Map(Object.entries({ ...fromFile, ...inline }));
}
function parseItems(name, text, maxKeyLength) {
    let parsed;
    try {
        parsed = JSON.parse(text);
    }
    catch (error) {
        throw new errors/* InputError */.dz(`Input '${name}' must be valid JSON: ${(0,parsers/* escapeControls */.UN)((0,errors/* messageOf */.bD)(error))}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        const got = Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`;
        throw new errors/* InputError */.dz(`Input '${name}' must be a JSON object of string values, e.g. {"key": "value"}; got ${got}`);
    }
    const duplicate = firstDuplicateKey(text);
    if (duplicate !== undefined) {
        throw new errors/* InputError */.dz(`Input '${name}' names the key '${(0,parsers/* shorten */.ml)(duplicate)}' twice; JSON would keep only the last value, so keep one`);
    }
    for (const [key, value] of Object.entries(parsed)) {
        if (key.trim() === '')
            throw new errors/* InputError */.dz(`Input '${name}' has an empty key; every key needs a name`);
        if (key.length > maxKeyLength) {
            throw new errors/* InputError */.dz(`Input '${name}' key '${(0,parsers/* escapeControls */.UN)(key.slice(0, 40))}…' is ${key.length} characters; the limit is ${maxKeyLength}`);
        }
        if (value !== null && typeof value !== 'string') {
            throw new errors/* InputError */.dz(`Input '${name}' key '${(0,parsers/* shorten */.ml)(key)}' must have a string value (or null to delete it), got ${(0,parsers/* shorten */.ml)(JSON.stringify(value), 80)}`);
        }
        if (typeof value === 'string' && value.length > MAX_VALUE_LENGTH) {
            throw new errors/* InputError */.dz(`Input '${name}' key '${(0,parsers/* shorten */.ml)(key)}' has a value of ${value.length} characters; the limit is ${MAX_VALUE_LENGTH}`);
        }
    }
    return parsed;
}

;// CONCATENATED MODULE: ./src/inputs/settings.ts








const MODES = [
    'purge-keys',
    'purge-urls',
    'purge-all',
    'activate',
    'update-dictionary',
    'update-config-store',
    'stats',
    'update-kv-store',
    'update-acl'
];
/** The modes that change configuration: they plan first, and take the plan comment and require-reviewed-plan. */
const PLANNED = ['activate', 'update-dictionary', 'update-config-store', 'update-kv-store', 'update-acl'];
/** Fastly's key limits: dictionaries 256 characters, config stores 255. */
const MAX_DICTIONARY_KEY = 256;
const MAX_CONFIG_STORE_KEY = 255;
/**
 * Which modes use each optional input, to warn about inputs a mode ignores.
 * Only inputs without a default: the runner sets defaulted ones on every run.
 */
const INPUT_MODES = {
    keys: ['purge-keys'],
    'keys-file': ['purge-keys'],
    urls: ['purge-urls'],
    'urls-file': ['purge-urls'],
    comment: ['activate'],
    'vcl-files': ['activate'],
    package: ['activate'],
    'health-check-url': ['activate'],
    'wait-for-url': ['purge-keys', 'purge-urls', 'purge-all'],
    'wait-for-text': ['purge-keys', 'purge-urls', 'purge-all'],
    'purge-twice-delay': ['purge-keys', 'purge-urls', 'purge-all'],
    'service-id': ['purge-keys', 'purge-urls', 'purge-all', 'activate', 'update-dictionary', 'stats', 'update-acl'],
    'min-hit-ratio': ['stats'],
    'max-error-ratio': ['stats'],
    dictionary: ['update-dictionary'],
    'config-store': ['update-config-store'],
    items: ['update-dictionary', 'update-config-store', 'update-kv-store'],
    'items-file': ['update-dictionary', 'update-config-store', 'update-kv-store'],
    'kv-store': ['update-kv-store'],
    acl: ['update-acl'],
    'compute-acl': ['update-acl'],
    entries: ['update-acl'],
    'entries-file': ['update-acl']
};
/** Inputs that mean something only next to another setting, to warn when that setting is missing. */
const INPUT_NEEDS = [
    { name: 'wait-for-text', where: "without 'wait-for-url'", missing: read => read('wait-for-url') === '' },
    { name: 'purge-twice-delay', where: "without 'purge-twice: true'", missing: read => read('purge-twice').toLowerCase() !== 'true' },
    { name: 'comment', where: "with 'clone: false' (the version is not a new clone)", missing: read => read('clone').toLowerCase() === 'false' },
    { name: 'service-id', where: "with 'compute-acl' (a Compute ACL belongs to the account, not to a service)", missing: read => read('mode') === 'update-acl' && read('compute-acl') !== '' }
];
const SERVICE_ID = /^[A-Za-z0-9]+$/;
const DAY = 86_400;
/** With backoff capped at 20 s a retry, 20 retries already outlast any real outage a step should wait through. */
const MAX_RETRIES = 20;
/**
 * readSettings, then what can only be read streamed: the Compute package is
 * gunzipped, unpacked and hashed here, still before any request is sent. Its
 * reader (tar, gzip, TOML) is loaded only by a run that has a package.
 */
async function readInputs(read, nowMs = Date.now()) {
    const parsed = readSettings(read, nowMs);
    const path = read('package');
    if (parsed.settings.mode !== 'activate' || path === '')
        return parsed;
    const { readComputePackage } = await Promise.all(/* import() */[__nccwpck_require__.e(395), __nccwpck_require__.e(885)]).then(__nccwpck_require__.bind(__nccwpck_require__, 885));
    return { ...parsed, settings: { ...parsed.settings, package: await readComputePackage(path) } };
}
function readSettings(read, nowMs = Date.now()) {
    const mode = readMode(read);
    const common = readCommon(read);
    const usedByMode = (name) => INPUT_MODES[name]?.includes(mode) ?? true;
    const warnings = [
        ...Object.keys(INPUT_MODES)
            .filter(name => read(name) !== '' && !usedByMode(name))
            .map(name => `Input '${name}' is not used by mode '${mode}' and was ignored`),
        ...INPUT_NEEDS.filter(({ name, missing }) => read(name) !== '' && usedByMode(name) && missing(read)).map(({ name, where }) => `Input '${name}' is not used ${where} and was ignored`)
    ];
    if (common.review.requireReviewedPlan && !PLANNED.includes(mode)) {
        throw new errors/* InputError */.dz(`Input 'require-reviewed-plan' is 'true' but mode '${mode}' makes no plan to review; it applies to ${PLANNED.map(m => `'${m}'`).join(', ')}`);
    }
    return { settings: readModeSettings(read, mode, common, nowMs), warnings };
}
function readMode(read) {
    return (0,parsers/* readChoice */.Kf)(read, 'mode', MODES);
}
function readCommon(read) {
    const token = read('api-token');
    if (token === '') {
        throw new errors/* InputError */.dz("Input 'api-token' is required: a Fastly API token, e.g. ${{ secrets.FASTLY_API_TOKEN }}");
    }
    if (/\s/.test(token)) {
        throw new errors/* InputError */.dz("Input 'api-token' must be one token without spaces or line breaks; check the secret's value");
    }
    // Node refuses such a header at the first request, with an error that blames the network.
    if (/[^\x21-\x7e]/.test(token)) {
        throw new errors/* InputError */.dz("Input 'api-token' holds a character an HTTP header cannot carry (a token is letters, digits and punctuation); check the secret's value");
    }
    const apiUrl = (0,parsers/* parseHttpUrl */.f$)('api-url', read('api-url') || 'https://api.fastly.com');
    const serviceIds = (0,parsers/* splitList */.ry)(read('service-id'));
    const badId = serviceIds.find(id => !SERVICE_ID.test(id));
    if (badId !== undefined) {
        throw new errors/* InputError */.dz(`Input 'service-id' must be Fastly service IDs (letters and digits), got '${badId}'`);
    }
    return {
        token,
        apiUrl: apiUrl.href.replace(/\/+$/, ''),
        serviceIds,
        dryRun: (0,parsers/* readBoolean */.Vf)(read, 'dry-run', false),
        tokenCheck: (0,parsers/* readBoolean */.Vf)(read, 'token-check', true),
        maxRetries: (0,parsers/* readInteger */.JI)(read, 'max-retries', 5, { min: 0, max: MAX_RETRIES }),
        requestTimeoutMs: readSeconds(read, 'request-timeout', 30, { min: 1, max: 300 }) * 1000,
        review: readReview(read)
    };
}
function readReview(read) {
    const githubToken = read('github-token');
    if (/[^\x21-\x7e]/.test(githubToken)) {
        throw new errors/* InputError */.dz("Input 'github-token' must be one token without spaces or line breaks; the default, ${{ github.token }}, is the job's own");
    }
    const planComment = read('plan-comment') === '' ? 'auto' : (0,parsers/* readChoice */.Kf)(read, 'plan-comment', ['auto', 'true', 'false']);
    return { githubToken, planComment, requireReviewedPlan: (0,parsers/* readBoolean */.Vf)(read, 'require-reviewed-plan', false) };
}
function readModeSettings(read, mode, common, nowMs) {
    switch (mode) {
        case 'purge-keys':
            return {
                ...requireServices(common, mode),
                ...readPurgeCommon(read, mode),
                mode,
                keys: requireItems((0,parsers/* readListWithFile */.bu)(read, 'keys', 'keys-file', parsers/* surrogateKey */.GC), 'keys', 'surrogate key'),
                soft: (0,parsers/* readBoolean */.Vf)(read, 'soft-purge', true)
            };
        case 'purge-urls': {
            const purge = readPurgeCommon(read, mode);
            if (purge.environment === 'staging' && common.serviceIds.length === 0) {
                throw new errors/* InputError */.dz("Input 'service-id' is required for mode 'purge-urls' with 'environment: staging': a URL is purged on staging by a PURGE sent to the staging IP of its host, read from the service's domains");
            }
            return {
                ...common,
                ...purge,
                mode,
                urls: requireItems((0,parsers/* readListWithFile */.bu)(read, 'urls', 'urls-file', parsers/* purgeUrl */.JU), 'urls', 'URL'),
                soft: (0,parsers/* readBoolean */.Vf)(read, 'soft-purge', true),
                concurrency: (0,parsers/* readInteger */.JI)(read, 'concurrency', 16, { min: 1, max: 64 })
            };
        }
        case 'purge-all':
            return { ...requireServices(common, mode), ...readPurgeCommon(read, mode), mode };
        case 'activate':
            return readActivate(read, requireServices(common, mode));
        case 'update-dictionary':
            return {
                ...requireServices(common, mode),
                mode,
                dictionary: requireInput(read, mode, 'dictionary', 'the edge dictionary name'),
                ...readItems(read, MAX_DICTIONARY_KEY)
            };
        case 'update-config-store':
            return {
                ...withoutServices(common),
                mode,
                configStore: requireInput(read, mode, 'config-store', 'the config store name or ID'),
                ...readItems(read, MAX_CONFIG_STORE_KEY)
            };
        case 'stats':
            return {
                ...requireServices(common, mode),
                mode,
                window: readStatsWindow(read, nowMs),
                minHitRatio: readRatio(read, 'min-hit-ratio'),
                maxErrorRatio: readRatio(read, 'max-error-ratio')
            };
        case 'update-kv-store':
            return readKvStore(read, common);
        case 'update-acl':
            return readAcl(read, common);
    }
}
function readKvStore(read, common) {
    const kvStore = requireInput(read, 'update-kv-store', 'kv-store', 'the KV store name or ID');
    const items = readWantedKvItems(read);
    const deleteMissing = (0,parsers/* readBoolean */.Vf)(read, 'delete-missing', false);
    refuseEmptied(read, deleteMissing, ![...items.values()].some(value => value !== null), "'items' and 'items-file' keep no key", 'key in the store');
    return { ...withoutServices(common), mode: 'update-kv-store', kvStore, items, deleteMissing };
}
function readAcl(read, common) {
    const vclName = read('acl');
    const computeName = read('compute-acl');
    if (vclName === '' && computeName === '') {
        throw new errors/* InputError */.dz("Input 'acl' or 'compute-acl' is required for mode 'update-acl': the name of a VCL service's ACL (with 'service-id'), or a Compute ACL's name or ID");
    }
    if (vclName !== '' && computeName !== '') {
        throw new errors/* InputError */.dz("Inputs 'acl' and 'compute-acl' are both set; set exactly one: 'acl' for a VCL service's ACL, 'compute-acl' for a Compute ACL");
    }
    const acl = vclName !== ''
        ? { kind: 'vcl-acl', name: vclName, entries: readWantedAclEntries(read, parseVclAclEntries) }
        : { kind: 'compute-acl', name: computeName, entries: readWantedAclEntries(read, parseComputeAclEntries) };
    const deleteMissing = (0,parsers/* readBoolean */.Vf)(read, 'delete-missing', false);
    refuseEmptied(read, deleteMissing, acl.entries.length === 0, "'entries' and 'entries-file' hold no entry", 'entry in the ACL');
    return { ...(acl.kind === 'vcl-acl' ? requireServices(common, 'update-acl') : withoutServices(common)), mode: 'update-acl', acl, deleteMissing };
}
function refuseEmptied(read, deleteMissing, keepsNone, what, thing) {
    const allowEmpty = (0,parsers/* readBoolean */.Vf)(read, 'allow-empty', false);
    if (deleteMissing && keepsNone && !allowEmpty) {
        throw new errors/* InputError */.dz(`Input 'delete-missing' is 'true' but ${what}, so every ${thing} would be deleted; set 'allow-empty: true' if emptying it is meant`);
    }
}
/**
 * With `delete-missing`, a wanted state that keeps no key deletes everything:
 * an emptied file or a `{}` left in by mistake must not do that silently.
 */
function readItems(read, maxKeyLength) {
    const items = readWantedItems(read, maxKeyLength);
    const deleteMissing = (0,parsers/* readBoolean */.Vf)(read, 'delete-missing', false);
    const allowEmpty = (0,parsers/* readBoolean */.Vf)(read, 'allow-empty', false);
    const keepsNone = ![...items.values()].some(value => value !== null);
    if (deleteMissing && keepsNone && !allowEmpty) {
        throw new errors/* InputError */.dz("Input 'delete-missing' is 'true' but 'items' and 'items-file' keep no key, so every item in the store would be deleted; " +
            "set 'allow-empty: true' if emptying it is meant");
    }
    return { items, deleteMissing };
}
function requireInput(read, mode, name, what) {
    const value = read(name);
    if (value === '')
        throw new errors/* InputError */.dz(`Input '${name}' is required for mode '${mode}': ${what}`);
    return value;
}
/** Fastly's purging guide: about 2 s between passes for URL and key purges, about 30 s for purge-all. */
function readPurgeCommon(read, mode) {
    const environment = readEnvironment(read);
    const twice = (0,parsers/* readBoolean */.Vf)(read, 'purge-twice', false);
    const delay = readSeconds(read, 'purge-twice-delay', mode === 'purge-all' ? 30 : 2, { min: 0, max: DAY });
    const url = read('wait-for-url');
    // Below a second the origin cannot answer the 3 consecutive tries a wait needs.
    const timeout = readSeconds(read, 'wait-timeout', 600, { min: 1, max: DAY });
    let waitFor;
    if (url !== '') {
        const href = (0,parsers/* parseHttpUrl */.f$)('wait-for-url', url).href;
        const text = read('wait-for-text') || process.env.GITHUB_SHA || '';
        if (text === '') {
            throw new errors/* InputError */.dz("Input 'wait-for-text' is required with 'wait-for-url' when the run has no commit SHA (GITHUB_SHA)");
        }
        waitFor = { url: href, text, timeoutMs: timeout * 1000 };
    }
    return { environment, waitFor, secondPassDelayMs: twice ? delay * 1000 : undefined };
}
function readEnvironment(read) {
    return read('environment') === '' ? 'production' : (0,parsers/* readChoice */.Kf)(read, 'environment', ['production', 'staging']);
}
function readSeconds(read, name, fallback, range) {
    const raw = read(name);
    if (raw === '')
        return fallback;
    const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
    if (value >= range.min && value <= range.max)
        return value;
    throw new errors/* InputError */.dz(`Input '${name}' must be a number of seconds from ${range.min} to ${range.max}, got '${raw}'`);
}
function readActivate(read, common) {
    const clone = (0,parsers/* readBoolean */.Vf)(read, 'clone', true);
    if (read('vcl-files') !== '' && !clone) {
        throw new errors/* InputError */.dz("Input 'vcl-files' needs 'clone: true': VCL is uploaded into a new clone, never into an existing version");
    }
    if (read('package') !== '') {
        if (read('vcl-files') !== '') {
            throw new errors/* InputError */.dz("Inputs 'package' and 'vcl-files' exclude each other: a Compute service deploys a package, a VCL service its VCL; set one");
        }
        if (!clone) {
            throw new errors/* InputError */.dz("Input 'package' needs 'clone: true': a package is uploaded into a new clone, never into an existing version");
        }
    }
    const vclFiles = readVclFiles(read('vcl-files'));
    return {
        ...common,
        mode: 'activate',
        version: readVersion(read),
        clone,
        comment: read('comment') || defaultComment(),
        vclFiles,
        vclMain: read('vcl-main') || 'main',
        package: undefined,
        environment: readEnvironment(read),
        healthCheckUrl: read('health-check-url') === '' ? undefined : (0,parsers/* parseHttpUrl */.f$)('health-check-url', read('health-check-url')).href,
        healthCheckTimeoutMs: (0,parsers/* readInteger */.JI)(read, 'health-check-timeout', 60, { min: 1, max: 3600 }) * 1000,
        lint: (0,parsers/* readBoolean */.Vf)(read, 'lint', true)
    };
}
function readVersion(read) {
    const raw = read('version') || 'active';
    if (raw === 'active' || raw === 'latest' || raw === 'staged')
        return raw;
    if (/^\d+$/.test(raw) && Number(raw) >= 1 && Number.isSafeInteger(Number(raw)))
        return Number(raw);
    throw new errors/* InputError */.dz(`Input 'version' must be 'active', 'latest', 'staged' or a version number, got '${raw}'`);
}
/** An account's store or ACL: a 'service-id' given anyway was warned about as ignored, so the token check must not judge it either. */
function withoutServices(common) {
    return { ...common, serviceIds: [] };
}
function requireServices(common, mode) {
    if (common.serviceIds.length === 0) {
        throw new errors/* InputError */.dz(`Input 'service-id' is required for mode '${mode}': one or more Fastly service IDs`);
    }
    return common;
}
function requireItems(items, name, what) {
    if (items.length === 0) {
        throw new errors/* InputError */.dz(`Input '${name}' or '${name}-file' must name at least one ${what} (separated by commas, spaces or newlines)`);
    }
    return items;
}
/** The comment needs nothing from the event payload: one that cannot be read must not stop an activation. */
function defaultComment() {
    return versionComment(readRunContext({ env: { ...process.env, GITHUB_EVENT_PATH: undefined } }));
}

;// CONCATENATED MODULE: external "node:timers/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:timers/promises");
;// CONCATENATED MODULE: ./src/github/errors.ts

/** A GitHub API call that failed: what was asked, and GitHub's reason, never the token. */
class GitHubError extends errors/* ActionError */.lZ {
    method;
    path;
    status;
    name = 'GitHubError';
    constructor(method, path, 
    /** undefined when no answer came. */
    status, message) {
        super(message);
        this.method = method;
        this.path = path;
        this.status = status;
    }
}
/**
 * The token may not do this (a fork's pull request gets a read-only token
 * whatever the workflow asks). The caller can warn with this message and go on.
 */
class GitHubPermissionError extends GitHubError {
    permission;
    name = 'GitHubPermissionError';
    constructor(method, path, reason, 
    /** As a workflow writes it, e.g. `pull-requests: write`. */
    permission, accepted) {
        const grants = accepted ? `; GitHub accepts ${accepted}` : '';
        super(method, path, 403, `GitHub API ${method} ${path}: HTTP 403 (${reason}): the github-token lacks permission${grants}. `
            + `Give the job 'permissions: ${permission}'; a pull request from a fork gets a read-only token whatever the workflow asks`);
        this.permission = permission;
    }
}
/** GitHub's rate limit outlasted the retries or the wait the action allows. */
class GitHubRateLimitError extends GitHubError {
    name = 'GitHubRateLimitError';
}

;// CONCATENATED MODULE: ./src/github/client.ts


const DEFAULT_RETRIES = 2;
const DEFAULT_TIMEOUT_MS = 30_000;
/** Past this, a rate-limited request fails instead of waiting: a plan comment is not worth holding a deploy up. */
const client_MAX_RATE_LIMIT_WAIT_MS = 120_000;
/** GitHub asks for at least a minute when a secondary limit names no retry-after. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;
const READ_BACKOFF_MS = 1_000;
const client_MAX_REASON = 300;
/**
 * GitHub's REST API through @actions/github's octokit, which is loaded (about
 * 1 MB of octokit and undici) on the first request only: runs that never call
 * GitHub never load it. Secondary rate limits (403 or 429 with retry-after) are
 * waited out a few times with the injected sleep; reads also retry outages.
 */
class GitHub {
    options;
    octokit;
    scrub;
    origin;
    constructor(options) {
        this.options = options;
        this.scrub = scrubberFor(options.token);
        this.origin = new URL(options.apiUrl).origin;
    }
    async request(request) {
        const { maxRetries = DEFAULT_RETRIES, sleep, log } = this.options;
        const shown = this.pathOf(request.url);
        const octokit = await this.client();
        let waited = 0;
        for (let retry = 0;; retry++) {
            let failure;
            try {
                const answer = await octokit.request({
                    method: request.method,
                    url: request.url,
                    ...(request.json === undefined ? {} : { data: request.json }),
                    request: { signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS) }
                });
                return { status: answer.status, data: answer.data, headers: answer.headers };
            }
            catch (error) {
                failure = failureOf(error);
            }
            const wait = this.rateLimitWait(failure);
            const canRetry = retry < maxRetries;
            if (wait !== undefined) {
                if (!canRetry || waited + wait > client_MAX_RATE_LIMIT_WAIT_MS) {
                    throw new GitHubRateLimitError(request.method, shown, failure.status, `GitHub API ${request.method} ${shown}: rate limited (HTTP ${failure.status}, ${this.reason(failure)}) `
                        + `after ${retry} ${retry === 1 ? 'retry' : 'retries'}; GitHub asked to wait ${Math.ceil(wait / 1000)} s more`);
                }
                waited += wait;
                log?.(`GitHub API ${request.method} ${shown}: rate limited; retry ${retry + 1} of ${maxRetries} in ${Math.ceil(wait / 1000)} s`);
                await sleep(wait);
                continue;
            }
            // A write that got no answer, or a 5xx, may have happened: repeating it could post a second comment.
            const outage = failure.status === undefined || failure.status >= 500;
            if (outage && request.method === 'GET' && canRetry) {
                const backoff = READ_BACKOFF_MS * 2 ** retry;
                log?.(`GitHub API GET ${shown}: ${this.reason(failure)}; retry ${retry + 1} of ${maxRetries} in ${backoff / 1000} s`);
                await sleep(backoff);
                continue;
            }
            throw this.errorOf(request, shown, failure, retry);
        }
    }
    /** The path a Link header's `next` names, when it stays on the API's host: the token goes nowhere else. */
    nextPage(answer) {
        const link = answer.headers.link;
        if (typeof link !== 'string')
            return undefined;
        for (const part of link.split(',')) {
            const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
            if (!match || !/\brel="?([^"]*\s)?next(\s[^"]*)?"?/.test(match[2]))
                continue;
            const url = new URL(match[1], this.options.apiUrl);
            if (url.origin !== this.origin) {
                throw new GitHubError('GET', this.pathOf(url.pathname), undefined, `GitHub API paging link leads off the API's host (${this.scrub(url.origin)}, not ${this.origin}): not followed, so the github-token goes nowhere else`);
            }
            return url.href;
        }
        return undefined;
    }
    client() {
        // octokit's own warnings (a deprecation header GitHub sends) would reach the console unescaped.
        const say = (message) => this.options.log?.(`GitHub API: ${this.scrub(message)}`);
        const log = { debug: () => undefined, info: () => undefined, warn: say, error: say };
        this.octokit ??= __nccwpck_require__.e(/* import() */ 413).then(__nccwpck_require__.bind(__nccwpck_require__, 2413)).then(({ getOctokit }) => getOctokit(this.options.token, { baseUrl: this.options.apiUrl.replace(/\/+$/, ''), log }));
        return this.octokit;
    }
    rateLimitWait(failure) {
        const { status, headers } = failure;
        if (status !== 403 && status !== 429)
            return undefined;
        const retryAfter = Number(headers['retry-after']);
        if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0)
            return retryAfter * 1000;
        if (String(headers['x-ratelimit-remaining']) === '0') {
            const reset = Number(headers['x-ratelimit-reset']) * 1000;
            const now = (this.options.now ?? Date.now)();
            return Number.isFinite(reset) && reset > now ? reset - now : SECONDARY_LIMIT_WAIT_MS;
        }
        if (status === 429 || /secondary rate limit/i.test(failure.message))
            return SECONDARY_LIMIT_WAIT_MS;
        return undefined;
    }
    errorOf(request, shown, failure, retries) {
        const { method } = request;
        const reason = this.reason(failure);
        const { status } = failure;
        if (status === 403) {
            const accepted = failure.headers['x-accepted-github-permissions'];
            return new GitHubPermissionError(method, shown, reason, request.permission, accepted === undefined ? undefined : this.scrub(String(accepted)).slice(0, client_MAX_REASON));
        }
        if (status === undefined) {
            const tries = retries > 0 ? ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : '';
            return new GitHubError(method, shown, undefined, `GitHub API ${method} ${shown}: no answer (${reason})${tries}`);
        }
        const hint = status === 401
            ? `: the github-token is not valid; pass a working token in 'github-token' (the default, \${{ github.token }}, works within its own repository)`
            : status === 404
                ? `: the repository, pull request or comment does not exist, or the github-token may not see it ('permissions: ${request.permission}')`
                : '';
        return new GitHubError(method, shown, status, `GitHub API ${method} ${shown}: HTTP ${status} (${reason})${hint}`);
    }
    reason(failure) {
        const text = this.scrub(failure.message).replace(/\s+/g, ' ').trim();
        return text.length > client_MAX_REASON ? `${text.slice(0, client_MAX_REASON)}…` : text || 'no reason given';
    }
    pathOf(url) {
        const parsed = new URL(url, this.options.apiUrl);
        const base = new URL(this.options.apiUrl).pathname.replace(/\/+$/, '');
        const path = parsed.pathname.startsWith(`${base}/`) ? parsed.pathname.slice(base.length) : parsed.pathname;
        return this.scrub(path);
    }
}
/** octokit's RequestError, read by shape: its class lives in the module that is loaded late. */
function failureOf(error) {
    const shaped = error;
    const response = shaped?.response;
    if (response === undefined || typeof shaped.status !== 'number') {
        const cause = shaped?.cause;
        const detail = [shaped?.message, cause?.code, cause?.message].filter(part => typeof part === 'string' && part !== '');
        return { status: undefined, headers: {}, message: [...new Set(detail)].join(': ') || String(error) };
    }
    return { status: shaped.status, headers: response.headers ?? {}, message: messageOf(response.data) };
}
function messageOf(data) {
    if (typeof data === 'string')
        return data;
    if (typeof data !== 'object' || data === null)
        return '';
    const { message, errors } = data;
    const details = Array.isArray(errors)
        ? errors.map(e => (typeof e === 'string' ? e : e?.message)).filter((m) => typeof m === 'string')
        : [];
    return [typeof message === 'string' ? message : '', ...details].filter(Boolean).join(': ');
}

;// CONCATENATED MODULE: ./src/github/plan-comment.ts


/** GitHub refuses a longer comment body (counted in characters; UTF-16 units here, never fewer). */
const COMMENT_LIMIT = 65_536;
/** The plan blob failed to read back: edited by hand, or written for another mode or target. */
class PlanDataError extends errors/* ActionError */.lZ {
    name = 'PlanDataError';
}
const MARKER_PREFIX = '<!-- fastly-deploy-action plan:';
const DATA_PREFIX = '<!-- fastly-deploy-action plan-data:';
const DATA_LINE = /^<!-- fastly-deploy-action plan-data: ([A-Za-z0-9+/=]*) -->$/m;
const plan_comment_PER_PAGE = 100;
/**
 * Plan data is nested some 10 levels deep. JSON.parse reads any depth, but what walks the reviewed plan
 * afterwards (its digest, the differences) recurses, and would overflow the stack on a few thousand.
 */
const MAX_DEPTH = 32;
/** 100,000 comments: past this a Link header that never ends is a loop. */
const plan_comment_MAX_PAGES = 1000;
const NOTICE_TITLES = 10;
const NOTICE_TITLE_CHARS = 100;
const WRITE = 'pull-requests: write';
const READ = 'pull-requests: read';
const isBot = (author) => author.type === 'Bot';
/**
 * The hidden first line that names a plan comment. Targets are sorted and
 * percent-encoded, so no name can end the HTML comment early or pass for another.
 */
function planMarker({ mode, targets }) {
    const names = [...new Set(targets)].sort().map(encodeURIComponent).join(',');
    return `${MARKER_PREFIX} ${encodeURIComponent(mode)} ${names} -->`;
}
/**
 * The comment body: the marker, the plan blob, the headline, as many sections as
 * fit in GitHub's limit (the one that does not fit cut at a line when it is code),
 * a notice saying what was cut, and the footer.
 */
function renderPlanComment(content, limit = COMMENT_LIMIT) {
    const hidden = `${planMarker(content.key)}\n${DATA_PREFIX} ${planBlob(content)} -->`;
    const head = [hidden, noMentions(content.headline)];
    const footer = noMentions(content.footer);
    const fixed = plan_comment_join([...head, footer]).length;
    if (fixed > limit) {
        throw new PlanDataError(`The plan comment cannot fit GitHub's ${plan_comment_count(limit)}-character limit: its plan data, headline and footer alone take ${plan_comment_count(fixed)}`);
    }
    const rendered = content.sections.map(section => renderSection(section));
    if (plan_comment_join([...head, ...rendered, footer]).length <= limit)
        return { body: plan_comment_join([...head, ...rendered, footer]), cut: undefined };
    for (let reserve = 0;;) {
        const { parts, cut } = fit(content.sections, rendered, limit - fixed - reserve);
        const notice = cutNotice(cut, content.fullPlanUrl);
        // Separators: one before the notice, and one per part, bounded by what `fixed` did not count.
        const body = plan_comment_join([...head, ...parts, notice, footer]);
        if (body.length <= limit)
            return { body, cut };
        reserve += body.length - limit;
    }
}
/** The plan a found comment holds, checked against the mode and target it is read for. */
function readPlanData(body, key) {
    const first = body.split('\n', 1)[0];
    const match = DATA_LINE.exec(body);
    const fix = 'run the pull request\'s workflow again to write it afresh';
    if (first !== planMarker(key))
        throw new PlanDataError(`The plan comment is not for ${plan_comment_describe(key)}: ${fix}`);
    if (!match)
        throw new PlanDataError(`The plan comment for ${plan_comment_describe(key)} holds no plan data (edited by hand?): ${fix}`);
    let data;
    try {
        data = JSON.parse(Buffer.from(match[1], 'base64').toString('utf8'));
    }
    catch {
        throw new PlanDataError(`The plan comment for ${plan_comment_describe(key)} holds plan data that does not read back (edited by hand?): ${fix}`);
    }
    if (!nestedWithin(data, MAX_DEPTH)) {
        throw new PlanDataError(`The plan comment for ${plan_comment_describe(key)} holds plan data nested deeper than any plan (edited by hand?): ${fix}`);
    }
    const { mode, targets, plan } = (data ?? {});
    if (mode !== key.mode || !Array.isArray(targets) || planMarker({ mode: key.mode, targets }) !== planMarker(key) || plan === undefined) {
        throw new PlanDataError(`The plan comment for ${plan_comment_describe(key)} holds plan data for another mode or target (edited by hand?): ${fix}`);
    }
    return plan;
}
/** The plan comment for `key` on the pull request, paging through every comment until it is found. */
async function findPlanComment(github, pull, key, { trust = isBot } = {}) {
    const marker = planMarker(key);
    let url = `${repoPath(pull)}/issues/${pull.number}/comments?per_page=${plan_comment_PER_PAGE}`;
    const seen = new Set();
    for (let page = 0; url !== undefined && page < plan_comment_MAX_PAGES && !seen.has(url); page++) {
        seen.add(url);
        const answer = await github.request({ method: 'GET', url, permission: READ });
        if (!Array.isArray(answer.data))
            throw new errors/* ActionError */.lZ(`GitHub answered the comments of pull request #${pull.number} with something other than a list`);
        for (const raw of answer.data) {
            const comment = commentOf(raw);
            if (comment && (comment.body === marker || comment.body.startsWith(`${marker}\n`)) && trust(comment.author))
                return comment;
        }
        url = github.nextPage(answer);
    }
    return undefined;
}
/** Creates the plan comment, or updates the one found in place (sending nothing when it reads the same). */
async function writePlanComment(github, pull, content, options = {}) {
    const { body, cut } = renderPlanComment(content);
    const found = await findPlanComment(github, pull, content.key, options);
    if (found && found.body === body)
        return { comment: found, action: 'unchanged', cut };
    const answer = found
        ? await github.request({ method: 'PATCH', url: `${repoPath(pull)}/issues/comments/${found.id}`, json: { body }, permission: WRITE })
        : await github.request({ method: 'POST', url: `${repoPath(pull)}/issues/${pull.number}/comments`, json: { body }, permission: WRITE });
    const comment = commentOf(answer.data);
    if (!comment)
        throw new errors/* ActionError */.lZ(`GitHub answered the plan comment's ${found ? 'update' : 'creation'} without the comment`);
    return { comment, action: found ? 'updated' : 'created', cut };
}
function planBlob({ key, plan }) {
    const targets = [...new Set(key.targets)].sort();
    return Buffer.from(JSON.stringify({ mode: key.mode, targets, plan }), 'utf8').toString('base64');
}
/** `text`: the part of the section's code to show. */
function renderSection(section, text = section.code?.text) {
    const title = noMentions(html_escape(section.title.replace(/\s+/g, ' ')));
    const body = [section.markdown === undefined ? '' : noMentions(section.markdown), text === undefined ? '' : codeBlock(section.code?.language ?? '', text, section.code?.text ?? '')]
        .filter(Boolean).join('\n\n');
    return section.collapsed
        ? `<details><summary>${title}</summary>\n\n${body}\n\n</details>`
        : `#### ${title}${body === '' ? '' : `\n\n${body}`}`;
}
/** The sections that fit in `room`; the first that does not is cut at a line if it is code, and the rest are left out. */
function fit(sections, rendered, room) {
    const parts = [];
    let left = room;
    for (const [i, section] of sections.entries()) {
        const whole = rendered[i];
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
function prefixWithin(text, room) {
    if (room <= 0)
        return '';
    if (text.length <= room)
        return text;
    const lineEnd = text.lastIndexOf('\n', room);
    if (lineEnd > 0)
        return text.slice(0, lineEnd);
    // One line longer than the room: cut inside it, never between the halves of a surrogate pair.
    const at = /[\uD800-\uDBFF]/.test(text.charAt(room - 1)) ? room - 1 : room;
    return text.slice(0, at);
}
function cutNotice(cut, fullPlanUrl) {
    const parts = [];
    if (cut.partial) {
        const { title, shownLines, totalLines } = cut.partial;
        parts.push(`${plan_comment_count(shownLines)} of ${plan_comment_count(totalLines)} lines of ${quoted(title)} are shown`);
    }
    if (cut.omitted.length > 0) {
        const named = cut.omitted.slice(0, NOTICE_TITLES).map(quoted).join(', ');
        const more = cut.omitted.length > NOTICE_TITLES ? ` and ${plan_comment_count(cut.omitted.length - NOTICE_TITLES)} more` : '';
        parts.push(`left out: ${named}${more}`);
    }
    const where = fullPlanUrl && /^https?:\/\//.test(fullPlanUrl)
        ? ` The whole plan is in the job summary of [the run](${encodeURI(fullPlanUrl).replace(/[()]/g, c => encodeURIComponent(c))}).`
        : ' The whole plan is in the job summary of the run.';
    return `> **Cut to fit GitHub's ${plan_comment_count(COMMENT_LIMIT)}-character comment limit:** ${parts.join('; ')}.${where} The plan data and digest cover everything.`;
}
function quoted(title) {
    const flat = title.replace(/\s+/g, ' ');
    const short = flat.length > NOTICE_TITLE_CHARS ? `${flat.slice(0, NOTICE_TITLE_CHARS)}…` : flat;
    return `“${noMentions(html_escape(short))}”`;
}
/** A fence longer than any run of backticks in the text, so no line of it can close the block. */
function codeBlock(language, text, whole) {
    const longest = Math.max(0, ...[...whole.matchAll(/`+/g)].map(m => m[0].length));
    const fence = '`'.repeat(Math.max(3, longest + 1));
    const info = language.replace(/[^\w+-]/g, '');
    return `${fence}${info}\n${text}\n${fence}`;
}
/**
 * An @ before a name would notify that user or team when the comment is posted;
 * a word joiner after it keeps the text and drops the mention. Code blocks never mention.
 */
function noMentions(markdown) {
    return markdown.replace(/@(?=[A-Za-z0-9])/g, '@\u2060');
}
function commentOf(raw) {
    if (typeof raw !== 'object' || raw === null)
        return undefined;
    const { id, html_url: url, body, user } = raw;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || typeof url !== 'string')
        return undefined;
    return {
        id,
        url,
        body: typeof body === 'string' ? body : '',
        author: { login: typeof user?.login === 'string' ? user.login : '', type: typeof user?.type === 'string' ? user.type : '' }
    };
}
/** Whether no object or array in `value` lies more than `max` levels deep; walked without recursion. */
function nestedWithin(value, max) {
    const pending = [{ value, depth: 0 }];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
        if (typeof next.value !== 'object' || next.value === null)
            continue;
        if (next.depth >= max)
            return false;
        for (const child of Object.values(next.value))
            pending.push({ value: child, depth: next.depth + 1 });
    }
    return true;
}
function repoPath({ owner, repo }) {
    return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
}
function plan_comment_describe({ mode, targets }) {
    return `mode '${mode}' on ${[...new Set(targets)].sort().join(', ')}`;
}
function plan_comment_join(parts) {
    return parts.filter(part => part !== '').join('\n\n');
}
function plan_comment_count(n) {
    return n.toLocaleString('en-US');
}

;// CONCATENATED MODULE: ./src/github/pulls.ts

const pulls_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const HOW_TO = 'Deploy with require-reviewed-plan from the push that merges a reviewed pull request '
    + '(its pull_request run writes the plan comment), or set require-reviewed-plan: false';
/**
 * The pull request a pushed commit came from: the one merged as this very
 * commit, else the one whose head it is. A commit pushed straight to a branch,
 * or the head of several open pull requests, has none the action can trust.
 */
async function pullRequestOfCommit(github, { owner, repo }, sha) {
    if (!pulls_SHA.test(sha))
        throw new errors/* ActionError */.lZ(`Cannot look up the pull request of commit '${sha}': not a full commit SHA`);
    const short = sha.slice(0, 7);
    const answer = await github.request({
        method: 'GET',
        url: `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/commits/${sha}/pulls?per_page=100`,
        permission: 'pull-requests: read'
    });
    if (!Array.isArray(answer.data))
        throw new errors/* ActionError */.lZ(`GitHub answered the pull requests of commit ${short} with something other than a list`);
    const pulls = answer.data.flatMap(raw => {
        const pull = pullOf(raw);
        return pull ? [pull] : [];
    });
    const merged = pulls.find(p => p.mergedAt !== undefined && p.mergeCommitSha === sha);
    if (merged)
        return { kind: 'found', pull: merged.pull, how: 'merged' };
    const heads = pulls.filter(p => p.pull.headSha === sha);
    const [head, ...others] = heads;
    if (head && others.length === 0)
        return { kind: 'found', pull: head.pull, how: 'head' };
    const where = `${owner}/${repo}`;
    if (head) {
        return { kind: 'none', message: `Commit ${short} is the head of ${heads.length} pull requests of ${where} (${numbers(heads)}), so which one was reviewed is unclear. ${HOW_TO}` };
    }
    if (pulls.length > 0) {
        return {
            kind: 'none',
            message: `Commit ${short} is in pull requests ${numbers(pulls)} of ${where}, but none was merged as it and none has it as head: it was pushed outside a pull request. ${HOW_TO}`
        };
    }
    return { kind: 'none', message: `Commit ${short} came from no pull request of ${where} that GitHub knows. ${HOW_TO}` };
}
function pullOf(raw) {
    if (typeof raw !== 'object' || raw === null)
        return undefined;
    const { number, html_url: url, state, merged_at: mergedAt, merge_commit_sha: mergeCommitSha, head } = raw;
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0 || typeof url !== 'string')
        return undefined;
    const headSha = head?.sha;
    const merged = typeof mergedAt === 'string' && mergedAt !== '' ? mergedAt : undefined;
    return {
        pull: { number, url, state: typeof state === 'string' ? state : 'unknown', mergedAt: merged, headSha: typeof headSha === 'string' ? headSha : undefined },
        mergedAt: merged,
        mergeCommitSha: typeof mergeCommitSha === 'string' ? mergeCommitSha : undefined
    };
}
function numbers(pulls) {
    return pulls.map(p => `#${p.pull.number}`).join(', ');
}

;// CONCATENATED MODULE: ./src/plan/comment-content.ts



/** One comment per mode and target, whichever workflow writes it. */
function planKey(plan) {
    return { mode: plan.mode, targets: plan.parts.map(part => canonicalPart(part).target) };
}
/**
 * Past this many characters of canonical form (some 300 item changes), the comment keeps the
 * digest alone: GitHub's 65,536 characters must still leave room for the plan a person reads.
 */
const MAX_CANONICAL_CHARS = 30_000;
/** What the comment holds: a headline per target, each kind's sections (diffs folded), the digest and the run. */
function planCommentContent(plan, digest, context) {
    const canonical = canonicalPlan(plan);
    const lines = plan.parts.map(part => html `<li>${html_escape(kindOf(part).headline(part))}</li>`);
    const headline = html `### Fastly ${html_escape(plan.mode)}: the plan\n\n<ul>${join(lines, '')}</ul>`;
    const run = context.runUrl ? html ` · written by <a href="${html_escape(context.runUrl)}">this run</a>` : EMPTY;
    const footer = html `Plan digest ${code(digest)}${run}. A deploy with <code>require-reviewed-plan: true</code> goes ahead only with this same plan.`;
    return {
        key: planKey(plan),
        plan: canonicalJson(canonical).length <= MAX_CANONICAL_CHARS ? { digest, canonical } : { digest },
        headline,
        sections: plan.parts.flatMap(part => kindOf(part).sections(part)),
        footer,
        ...(context.runUrl ? { fullPlanUrl: context.runUrl } : {})
    };
}

;// CONCATENATED MODULE: ./src/plan/differences.ts



/**
 * What differs between a reviewed plan (its canonical form, read back from a
 * plan comment, so untrusted in shape) and the fresh one, as sentences: a
 * target added or gone, and per target what its kind finds.
 */
function planDifferences(reviewed, fresh) {
    const was = read_back_record(reviewed);
    const out = [];
    if (field(was, 'mode') !== fresh.mode)
        out.push(`the reviewed plan is for mode '${read_back_text(field(was, 'mode'))}'`);
    const reviewedParts = new Map(list(field(was, 'parts')).map(p => [`${read_back_text(field(read_back_record(p), 'kind'))}\u0000${read_back_text(field(read_back_record(p), 'target'))}`, read_back_record(p)]));
    for (const part of fresh.parts) {
        const { kind, target } = canonicalPart(part);
        const key = `${kind}\u0000${target}`;
        const before = reviewedParts.get(key);
        reviewedParts.delete(key);
        if (!before)
            out.push(`${target} was not in the reviewed plan`);
        else
            out.push(...kindOf(part).differences(field(before, 'state'), part));
    }
    for (const before of reviewedParts.values())
        out.push(`${read_back_text(field(before, 'target'))} was in the reviewed plan but is not in this run`);
    return out;
}

;// CONCATENATED MODULE: ./src/review.ts












/** The deploy does not match what was reviewed (or nothing was): zero writes. */
class PlanRefused extends errors/* ActionError */.lZ {
    review;
    name = 'PlanRefused';
    constructor(message, review) {
        super(message);
        this.review = review;
    }
}
const EVENTS_WITH_PULL = new Set(['pull_request', 'pull_request_target']);
/**
 * Between plan and apply: the digest; on a pull request's dry run, the plan
 * comment; with require-reviewed-plan, the gate. GitHub is called (and
 * @actions/github loaded) only for those two.
 */
async function reviewPlan(settings, plan, env = process.env) {
    const digest = planDigest(plan);
    const base = { digest, commentUrl: undefined, note: undefined, warnings: [] };
    const { planComment, requireReviewedPlan, githubToken } = settings.review;
    const gate = requireReviewedPlan && !settings.dryRun;
    const comment = !gate && (planComment === 'true' || (planComment === 'auto' && settings.dryRun && EVENTS_WITH_PULL.has(env.GITHUB_EVENT_NAME ?? '')));
    if (!gate && !comment)
        return base;
    if (gate && plan.parts.every(part => kindOf(part).changesNothing(part))) {
        return { ...base, note: 'Nothing differs from what is live, so nothing is written and no reviewed plan was needed.' };
    }
    if (githubToken === '') {
        const why = "Input 'github-token' is empty, so GitHub cannot be asked; leave it at its default, ${{ github.token }}";
        if (gate)
            throw new PlanRefused(`Refusing to deploy with require-reviewed-plan: ${why}. Nothing was written.`, base);
        return { ...base, warnings: [`The plan was not written on the pull request: ${why}. The plan is in this job summary.`] };
    }
    try {
        const context = readRunContext({ env });
        const github = new GitHub({ token: githubToken, apiUrl: context.apiUrl, sleep: ms => (0,promises_namespaceObject.setTimeout)(ms), timeoutMs: settings.requestTimeoutMs });
        return gate ? await checkReviewed(github, context, plan, base) : await writeComment(github, context, plan, base, planComment === 'true');
    }
    catch (error) {
        // The digest is reported whatever stopped the run here.
        if (error instanceof PlanRefused || !(error instanceof errors/* ActionError */.lZ))
            throw error;
        if (!gate)
            throw new PlanRefused(error.message, base);
        // GitHub failing is no verdict on the review: the reader must not go looking for a missing plan comment.
        const why = error instanceof GitHubError
            ? `GitHub could not be read, so whether this plan was reviewed is unknown (${error.message}); run the job again once GitHub answers`
            : error.message;
        throw new PlanRefused(`Refusing to deploy with require-reviewed-plan: ${why}. Nothing was written.`, base);
    }
}
async function writeComment(github, context, plan, base, required) {
    const pull = pullRequestOfRun(context);
    if (!pull) {
        const why = `no plan comment was written: ${noPullRequestReason(context)}`;
        if (required)
            throw new errors/* ActionError */.lZ(`Input 'plan-comment' is 'true' but ${why}; set plan-comment to 'auto' to comment only on pull requests`);
        return { ...base, warnings: [`The plan stays in this job summary; ${why}`] };
    }
    try {
        const written = await writePlanComment(github, pull, planCommentContent(plan, base.digest, context));
        const how = written.action === 'created' ? 'written on' : written.action === 'updated' ? 'updated on' : 'already on';
        return { ...base, commentUrl: written.comment.url, note: `The plan is ${how} pull request #${pull.number}.` };
    }
    catch (error) {
        // A reviewer still has the summary; a comment GitHub refused (or one that cannot fit) must not fail the pull request's check.
        if (!(error instanceof GitHubError) && !(error instanceof PlanDataError))
            throw error;
        // A write that got no answer may have landed: "not written" would then be untrue.
        const unanswered = error instanceof GitHubError && error.status === undefined && error.method !== 'GET';
        const what = unanswered ? `may not have been written on pull request #${pull.number} (no answer came)` : `was not written on pull request #${pull.number}`;
        return { ...base, warnings: [`The plan ${what}, it stays in this job summary: ${error.message}`] };
    }
}
async function checkReviewed(github, context, plan, base) {
    const refuse = (why, commentUrl) => {
        throw new PlanRefused(`Refusing to deploy with require-reviewed-plan: ${why}. Nothing was written.`, { ...base, commentUrl });
    };
    const how = "run the pull request's workflow with dry-run: true and plan-comment: auto (it writes the plan comment), review it, then merge";
    let pull = pullRequestOfRun(context);
    if (!pull) {
        if (!context.repository)
            return refuse(`${noPullRequestReason(context)}; ${how}`);
        if (!context.sha)
            return refuse(`GITHUB_SHA names no commit, so the pull request it came from cannot be found; ${how}`);
        const found = await pullRequestOfCommit(github, context.repository, context.sha);
        if (found.kind === 'none')
            return refuse(found.message);
        pull = { ...context.repository, number: found.pull.number };
    }
    const key = planKey(plan);
    const comment = await findPlanComment(github, pull, key);
    const where = `pull request #${pull.number}`;
    if (!comment)
        return refuse(`${where} has no plan comment for mode '${plan.mode}' on ${key.targets.join(', ')}; ${how}`);
    // Read back untrusted in shape: a bot wrote it, but whatever the comment holds must refuse, never throw.
    const data = read_back_record(readPlanData(comment.body, key));
    const canonical = field(data, 'canonical');
    // The digest is taken afresh of the reviewed canonical form when the comment could keep it; a plan too large for
    // that has its digest alone, written by a bot like the rest of the comment.
    const reviewedDigest = canonical === undefined ? field(data, 'digest') : sha256(canonicalJson(canonical));
    if (reviewedDigest !== base.digest) {
        const differences = canonical === undefined ? [] : planDifferences(canonical, plan);
        const what = differences.length > 0
            ? differences.join('; ')
            : canonical === undefined ? 'its digest differs (the reviewed plan was too large to keep more than its digest in the comment)' : 'the plan differs from the reviewed one';
        return refuse(`this plan (digest ${base.digest.slice(0, 12)}) is not the one reviewed on ${where} (${comment.url}): ${what}. Re-run the pull request's workflow to review the plan as it is now`, comment.url);
    }
    return { ...base, commentUrl: comment.url, note: `This is the plan reviewed on ${where}: same digest.` };
}

;// CONCATENATED MODULE: ./src/token-check.ts



/** The contract's table: the least scope each mode needs. */
const REQUIRED_SCOPE = {
    'purge-keys': 'purge_select',
    'purge-urls': 'purge_select',
    'purge-all': 'purge_all',
    activate: 'global',
    'update-dictionary': 'global',
    'update-config-store': 'global',
    stats: 'global:read',
    'update-kv-store': 'global',
    'update-acl': 'global'
};
const EXPIRY_WARNING_DAYS = 7;
const DAY_MS = 86_400_000;
/**
 * Looks the token up before any write so a wrong token fails with a reason
 * instead of half a deploy. Throws for what would fail anyway; warns for what
 * works but should not be so. A package is for Compute services only: every
 * service's type is checked here too, token-check or not, so a VCL service
 * among several stops the run before the first service is deployed.
 */
async function checkToken(api, settings, now) {
    // Both settle: a refused token must be told as such, not as whichever read failed first.
    const [checked, types] = await Promise.allSettled([checkTokenSelf(api, settings, now), refuseNonCompute(api, settings)]);
    if (checked.status === 'rejected')
        throw checked.reason;
    if (types.status === 'rejected')
        throw types.reason;
    return checked.value;
}
async function refuseNonCompute(api, settings) {
    if (settings.mode !== 'activate' || !settings.package)
        return;
    const services = await Promise.all(settings.serviceIds.map(id => api.serviceDetails(id)));
    const wrong = services.find(service => service.type !== undefined && service.type !== 'wasm');
    if (!wrong)
        return;
    throw new errors/* ActionError */.lZ(`Service '${wrong.id}' is a ${wrong.type === 'vcl' ? 'VCL' : `'${(0,parsers/* shorten */.ml)(wrong.type ?? '', 40)}'`} service, but 'package' deploys to a Compute (wasm) service; ` +
        "check 'service-id', or deploy a VCL service with 'vcl-files'. Nothing was changed.");
}
async function checkTokenSelf(api, settings, now) {
    if (!settings.tokenCheck)
        return { status: 'skipped', token: undefined, warnings: [], notices: [] };
    let token;
    try {
        token = await api.tokenSelf();
    }
    catch (error) {
        if (error instanceof FastlyError && error.status === 401) {
            throw new errors/* ActionError */.lZ(`Fastly refused the token in 'api-token' (HTTP 401: ${error.reason}): it is unknown, revoked or expired. ` +
                'Create a token in Fastly (Account → API tokens) and update the secret.');
        }
        if (error instanceof FastlyError && error.status === 403) {
            const notice = 'The token may not look itself up (GET /tokens/self answered 403), so its scope and expiry were not checked.';
            return { status: 'not-permitted', token: undefined, warnings: [], notices: [notice] };
        }
        throw error;
    }
    refuseUnusable(token, settings, now);
    return { status: 'passed', token, warnings: warningsFor(token, settings.mode, now), notices: [] };
}
function grants(scopes, needed) {
    return scopes.includes('global') || scopes.includes(needed);
}
function refuseUnusable(token, settings, now) {
    const needed = REQUIRED_SCOPE[settings.mode];
    if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) {
        throw new errors/* ActionError */.lZ(`The token in 'api-token' expired at ${token.expiresAt.toISOString()}; create a new one and update the secret.`);
    }
    if (!grants(token.scopes, needed)) {
        const has = token.scopes.length > 0 ? token.scopes.map(s => `'${s}'`).join(', ') : 'no scope';
        throw new errors/* ActionError */.lZ(`The token in 'api-token' has ${has}, but mode '${settings.mode}' needs the '${needed}' scope (or 'global'); ` +
            `create a token with '${needed}'.`);
    }
    const outside = settings.serviceIds.filter(id => token.services.length > 0 && !token.services.includes(id));
    if (outside.length > 0) {
        throw new errors/* ActionError */.lZ(`The token in 'api-token' is not allowed on service ${outside.map(id => `'${id}'`).join(', ')} ` +
            `(it is limited to ${token.services.join(', ')}); add the service to the token or use another token.`);
    }
}
function warningsFor(token, mode, now) {
    const warnings = [];
    const needed = REQUIRED_SCOPE[mode];
    if (token.expiresAt && token.expiresAt.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * DAY_MS) {
        const days = Math.max(0, Math.floor((token.expiresAt.getTime() - now.getTime()) / DAY_MS));
        const within = days === 0 ? 'less than a day' : `${days} day${days === 1 ? '' : 's'}`;
        warnings.push(`The token in 'api-token' expires at ${token.expiresAt.toISOString()} (in ${within}); create a new one before then.`);
    }
    if (needed !== 'global' && token.scopes.includes('global')) {
        warnings.push(`The token in 'api-token' has the 'global' scope, but mode '${mode}' needs only '${needed}': ` +
            'a token limited to that scope (and to these services) does less harm if it leaks.');
    }
    return warnings;
}

;// CONCATENATED MODULE: ./src/main.ts










/** settings → token check → plan → (comment | reviewed gate) → apply → outputs and summary. The only place that fails the step. */
async function main_run() {
    const token = getInput('api-token');
    if (token !== '')
        maskSecret(token);
    const mode = getInput('mode');
    const cancel = cancelOnSignals(signal => log_info(`${signal} received: starting nothing new, then reporting what was done.`));
    let dryRun = false;
    let warnings = [];
    let api;
    let tokenCheck;
    let ran;
    let review;
    let error;
    try {
        const read = await readInputs(name => getInput(name));
        const settings = read.settings;
        ({ dryRun } = settings);
        warnings = read.warnings;
        const client = createFastlyClient({
            baseUrl: settings.apiUrl,
            token: settings.token,
            maxRetries: settings.maxRetries,
            timeoutMs: settings.requestTimeoutMs,
            dryRun: settings.dryRun,
            cancel,
            log: message => log_info(message)
        });
        api = client;
        const checking = checkToken(client, settings, new Date());
        client.holdWritesUntil(checking);
        // The other modes plan meanwhile (reads only; the writes wait for the check); a purge only writes, and waiting for
        // its origin must not hide a bad token for minutes.
        const preparing = settings.mode.startsWith('purge-') ? checking.then(() => prepareMode(settings, client, cancel)) : prepareMode(settings, client, cancel);
        const running = preparing.then(async (prepared) => {
            if (prepared.plan) {
                try {
                    review = await reviewPlan(settings, prepared.plan);
                }
                catch (refused) {
                    if (refused instanceof PlanRefused)
                        review = refused.review;
                    throw refused;
                }
            }
            return prepared.apply();
        });
        const [checked, done] = await Promise.allSettled([checking, running]);
        // A failed check explains whatever the mode then failed at.
        if (checked.status === 'rejected')
            throw checked.reason;
        tokenCheck = checked.value;
        if (done.status === 'rejected')
            throw done.reason;
        ran = done.value;
    }
    catch (caught) {
        error = main_describe(caught);
    }
    try {
        const failure = await publish({
            mode,
            dryRun,
            tokenCheck,
            run: ran,
            error,
            warnings,
            review,
            cancelledBy: cancel.by(),
            rateLimit: api?.rateLimit(),
            planned: api?.plannedWrites(),
            usage: api?.usage()
        });
        if (failure !== undefined)
            log_fail(failure);
    }
    catch (caught) {
        log_fail(main_describe(caught));
    }
    finally {
        api?.dispose();
    }
}
function main_describe(error) {
    if (error instanceof errors/* ActionError */.lZ)
        return error.message;
    // Not expected: keep the log clean, but give whoever reports it the stack.
    debug(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return `Unexpected error (please report it): ${(0,errors/* messageOf */.bD)(error)}`;
}


/***/ }),

/***/ 2613:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");

/***/ }),

/***/ 4434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 9896:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");

/***/ }),

/***/ 8611:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("http");

/***/ }),

/***/ 5692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("https");

/***/ }),

/***/ 9278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 4589:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:assert");

/***/ }),

/***/ 6698:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:async_hooks");

/***/ }),

/***/ 4573:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:buffer");

/***/ }),

/***/ 7540:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:console");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 3053:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:diagnostics_channel");

/***/ }),

/***/ 610:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:dns");

/***/ }),

/***/ 8474:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 1455:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");

/***/ }),

/***/ 7067:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");

/***/ }),

/***/ 2467:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http2");

/***/ }),

/***/ 7030:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");

/***/ }),

/***/ 8161:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 643:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:perf_hooks");

/***/ }),

/***/ 1792:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:querystring");

/***/ }),

/***/ 7075:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");

/***/ }),

/***/ 6466:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream/promises");

/***/ }),

/***/ 1692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:tls");

/***/ }),

/***/ 3136:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");

/***/ }),

/***/ 7975:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");

/***/ }),

/***/ 3429:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util/types");

/***/ }),

/***/ 5919:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");

/***/ }),

/***/ 8522:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:zlib");

/***/ }),

/***/ 857:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");

/***/ }),

/***/ 3193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");

/***/ }),

/***/ 4756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 9023:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(9407);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
