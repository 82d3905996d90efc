import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../src/errors.js';
import { type CurrentKvValue, MAX_KV_BATCH_LINES, diffKv, kvWantedFrom } from '../../src/inputs/kv-items.js';

describe('KV wanted state', () => {
  it('takes strings (no metadata), null deletes, and objects with value, metadata and ttl', () => {
    const wanted = kvWantedFrom('items', {
      '/old': '/new',
      gone: null,
      flags: { value: '{"beta":true}', metadata: 'v2', ttl: 3600 },
      bare: { value: 'x' }
    });
    expect([...wanted]).toEqual([
      ['/old', { value: '/new', metadata: '', ttl: undefined }],
      ['gone', null],
      ['flags', { value: '{"beta":true}', metadata: 'v2', ttl: 3600 }],
      ['bare', { value: 'x', metadata: '', ttl: undefined }]
    ]);
  });

  it.each([
    ['', { '': 'x' }, `Input 'items' key '' is not a key name Fastly accepts ("", "." and ".." are reserved); rename the key`],
    ['.', { '.': 'x' }, `Input 'items' key '.' is not a key name Fastly accepts ("", "." and ".." are reserved); rename the key`],
    ['..', { '..': 'x' }, `Input 'items' key '..' is not a key name Fastly accepts ("", "." and ".." are reserved); rename the key`],
    ['acme', { '.well-known/acme-challenge/tok': 'x' }, "Input 'items' key '.well-known/acme-challenge/tok' starts with .well-known/acme-challenge/, which Fastly reserves; rename the key"],
    ['#', { 'a#b': 'x' }, `Input 'items' key 'a#b' contains "#"; Fastly refuses keys with # ; ? ^ | or a line break; rename the key`],
    [';', { 'a;b': 'x' }, `Input 'items' key 'a;b' contains ";"; Fastly refuses keys with # ; ? ^ | or a line break; rename the key`],
    ['?', { 'a?b': 'x' }, `Input 'items' key 'a?b' contains "?"; Fastly refuses keys with # ; ? ^ | or a line break; rename the key`],
    ['^', { 'a^b': 'x' }, `Input 'items' key 'a^b' contains "^"; Fastly refuses keys with # ; ? ^ | or a line break; rename the key`],
    ['|', { 'a|b': 'x' }, `Input 'items' key 'a|b' contains "|"; Fastly refuses keys with # ; ? ^ | or a line break; rename the key`],
    ['CR', { 'a\rb': 'x' }, `Input 'items' key 'a\\u000db' contains "\\r"; Fastly refuses keys with # ; ? ^ | or a line break; rename the key`],
    ['LF', { 'a\nb': 'x' }, `Input 'items' key 'a\\u000ab' contains "\\n"; Fastly refuses keys with # ; ? ^ | or a line break; rename the key`],
    ['1025 bytes', { ['é'.repeat(512) + 'a']: 'x' }, `Input 'items' key '${'é'.repeat(60)}…' is 1025 bytes in UTF-8; Fastly's limit is 1024; rename the key`],
    ['number', { k: 5 }, "Input 'items' key 'k' must be a string, null (to delete it) or {\"value\": \"…\", \"metadata\": \"…\", \"ttl\": 3600}, got 5"],
    ['array', { k: ['a'] }, "Input 'items' key 'k' must be a string, null (to delete it) or {\"value\": \"…\", \"metadata\": \"…\", \"ttl\": 3600}, got [\"a\"]"],
    ['no value', { k: { metadata: 'm' } }, `Input 'items' key 'k' needs a string "value"`],
    ['unknown field', { k: { value: 'v', ttl_sec: 5 } }, `Input 'items' key 'k' has the field 'ttl_sec'; only "value", "metadata" and "ttl" are known`],
    ['metadata type', { k: { value: 'v', metadata: { a: 1 } } }, `Input 'items' key 'k' has a "metadata" that is not a string; metadata is text, e.g. a JSON string`],
    ['metadata size', { k: { value: 'v', metadata: 'ü'.repeat(1001) } }, "Input 'items' key 'k' has metadata of 2002 bytes; Fastly's limit is 2000"],
    ['metadata newline', { k: { value: 'v', metadata: 'a\nb' } }, "Input 'items' key 'k' has control characters (such as a line break) in its metadata; remove them"],
    ['ttl 0', { k: { value: 'v', ttl: 0 } }, `Input 'items' key 'k' has a "ttl" of 0; it must be a whole number of seconds above 0`],
    ['ttl fraction', { k: { value: 'v', ttl: 1.5 } }, `Input 'items' key 'k' has a "ttl" of 1.5; it must be a whole number of seconds above 0`],
    ['ttl text', { k: { value: 'v', ttl: '60' } }, `Input 'items' key 'k' has a "ttl" of "60"; it must be a whole number of seconds above 0`]
  ])('refuses %s, naming the key', (_name, items, message) => {
    expect(() => kvWantedFrom('items', items)).toThrow(new InputError(message));
  });

  it('takes a key of exactly 1024 bytes and metadata of exactly 2000', () => {
    const key = 'é'.repeat(512);
    expect(kvWantedFrom('items', { [key]: { value: 'v', metadata: 'ü'.repeat(1000) } }).get(key)).toMatchObject({ value: 'v' });
  });

  it.each([
    ['an array', []],
    ['a string', 'x'],
    ['null', null]
  ])('refuses %s as the whole state, naming the input', (_name, parsed) => {
    expect(() => kvWantedFrom('items-file', parsed)).toThrow(new InputError(`Input 'items-file' must be a JSON object of keys, e.g. {"/old": "/new", "gone": null}`));
  });
});

describe('KV diff', () => {
  const current = new Map<string, CurrentKvValue>([
    ['same', { value: 'v', metadata: '' }],
    ['changed', { value: 'old', metadata: '' }],
    ['meta-only', { value: 'v', metadata: 'old' }],
    ['drop-meta', { value: 'v', metadata: 'm' }],
    ['ttl-only', { value: 'v', metadata: '' }],
    ['doomed', { value: 'v', metadata: '' }]
  ]);
  const keys = [...current.keys(), 'unnamed', 'vanished'];
  const wanted = kvWantedFrom('items', {
    same: 'v',
    changed: 'new',
    'meta-only': { value: 'v', metadata: 'new' },
    'drop-meta': 'v',
    'ttl-only': { value: 'v', ttl: 60 },
    doomed: null,
    'never-there': null,
    fresh: { value: 'f', ttl: 30 },
    vanished: 'back'
  });

  it('writes only what differs (a TTL alone never does), sends the TTL and empty metadata with a write, deletes what is null', () => {
    const plan = diffKv(wanted, keys, current, false);
    expect(plan).toEqual({
      created: ['fresh', 'vanished'],
      updated: ['changed', 'meta-only', 'drop-meta'],
      deleted: ['doomed'],
      unchanged: ['same', 'ttl-only', 'never-there'],
      batches: [
        [
          { key: 'changed', value: 'new', metadata: '' },
          { key: 'meta-only', value: 'v', metadata: 'new' },
          { key: 'drop-meta', value: 'v', metadata: '' },
          { key: 'fresh', value: 'f', metadata: '', ttl: 30 },
          { key: 'vanished', value: 'back', metadata: '' }
        ]
      ]
    });
  });

  it('with delete-missing also deletes the listed keys the wanted state does not name', () => {
    expect(diffKv(wanted, keys, current, true).deleted).toEqual(['doomed', 'unnamed']);
  });

  it('splits writes at 1000 lines and at 16 MiB', () => {
    const many = kvWantedFrom('items', Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`k${i}`, 'v'])));
    expect(diffKv(many, [], new Map(), false).batches.map(b => b.length)).toEqual([MAX_KV_BATCH_LINES, MAX_KV_BATCH_LINES, 1]);
    const big = 'x'.repeat(5 * 1024 * 1024);
    const large = kvWantedFrom('items', { a: big, b: big, c: big, d: 'small' });
    expect(diffKv(large, [], new Map(), false).batches.map(b => b.map(w => w.key))).toEqual([['a', 'b'], ['c', 'd']]);
  });
});
