import { describe, expect, it } from '@jest/globals';
import { cancelWhen } from './cancel-when.js';
import { SERVICE, TOKEN, useFakeFastly, activeService } from './e2e-fake.js';
import { expectNoStackTrace, readable, runAction } from './run-action.js';
import { useTestOrigin } from './test-origin.js';

const ctx = useFakeFastly();
const origin = useTestOrigin();
const purgePath = `/service/${SERVICE}/purge`;
const NOT_SENT = 'Not sent: the run was cancelled';

const service = () => activeService(ctx.fake, 'CXL');

describe('a cancelled run', () => {
  it('purge-keys: lets the batches in flight finish, sends nothing more, and reports what Fastly really purged', async () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `k${i}`);
    ctx.fake.fault({ path: purgePath, kind: 'slow', delayMs: 700, times: Infinity });
    const run = await runAction(
      ctx.inputs({ mode: 'purge-keys', keys: keys.join(' ') }),
      {},
      cancelWhen(() => ctx.fake.requests.some(r => r.path === purgePath))
    );

    expect(run.code).toBe(1);
    // 12 batches, 4 in flight when the signal came: only those reached Fastly.
    expect(ctx.fake.requests.filter(r => r.path === purgePath)).toHaveLength(4);
    const purged = new Set(ctx.fake.purges.map(p => p.target));
    expect(purged.size).toBe(1024);
    expect(run.outputs['purged-count']).toBe(String(purged.size));
    expect(Object.keys(JSON.parse(run.outputs['purge-ids'] ?? '{}')).sort()).toEqual([...purged].sort());
    const result = JSON.parse(run.outputs.result ?? '{}');
    expect(result).toMatchObject({ ok: false, cancelled: 'SIGINT' });
    expect(result.services[0].failedCount).toBe(3000 - purged.size);
    expect(new Set(result.services[0].failed.map((f: { reason: string }) => f.reason))).toEqual(new Set([NOT_SENT]));
    expect(result.services[0].failed.some((f: { item: string }) => purged.has(f.item))).toBe(false);
    const summary = readable(run.summary);
    expect(summary).toContain('### 🛑 Fastly purge-keys: cancelled (SIGINT): 1,976 of 3,000 keys failed');
    expect(summary).toContain('🛑 <b>The run was cancelled</b> (SIGINT).');
    expect(summary).toContain(`<tr><td>${NOT_SENT}</td><td>1,976</td>`);
    expect(run.errors.at(-1)).toMatch(/^The run was cancelled \(SIGINT\): 1976 of 3,000 keys failed to purge/);
    expect(run.stdout).toContain('SIGINT received: starting nothing new, then reporting what was done.');
    expectNoStackTrace(run);
  });

  it('purge-urls: the URLs in flight finish, every URL not sent is listed by host', async () => {
    const urls = Array.from({ length: 200 }, (_, i) => `https://${i % 2 ? 'a' : 'b'}.example.com/p/${i}`);
    ctx.fake.fault({ path: '/purge/', kind: 'slow', delayMs: 700, times: Infinity });
    const run = await runAction(
      ctx.inputs({ mode: 'purge-urls', urls: urls.join('\n'), concurrency: '4' }),
      {},
      cancelWhen(() => ctx.fake.requests.some(r => r.path.startsWith('/purge/')))
    );

    expect(run.code).toBe(1);
    expect(ctx.fake.requests.filter(r => r.path.startsWith('/purge/'))).toHaveLength(4);
    expect(run.outputs['purged-count']).toBe(String(ctx.fake.purges.length));
    expect(ctx.fake.purges).toHaveLength(4);
    const hosts = JSON.parse(run.outputs.result ?? '{}').hosts as { host: string; requested: number; purged: number; failed: { reason: string }[] }[];
    expect(hosts.map(h => h.host).sort()).toEqual(['a.example.com', 'b.example.com']);
    expect(hosts.reduce((sum, h) => sum + h.requested, 0)).toBe(200);
    expect(hosts.reduce((sum, h) => sum + h.failed.length, 0)).toBe(196);
    expect(hosts.every(h => h.failed.every(f => f.reason === NOT_SENT))).toBe(true);
  });

  it('update-dictionary: lists the batches not sent', async () => {
    const sid = service();
    ctx.fake.addDictionary(sid, { name: 'flags' });
    const items = Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`key${i}`, 'v']));
    const patch = `/service/${sid}/dictionary/`;
    ctx.fake.fault({ method: 'PATCH', path: patch, kind: 'slow', delayMs: 700, times: Infinity });
    const run = await runAction(
      ctx.inputs({ mode: 'update-dictionary', 'api-token': TOKEN, 'service-id': sid, dictionary: 'flags', items: JSON.stringify(items) }),
      {},
      cancelWhen(() => ctx.fake.requests.some(r => r.method === 'PATCH'))
    );

    expect(run.code).toBe(1);
    expect(ctx.fake.requests.filter(r => r.method === 'PATCH')).toHaveLength(1);
    const written = Object.keys(ctx.fake.dictionaryItems(sid, 'flags'));
    expect(written).toHaveLength(1000);
    const store = JSON.parse(run.outputs.result ?? '{}').stores[0];
    expect(store.failedCount).toBe(1500);
    expect(store.failed.every((f: { reason: string }) => f.reason.startsWith(`${NOT_SENT} (PATCH ${patch}`))).toBe(true);
    expect(store.failed.some((f: { key: string }) => written.includes(f.key))).toBe(false);
    expect(readable(run.summary)).toContain('### 🛑 Fastly update-dictionary: cancelled (SIGINT)');
  });

  it('activate: cancelled during the health check, rolls the unchecked version back and says so', async () => {
    const sid = service();
    origin.answer = (_req, res) => void res.writeHead(503).end('down');
    const run = await runAction(
      ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, 'health-check-url': origin.url, 'health-check-timeout': '60' }),
      {},
      cancelWhen(() => origin.seen.length > 0)
    );

    expect(run.code).toBe(1);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    const activations = ctx.fake.writes().filter(r => r.path.endsWith('/activate')).map(r => r.path);
    expect(activations).toEqual([`/service/${sid}/version/3/activate`, `/service/${sid}/version/2/activate`]);
    expect(run.outputs.version).toBe('2');
    expect(run.outputs['rolled-back']).toBe('true');
    const message = `Version 3 of ${sid} had not passed its health check of ${origin.url} when the run was cancelled; version 3 was rolled back to 2, which is active on production again.`;
    expect(run.errors.at(-1)).toBe(`The run was cancelled (SIGINT): ${message}`);
    const summary = readable(run.summary);
    expect(summary).toContain(`↩️ <b>Rolled back.</b> ${message}`);
    expect(summary).toContain('### 🛑 Fastly activate: cancelled (SIGINT)');
  });

  it('activate: when the rollback cannot be done in time, the summary and an error say which version is live and unchecked', async () => {
    const sid = service();
    origin.answer = (_req, res) => void res.writeHead(503).end('down');
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/2/activate`, kind: 'slow', delayMs: 10_000 });
    const run = await runAction(
      ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, 'health-check-url': origin.url, 'health-check-timeout': '60' }),
      {},
      cancelWhen(() => origin.seen.length > 0)
    );

    expect(run.code).toBe(1);
    expect(ctx.fake.service(sid).activeVersion).toBe(3);
    expect(run.outputs.version).toBe('3');
    expect(run.outputs['previous-version']).toBe('2');
    expect(run.outputs['rolled-back']).toBe('false');
    expect(JSON.parse(run.outputs.result ?? '{}').services[0].status).toBe('unchecked');
    expect(run.errors.at(-1)).toMatch(
      new RegExp(
        `^The run was cancelled \\(SIGINT\\): Version 3 of ${sid} had not passed its health check of \\S+ when the run was cancelled, ` +
          'and rolling back to version 2 could not be done in time \\(Cancelled in flight: .*\\)\\. Version 3 is live on production and unchecked; version 2 was live before\\. A person is needed now\\.$'
      )
    );
    const summary = readable(run.summary);
    expect(summary).toContain('### 🛑 Fastly activate: cancelled (SIGINT): CANCELLED: version 3 is live on production and unchecked (was 2)');
    expect(summary).toContain('🚨 <b>Live and unchecked: a person is needed.</b>');
  });
});
