import { execFileSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { NODE24 } from './run-action.js';

describe('runtime', () => {
  it('runs the bundle on Node 24, the runtime action.yml names', () => {
    expect(execFileSync(NODE24, ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./);
  });
});
