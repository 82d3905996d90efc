import { describe, expect, it } from '@jest/globals';
import { finding } from '../../src/modes/activate/vcl-plan.js';

describe('a lint finding takes its position from the message text', () => {
  it.each([
    ["Syntax error: Unexpected 'x'\nat: (input Line 12 Pos 5)", 12, 5],
    ['Unused sub at line 3, column 7', 3, 7],
    ['LINE 4 COL 2: unused variable', 4, 2],
    ['line: 9 pos: 1', 9, 1],
    ['Line 8 with no column', 8, undefined],
    ['No position at all', undefined, undefined],
    // A column named before any line is not the line's column.
    ['Pos 3 then Line 6', 6, undefined]
  ])('%j → line %s, column %s', (message, line, column) => {
    expect(finding('vcl/main.vcl', 'error', message)).toEqual({ path: 'vcl/main.vcl', severity: 'error', message, line, column });
  });
});
