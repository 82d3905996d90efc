import { describe, expect, it } from '@jest/globals';
import { RateLimitTracker } from '../../src/fastly/rate-limit.js';

describe('RateLimitTracker', () => {
  it.each([
    ['keeps the lowest reading of one window', [['900', '1000'], ['850', '1000'], ['870', '1000']], 850, 1000],
    ['a later window replaces a lower reading (a 429 waited out)', [['0', '1000'], ['999', '4600']], 999, 4600],
    ['an older window arriving late is ignored', [['500', '4600'], ['10', '1000']], 500, 4600],
    ['readings without a number are ignored', [['abc', '1000'], ['700', '1000']], 700, 1000]
  ])('%s', (_name, readings, remaining, resetSeconds) => {
    const tracker = new RateLimitTracker();
    for (const [left, reset] of readings as [string, string][]) tracker.observe(left, reset);
    expect(tracker.snapshot()).toMatchObject({ remaining, reset: new Date((resetSeconds as number) * 1000) });
  });

  it('guesses the hourly limit: 1000 by default, or the highest reading seen', () => {
    const tracker = new RateLimitTracker();
    tracker.observe('9999', '1000');
    expect(tracker.snapshot().limit).toBe(9999);
  });
});
