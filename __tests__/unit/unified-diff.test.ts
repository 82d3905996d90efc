import { describe, expect, it } from '@jest/globals';
import { MAX_EDITS, unifiedDiff } from '../../src/unified-diff.js';

const file = (name: string, text: string) => ({ name, text });

describe('unifiedDiff', () => {
  it.each([
    ['a change: removal first, then addition, with context', file('main (version 2)', 'a\nb\nc\n'), file('vcl/main.vcl', 'a\nB\nc\n'), '--- main (version 2)\n+++ vcl/main.vcl\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c'],
    ['a new file, from /dev/null', undefined, file('vcl/new.vcl', 'x\ny\n'), '--- /dev/null\n+++ vcl/new.vcl\n@@ -0,0 +1,2 @@\n+x\n+y'],
    [
      'far-apart changes in two hunks',
      file('a', '1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n'),
      file('b', '0\n2\n3\n4\n5\n6\n7\n8\n9\n11\n'),
      '--- a\n+++ b\n@@ -1,4 +1,4 @@\n-1\n+0\n 2\n 3\n 4\n@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+11'
    ],
    ['no change: the headers alone', file('a', 'same\n'), file('b', 'same\n'), '--- a\n+++ b']
  ])('%s', (_name, before, after, expected) => {
    expect(unifiedDiff(before, after)).toBe(expected);
  });

  it('says a rewrite too large to diff changed, instead of working on it', () => {
    const lines = (word: string) => Array.from({ length: MAX_EDITS }, (_, i) => `${word} ${i}`).join('\n');
    expect(unifiedDiff(file('a', lines('old')), file('b', lines('new')))).toBe(
      `--- a\n+++ b\n(changed: ${MAX_EDITS} → ${MAX_EDITS} lines, over ${MAX_EDITS} edits; too large to diff here)`
    );
  });
});
