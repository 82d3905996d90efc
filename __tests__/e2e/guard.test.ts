import { describe, expect, it } from '@jest/globals';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, readable, runAction } from './run-action.js';
import { useTestOrigin } from './test-origin.js';

const ctx = useFakeFastly();
const origin = useTestOrigin();

let serial = 0;
/** Versions 1, 2 (locked), 3 active; the run clones 3 into 4. */
function service(): string {
  serial += 1;
  const id = `GUARD${serial}SERVICE`;
  const vcls = [{ name: 'main', content: 'sub vcl_recv { }\n', main: true }];
  ctx.fake.addService({ id, name: `guard-${serial}`, versions: [{ vcls, locked: true }, { vcls, locked: true }, { vcls, active: true }] });
  return id;
}

function activate(sid: string, extra: Record<string, string> = {}) {
  return runAction(ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, ...extra }));
}

function activations(sid: string) {
  return ctx.fake.requests.filter(r => r.method === 'PUT' && r.path.startsWith(`/service/${sid}/version/`) && r.path.endsWith('/activate')).map(r => `${r.path} ${r.status}`);
}

const details = (sid: string) => ({ method: 'GET', path: `/service/${sid}/details` });

/** Runs `action` on the `n`th GET …/details of `sid` from now on (1-based). */
function onNthDetails(sid: string, n: number, action: () => void): void {
  if (n === 1) ctx.fake.intercept(details(sid), action);
  else ctx.fake.intercept(details(sid), () => onNthDetails(sid, n - 1, action));
}

describe('the guard on every activation attempt', () => {
  it('re-reads the active version before a retry: another deploy that activated a version during the backoff wins', async () => {
    const sid = service();
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/4/activate`, kind: 'status', status: 503 });
    // Reads: the start, the guard before the first attempt, the guard before the retry.
    onNthDetails(sid, 3, () => ctx.fake.activate(sid, 2));
    const run = await activate(sid);

    expect(run.code).toBe(1);
    expect(activations(sid)).toEqual([`/service/${sid}/version/4/activate 503`]);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    expect(run.outputs.version).toBe('2');
    expect(JSON.parse(run.outputs.result ?? '{}').services[0].status).toBe('conflict');
    expect(run.errors.at(-1)).toMatch(
      new RegExp(`^Version 2 became active on production of ${sid} while this run was deploying \\(it started from 3\\); another deploy\\? version 4 was left as a draft\\.`)
    );
    expect(readable(run.summary)).not.toContain('version 4 active');
    expectNoStackTrace(run);
  });

  it('retries a 503 through the guard and activates once the version it expects is still there', async () => {
    const sid = service();
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/4/activate`, kind: 'status', status: 503 });
    const run = await activate(sid);

    expect(run.code).toBe(0);
    expect(activations(sid)).toEqual([`/service/${sid}/version/4/activate 503`, `/service/${sid}/version/4/activate 200`]);
    expect(ctx.fake.requests.filter(r => r.path === `/service/${sid}/details`)).toHaveLength(3);
    expect(ctx.fake.service(sid).activeVersion).toBe(4);
    expect(run.outputs.version).toBe('4');
  });

  it('does not re-activate the old version over another deploy when the health check fails', async () => {
    const sid = service();
    origin.answer = (_req, res) => {
      if (ctx.fake.service(sid).activeVersion === 4) ctx.fake.activate(sid, 2);
      res.writeHead(503).end('down');
    };
    const run = await activate(sid, { 'health-check-url': origin.url, 'health-check-timeout': '2' });

    expect(run.code).toBe(1);
    expect(activations(sid)).toEqual([`/service/${sid}/version/4/activate 200`]);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    expect(run.outputs.version).toBe('2');
    expect(run.outputs['rolled-back']).toBe('false');
    expect(JSON.parse(run.outputs.result ?? '{}').services[0].status).toBe('superseded');
    expect(run.errors.at(-1)).toMatch(
      new RegExp(`^Version 4 of ${sid} failed its health check \\(HTTP 503 .*\\), but another deploy made version 2 active on production meanwhile, so nothing was rolled back: version 2 is live\\. Check it\\.$`)
    );
    expect(readable(run.summary)).toContain('⚠️ <b>Not rolled back: another deploy is live.</b>');
  });
});

describe('re-reading after doubt', () => {
  // With retries the guard read before the retry finds it live; without, the read after the last attempt does.
  it.each(['5', '0'])('carries on as activated, health check included, when the activation landed and every answer was lost (max-retries %s)', async retries => {
    const sid = service();
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/4/activate`, kind: 'drop', afterHandler: true, times: Infinity });
    const run = await activate(sid, { 'health-check-url': origin.url, 'health-check-timeout': '5', 'max-retries': retries });

    expect(run.code).toBe(0);
    expect(activations(sid)).toHaveLength(1);
    expect(ctx.fake.service(sid).activeVersion).toBe(4);
    expect(origin.seen).toHaveLength(2);
    expect(run.outputs.version).toBe('4');
    expect(run.outputs['previous-version']).toBe('3');
    expect(run.warnings).toEqual([
      expect.stringMatching(
        new RegExp(`^${sid}: Could not reach Fastly for PUT /service/${sid}/version/4/activate: (ECONNRESET|socket hang up); re-reading the service shows version 4 active on production, so the run carried on as activated\\.$`)
      )
    ]);
    expect(readable(run.summary)).toContain('### ✅ Fastly activate: version 4 active on production (was 3)');
  });

  it('does not take 200 {"status":"error"} for an activation: production stays on 3 and the run says so', async () => {
    const sid = service();
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/4/activate`, kind: 'status', status: 200, body: { status: 'error' }, times: Infinity });
    const run = await activate(sid, { 'max-retries': '1' });

    expect(run.code).toBe(1);
    expect(activations(sid)).toEqual([`/service/${sid}/version/4/activate 200`, `/service/${sid}/version/4/activate 200`]);
    expect(ctx.fake.service(sid).activeVersion).toBe(3);
    expect(run.outputs.version).toBe('3');
    expect(run.errors.at(-1)).toBe(`Fastly answered HTTP 200 to PUT /service/${sid}/version/4/activate but its answer is an error`);
    const summary = readable(run.summary);
    expect(summary).toContain('### ❌ Fastly activate: production stays on version 3 (❌ failed)');
    expect(summary).not.toContain('✅ activated');
    // The generated-VCL diff is read while the clone is validated, so a failed activation has read it too.
    expect(summary).toContain('Fastly API: 11 requests sent, 1 retry among them.');
    expect(ctx.fake.requests.filter(r => r.path === `/service/${sid}/vcl/diff/from/3/to/4?format=text`)).toHaveLength(1);
  });

  it('shows the warning Fastly sends with an activation', async () => {
    const sid = service();
    ctx.fake.setActivationWarning(sid, 'Warning: Backend host <b>origin.example</b> could not be resolved');
    const run = await activate(sid);

    expect(run.code).toBe(0);
    expect(run.warnings).toEqual([`${sid}: Fastly warns on activating version 4: Warning: Backend host <b>origin.example</b> could not be resolved`]);
    expect(run.summary).not.toContain('<b>origin.example');
    expect(readable(run.summary)).toContain("⚠️ Fastly's warning on activation: Warning: Backend host <b>origin.example</b> could not be resolved");
  });
});
