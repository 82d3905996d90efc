import { describe, expect, it } from '@jest/globals';
import { lineDiff } from '../../src/line-diff.js';

describe('lineDiff', () => {
  it.each([
    ['a change: removal first, then addition, with context', 'a\nb\nc', 'a\nB\nc', '  a\n- b\n+ B\n  c'],
    ['a new file', '', 'x\ny', '- \n+ x\n+ y'],
    ['far-apart changes skip unchanged lines', '1\n2\n3\n4\n5\n6\n7\n8\n9\n10', '0\n2\n3\n4\n5\n6\n7\n8\n9\n11', '- 1\n+ 0\n  2\n  3\n  4\n…\n  7\n  8\n  9\n- 10\n+ 11'],
    ['no change', 'same\n', 'same\n', '…']
  ])('%s', (_name, before, after, expected) => {
    expect(lineDiff(before, after)).toBe(expected);
  });

  it('refuses to build a table for huge files', () => {
    const big = Array.from({ length: 3000 }, (_, i) => `line ${i}`).join('\n');
    expect(lineDiff(big, `${big}\nmore`)).toBe('(changed: 3000 → 3001 lines; too large to diff here)');
  });
});
