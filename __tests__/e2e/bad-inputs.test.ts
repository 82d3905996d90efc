import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { cliEntries, writePackage } from '../packages.js';
import { useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, expectRefusedBeforeAnyRequest, runAction, scratch } from './run-action.js';

const ctx = useFakeFastly();

// Absolute paths: the action runs in a scratch folder of its own.
const files = scratch();
function file(name: string, content: string | Buffer): string {
  const path = join(files, name);
  writeFileSync(path, content);
  return path;
}
const MISSING = join(files, 'missing.txt');
const FOLDER = join(files, 'folder');
mkdirSync(FOLDER);
const EMPTY = file('empty.txt', '');
const VCL = join(files, 'vcl');
mkdirSync(VCL);
const MAIN_VCL = file('vcl/main.vcl', 'sub vcl_recv { }\n');
const NOTES = file('vcl/notes.txt', 'not VCL');
mkdirSync(join(files, 'other'));
const OTHER_MAIN_VCL = file('other/main.vcl', 'sub vcl_recv { }\n');
const BLANK_VCL = file('blank.vcl', '\n');
mkdirSync(join(files, 'dangling'));
symlinkSync(join(files, 'gone.vcl'), join(files, 'dangling', 'gone.vcl'));
/** Text with a byte that is not UTF-8 on its second line. */
const LATIN1 = (first: string, second: string) => Buffer.concat([Buffer.from(`${first}\n`), Buffer.from(second, 'latin1')]);
/** A link the repository could hold, leading out of the job (runAction sets no workspace: its folder is the job). */
function linkOut(name: string): string {
  const path = join(files, name);
  symlinkSync('/etc/passwd', path);
  return path;
}
mkdirSync(join(files, 'linked-etc'));
symlinkSync('/etc', join(files, 'linked-etc', 'etc'));
const THROUGH_LINK = join(files, 'linked-etc', 'etc', 'hostname');
symlinkSync(VCL, join(files, 'vcl-link'));
const LINKED_OUT = (name: string, path: string) =>
  `Input '${name}' names '${path}', a symlink (or a path through one) that leads outside the workspace and the runner's temp folder; only links within the job are followed`;
const NOT_UTF8 = (name: string, path: string, line: number) =>
  `Input '${name}' must name UTF-8 text, but '${path}' is not valid UTF-8 (line ${line}); save it as UTF-8`;
const PACKAGE = await writePackage(cliEntries(), files);
const NO_MANIFEST = await writePackage(cliEntries().filter(e => !e.name.endsWith('fastly.toml')), files);
const NO_WASM = await writePackage(cliEntries().filter(e => !e.name.endsWith('main.wasm')), files);
const NOT_GZIP = file('not-gzip.tar.gz', 'fastly.toml main.wasm');
const NOT_TAR = file('not-tar.tar.gz', gzipSync('just text, no tar header here'.repeat(40)));
const HUGE_PACKAGE = file('huge.tar.gz', '');
// Sparse: the size is refused before a byte is read.
truncateSync(HUGE_PACKAGE, 100_000_001);
const LAYOUT = "a Compute package holds <name>/fastly.toml and <name>/bin/main.wasm, as 'fastly compute build' makes it";
const NOT_A_PACKAGE = (path: string, why: string) => `Input 'package' must name a Compute package (.tar.gz), but '${path}' is not one: ${why}`;
const EMPTIED = "Input 'delete-missing' is 'true' but 'items' and 'items-file' keep no key, so every item in the store would be deleted; set 'allow-empty: true' if emptying it is meant";
const CREDENTIALS = (name: string, shown: string) =>
  `Input '${name}' must not carry user credentials (user:password@), got '${shown}'; a URL is shown in the log and the summary`;

const MODE_CHOICES = "'purge-keys', 'purge-urls', 'purge-all', 'activate', 'update-dictionary', 'update-config-store', 'stats', 'update-kv-store', 'update-acl'";
const NO_KEYS = "Input 'keys' or 'keys-file' must name at least one surrogate key (separated by commas, spaces or newlines)";
const NO_URLS = "Input 'urls' or 'urls-file' must name at least one URL (separated by commas, spaces or newlines)";
const NO_ITEMS = 'Input \'items\' or \'items-file\' is required: a JSON object such as {"key": "value", "gone": null}';
const NOT_AN_OBJECT = (name: string, got: string) => `Input '${name}' must be a JSON object of string values, e.g. {"key": "value"}; got ${got}`;
const NOT_A_FILE = (name: string, path: string, why: string) => `Input '${name}' must be a readable file path, got '${path}' (${why})`;
const NOT_A_URL = (name: string, value: string) => `Input '${name}' must be an absolute http(s) URL, got '${value}'`;
const NOT_A_BOOLEAN = (name: string, value: string) => `Input '${name}' must be 'true' or 'false', got '${value}'`;
const NOT_SECONDS = (name: string, value: string, [min, max] = [0, 86400]) =>
  `Input '${name}' must be a number of seconds from ${min} to ${max}, got '${value}'`;
const NOT_RETRIES = (value: string) => `Input 'max-retries' must be a whole number from 0 to 20, got '${value}'`;
const NOT_A_RATIO = (name: string, value: string) => `Input '${name}' must be a number from 0 to 1 (e.g. 0.9 for 90%), got '${value}'`;
const NOT_A_TIME = (name: string, value: string) =>
  `Input '${name}' must be Unix seconds, an ISO 8601 time (2026-11-23T08:00:00Z) or a relative time ('2 hours ago', 'now'), got '${value}'`;
const STAGING_URLS_NEED_SERVICE =
  "Input 'service-id' is required for mode 'purge-urls' with 'environment: staging': a URL is purged on staging by a PURGE sent to the staging IP of its host, read from the service's domains";
const NO_SERVICE = (mode: string) => `Input 'service-id' is required for mode '${mode}': one or more Fastly service IDs`;

const KV_NO_ITEMS = 'Input \'items\' or \'items-file\' is required: a JSON object such as {"/old": "/new", "flag": {"value": "on", "metadata": "…"}, "gone": null}';
const KV_KEY = (key: string, why: string) => `Input 'items' key '${key}' ${why}; rename the key`;
const KV_VALUE = (key: string) => `Input 'items' key '${key}'`;
const KV_EMPTIED = "Input 'delete-missing' is 'true' but 'items' and 'items-file' keep no key, so every key in the store would be deleted; set 'allow-empty: true' if emptying it is meant";
const ACL_LINE = (line: number, text: string, why: string, input = 'entries') => `Input '${input}' line ${line} ('${text}'): ${why}`;
const ACL_EMPTIED = "Input 'delete-missing' is 'true' but 'entries' and 'entries-file' hold no entry, so every entry in the ACL would be deleted; set 'allow-empty: true' if emptying it is meant";
const NOT_AN_ADDRESS = (address: string) => `'${address}' is not an IPv4 or IPv6 address`;

/** The bad input, its value, the one error the step must end with, and any other inputs the case needs. */
type Row = readonly [input: string, value: string, message: string, also?: Readonly<Record<string, string>>];

/** The inputs every purge mode reads before purging. */
const PURGE_COMMON: readonly Row[] = [
  ['purge-twice', 'yes', NOT_A_BOOLEAN('purge-twice', 'yes')],
  ['purge-twice-delay', '-1', NOT_SECONDS('purge-twice-delay', '-1')],
  ['purge-twice-delay', 'soon', NOT_SECONDS('purge-twice-delay', 'soon')],
  ['purge-twice-delay', '86401', NOT_SECONDS('purge-twice-delay', '86401')],
  // No wait-for-text and no GITHUB_SHA either: the broken URL is still what the error names.
  ['wait-for-url', 'ftp://www.example.com/_build', NOT_A_URL('wait-for-url', 'ftp://www.example.com/_build')],
  ['wait-for-url', '/_build', NOT_A_URL('wait-for-url', '/_build')],
  // runAction passes no GITHUB_SHA, so nothing can stand in for the text.
  ['wait-for-text', '', "Input 'wait-for-text' is required with 'wait-for-url' when the run has no commit SHA (GITHUB_SHA)", { 'wait-for-url': 'https://www.example.com/_build' }],
  ['wait-timeout', '10m', NOT_SECONDS('wait-timeout', '10m', [1, 86400])],
  ['wait-timeout', '0', NOT_SECONDS('wait-timeout', '0', [1, 86400])],
  ['wait-timeout', '86401', NOT_SECONDS('wait-timeout', '86401', [1, 86400])],
  ['wait-for-url', 'https://ci:hunter2@www.example.com/_build', CREDENTIALS('wait-for-url', 'https://***@www.example.com/_build')]
];

/** Both update modes parse the wanted state alike; these rows run in each. */
const ITEMS_COMMON: readonly Row[] = [
  ['items', '', NO_ITEMS],
  ['items', 'not json', 'Input \'items\' must be valid JSON: Unexpected token \'o\', "not json" is not valid JSON'],
  ['items', '[]', NOT_AN_OBJECT('items', 'an array')],
  ['items-file', file('text.json', '"redirects"'), NOT_AN_OBJECT('items-file', 'a string')],
  ['items', JSON.stringify({ big: 'v'.repeat(8001) }), "Input 'items' key 'big' has a value of 8001 characters; the limit is 8000"],
  ['items-file', FOLDER, NOT_A_FILE('items-file', FOLDER, 'it is a directory')],
  ['delete-missing', 'yes', NOT_A_BOOLEAN('delete-missing', 'yes')],
  ['items', '{"a": "1", "b": "2", "a": "3"}', "Input 'items' names the key 'a' twice; JSON would keep only the last value, so keep one"],
  // The same key spelt two ways is still one key.
  ['items-file', file('twice.json', '{"a\\u0062": "1", "ab": "2"}'), "Input 'items-file' names the key 'ab' twice; JSON would keep only the last value, so keep one"],
  ['items', '{"a": {"x": "1", "x": "2"}}', "Input 'items' names the key 'x' twice; JSON would keep only the last value, so keep one"],
  ['items', '{"esc\\u001b[31m": "1", "esc\\u001b[31m": "2"}', "Input 'items' names the key 'esc\\u001b[31m' twice; JSON would keep only the last value, so keep one"],
  ['items-file', file('latin1.json', LATIN1('{', '"caf\u00e9": "1"}')), NOT_UTF8('items-file', join(files, 'latin1.json'), 2)],
  ['items-file', linkOut('passwd.json'), LINKED_OUT('items-file', join(files, 'passwd.json'))],
  ['delete-missing', 'true', EMPTIED, { items: '{}' }],
  ['delete-missing', 'true', EMPTIED, { items: '{"gone": null}' }],
  ['delete-missing', 'true', EMPTIED, { items: '', 'items-file': file('emptied.json', '{}\n') }],
  ['allow-empty', 'yes', NOT_A_BOOLEAN('allow-empty', 'yes')]
];

/**
 * Per mode: inputs that are valid on their own, and the rows that each spoil
 * one of them. The shared inputs are read before the mode's own, whatever the
 * mode, so they run once.
 */
const TABLE: Readonly<Record<string, { readonly valid: Readonly<Record<string, string>>; readonly rows: readonly Row[] }>> = {
  'shared inputs': {
    valid: { mode: 'purge-keys', keys: 'home' },
    rows: [
      ['api-token', '', "Input 'api-token' is required: a Fastly API token, e.g. ${{ secrets.FASTLY_API_TOKEN }}"],
      ['api-token', 'two tokens', "Input 'api-token' must be one token without spaces or line breaks; check the secret's value"],
      ['mode', '', `Input 'mode' must be one of ${MODE_CHOICES}, got ''`],
      ['mode', 'purge', `Input 'mode' must be one of ${MODE_CHOICES}, got 'purge'`],
      ['mode', 'Purge-Keys', `Input 'mode' must be one of ${MODE_CHOICES}, got 'Purge-Keys'`],
      ['api-url', 'file:///etc/passwd', NOT_A_URL('api-url', 'file:///etc/passwd')],
      ['api-url', 'api.fastly.com', NOT_A_URL('api-url', 'api.fastly.com')],
      ['api-url', 'https://', NOT_A_URL('api-url', 'https://')],
      ['service-id', 'SVC1 ../x', "Input 'service-id' must be Fastly service IDs (letters and digits), got '../x'"],
      ['service-id', 'svc-1', "Input 'service-id' must be Fastly service IDs (letters and digits), got 'svc-1'"],
      ['dry-run', 'yes', NOT_A_BOOLEAN('dry-run', 'yes')],
      ['dry-run', '1', NOT_A_BOOLEAN('dry-run', '1')],
      ['token-check', 'off', NOT_A_BOOLEAN('token-check', 'off')],
      ['plan-comment', 'yes', "Input 'plan-comment' must be one of 'auto', 'true', 'false', got 'yes'"],
      ['require-reviewed-plan', 'on', NOT_A_BOOLEAN('require-reviewed-plan', 'on')],
      [
        'require-reviewed-plan',
        'true',
        "Input 'require-reviewed-plan' is 'true' but mode 'purge-keys' makes no plan to review; it applies to 'activate', 'update-dictionary', 'update-config-store', 'update-kv-store', 'update-acl'"
      ],
      ['github-token', 'ghs two', "Input 'github-token' must be one token without spaces or line breaks; the default, ${{ github.token }}, is the job's own"],
      ['max-retries', '-1', NOT_RETRIES('-1')],
      ['max-retries', '1.5', NOT_RETRIES('1.5')],
      ['max-retries', 'five', NOT_RETRIES('five')],
      ['max-retries', '21', NOT_RETRIES('21')],
      ['request-timeout', '0', NOT_SECONDS('request-timeout', '0', [1, 300])],
      ['request-timeout', '301', NOT_SECONDS('request-timeout', '301', [1, 300])],
      ['request-timeout', '30s', NOT_SECONDS('request-timeout', '30s', [1, 300])],
      ...['tok\u00e9n', 'tok\u001bn', 'tok\u007fn'].map(
        (token): Row => [
          'api-token',
          token,
          "Input 'api-token' holds a character an HTTP header cannot carry (a token is letters, digits and punctuation); check the secret's value"
        ]
      ),
      ['api-url', 'https://ci:hunter2@api.fastly.com', CREDENTIALS('api-url', 'https://***@api.fastly.com')]
    ]
  },
  'purge-keys': {
    valid: { mode: 'purge-keys', keys: 'home' },
    rows: [
      ['service-id', '', NO_SERVICE('purge-keys')],
      ['keys', '', NO_KEYS],
      ['keys', ' ,, \n ', NO_KEYS],
      ['keys-file', MISSING, NOT_A_FILE('keys-file', MISSING, 'no such file')],
      ['keys-file', FOLDER, NOT_A_FILE('keys-file', FOLDER, 'it is a directory')],
      ['keys-file', EMPTY, NO_KEYS, { keys: '' }],
      ['soft-purge', 'yes', NOT_A_BOOLEAN('soft-purge', 'yes')],
      ['keys', `home ${'k'.repeat(1025)}`, `Input 'keys' has a surrogate key of 1025 bytes, '${'k'.repeat(40)}…'; Fastly's limit is 1024 bytes`],
      // 513 characters, 1,026 bytes: Fastly counts bytes.
      ['keys', '\u00e9'.repeat(513), `Input 'keys' has a surrogate key of 1026 bytes, '${'\u00e9'.repeat(40)}…'; Fastly's limit is 1024 bytes`],
      ['keys', 'home ::error::\u001b[31mred', "Input 'keys' has a surrogate key with the control character U+001B, '::error::\\u001b[31mred'"],
      ['keys', 'a\u007fb', "Input 'keys' has a surrogate key with the control character U+007F, 'a\\u007fb'"],
      ['keys', 'a\u0085b', "Input 'keys' has a surrogate key with the control character U+0085, 'a\\u0085b'"],
      // An environment variable cannot hold NUL; a file can.
      ['keys-file', file('nul.txt', 'home\nab\u0000c\n'), "Input 'keys-file' has a surrogate key with the control character U+0000, 'ab\\u0000c'"],
      ['keys-file', file('keys-latin1.txt', LATIN1('home', 'caf\u00e9')), NOT_UTF8('keys-file', join(files, 'keys-latin1.txt'), 2)],
      ['keys-file', linkOut('passwd-keys.txt'), LINKED_OUT('keys-file', join(files, 'passwd-keys.txt'))],
      ['keys-file', THROUGH_LINK, LINKED_OUT('keys-file', THROUGH_LINK)],
      ...PURGE_COMMON
    ]
  },
  'purge-urls': {
    valid: { mode: 'purge-urls', urls: 'https://www.example.com/' },
    rows: [
      ['urls', '', NO_URLS],
      ['urls', '/pricing', NOT_A_URL('urls', '/pricing')],
      ['urls', 'www.example.com/pricing', NOT_A_URL('urls', 'www.example.com/pricing')],
      ['urls', 'https://www.example.com/ ftp://www.example.com/x', NOT_A_URL('urls', 'ftp://www.example.com/x')],
      ['urls-file', MISSING, NOT_A_FILE('urls-file', MISSING, 'no such file')],
      ['urls-file', FOLDER, NOT_A_FILE('urls-file', FOLDER, 'it is a directory')],
      ['urls-file', EMPTY, NO_URLS, { urls: '' }],
      ['urls-file', file('urls.txt', 'https://www.example.com/\nnot a url\n'), NOT_A_URL('urls-file', 'not')],
      ['environment', 'staging', STAGING_URLS_NEED_SERVICE, { 'service-id': '' }],
      ['service-id', '', STAGING_URLS_NEED_SERVICE, { environment: 'staging' }],
      ['service-id', ' \n ', STAGING_URLS_NEED_SERVICE, { environment: 'staging' }],
      ['environment', 'prod', "Input 'environment' must be one of 'production', 'staging', got 'prod'"],
      ['soft-purge', 'no', NOT_A_BOOLEAN('soft-purge', 'no')],
      ['urls', 'https://www.example.com/ https://user:secret@www.example.com/a', CREDENTIALS('urls', 'https://***@www.example.com/a')],
      ['urls', 'https://user@www.example.com/a', CREDENTIALS('urls', 'https://***@www.example.com/a')],
      ['urls-file', file('urls-creds.txt', 'https://www.example.com/\nhttp://:secret@www.example.com/a\n'), CREDENTIALS('urls-file', 'http://***@www.example.com/a')],
      ['urls-file', file('urls-latin1.txt', LATIN1('https://www.example.com/', 'https://www.example.com/caf\u00e9')), NOT_UTF8('urls-file', join(files, 'urls-latin1.txt'), 2)],
      ['urls-file', linkOut('passwd-urls.txt'), LINKED_OUT('urls-file', join(files, 'passwd-urls.txt'))],
      ['concurrency', '0', "Input 'concurrency' must be a whole number from 1 to 64, got '0'"],
      ['concurrency', '65', "Input 'concurrency' must be a whole number from 1 to 64, got '65'"],
      ['concurrency', '1.5', "Input 'concurrency' must be a whole number from 1 to 64, got '1.5'"],
      ['concurrency', 'many', "Input 'concurrency' must be a whole number from 1 to 64, got 'many'"],
      ...PURGE_COMMON
    ]
  },
  'purge-all': {
    valid: { mode: 'purge-all' },
    rows: [['service-id', '', NO_SERVICE('purge-all')], ...PURGE_COMMON]
  },
  activate: {
    valid: { mode: 'activate' },
    rows: [
      ['service-id', '', NO_SERVICE('activate')],
      ['version', 'abc', "Input 'version' must be 'active', 'latest', 'staged' or a version number, got 'abc'"],
      ['version', '0', "Input 'version' must be 'active', 'latest', 'staged' or a version number, got '0'"],
      ['version', '4.1', "Input 'version' must be 'active', 'latest', 'staged' or a version number, got '4.1'"],
      ['clone', 'maybe', NOT_A_BOOLEAN('clone', 'maybe')],
      ['lint', 'no', NOT_A_BOOLEAN('lint', 'no')],
      ['vcl-files', MAIN_VCL, "Input 'vcl-files' needs 'clone: true': VCL is uploaded into a new clone, never into an existing version", { clone: 'false' }],
      ['vcl-files', join(VCL, 'nothing-*.vcl'), `Input 'vcl-files' must name existing .vcl files; '${join(VCL, 'nothing-*.vcl')}' matches no file`],
      ['vcl-files', FOLDER, `Input 'vcl-files' must name existing .vcl files; '${FOLDER}' matches no file`],
      ['vcl-files', NOTES, `Input 'vcl-files' must name .vcl files, got '${NOTES}'`],
      ['vcl-files', BLANK_VCL, `Input 'vcl-files' names an empty file, '${BLANK_VCL}'`],
      ['vcl-files', join(files, 'dangling', '*.vcl'), `Input 'vcl-files' must name existing .vcl files; '${join(files, 'dangling', '*.vcl')}' matches no file`],
      ['vcl-files', join(VCL, '*'), `Input 'vcl-files' must name .vcl files, got '${NOTES}'`],
      [
        'vcl-files',
        `${MAIN_VCL} ${OTHER_MAIN_VCL}`,
        `Input 'vcl-files' names two files that would both be the VCL 'main': '${MAIN_VCL}' and '${OTHER_MAIN_VCL}'`
      ],
      ['environment', 'prod', "Input 'environment' must be one of 'production', 'staging', got 'prod'"],
      ['environment', 'Staging', "Input 'environment' must be one of 'production', 'staging', got 'Staging'"],
      ['health-check-url', 'ftp://www.example.com/_health', NOT_A_URL('health-check-url', 'ftp://www.example.com/_health')],
      ['health-check-url', '/_health', NOT_A_URL('health-check-url', '/_health')],
      ['health-check-url', 'https://ops:hunter2@www.example.com/_health', CREDENTIALS('health-check-url', 'https://***@www.example.com/_health')],
      ['vcl-files', file('latin1.vcl', LATIN1('sub vcl_recv {', '  # caf\u00e9\n}')), NOT_UTF8('vcl-files', join(files, 'latin1.vcl'), 2)],
      ['vcl-files', linkOut('passwd.vcl'), LINKED_OUT('vcl-files', join(files, 'passwd.vcl'))],
      ['vcl-files', join(files, 'vcl-link', 'main.vcl'), LINKED_OUT('vcl-files', join(files, 'vcl-link', 'main.vcl'))],
      ['package', PACKAGE, "Inputs 'package' and 'vcl-files' exclude each other: a Compute service deploys a package, a VCL service its VCL; set one", { 'vcl-files': MAIN_VCL }],
      ['package', PACKAGE, "Input 'package' needs 'clone: true': a package is uploaded into a new clone, never into an existing version", { clone: 'false' }],
      ['package', MISSING, NOT_A_FILE('package', MISSING, 'no such file')],
      ['package', NOT_GZIP, NOT_A_PACKAGE(NOT_GZIP, `it is not gzip-compressed; ${LAYOUT}`)],
      ['package', NOT_TAR, NOT_A_PACKAGE(NOT_TAR, `it is gzip-compressed but not a tar archive (or a cut-short one); ${LAYOUT}`)],
      ['package', NO_MANIFEST, NOT_A_PACKAGE(NO_MANIFEST, `it holds no fastly.toml; ${LAYOUT}`)],
      ['package', NO_WASM, NOT_A_PACKAGE(NO_WASM, `it holds no main.wasm; ${LAYOUT}`)],
      ['package', HUGE_PACKAGE, `Input 'package' names '${HUGE_PACKAGE}', which is 100000001 bytes; the limit is 100000000`],
      ['package', linkOut('passwd.tar.gz'), LINKED_OUT('package', join(files, 'passwd.tar.gz'))],
      ['health-check-timeout', '0', "Input 'health-check-timeout' must be a whole number from 1 to 3600, got '0'"],
      ['health-check-timeout', '3601', "Input 'health-check-timeout' must be a whole number from 1 to 3600, got '3601'"],
      ['health-check-timeout', '1.5', "Input 'health-check-timeout' must be a whole number from 1 to 3600, got '1.5'"],
      ['health-check-timeout', 'soon', "Input 'health-check-timeout' must be a whole number from 1 to 3600, got 'soon'"]
    ]
  },
  'update-dictionary': {
    valid: { mode: 'update-dictionary', dictionary: 'redirects', items: '{"a": "1"}' },
    rows: [
      ['service-id', '', NO_SERVICE('update-dictionary')],
      ['dictionary', '', "Input 'dictionary' is required for mode 'update-dictionary': the edge dictionary name"],
      ['items', '"text"', NOT_AN_OBJECT('items', 'a string')],
      ['items', 'null', NOT_AN_OBJECT('items', 'null')],
      ['items', '42', NOT_AN_OBJECT('items', 'a number')],
      ['items', '{"a": 1}', "Input 'items' key 'a' must have a string value (or null to delete it), got 1"],
      ['items', '{"a": {"b": "c"}}', 'Input \'items\' key \'a\' must have a string value (or null to delete it), got {"b":"c"}'],
      ['items', '{"": "x"}', "Input 'items' has an empty key; every key needs a name"],
      ['items', '{" ": "x"}', "Input 'items' has an empty key; every key needs a name"],
      ['items', JSON.stringify({ ['k'.repeat(257)]: 'x' }), `Input 'items' key '${'k'.repeat(40)}…' is 257 characters; the limit is 256`],
      ['items-file', MISSING, NOT_A_FILE('items-file', MISSING, 'no such file')],
      ['items-file', EMPTY, "Input 'items-file' must be valid JSON: Unexpected end of JSON input"],
      ['items-file', file('items.txt', 'a=1'), 'Input \'items-file\' must be valid JSON: Unexpected token \'a\', "a=1" is not valid JSON'],
      ['items-file', file('array.json', '[{"a": "1"}]'), NOT_AN_OBJECT('items-file', 'an array')],
      ['delete-missing', 'all', NOT_A_BOOLEAN('delete-missing', 'all')],
      ...ITEMS_COMMON
    ]
  },
  'update-config-store': {
    valid: { mode: 'update-config-store', 'service-id': '', 'config-store': 'flags', items: '{"a": "1"}' },
    rows: [
      ['config-store', '', "Input 'config-store' is required for mode 'update-config-store': the config store name or ID"],
      ['items', JSON.stringify({ ['k'.repeat(256)]: 'x' }), `Input 'items' key '${'k'.repeat(40)}…' is 256 characters; the limit is 255`],
      ...ITEMS_COMMON
    ]
  },
  'update-kv-store': {
    valid: { mode: 'update-kv-store', 'service-id': '', 'kv-store': 'redirects', items: '{"a": "1"}' },
    rows: [
      ['kv-store', '', "Input 'kv-store' is required for mode 'update-kv-store': the KV store name or ID"],
      ['items', '', KV_NO_ITEMS],
      ['items', 'not json', 'Input \'items\' must be valid JSON: Unexpected token \'o\', "not json" is not valid JSON'],
      ['items', '[]', 'Input \'items\' must be a JSON object of keys, e.g. {"/old": "/new", "gone": null}'],
      ['items', '{"a": 1}', `${KV_VALUE('a')} must be a string, null (to delete it) or {"value": "…", "metadata": "…", "ttl": 3600}, got 1`],
      ['items', '{"a": {"metadata": "m"}}', `${KV_VALUE('a')} needs a string "value"`],
      ['items', '{"a": {"value": "v", "expires": 60}}', `${KV_VALUE('a')} has the field 'expires'; only "value", "metadata" and "ttl" are known`],
      ['items', '{"a": {"value": "v", "metadata": {"k": 1}}}', `${KV_VALUE('a')} has a "metadata" that is not a string; metadata is text, e.g. a JSON string`],
      ['items', JSON.stringify({ a: { value: 'v', metadata: 'm'.repeat(2001) } }), `${KV_VALUE('a')} has metadata of 2001 bytes; Fastly's limit is 2000`],
      ['items', JSON.stringify({ a: { value: 'v', metadata: 'line\nbreak' } }), `${KV_VALUE('a')} has control characters (such as a line break) in its metadata; remove them`],
      ['items', '{"a": {"value": "v", "ttl": 0}}', `${KV_VALUE('a')} has a "ttl" of 0; it must be a whole number of seconds above 0`],
      ['items', '{"a": {"value": "v", "ttl": "1h"}}', `${KV_VALUE('a')} has a "ttl" of "1h"; it must be a whole number of seconds above 0`],
      ['items', '{"": "x"}', KV_KEY('', 'is not a key name Fastly accepts ("", "." and ".." are reserved)')],
      ['items', '{"..": "x"}', KV_KEY('..', 'is not a key name Fastly accepts ("", "." and ".." are reserved)')],
      ['items', '{".well-known/acme-challenge/t": "x"}', KV_KEY('.well-known/acme-challenge/t', 'starts with .well-known/acme-challenge/, which Fastly reserves')],
      ['items', '{"a|b": "x"}', KV_KEY('a|b', 'contains "|"; Fastly refuses keys with # ; ? ^ | or a line break')],
      ['items', '{"a\\nb": "x"}', KV_KEY('a\\u000ab', 'contains "\\n"; Fastly refuses keys with # ; ? ^ | or a line break')],
      ['items', JSON.stringify({ ['é'.repeat(513)]: 'x' }), KV_KEY(`${'é'.repeat(60)}…`, "is 1026 bytes in UTF-8; Fastly's limit is 1024")],
      ['items', '{"a": "1", "a": "2"}', "Input 'items' names the key 'a' twice; JSON would keep only the last value, so keep one"],
      ['items-file', MISSING, NOT_A_FILE('items-file', MISSING, 'no such file')],
      ['items-file', file('kv-latin1.json', LATIN1('{', '"caf\u00e9": "1"}')), NOT_UTF8('items-file', join(files, 'kv-latin1.json'), 2)],
      ['items-file', file('kv-bad-key.json', '{"ok": "1", "a;b": "2"}'), "Input 'items-file' key 'a;b' contains \";\"; Fastly refuses keys with # ; ? ^ | or a line break; rename the key", { items: '' }],
      ['delete-missing', 'maybe', NOT_A_BOOLEAN('delete-missing', 'maybe')],
      ['delete-missing', 'true', KV_EMPTIED, { items: '{}' }],
      ['delete-missing', 'true', KV_EMPTIED, { items: '{"gone": null}' }],
      ['allow-empty', 'yes', NOT_A_BOOLEAN('allow-empty', 'yes')]
    ]
  },
  'update-acl (acl)': {
    valid: { mode: 'update-acl', acl: 'blocklist', entries: '192.0.2.0/24' },
    rows: [
      ['acl', '', "Input 'acl' or 'compute-acl' is required for mode 'update-acl': the name of a VCL service's ACL (with 'service-id'), or a Compute ACL's name or ID"],
      ['compute-acl', 'edge', "Inputs 'acl' and 'compute-acl' are both set; set exactly one: 'acl' for a VCL service's ACL, 'compute-acl' for a Compute ACL"],
      ['service-id', '', NO_SERVICE('update-acl')],
      ['entries', '', "Input 'entries' or 'entries-file' is required: ACL entries one per line, e.g. 192.0.2.0/24"],
      ['entries', '192.0.2.256', ACL_LINE(1, '192.0.2.256', NOT_AN_ADDRESS('192.0.2.256'))],
      ['entries', '192.0.2.0/24\nexample.com', ACL_LINE(2, 'example.com', NOT_AN_ADDRESS('example.com'))],
      ['entries', 'fe80::1%eth0', ACL_LINE(1, 'fe80::1%eth0', NOT_AN_ADDRESS('fe80::1%eth0'))],
      ['entries', '192.0.2.0/33', ACL_LINE(1, '192.0.2.0/33', 'the prefix length must be a whole number from 0 to 32, e.g. 192.0.2.0/24')],
      ['entries', '2001:db8::/129', ACL_LINE(1, '2001:db8::/129', 'the prefix length must be a whole number from 0 to 128, e.g. 2001:db8::/32')],
      ['entries', '192.0.2.0/24\n192.0.2.5/24 # typo', ACL_LINE(2, '192.0.2.5/24 # typo', '192.0.2.5/24 has host bits set under its /24 prefix; write the network, 192.0.2.0/24, or the host alone, 192.0.2.5')],
      ['entries', '2001:db8::1/32', ACL_LINE(1, '2001:db8::1/32', '2001:db8::1/32 has host bits set under its /32 prefix; write the network, 2001:db8::/32, or the host alone, 2001:db8::1')],
      ['entries', '192.0.2.0/24 BLOCK', ACL_LINE(1, '192.0.2.0/24 BLOCK', 'a line holds one address or prefix, then an optional # comment (ALLOW and BLOCK are for compute-acl)')],
      ['entries', '192.0.2.1\n! 192.0.2.1/32 # again', "Input 'entries' line 2 ('! 192.0.2.1/32 # again') is the same entry as line 1 (192.0.2.1/32); keep one"],
      ['entries-file', MISSING, NOT_A_FILE('entries-file', MISSING, 'no such file')],
      ['entries-file', file('acl-bad.txt', '# blocklist\n10.0.0.0/8\n10.0.0.1/8\n'), ACL_LINE(3, '10.0.0.1/8', '10.0.0.1/8 has host bits set under its /8 prefix; write the network, 10.0.0.0/8, or the host alone, 10.0.0.1', 'entries-file')],
      ['entries-file', file('acl-twice.txt', '10.0.0.0/8\n192.0.2.0/24\n'), "Input 'entries' line 1 is the same entry as 'entries-file' line 2 (192.0.2.0/24); keep one"],
      ['entries-file', file('acl-latin1.txt', LATIN1('10.0.0.0/8', '192.0.2.0/24 # caf\u00e9')), NOT_UTF8('entries-file', join(files, 'acl-latin1.txt'), 2)],
      ['delete-missing', 'sure', NOT_A_BOOLEAN('delete-missing', 'sure')],
      ['delete-missing', 'true', ACL_EMPTIED, { entries: '# nothing left\n' }],
      ['allow-empty', 'no way', NOT_A_BOOLEAN('allow-empty', 'no way')]
    ]
  },
  'update-acl (compute-acl)': {
    valid: { mode: 'update-acl', 'service-id': '', 'compute-acl': 'edge', entries: '192.0.2.0/24 BLOCK' },
    rows: [
      ['entries', '192.0.2.0/24', ACL_LINE(1, '192.0.2.0/24', 'each Compute ACL line is an address or prefix, then ALLOW or BLOCK, e.g. 192.0.2.0/24 BLOCK')],
      ['entries', '192.0.2.0/24 DENY', ACL_LINE(1, '192.0.2.0/24 DENY', 'each Compute ACL line is an address or prefix, then ALLOW or BLOCK, e.g. 192.0.2.0/24 BLOCK')],
      ['entries', '!192.0.2.0/24 BLOCK', ACL_LINE(1, '!192.0.2.0/24 BLOCK', "'!' negates VCL ACL entries only; a Compute ACL entry ends with ALLOW or BLOCK instead")],
      ['entries', '192.0.2.9/24 ALLOW', ACL_LINE(1, '192.0.2.9/24 ALLOW', '192.0.2.9/24 has host bits set under its /24 prefix; write the network, 192.0.2.0/24, or the host alone, 192.0.2.9')],
      ['delete-missing', 'true', ACL_EMPTIED, { entries: '', 'entries-file': file('acl-empty.txt', '\n# all gone\n') }]
    ]
  },
  stats: {
    valid: { mode: 'stats' },
    rows: [
      ['service-id', '', NO_SERVICE('stats')],
      ['stats-from', 'last tuesday', NOT_A_TIME('stats-from', 'last tuesday')],
      ['stats-from', '2026-13-01', NOT_A_TIME('stats-from', '2026-13-01')],
      ['stats-from', '2026-02-30', NOT_A_TIME('stats-from', '2026-02-30')],
      ['stats-from', '1795305600000', "Input 'stats-from' must be Unix time in seconds, got '1795305600000' (milliseconds? drop the last three digits)"],
      ['stats-to', '2 fortnights ago', NOT_A_TIME('stats-to', '2 fortnights ago')],
      // Fixed times: a relative window would put the run's clock into the message.
      ['stats-from', '1795305600', "Input 'stats-from' must be before 'stats-to', got 2026-11-22T00:00:00.000Z → 2026-11-22T00:00:00.000Z", { 'stats-to': '1795305600' }],
      ['stats-to', '2026-11-21T00:00:00Z', "Input 'stats-from' must be before 'stats-to', got 2026-11-22T00:00:00.000Z → 2026-11-21T00:00:00.000Z", { 'stats-from': '1795305600' }],
      ['stats-by', 'second', "Input 'stats-by' must be one of 'minute', 'hour', 'day', got 'second'"],
      ['stats-by', 'Hour', "Input 'stats-by' must be one of 'minute', 'hour', 'day', got 'Hour'"],
      ['stats-from', '4102444800', "Input 'stats-from' is 2100-01-01T00:00:00.000Z, not in the past: Fastly has no stats yet for a window that starts now or later", { 'stats-to': '4102448400' }],
      ['stats-from', '2000-01-01T00:00:00Z', "Input 'stats-from' is 2000-01-01T00:00:00.000Z, older than the 35 days Fastly keeps minutely stats; start within the last 35 days or choose a coarser 'stats-by'", { 'stats-by': 'minute' }],
      ['stats-from', '2000-01-01T00:00:00Z', "Input 'stats-from' is 2000-01-01T00:00:00.000Z, older than the 375 days Fastly keeps hourly stats; start within the last 375 days or choose a coarser 'stats-by'"],
      ['min-hit-ratio', '1.5', NOT_A_RATIO('min-hit-ratio', '1.5')],
      ['min-hit-ratio', '90', NOT_A_RATIO('min-hit-ratio', '90')],
      ['min-hit-ratio', '90%', NOT_A_RATIO('min-hit-ratio', '90%')],
      ['min-hit-ratio', '-0.1', NOT_A_RATIO('min-hit-ratio', '-0.1')],
      ['max-error-ratio', '5%', NOT_A_RATIO('max-error-ratio', '5%')],
      ['max-error-ratio', '0,05', NOT_A_RATIO('max-error-ratio', '0,05')],
      ['max-error-ratio', 'low', NOT_A_RATIO('max-error-ratio', 'low')]
    ]
  }
};

/** Without the scratch folder's random name, so a row keeps its title from run to run. */
function title([input, value, , also = {}]: Row): string {
  const show = (text: string) => {
    const plain = text.replaceAll(files, '…');
    return JSON.stringify(plain.length > 60 ? `${plain.slice(0, 60)}…` : plain);
  };
  const others = Object.entries(also).map(([name, other]) => `, ${name}: ${show(other)}`);
  return `${input}: ${show(value)}${others.join('')}`;
}

// Sequential on purpose: the fake's request log is shared by every test in the file.
describe.each(Object.entries(TABLE))('%s: refused before any request', (_group, { valid, rows }) => {
  it.each(rows.map(row => [title(row), row] as const))('%s', async (_title, [input, value, message, also]) => {
    const inputs = ctx.inputs({ ...valid, ...also, [input]: value });
    const run = await runAction(inputs);
    expectRefusedBeforeAnyRequest(run, ctx.fake.requests, message);
    expectNoStackTrace(run);
    expect(run.summary).toContain('stopped before any change');
    // Nothing to mask when there is no token; runAction checks the mask comes first when there is.
    expect(run.stdout.includes('::add-mask::')).toBe(inputs['api-token'] !== '');
  });
});

describe('an input that means nothing here: a warning, and the run goes on', () => {
  it.each([
    [{ mode: 'purge-keys', keys: 'home', urls: 'https://www.example.com/' }, "Input 'urls' is not used by mode 'purge-keys' and was ignored"],
    [{ mode: 'purge-keys', keys: 'home', 'wait-for-text': 'release-42' }, "Input 'wait-for-text' is not used without 'wait-for-url' and was ignored"],
    [{ mode: 'purge-keys', keys: 'home', 'purge-twice-delay': '5' }, "Input 'purge-twice-delay' is not used without 'purge-twice: true' and was ignored"]
  ])('%j', async (inputs, warning) => {
    const run = await runAction(ctx.inputs(inputs));
    expect(run.code).toBe(0);
    expect(run.warnings).toContain(warning);
    expect(ctx.fake.writes()).toHaveLength(1);
  });
});
