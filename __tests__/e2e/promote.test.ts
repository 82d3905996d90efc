import { describe, expect, it } from '@jest/globals';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, readable, runAction } from './run-action.js';

const ctx = useFakeFastly();

let serial = 0;
/** A fresh service: version 1 active on production, and version 2 on staging when `staged`. */
function service(staged: boolean): string {
  serial += 1;
  const id = `PROMOTE${serial}SVC`;
  const vcls = [{ name: 'main', content: 'sub vcl_recv { }\n', main: true }];
  ctx.fake.addService({ id, name: `site-${serial}`, versions: [{ vcls, active: true, locked: true }, { vcls, staging: staged, locked: staged }] });
  return id;
}

function promote(sid: string) {
  return runAction(ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, version: 'staged', clone: 'false', environment: 'production' }));
}

describe('promote the staged version (version: staged, clone: false)', () => {
  it('activates on production the version on staging now, through the guard, and links its page', async () => {
    const sid = service(true);
    const run = await promote(sid);

    expect(run.code).toBe(0);
    expect(ctx.fake.writes().map(r => `${r.method} ${r.path}`)).toEqual([`PUT /service/${sid}/version/2/activate`]);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    expect(run.outputs.version).toBe('2');
    expect(run.outputs['previous-version']).toBe('1');
    expect(run.outputs['version-url']).toBe(`https://manage.fastly.com/configure/services/${sid}/versions/2`);
    expect(readable(run.summary)).toContain(`https://manage.fastly.com/configure/services/${sid}/versions/2`);
  });

  it.each([
    ['by `staging: true` alone, the shape no recording confirms', 'flag'],
    ["only in the service's environments[], as the recorded details list none on their versions", 'service']
  ] as const)('finds the staged version %s', async (_how, shape) => {
    const sid = service(true);
    ctx.fake.setShapes({ staged: shape });
    const run = await promote(sid);

    expect(run.code).toBe(0);
    expect(ctx.fake.writes().map(r => `${r.method} ${r.path}`)).toEqual([`PUT /service/${sid}/version/2/activate`]);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
  });

  it('refuses with zero writes when nothing is staged', async () => {
    const sid = service(false);
    const run = await promote(sid);

    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(ctx.fake.service(sid).activeVersion).toBe(1);
    expect(run.errors.at(-1)).toContain(`Nothing is staged on service ${sid}`);
    expect(run.outputs.version).toBe('1');
    expect(run.outputs['version-url']).toBe(`https://manage.fastly.com/configure/services/${sid}/versions/1`);
    expectNoStackTrace(run);
  });
});
