import { describe, expect, it } from '@jest/globals';
import { useFake } from './use-fake.js';

// The fake's lint route: the action's lint tests trust it, so each rule must be able to fail here.

const ctx = useFake(fake => {
  fake.addToken({ token: 'global' });
  fake.addToken({ token: 'purge', scopes: ['purge_select'] });
  fake.addService({ id: 'svc-lint', name: 'site' });
});

async function lint(body: string, { token = 'global', type = 'application/json' } = {}) {
  const res = await fetch(`${ctx.fake.url}/service/svc-lint/lint`, { method: 'POST', headers: { 'Fastly-Key': token, 'Content-Type': type }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('POST /service/{sid}/lint', () => {
  it('answers clean VCL as the SDKs show it, in data.attributes', async () => {
    expect(await lint(JSON.stringify({ vcl: 'sub vcl_recv { }\n' }))).toEqual({
      status: 200,
      body: { data: { id: 'lint', type: 'vcl_lint', attributes: { status: 'ok', msg: '', errors: [], warnings: [], messages: [] } } }
    });
  });

  it('finds the marker with its line and position in the text, and a warning apart', async () => {
    const { body } = await lint(JSON.stringify({ vcl: 'sub vcl_recv {\n  SYNTAX ERROR;\n}\n# LINT WARNING\n' }));
    const attributes = (body.data as { attributes: Record<string, unknown> }).attributes;
    expect(attributes.status).toBe('error');
    expect(attributes.errors).toEqual(["Syntax error: Unexpected 'SYNTAX'\nat: (input Line 2 Pos 3)"]);
    expect(attributes.warnings).toEqual(["Unused identifier 'LINT'\nat: (input Line 4 Pos 3)"]);
  });

  it('answers bare or with a 400 when the shape says so', async () => {
    ctx.fake.setShapes({ lint: 'bare' });
    expect((await lint(JSON.stringify({ vcl: 'x' }))).body).toMatchObject({ status: 'ok', errors: [] });
    ctx.fake.setShapes({ lint: 400 });
    expect(await lint(JSON.stringify({ vcl: 'x' }))).toMatchObject({ status: 200 });
    expect(await lint(JSON.stringify({ vcl: 'SYNTAX ERROR' }))).toMatchObject({ status: 400, body: { status: 'error' } });
  });

  it('is strict: JSON only, the field is vcl, a global token; and it is no write', async () => {
    expect((await lint('vcl=x', { type: 'application/x-www-form-urlencoded' })).status).toBe(400);
    expect((await lint('{not json')).status).toBe(400);
    expect((await lint(JSON.stringify({ content: 'x' }))).status).toBe(400);
    expect((await lint(JSON.stringify({ vcl: 'x' }), { token: 'purge' })).status).toBe(403);
    expect(ctx.fake.writes()).toEqual([]);
  });
});
