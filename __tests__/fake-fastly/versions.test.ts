import { describe, expect, it } from '@jest/globals';
import { useFake } from './use-fake.js';

// The fake's versioning rules: the action's deploy tests trust them, so each must be able to fail here.

const MAIN = { name: 'main', content: 'sub vcl_recv {\n  set req.http.X = "1";\n}', main: true };
let seq = 0;

const ctx = useFake(fake => {
  fake.addToken({ token: 'global' });
  fake.addToken({ token: 'read', scopes: ['global:read'] });
});

/** reset() keeps versions, so each test gets its own service: v1 active with MAIN, v2 an unlocked draft copy. */
function freshService() {
  seq += 1;
  const id = `svc-${seq}`;
  ctx.fake.addService({ id, name: 'site', versions: [{ vcls: [MAIN], active: true, comment: 'live' }, { vcls: [MAIN] }] });
  return id;
}

async function call(path: string, { method = 'GET', token = 'global', form }: {
  method?: string; token?: string; form?: Record<string, string>;
} = {}) {
  const res = await fetch(ctx.fake.url + path, {
    method,
    headers: { 'Fastly-Key': token },
    ...(form === undefined ? {} : { body: new URLSearchParams(form) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('versions', () => {
  it('clones to the next number, copying VCL and comment, unlocked and inactive', async () => {
    const sid = freshService();
    const { status, body } = await call(`/service/${sid}/version/1/clone`, { method: 'PUT' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ number: 3, active: false, locked: false, comment: 'live', service_id: sid });
    expect((await call(`/service/${sid}/version/3/vcl`)).body).toEqual([expect.objectContaining({ ...MAIN, version: 3 })]);
    expect(ctx.fake.service(sid).versions.map((v) => v.number)).toEqual([1, 2, 3]);
  });

  it('answers 404 for an unknown version', async () => {
    const sid = freshService();
    const res = await call(`/service/${sid}/version/9`);
    expect(res).toEqual({ status: 404, body: { msg: 'Record not found' } });
  });

  it.each([
    ['the comment', 'PUT', '/version/1', { comment: 'x' }],
    ['a new VCL', 'POST', '/version/1/vcl', { name: 'extra', content: '', main: 'false' }],
    ['a VCL', 'PUT', '/version/1/vcl/main', { content: 'x' }],
    ['the main VCL', 'PUT', '/version/1/vcl/main/main', undefined],
    ['a VCL deletion', 'DELETE', '/version/1/vcl/main', undefined],
  ])('refuses %s on a locked version with 422', async (_, method, tail, form) => {
    const sid = freshService();
    const res = await call(`/service/${sid}${tail}`, { method, form });
    expect(res).toEqual({
      status: 422,
      body: { msg: 'Version locked', detail: `Version 1 of service ${sid} is locked and cannot be edited` },
    });
    expect(ctx.fake.service(sid).versions[0]).toMatchObject({ comment: 'live', vcls: [MAIN] });
  });

  it('edits the comment of an unlocked version, and refuses a read-only token', async () => {
    const sid = freshService();
    expect((await call(`/service/${sid}/version/2`, { method: 'PUT', token: 'read', form: { comment: 'no' } })).status).toBe(403);
    const { status, body } = await call(`/service/${sid}/version/2`, { method: 'PUT', form: { comment: 'deploy 42' } });
    expect(status).toBe(200);
    expect(body.comment).toBe('deploy 42');
    expect((await call(`/service/${sid}/version/2`, { token: 'read' })).body.comment).toBe('deploy 42');
  });
});

describe('custom VCL', () => {
  it('creates, refuses a duplicate name, updates, moves main and deletes', async () => {
    const sid = freshService();
    const base = `/service/${sid}/version/2/vcl`;
    const created = await call(base, { method: 'POST', form: { name: 'extra', content: 'a', main: 'true' } });
    expect(created).toEqual({ status: 200, body: expect.objectContaining({ name: 'extra', content: 'a', main: true, version: 2 }) });
    expect(ctx.fake.service(sid).versions[1]?.vcls.map((v) => [v.name, v.main])).toEqual([['main', false], ['extra', true]]);

    const again = await call(base, { method: 'POST', form: { name: 'extra', content: 'b', main: 'false' } });
    expect(again).toEqual({ status: 409, body: { msg: 'Duplicate record' } });

    expect((await call(`${base}/extra`, { method: 'PUT', form: { content: 'b' } })).body.content).toBe('b');
    expect((await call(`${base}/gone`, { method: 'PUT', form: { content: 'b' } })).status).toBe(404);
    expect((await call(`${base}/main/main`, { method: 'PUT' })).body.main).toBe(true);
    expect((await call(`${base}/extra`, { method: 'DELETE' })).body).toEqual({ status: 'ok' });
    expect(ctx.fake.service(sid).versions[1]?.vcls).toEqual([MAIN]);
  });
});

describe('validate and activate', () => {
  it('validates as documented: {"status":"ok"}, or a 200 {"status":"error","msg"} with the position in msg', async () => {
    const sid = freshService();
    expect((await call(`/service/${sid}/version/2/validate`)).body).toEqual({ status: 'ok' });
    await call(`/service/${sid}/version/2/vcl/main`, { method: 'PUT', form: { content: 'a\nb SYNTAX ERROR' } });
    expect(await call(`/service/${sid}/version/2/validate`)).toEqual({
      status: 200,
      body: { status: 'error', msg: "Syntax error: Unexpected 'SYNTAX' in VCL 'main'\nAt: (main Line 2 Pos 3)" },
    });
    const refused = await call(`/service/${sid}/version/2/activate`, { method: 'PUT' });
    expect(refused.status).toBe(400);
    expect(refused.body.msg).toBe('Version failed validation');
    expect(ctx.fake.service(sid).activeVersion).toBe(1);
  });

  it('answers a failed validation with a 400 when asked to, until reset', async () => {
    const sid = freshService();
    await call(`/service/${sid}/version/2/vcl/main`, { method: 'PUT', form: { content: 'SYNTAX ERROR' } });
    ctx.fake.setShapes({ failedValidation: 400 });
    expect(await call(`/service/${sid}/version/2/validate`)).toEqual({
      status: 400,
      body: { msg: 'Bad request', detail: "Syntax error: Unexpected 'SYNTAX' in VCL 'main'\nAt: (main Line 1 Pos 1)" },
    });
    ctx.fake.reset();
    expect((await call(`/service/${sid}/version/2/validate`)).body).toMatchObject({ status: 'error' });
  });

  it('finds a version without a main VCL invalid', async () => {
    const sid = freshService();
    await call(`/service/${sid}/version/2/vcl`, { method: 'POST', form: { name: 'other', content: '', main: 'true' } });
    await call(`/service/${sid}/version/2/vcl/other`, { method: 'DELETE' });
    expect((await call(`/service/${sid}/version/2/validate`)).body).toMatchObject({ status: 'error', msg: 'No main VCL' });
  });

  it('activates on production: locks it, the previous version goes inactive, and environments[] follow', async () => {
    const sid = freshService();
    const { status, body } = await call(`/service/${sid}/version/2/activate`, { method: 'PUT' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ number: 2, active: true, locked: true });
    expect(body).not.toHaveProperty('msg');
    // As both recorded activations answered, even though the version is now deployed.
    expect(body.environments).toEqual([]);
    expect(ctx.fake.service(sid)).toMatchObject({
      activeVersion: 2, versions: [{ number: 1, active: false, locked: true }, { number: 2, active: true, locked: true }],
    });
    const details = (await call(`/service/${sid}/details`, { method: 'GET' })).body;
    const production = { name: 'production', service_id: sid, active_version: 2 };
    expect(details.environments).toEqual([production]);
    expect((details.versions as { environments: unknown }[]).map((v) => v.environments)).toEqual([[], [production]]);
  });

  it('shows a staged version only in environments[] by default, or only by staging: true when asked to', async () => {
    const sid = freshService();
    const { body } = await call(`/service/${sid}/version/2/activate/staging`, { method: 'PUT' });
    expect(body).toMatchObject({ number: 2, active: false, staging: false, locked: true, environments: [] });
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 1, stagingVersion: 2 });
    const staged = { name: 'staging', service_id: sid, active_version: 2 };
    const version2 = async () => ((await call(`/service/${sid}/details`, { method: 'GET' })).body.versions as unknown[])[1];
    expect(await version2()).toMatchObject({ staging: false, environments: [staged] });
    ctx.fake.setShapes({ staged: 'flag' });
    expect(await version2()).toMatchObject({ staging: true, environments: [] });
  });

  it('with the service shape, shows a staged version only in the environments[] of the service', async () => {
    const sid = freshService();
    await call(`/service/${sid}/version/2/activate/staging`, { method: 'PUT' });
    ctx.fake.setShapes({ staged: 'service' });
    const { body } = await call(`/service/${sid}/details`, { method: 'GET' });
    expect(body.environments).toEqual([
      { name: 'production', service_id: sid, active_version: 1 },
      { name: 'staging', service_id: sid, active_version: 2 }
    ]);
    expect((body.versions as unknown[])[1]).toMatchObject({ staging: false, environments: [] });
  });

  it('answers the activation warning as msg until it is cleared', async () => {
    const sid = freshService();
    ctx.fake.setActivationWarning(sid, 'Warning: backend unhealthy');
    expect((await call(`/service/${sid}/version/2/activate`, { method: 'PUT' })).body.msg).toBe('Warning: backend unhealthy');
    ctx.fake.setActivationWarning(sid, null);
    expect((await call(`/service/${sid}/version/1/activate`, { method: 'PUT' })).body).not.toHaveProperty('msg');
  });

  it('deactivates on production and locks on request', async () => {
    const sid = freshService();
    expect((await call(`/service/${sid}/version/1/deactivate`, { method: 'PUT' })).body.active).toBe(false);
    expect((await call(`/service/${sid}/version/2/lock`, { method: 'PUT' })).body.locked).toBe(true);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: null, versions: [{ locked: true }, { locked: true }] });
  });

  it('deactivates staging only for the version staged there, leaving production alone', async () => {
    const sid = freshService();
    await call(`/service/${sid}/version/2/activate/staging`, { method: 'PUT' });
    expect((await call(`/service/${sid}/version/1/deactivate/staging`, { method: 'PUT' })).status).toBe(200);
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 1, stagingVersion: 2 });
    expect((await call(`/service/${sid}/version/2/deactivate/staging`, { method: 'PUT' })).body).toMatchObject({ number: 2, environments: [] });
    expect(ctx.fake.service(sid)).toMatchObject({ activeVersion: 1, stagingVersion: null });
  });

  it('lists the domains, with their staging IP only when include=staging_ips asks for it', async () => {
    const sid = freshService();
    ctx.fake.setDomains(sid, [{ name: 'www.example.test', stagingIp: '167.82.81.194' }, { name: 'old.example.test' }]);
    const listed = await fetch(`${ctx.fake.url}/service/${sid}/version/2/domain?include=staging_ips`, { headers: { 'Fastly-Key': 'read' } });
    expect(await listed.json()).toEqual([
      expect.objectContaining({ name: 'www.example.test', service_id: sid, version: 2, staging_ip: '167.82.81.194' }),
      expect.not.objectContaining({ staging_ip: expect.anything() })
    ]);
    const plain = await fetch(`${ctx.fake.url}/service/${sid}/version/1/domain`, { headers: { 'Fastly-Key': 'read' } });
    expect(((await plain.json()) as Record<string, unknown>[]).map(d => Object.hasOwn(d, 'staging_ip'))).toEqual([false, false]);
    expect((await fetch(`${ctx.fake.url}/service/${sid}/version/9/domain`, { headers: { 'Fastly-Key': 'read' } })).status).toBe(404);
  });

  it('shows the active version in details, or null when none is', async () => {
    const sid = freshService();
    const { body } = await call(`/service/${sid}/details`, { token: 'read' });
    expect(body).toMatchObject({ id: sid, name: 'site', active_version: { number: 1, active: true } });
    expect(body.versions).toHaveLength(2);
    ctx.fake.addService({ id: 'bare', name: 'bare' });
    expect((await call('/service/bare/details')).body.active_version).toBeNull();
  });
});

describe('diff', () => {
  it('shows the changed line with its VCL header and context', async () => {
    const sid = freshService();
    await call(`/service/${sid}/version/2/vcl/main`, { method: 'PUT', form: { content: MAIN.content.replace('"1"', '"2"') } });
    const { status, body } = await call(`/service/${sid}/diff/from/1/to/2`);
    expect(status).toBe(200);
    expect(body).toEqual({
      from: '1', to: '2', format: 'text',
      diff: '  # vcl main\n  sub vcl_recv {\n-   set req.http.X = "1";\n+   set req.http.X = "2";\n  }',
    });
    expect((await call(`/service/${sid}/diff/from/1/to/1`)).body.diff).toBe('');
    expect((await call(`/service/${sid}/diff/from/1/to/7`)).status).toBe(404);
  });

  it('answers the generated VCL diff at /vcl/diff as Fastly\'s reference gives it, the versions as numbers', async () => {
    const sid = freshService();
    await call(`/service/${sid}/version/2/vcl/main`, { method: 'PUT', form: { content: MAIN.content.replace('"1"', '"2"') } });
    const { status, body } = await call(`/service/${sid}/vcl/diff/from/1/to/2?format=text`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ from: 1, to: 2, format: 'text' });
    expect(body.diff).toContain('+   set req.http.X = "2";');
    expect((await call(`/service/${sid}/vcl/diff/from/1/to/2?format=html`)).status).toBe(400);
    expect((await call(`/service/${sid}/vcl/diff/from/1/to/7`)).status).toBe(404);
  });
});

describe('test hooks', () => {
  it('runs an intercept once, on a matching request only, just before the handler', async () => {
    const sid = freshService();
    ctx.fake.intercept({ method: 'GET', path: /\/version\/2$/ }, () => ctx.fake.activate(sid, 2));
    await call(`/service/${sid}/version/2`, { method: 'PUT', form: { comment: 'x' } });
    await call(`/service/${sid}/version/1`);
    expect(ctx.fake.service(sid).activeVersion).toBe(1);
    // The answer already shows the intercept's change.
    expect((await call(`/service/${sid}/version/2`)).body).toMatchObject({ active: true, locked: true });
    ctx.fake.activate(sid, 1);
    expect((await call(`/service/${sid}/version/2`)).body.active).toBe(false);
  });

  it('afterHandler: the clone happens but the client sees 503', async () => {
    const sid = freshService();
    ctx.fake.fault({ method: 'PUT', path: /\/clone$/, kind: 'status', afterHandler: true });
    const res = await call(`/service/${sid}/version/2/clone`, { method: 'PUT' });
    expect(res).toEqual({ status: 503, body: { msg: 'Service Unavailable' } });
    expect(ctx.fake.service(sid).versions.map((v) => v.number)).toEqual([1, 2, 3]);
    expect(ctx.fake.requests.map((r) => r.status)).toEqual([503]);
  });

  it('afterHandler drop: the activation happens but the connection closes', async () => {
    const sid = freshService();
    ctx.fake.fault({ path: /\/activate$/, kind: 'drop', afterHandler: true });
    await expect(fetch(`${ctx.fake.url}/service/${sid}/version/2/activate`, { method: 'PUT', headers: { 'Fastly-Key': 'global' } }))
      .rejects.toThrow();
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
  });

  it('reset() keeps versions but clears warnings and intercepts', async () => {
    const sid = freshService();
    await call(`/service/${sid}/version/2/clone`, { method: 'PUT' });
    ctx.fake.setActivationWarning(sid, 'w');
    ctx.fake.intercept({ path: /\/details$/ }, () => ctx.fake.activate(sid, 2));
    ctx.fake.reset();
    expect(ctx.fake.service(sid).versions).toHaveLength(3);
    expect((await call(`/service/${sid}/details`)).body.active_version).toMatchObject({ number: 1 });
    expect((await call(`/service/${sid}/version/1/activate`, { method: 'PUT' })).body).not.toHaveProperty('msg');
  });
});
