import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { type PurgeSettings, readSettings } from '../../src/inputs/settings.js';
import type { ModeRun } from '../../src/modes/index.js';
import type { PurgeMode, PurgeTarget } from '../../src/modes/purge/outcome.js';
import { escape } from '../../src/report/html.js';
import { type RunReport, outputsFor, present, renderSummary } from '../../src/report/publish.js';
import { ACTION_VERSION } from '../../src/version.js';

function target(name: string, purged: number, failed: number, reason = 'Fastly refused it'): PurgeTarget {
  return {
    kind: 'host',
    name,
    requested: purged + failed,
    requests: purged + failed,
    purgedCount: purged,
    ids: new Map(Array.from({ length: purged }, (_, i) => [`https://${name}/ok/${i}`, `id-${i}`])),
    failed: Array.from({ length: failed }, (_, i) => ({ item: `https://${name}/bad/${i}`, reason: `${reason} ${i % 3}` }))
  };
}

function summaryOf(report: RunReport): string {
  return renderSummary(report, report.run && present(report.run));
}

/** A soft purge of `targets` (purge-all is always hard). */
function purge(mode: PurgeMode, targets: PurgeTarget[]): ModeRun {
  const inputs: Record<string, string> = { 'api-token': 'tok', mode, 'service-id': 'SVC1', urls: 'https://a.example/', keys: 'k', 'soft-purge': 'true' };
  const settings = readSettings(name => inputs[name] ?? '').settings as PurgeSettings;
  return { kind: 'purge', settings, outcome: { mode, targets } };
}

function report(run: ModeRun, extra: Partial<RunReport> = {}): RunReport {
  return {
    mode: run.settings.mode,
    dryRun: run.settings.dryRun,
    tokenCheck: undefined,
    run,
    error: undefined,
    rateLimit: { remaining: 50, reset: new Date('2026-11-23T21:00:00Z'), limit: 1000 },
    planned: undefined,
    usage: { requests: 400, retries: 3, rateLimitWaitMs: 1500 },
    warnings: [],
    ...extra
  };
}

describe('job summary', () => {
  it('escapes text from inputs and Fastly so it cannot inject markup', () => {
    expect(escape('<img src=x onerror=alert(1)> | **b** [l](u) `c`')).toBe(
      '&#60;img src=x onerror=alert(1)&#62; &#124; &#42;&#42;b&#42;&#42; &#91;l&#93;(u) &#96;c&#96;'
    );
    const summary = summaryOf(
      report(purge('purge-urls', [target('evil.example', 0, 1, '<script>alert(1)</script>|')]))
    );
    expect(summary).not.toContain('<script>');
    expect(summary).toContain('&#60;script&#62;alert(1)&#60;/script&#62;&#124; 0');
  });

  it('stays far below GitHub’s 1 MiB cap with 100,000 failures and 100,000 purge IDs over 500 hosts', () => {
    const targets = Array.from({ length: 500 }, (_, i) => target(`h${i}.example`, 200, 200));
    const summary = summaryOf(report(purge('purge-urls', targets)));
    expect(summary.length).toBeLessThan(400 * 1024);
    expect(summary).toContain('… and 400 more rows: see the <code>result</code> output.');
  });

  it('warns in the summary when less than 10% of the hourly writes are left', () => {
    const summary = summaryOf(report(purge('purge-all', [])));
    expect(summary).toContain('<p>⚠️ Rate limit: 50 API writes left this hour; the window resets at 2026-11-23 21:00:00 UTC.</p>');
  });
});

describe('outputs', () => {
  it('keep purge-ids and result under GitHub’s 1 MB output cap, counting what they leave out', () => {
    const targets = [target('big.example', 30_000, 3000)];
    const ran = purge('purge-urls', targets);
    const presented = present(ran);
    const outputs = outputsFor(report(ran), presented);
    expect(Buffer.byteLength(outputs['purge-ids'] ?? '')).toBeLessThan(1_000_000);
    const kept = Object.keys(JSON.parse(outputs['purge-ids'] ?? '{}')).length;
    expect(kept).toBeLessThan(30_000);
    expect(presented.warnings).toEqual([`The purge-ids output leaves out ${(30_000 - kept).toLocaleString('en-US')} purge IDs: GitHub caps an output at 1 MB.`]);
    const result = JSON.parse(outputs.result ?? '{}');
    expect(result.hosts[0]).toMatchObject({ purged: 30_000, failedCount: 3000, failedOmitted: 1000 });
    expect(outputs['purged-count']).toBe('30000');
    expect(summaryOf(report(ran))).toContain(
      `… and 29,900 more purge IDs; the <code>purge-ids</code> output holds the first ${kept.toLocaleString('en-US')} (GitHub caps an output at 1 MB).`
    );
  });

  it('point from the summary to purge-ids for the IDs it does not show', () => {
    expect(summaryOf(report(purge('purge-urls', [target('small.example', 150, 0)])))).toContain('… and 50 more purge IDs in the <code>purge-ids</code> output.');
  });
});

describe('version', () => {
  it('matches package.json, so the User-Agent names the released version', () => {
    expect(ACTION_VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});

describe('result ok', () => {
  it('is false for a cancelled run even when the result had to be cut to fit 1 MB', () => {
    const ran = purge('purge-keys', [target('k', 1, 0)]);
    const huge = { ...present(ran), result: { services: ['x'.repeat(1_100_000)] } };
    const result = JSON.parse(outputsFor(report(ran, { cancelledBy: 'SIGTERM' }), huge).result ?? '{}');
    expect(result.cut).toMatch(/over GitHub's 1 MB/);
    expect(result.ok).toBe(false);
  });
});
