import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { TOKEN, useFakeFastly, activeService } from './e2e-fake.js';
import { readable, runAction } from './run-action.js';

const ctx = useFakeFastly();

/** The site behind Fastly: answers with the statuses queued, then `steady`. */
const origin: { server?: Server; url: string; queue: number[]; steady: number; seen: IncomingHttpHeaders[] } = { url: '', queue: [], steady: 200, seen: [] };
beforeAll(async () => {
  origin.server = createServer((req, res) => {
    origin.seen.push(req.headers);
    res.writeHead(origin.queue.shift() ?? origin.steady, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>(done => origin.server?.listen(0, '127.0.0.1', done));
  origin.url = `http://127.0.0.1:${(origin.server.address() as AddressInfo).port}/_health`;
});
afterAll(() => new Promise<void>(done => origin.server?.close(() => done())));
beforeEach(() => {
  origin.queue = [];
  origin.steady = 200;
  origin.seen = [];
});

const service = () => activeService(ctx.fake, 'HC');

function activate(sid: string, extra: Record<string, string> = {}) {
  return runAction(ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, 'health-check-url': origin.url, 'health-check-timeout': '3', ...extra }));
}

function activations(sid: string) {
  return ctx.fake.writes().filter(r => r.path.startsWith(`/service/${sid}/version/`) && r.path.endsWith('/activate')).map(r => r.path);
}

describe('health check after activation', () => {
  it('keeps a healthy new version, after two 2xx in a row, without sending the Fastly token to the origin', async () => {
    const sid = service();
    const run = await activate(sid);
    expect(run.code).toBe(0);
    expect(ctx.fake.service(sid).activeVersion).toBe(3);
    expect(origin.seen).toHaveLength(2);
    expect(origin.seen.some(headers => 'fastly-key' in headers)).toBe(false);
    expect(run.outputs['rolled-back']).toBe('false');
    expect(run.outputs.version).toBe('3');
    expect(run.stdout).toContain(`::group::Health check: ${origin.url} (up to 3 s)`);
    expect(readable(run.summary)).toMatch(/✅ Health check of <code>[^<]+<\/code>: healthy, HTTP 200 after 2 tries in \d+ s\./);
  });

  it('rolls back to the previous version when the origin answers 503, and fails saying what it saw', async () => {
    const sid = service();
    origin.steady = 503;
    const run = await activate(sid);
    expect(run.code).toBe(1);
    expect(activations(sid)).toEqual([`/service/${sid}/version/3/activate`, `/service/${sid}/version/2/activate`]);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    expect(run.outputs['rolled-back']).toBe('true');
    expect(run.outputs.version).toBe('2');
    expect(run.outputs['previous-version']).toBe('2');
    expect(run.errors.at(-1)).toMatch(
      new RegExp(`^Version 3 of ${sid} failed its health check \\(HTTP 503 for \\d s from http://127\\.0\\.0\\.1:\\d+/_health\\); version 3 was rolled back to 2, which is active on production again\\.$`)
    );
    const summary = readable(run.summary);
    expect(summary).toContain('### ❌ Fastly activate: version 3 failed its health check; production is back on version 2');
    expect(summary.indexOf('↩️ <b>Rolled back.</b>')).toBeLessThan(summary.indexOf('<table>'));
  });

  it('is healthy when the origin recovers within the timeout', async () => {
    const sid = service();
    origin.queue = [503, 503];
    const run = await activate(sid);
    expect(run.code).toBe(0);
    expect(origin.seen).toHaveLength(4);
    expect(ctx.fake.service(sid).activeVersion).toBe(3);
    expect(run.outputs['rolled-back']).toBe('false');
  });

  it('says loudly when Fastly refuses the rollback', async () => {
    const sid = service();
    origin.steady = 503;
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/2/activate`, kind: 'status', status: 422, body: { msg: 'Version locked for maintenance' } });
    const run = await activate(sid);
    expect(run.code).toBe(1);
    expect(ctx.fake.service(sid).activeVersion).toBe(3);
    expect(run.outputs['rolled-back']).toBe('false');
    expect(run.errors.at(-1)).toMatch(
      new RegExp(`^ROLLBACK FAILED: Version 3 of ${sid} failed its health check .*, and re-activating version 2 failed: Fastly refused PUT /service/${sid}/version/2/activate \\(HTTP 422\\): Version locked for maintenance\\. production is on the unhealthy version 3: a person is needed now\\.$`)
    );
    expect(readable(run.summary)).toContain('🚨 <b>Rollback failed: a person is needed.</b>');
  });

  it('dry-run plans the check and requests nothing from the origin', async () => {
    const sid = service();
    const run = await activate(sid, { 'dry-run': 'true' });
    expect(run.code).toBe(0);
    expect(origin.seen).toHaveLength(0);
    expect(readable(run.summary)).toContain(`check <code>${origin.url}</code> until it answers 2xx twice in a row (up to 3 s); if it never does, re-activate version 2`);
  });
});
