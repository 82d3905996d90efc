import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../src/errors.js';
import { readSettings } from '../../src/inputs/settings.js';

const dir = mkdtempSync(join(tmpdir(), 'settings-'));
const keysFile = join(dir, 'keys.txt');
writeFileSync(keysFile, 'a\nb, c\n\n a \n');
const urlsFile = join(dir, 'urls.txt');
writeFileSync(urlsFile, 'https://example.com/a\nnot a url\n');

const base = { 'api-token': 'tok', mode: 'purge-keys', 'service-id': 'SVC1', keys: 'k1' };

function read(inputs: Record<string, string>) {
  return readSettings(name => inputs[name] ?? '');
}

describe('readSettings refuses bad inputs, naming the input', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['unknown mode', { mode: 'purge-everything' }, /^Input 'mode' must be one of 'purge-keys', 'purge-urls', 'purge-all', 'activate', 'update-dictionary', 'update-config-store', 'stats', 'update-kv-store', 'update-acl', got 'purge-everything'$/],
    ['empty mode', { mode: '' }, /^Input 'mode' must be one of/],
    ['missing token', { 'api-token': '' }, /^Input 'api-token' is required/],
    ['bad boolean', { 'soft-purge': 'yes' }, /^Input 'soft-purge' must be 'true' or 'false', got 'yes'$/],
    ['bad dry-run', { 'dry-run': '1' }, /^Input 'dry-run' must be 'true' or 'false', got '1'$/],
    ['bad token-check', { 'token-check': 'off' }, /^Input 'token-check' must be 'true' or 'false'/],
    ['no keys at all', { keys: '' }, /^Input 'keys' or 'keys-file' must name at least one surrogate key/],
    ['only separators', { keys: ' , \n ' }, /^Input 'keys' or 'keys-file' must name at least one surrogate key/],
    ['missing keys file', { 'keys-file': join(dir, 'nope.txt') }, /^Input 'keys-file' must be a readable file path, got '.*nope.txt' \(no such file\)$/],
    ['keys file is a directory', { 'keys-file': dir }, /^Input 'keys-file' .* \(it is a directory\)$/],
    ['no service for purge-keys', { 'service-id': '' }, /^Input 'service-id' is required for mode 'purge-keys'/],
    ['no service for purge-all', { mode: 'purge-all', 'service-id': '' }, /^Input 'service-id' is required for mode 'purge-all'/],
    ['odd service id', { 'service-id': 'SVC1 ../x' }, /^Input 'service-id' must be Fastly service IDs .*got '\.\.\/x'$/],
    ['token with a line break', { 'api-token': 'to\nken' }, /^Input 'api-token' must be one token without spaces or line breaks; check the secret's value$/],
    ['negative max-retries', { 'max-retries': '-1' }, /^Input 'max-retries' must be a whole number from 0 to 20, got '-1'$/],
    ['endless max-retries', { 'max-retries': '99999999' }, /^Input 'max-retries' must be a whole number from 0 to 20, got '99999999'$/],
    ['request-timeout 0', { 'request-timeout': '0' }, /^Input 'request-timeout' must be a number of seconds from 1 to 300, got '0'$/],
    ['request-timeout text', { 'request-timeout': '30s' }, /^Input 'request-timeout' must be a number of seconds from 1 to 300, got '30s'$/],
    ['wait-timeout too short to see 3 tries', { 'wait-for-url': 'https://a.example/', 'wait-for-text': 'x', 'wait-timeout': '0' }, /^Input 'wait-timeout' must be a number of seconds from 1 to 86400, got '0'$/],
    ['bad wait-for-url named before the missing text', { 'wait-for-url': 'not a url' }, /^Input 'wait-for-url' must be an absolute http\(s\) URL, got 'not a url'$/],
    ['stats-from in milliseconds', { mode: 'stats', 'stats-from': '1795305600000' }, /^Input 'stats-from' must be Unix time in seconds, got '1795305600000' \(milliseconds\? drop the last three digits\)$/],
    ['a date that does not exist', { mode: 'stats', 'stats-from': '2026-02-30' }, /^Input 'stats-from' must be Unix seconds, an ISO 8601 time/],
    ['fractional max-retries', { 'max-retries': '1.5' }, /^Input 'max-retries' must be a whole number/],
    ['non-http api-url', { 'api-url': 'ftp://api.fastly.com' }, /^Input 'api-url' must be an absolute http\(s\) URL, got 'ftp:\/\/api.fastly.com'$/],
    ['relative api-url', { 'api-url': 'api.fastly.com' }, /^Input 'api-url' must be an absolute http\(s\) URL/],
    ['concurrency 0', { mode: 'purge-urls', urls: 'https://a.example/', concurrency: '0' }, /^Input 'concurrency' must be a whole number from 1 to 64, got '0'$/],
    ['concurrency 65', { mode: 'purge-urls', urls: 'https://a.example/', concurrency: '65' }, /^Input 'concurrency' must be a whole number from 1 to 64, got '65'$/],
    ['concurrency text', { mode: 'purge-urls', urls: 'https://a.example/', concurrency: 'many' }, /^Input 'concurrency' must be/],
    ['relative url', { mode: 'purge-urls', urls: '/pricing' }, /^Input 'urls' must be an absolute http\(s\) URL, got '\/pricing'$/],
    ['non-http url', { mode: 'purge-urls', urls: 'ftp://a.example/x' }, /^Input 'urls' must be an absolute http\(s\) URL, got 'ftp:/],
    ['bad url in file', { mode: 'purge-urls', 'urls-file': urlsFile }, /^Input 'urls-file' must be an absolute http\(s\) URL, got 'not'$/],
    ['no urls', { mode: 'purge-urls' }, /^Input 'urls' or 'urls-file' must name at least one URL/]
  ];

  it.each(cases)('%s', (_name, overrides, message) => {
    let thrown: unknown;
    try {
      read({ ...base, ...overrides });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as Error).message).toMatch(message);
  });
});

describe('readSettings accepts good inputs', () => {
  it('applies the contract defaults', () => {
    const { settings, warnings } = read(base);
    expect(settings).toMatchObject({
      mode: 'purge-keys',
      apiUrl: 'https://api.fastly.com',
      dryRun: false,
      tokenCheck: true,
      maxRetries: 5,
      requestTimeoutMs: 30_000,
      soft: true,
      serviceIds: ['SVC1'],
      keys: ['k1']
    });
    expect(warnings).toEqual([]);
  });

  it('takes fractional request-timeout seconds and max-retries up to 20', () => {
    expect(read({ ...base, 'request-timeout': '2.5', 'max-retries': '20' }).settings).toMatchObject({ requestTimeoutMs: 2500, maxRetries: 20 });
  });

  it('merges keys and keys-file on every separator, dropping duplicates in order', () => {
    const { settings } = read({ ...base, keys: 'z, a', 'keys-file': keysFile });
    expect(settings).toMatchObject({ keys: ['z', 'a', 'b', 'c'] });
  });

  it('takes booleans in any case and several services', () => {
    const { settings } = read({ ...base, 'soft-purge': 'FALSE', 'dry-run': 'True', 'service-id': 'S1,S2\nS3 S1' });
    expect(settings).toMatchObject({ soft: false, dryRun: true, serviceIds: ['S1', 'S2', 'S3'] });
  });

  it('parses URLs, keeps query strings, strips the trailing slash of api-url', () => {
    const { settings } = read({
      ...base,
      mode: 'purge-urls',
      'service-id': '',
      urls: 'https://a.example/x?y=1\nhttp://b.example:8080/',
      concurrency: '64',
      'api-url': 'http://127.0.0.1:9/'
    });
    expect(settings).toMatchObject({
      urls: ['https://a.example/x?y=1', 'http://b.example:8080/'],
      concurrency: 64,
      apiUrl: 'http://127.0.0.1:9'
    });
  });

  it('warns about inputs the mode ignores', () => {
    const { warnings } = read({ ...base, mode: 'purge-all', urls: 'https://a.example/', 'soft-purge': 'true' });
    expect(warnings).toEqual([
      "Input 'keys' is not used by mode 'purge-all' and was ignored",
      "Input 'urls' is not used by mode 'purge-all' and was ignored"
    ]);
  });

  it.each([
    [{ 'wait-for-text': 'v42' }, "Input 'wait-for-text' is not used without 'wait-for-url' and was ignored"],
    [{ 'purge-twice-delay': '5' }, "Input 'purge-twice-delay' is not used without 'purge-twice: true' and was ignored"],
    [{ 'purge-twice-delay': '5', mode: 'stats', keys: '' }, "Input 'purge-twice-delay' is not used by mode 'stats' and was ignored"],
    [{ mode: 'activate', keys: '', clone: 'false', comment: 'hi' }, "Input 'comment' is not used with 'clone: false' (the version is not a new clone) and was ignored"]
  ])('warns about %j, which means nothing here', (overrides, warning) => {
    expect(read({ ...base, ...overrides }).warnings).toEqual([warning]);
  });

  it('reads an items file saved with a byte order mark', () => {
    const file = join(dir, 'bom.json');
    writeFileSync(file, '\uFEFF{"a": "b"}');
    const { settings } = read({ ...base, keys: '', mode: 'update-config-store', 'service-id': '', 'config-store': 's', 'items-file': file });
    expect(settings).toMatchObject({ items: new Map([['a', 'b']]) });
  });
});

describe('readSettings for activate', () => {
  const vclDir = mkdtempSync(join(tmpdir(), 'vcl-'));
  writeFileSync(join(vclDir, 'main.vcl'), 'sub vcl_recv { }\n');
  writeFileSync(join(vclDir, 'shared.vcl'), 'sub shared { }\n');
  writeFileSync(join(vclDir, 'notes.txt'), 'not vcl');
  const activate = { 'api-token': 'tok', mode: 'activate', 'service-id': 'SVC1' };

  it.each([
    [{ version: 'abc' }, "Input 'version' must be 'active', 'latest', 'staged' or a version number, got 'abc'"],
    [{ version: '0' }, "Input 'version' must be 'active', 'latest', 'staged' or a version number, got '0'"],
    [{ version: '4.1' }, "Input 'version' must be 'active', 'latest', 'staged' or a version number, got '4.1'"],
    [{ clone: 'no' }, "Input 'clone' must be 'true' or 'false', got 'no'"],
    [{ environment: 'prod' }, "Input 'environment' must be one of 'production', 'staging', got 'prod'"],
    [{ 'vcl-files': join(vclDir, '*.vcl'), clone: 'false' }, "Input 'vcl-files' needs 'clone: true': VCL is uploaded into a new clone, never into an existing version"],
    [{ 'vcl-files': join(vclDir, 'nothing-*.vcl') }, `Input 'vcl-files' must name existing .vcl files; '${join(vclDir, 'nothing-*.vcl')}' matches no file`],
    [{ 'vcl-files': join(vclDir, 'notes.txt') }, `Input 'vcl-files' must name .vcl files, got '${join(vclDir, 'notes.txt')}'`],
    [{ 'service-id': '' }, "Input 'service-id' is required for mode 'activate': one or more Fastly service IDs"]
  ])('refuses %j', (overrides, message) => {
    expect(() => read({ ...activate, ...overrides })).toThrow(new InputError(message));
  });

  it('reads globs into named VCL files, with the contract defaults', () => {
    const { settings } = read({ ...activate, 'vcl-files': join(vclDir, '*.vcl') });
    expect(settings).toMatchObject({
      version: 'active',
      clone: true,
      vclMain: 'main',
      environment: 'production',
      vclFiles: [
        { name: 'main', content: 'sub vcl_recv { }\n' },
        { name: 'shared', content: 'sub shared { }\n' }
      ]
    });
  });

  it('takes a version number, staging, and a rollback without VCL', () => {
    const { settings } = read({ ...activate, version: '41', clone: 'false', environment: 'staging', comment: 'Roll back' });
    expect(settings).toMatchObject({ version: 41, clone: false, environment: 'staging', comment: 'Roll back', vclFiles: [] });
  });
});

describe('readSettings for update-dictionary and update-config-store', () => {
  const dict = { 'api-token': 'tok', mode: 'update-dictionary', 'service-id': 'SVC1', dictionary: 'redirects' };
  const itemsFile = join(dir, 'items.json');
  writeFileSync(itemsFile, JSON.stringify({ a: 'from file', b: 'file only', c: null }));

  it.each([
    [{ items: '{' }, /^Input 'items' must be valid JSON: /],
    [{ items: '["a"]' }, /^Input 'items' must be a JSON object of string values, e.g. \{"key": "value"\}; got an array$/],
    [{ items: '"text"' }, /^Input 'items' must be a JSON object of string values, .*; got a string$/],
    [{ items: '{"a": 1}' }, /^Input 'items' key 'a' must have a string value \(or null to delete it\), got 1$/],
    [{ items: '{"": "x"}' }, /^Input 'items' has an empty key; every key needs a name$/],
    [{ items: JSON.stringify({ ['k'.repeat(257)]: 'x' }) }, /^Input 'items' key 'k{40}…' is 257 characters; the limit is 256$/],
    [{ items: JSON.stringify({ big: 'v'.repeat(8001) }) }, /^Input 'items' key 'big' has a value of 8001 characters; the limit is 8000$/],
    [{ items: '' }, /^Input 'items' or 'items-file' is required/],
    [{ items: '{}', 'items-file': join(dir, 'none.json') }, /^Input 'items-file' must be a readable file path/],
    [{ items: '{}', dictionary: '' }, /^Input 'dictionary' is required for mode 'update-dictionary'/],
    [{ items: '{}', 'delete-missing': 'all' }, /^Input 'delete-missing' must be 'true' or 'false', got 'all'$/],
    [{ items: '{}', mode: 'update-config-store', 'service-id': '' }, /^Input 'config-store' is required for mode 'update-config-store'/],
    [{ items: JSON.stringify({ ['k'.repeat(256)]: 'x' }), mode: 'update-config-store', 'config-store': 'flags' }, /the limit is 255$/]
  ])('refuses %j', (overrides, message) => {
    expect(() => read({ ...dict, ...overrides })).toThrow(message);
  });

  it('merges items-file and items, inline winning, and keeps nulls as deletions', () => {
    const { settings } = read({ ...dict, 'items-file': itemsFile, items: '{"a": "inline", "d": "new"}' });
    expect(settings).toMatchObject({ deleteMissing: false });
    expect([...(settings as { items: ReadonlyMap<string, string | null> }).items]).toEqual([
      ['a', 'inline'],
      ['b', 'file only'],
      ['c', null],
      ['d', 'new']
    ]);
  });

  it('warns that service-id means nothing to a config store', () => {
    const { warnings } = read({ ...dict, mode: 'update-config-store', 'config-store': 'flags', items: '{}', dictionary: '' });
    expect(warnings).toEqual(["Input 'service-id' is not used by mode 'update-config-store' and was ignored"]);
  });
});

describe('readSettings for stats', () => {
  const NOW = Date.parse('2026-11-23T12:00:00Z');
  const stats = { 'api-token': 'tok', mode: 'stats', 'service-id': 'SVC1' };
  const at = (inputs: Record<string, string>) => readSettings(name => ({ ...stats, ...inputs })[name] ?? '', NOW);

  it.each([
    [{}, { from: NOW / 1000 - 86_400, to: NOW / 1000, by: 'hour' }],
    [{ 'stats-from': '2 hours ago', 'stats-to': '30 minutes ago', 'stats-by': 'minute' }, { from: NOW / 1000 - 7200, to: NOW / 1000 - 1800, by: 'minute' }],
    [{ 'stats-from': '2026-11-20T00:00:00Z', 'stats-to': '1795392000', 'stats-by': 'day' }, { from: Date.parse('2026-11-20T00:00:00Z') / 1000, to: 1795392000, by: 'day' }],
    [{ 'stats-from': '1 week ago', 'stats-to': 'NOW' }, { from: NOW / 1000 - 604_800, to: NOW / 1000, by: 'hour' }]
  ])('reads the window %j', (inputs, window) => {
    expect(at(inputs).settings).toMatchObject({ window });
  });

  it.each([
    [{ 'stats-from': 'yesterday' }, /^Input 'stats-from' must be Unix seconds, an ISO 8601 time \(2026-11-23T08:00:00Z\) or a relative time \('2 hours ago', 'now'\), got 'yesterday'$/],
    [{ 'stats-to': '2 fortnights ago' }, /^Input 'stats-to' must be Unix seconds/],
    [{ 'stats-from': 'now', 'stats-to': '1 hour ago' }, /^Input 'stats-from' must be before 'stats-to'/],
    [{ 'stats-by': 'week' }, /^Input 'stats-by' must be one of 'minute', 'hour', 'day', got 'week'$/],
    [{ 'min-hit-ratio': '90' }, /^Input 'min-hit-ratio' must be a number from 0 to 1 \(e.g. 0.9 for 90%\), got '90'$/],
    [{ 'max-error-ratio': '-0.1' }, /^Input 'max-error-ratio' must be a number from 0 to 1/],
    [{ 'max-error-ratio': 'low' }, /^Input 'max-error-ratio' must be a number from 0 to 1/],
    [{ 'service-id': '' }, /^Input 'service-id' is required for mode 'stats'/]
  ])('refuses %j', (inputs, message) => {
    expect(() => at(inputs)).toThrow(message);
  });

  it('takes thresholds from 0 to 1', () => {
    expect(at({ 'min-hit-ratio': '0.9', 'max-error-ratio': '.01' }).settings).toMatchObject({ minHitRatio: 0.9, maxErrorRatio: 0.01 });
    expect(at({ 'min-hit-ratio': '1', 'max-error-ratio': '0' }).settings).toMatchObject({ minHitRatio: 1, maxErrorRatio: 0 });
  });
});

describe('readSettings for activate health checks', () => {
  const activate = { 'api-token': 'tok', mode: 'activate', 'service-id': 'SVC1' };
  it('reads the URL and the timeout in milliseconds, 60 s by default', () => {
    expect(read({ ...activate, 'health-check-url': 'https://www.example.com/_health' }).settings).toMatchObject({
      healthCheckUrl: 'https://www.example.com/_health',
      healthCheckTimeoutMs: 60_000
    });
    expect(read({ ...activate, 'health-check-timeout': '5' }).settings).toMatchObject({ healthCheckUrl: undefined, healthCheckTimeoutMs: 5000 });
  });
});

describe('readSettings for purges that stick', () => {
  it.each([
    ['purge-keys', { keys: 'a' }, 2000],
    ['purge-urls', { urls: 'https://a.example/' }, 2000],
    ['purge-all', {}, 30_000]
  ])('%s purges twice with Fastly\'s advised delay by default', (mode, extra, delay) => {
    const { settings } = read({ ...base, mode, 'purge-twice': 'true', ...extra });
    expect(settings).toMatchObject({ secondPassDelayMs: delay });
  });

  it('waits for the commit SHA by default, 600 s, and needs a text outside a run', () => {
    const previous = process.env.GITHUB_SHA;
    process.env.GITHUB_SHA = 'abc123';
    try {
      expect(read({ ...base, 'wait-for-url': 'https://www.example.com/_build' }).settings).toMatchObject({
        waitFor: { url: 'https://www.example.com/_build', text: 'abc123', timeoutMs: 600_000 },
        secondPassDelayMs: undefined
      });
      delete process.env.GITHUB_SHA;
      expect(() => read({ ...base, 'wait-for-url': 'https://www.example.com/_build' })).toThrow(
        "Input 'wait-for-text' is required with 'wait-for-url' when the run has no commit SHA (GITHUB_SHA)"
      );
    } finally {
      if (previous === undefined) delete process.env.GITHUB_SHA;
      else process.env.GITHUB_SHA = previous;
    }
  });
});

describe('readSettings lets through what only looks odd', () => {
  const dict = { 'api-token': 'tok', mode: 'update-dictionary', 'service-id': 'SVC1', dictionary: 'redirects' };
  const items = (inputs: Record<string, string>) =>
    [...(read({ ...dict, ...inputs }).settings as { items: ReadonlyMap<string, string | null> }).items.keys()];

  it.each([
    ['a key repeated only inside a value', '{"a": "\\"a\\": 1", "b": "a"}', ['a', 'b']],
    ['a key ending in an escaped backslash', '{"a\\\\": "1", "a": "2"}', ['a\\', 'a']],
    ['keys that differ in case', '{"Key": "1", "key": "2"}', ['Key', 'key']]
  ])('no duplicate: %s', (_what, json, keys) => {
    expect(items({ items: json })).toEqual(keys);
  });

  it('tells a key repeated in a nested object from a duplicate', () => {
    expect(() => items({ items: '{"a": {"a": "1"}}' })).toThrow(/^Input 'items' key 'a' must have a string value/);
  });

  it('accepts a key named in both items-file and items: inline wins, as documented', () => {
    const file = join(dir, 'both.json');
    writeFileSync(file, '{"a": "file"}');
    const { settings } = read({ ...dict, 'items-file': file, items: '{"a": "inline"}' });
    expect([...(settings as { items: ReadonlyMap<string, string | null> }).items]).toEqual([['a', 'inline']]);
  });

  it('reads a UTF-8 file with a byte order mark, and non-ASCII text in it', () => {
    const file = join(dir, 'bom.json');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"café": "naïve"}')]));
    expect(items({ 'items-file': file })).toEqual(['café']);
  });

  it('keeps items when delete-missing has something to keep, and empties only with allow-empty', () => {
    expect(read({ ...dict, items: '{"a": "1", "b": null}', 'delete-missing': 'true' }).settings).toMatchObject({ deleteMissing: true });
    expect(read({ ...dict, items: '{}', 'delete-missing': 'true', 'allow-empty': 'true' }).settings).toMatchObject({ deleteMissing: true });
    expect(read({ ...dict, items: '{}', 'delete-missing': 'false' }).settings).toMatchObject({ deleteMissing: false });
    expect(() => read({ ...dict, items: '{}', 'delete-missing': 'true', 'allow-empty': 'false' })).toThrow(/^Input 'delete-missing' is 'true'/);
  });

  it('takes surrogate keys up to 1,024 bytes and any printable Unicode', () => {
    const longest = 'k'.repeat(1024);
    expect(read({ ...base, keys: `${longest} café/ü 製品` }).settings).toMatchObject({ keys: [longest, 'café/ü', '製品'] });
  });

  it('drops URL fragments, then duplicates, keeping the first', () => {
    const { settings } = read({ ...base, mode: 'purge-urls', urls: 'https://a.example/x#top https://a.example/y https://a.example/x#end' });
    expect(settings).toMatchObject({ urls: ['https://a.example/x', 'https://a.example/y'] });
  });

  it('masks credentials in a URL that is also malformed', () => {
    expect(() => read({ ...base, mode: 'purge-urls', urls: 'https://user:hunter2@' })).toThrow(
      "Input 'urls' must be an absolute http(s) URL, got 'https://***@'"
    );
  });

  const NOW = Date.parse('2026-11-23T12:00:00Z');
  const stats = (inputs: Record<string, string>) =>
    readSettings(name => ({ 'api-token': 'tok', mode: 'stats', 'service-id': 'SVC1', ...inputs })[name] ?? '', NOW).settings;

  it.each([
    [{ 'stats-from': '34 days ago', 'stats-by': 'minute' }],
    [{ 'stats-from': '370 days ago', 'stats-by': 'hour' }],
    [{ 'stats-from': '2000-01-01T00:00:00Z', 'stats-by': 'day' }],
    // A window that ends later than now still has data up to now.
    [{ 'stats-from': '1 hour ago', 'stats-to': '2026-11-24T00:00:00Z' }]
  ])('accepts the stats window %j', inputs => {
    expect(stats(inputs)).toMatchObject({ mode: 'stats' });
  });

  it.each([
    [{ 'stats-from': '36 days ago', 'stats-by': 'minute' }, /^Input 'stats-from' is 2026-10-18T12:00:00.000Z, older than the 35 days Fastly keeps minutely stats/],
    [{ 'stats-from': '376 days ago' }, /^Input 'stats-from' is .*, older than the 375 days Fastly keeps hourly stats/],
    [{ 'stats-from': 'now', 'stats-to': '2026-11-24T00:00:00Z' }, /^Input 'stats-from' is 2026-11-23T12:00:00.000Z, not in the past/]
  ])('refuses the stats window %j', (inputs, message) => {
    expect(() => stats(inputs)).toThrow(message);
  });
});

describe('readSettings for update-kv-store and update-acl', () => {
  const kv = { 'api-token': 'tok', mode: 'update-kv-store', 'kv-store': 'redirects' };
  const acl = { 'api-token': 'tok', mode: 'update-acl', 'service-id': 'SVC1', acl: 'blocklist' };

  it('merges a KV items-file and items, inline winning, with metadata and TTL kept', () => {
    const file = join(dir, 'kv.json');
    writeFileSync(file, JSON.stringify({ a: 'file', b: { value: 'v', metadata: 'm', ttl: 60 }, c: null }));
    const { settings, warnings } = read({ ...kv, 'items-file': file, items: '{"a": "inline"}' });
    expect(warnings).toEqual([]);
    expect(settings).toMatchObject({ mode: 'update-kv-store', kvStore: 'redirects', deleteMissing: false });
    expect(settings.mode === 'update-kv-store' && [...settings.items]).toEqual([
      ['a', { value: 'inline', metadata: '', ttl: undefined }],
      ['b', { value: 'v', metadata: 'm', ttl: 60 }],
      ['c', null]
    ]);
  });

  it('warns that service-id means nothing to a KV store', () => {
    expect(read({ ...kv, items: '{}', 'service-id': 'SVC1' }).warnings).toEqual(["Input 'service-id' is not used by mode 'update-kv-store' and was ignored"]);
  });

  it('reads entries-file then entries for a VCL ACL, normalised, a line without # without a comment', () => {
    const file = join(dir, 'blocklist.txt');
    writeFileSync(file, '# header\n192.0.2.7\n!2001:0DB8::/32 # lab\n');
    const { settings } = read({ ...acl, 'entries-file': file, entries: '10.0.0.0/8 #' });
    expect(settings.mode === 'update-acl' && settings.acl).toEqual({
      kind: 'vcl-acl',
      name: 'blocklist',
      entries: [
        { ip: '192.0.2.7', bits: 32, prefix: '192.0.2.7/32', negated: false, comment: '', line: 2 },
        { ip: '2001:db8::', bits: 32, prefix: '2001:db8::/32', negated: true, comment: 'lab', line: 3 },
        { ip: '10.0.0.0', bits: 8, prefix: '10.0.0.0/8', negated: false, comment: '', line: 1 }
      ]
    });
  });

  it('needs no service for a Compute ACL, and warns that one given is ignored', () => {
    const { settings, warnings } = read({ ...acl, acl: '', 'compute-acl': 'edge', entries: '192.0.2.0/24 block' });
    expect(settings).toMatchObject({ mode: 'update-acl', serviceIds: [], acl: { kind: 'compute-acl', name: 'edge', entries: [{ prefix: '192.0.2.0/24', action: 'BLOCK' }] } });
    expect(warnings).toEqual(["Input 'service-id' is not used with 'compute-acl' (a Compute ACL belongs to the account, not to a service) and was ignored"]);
  });

  it('lets allow-empty empty a store or an ACL on purpose', () => {
    expect(read({ ...kv, items: '{}', 'delete-missing': 'true', 'allow-empty': 'true' }).settings).toMatchObject({ deleteMissing: true });
    expect(read({ ...acl, entries: '# none left', 'delete-missing': 'true', 'allow-empty': 'true' }).settings).toMatchObject({ deleteMissing: true, acl: { entries: [] } });
  });
});
