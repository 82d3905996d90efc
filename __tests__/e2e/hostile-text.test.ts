import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { SERVICE, TOKEN, useFakeFastly } from './e2e-fake.js';
import { BIG, HOSTILE, PAYLOADS, expectHarmless, expectShownAsText } from './hostile.js';
import { runAction, scratch } from './run-action.js';

const ctx = useFakeFastly();

function inputs(extra: Record<string, string>): Record<string, string> {
  return ctx.inputs({ 'api-token': TOKEN, ...extra });
}

let serial = 0;
function hostileService(): string {
  serial += 1;
  const id = `HOSTILE${serial}SVC`;
  const vcls = [{ name: 'main', content: 'sub vcl_recv { }\n', main: true }];
  ctx.fake.addService({ id, name: `${HOSTILE} ${serial}`, versions: [{ vcls, active: true, locked: true }] });
  return id;
}

describe('hostile text stays text', () => {
  it('purge-keys: keys and Fastly\'s error msg and detail', async () => {
    ctx.fake.fault({ method: 'POST', path: `/service/${SERVICE}/purge`, kind: 'status', status: 400, body: { msg: BIG, detail: HOSTILE }, times: 5 });
    const run = await runAction(inputs({ mode: 'purge-keys', keys: PAYLOADS.join('\n'), 'max-retries': '0' }));

    expect(run.code).toBe(1);
    expectHarmless(run);
    for (const key of PAYLOADS) expectShownAsText(run, key);
    // The log still names every failed key, escaped.
    for (const key of PAYLOADS) expect(run.stdout).toContain(key.replace('##[', '##\\['));
    expect(JSON.parse(run.outputs.result ?? '{}').services[0].failedCount).toBe(PAYLOADS.length);
  });

  it('purge-urls: URLs and a retried 503 whose message would start lines of its own', async () => {
    const urls = PAYLOADS.map(p => `https://www.example.com/${p}`);
    ctx.fake.fault({ method: 'POST', path: '/purge/', kind: 'status', status: 503, body: { msg: HOSTILE }, times: 1 });
    const run = await runAction(inputs({ mode: 'purge-urls', urls: urls.join('\n'), 'max-retries': '1' }));

    expectHarmless(run);
    // The retry line names Fastly's message with its line breaks shown, not obeyed.
    expect(run.stdout).toContain('HTTP 503 (::error::X\\n::set-output name=a::b\\r\\n::stop-commands::t ##\\[set-output');
  });

  it('purge-all: a proxy page that echoes the request headers, raw and base64, leaves no token anywhere', async () => {
    ctx.fake.fault({ method: 'POST', path: `/service/${SERVICE}/purge_all`, kind: 'echo-headers', status: 401 });
    const run = await runAction(inputs({ mode: 'purge-all' }));

    expect(run.code).toBe(1);
    expectHarmless(run);
    const result = JSON.parse(run.outputs.result ?? '{}');
    // The page's heading is its reason; what it echoes is no part of it.
    expect(result.services[0].failed[0].reason).toBe(`Fastly refused POST /service/${SERVICE}/purge_all (HTTP 401): 401 Proxy error`);
    expect(run.errors.join('\n')).toContain('Proxy error');
  });

  it('activate: service names, comment, VCL diff and Fastly\'s activation warning, in a dry run and a real one', async () => {
    const sid = hostileService();
    const dir = join(scratch(), 'vcl');
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.vcl'), `sub vcl_recv {\n  # ${HOSTILE}\n  # ${BIG}\n}\n`);
    const dry = await runAction(inputs({ mode: 'activate', 'service-id': sid, 'vcl-files': `${dir}/*.vcl`, comment: HOSTILE, 'dry-run': 'true' }));
    expect(dry.code).toBe(0);
    expectHarmless(dry);
    expectShownAsText(dry, '<img src=x onerror=alert(1)>');

    ctx.fake.setActivationWarning(sid, BIG);
    const real = await runAction(inputs({ mode: 'activate', 'service-id': sid, 'vcl-files': `${dir}/*.vcl`, comment: HOSTILE }));
    expect(real.code).toBe(0);
    expectHarmless(real);
    expect(real.warnings.join('\n')).toContain('::stop-commands::t');
  });

  it('activate: Fastly\'s validation messages, in the log, the annotation and the summary', async () => {
    const sid = hostileService();
    const dir = join(scratch(), 'vcl');
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.vcl'), 'sub vcl_recv { set req.http.X = "1"; }\n');
    ctx.fake.fault({ method: 'GET', path: new RegExp(`^/service/${sid}/version/2/validate`), kind: 'status', status: 200, body: { status: 'error', msg: `${HOSTILE}\nAt: (main Line 1 Pos 3)`, errors: [HOSTILE, BIG] } });
    const run = await runAction(inputs({ mode: 'activate', 'service-id': sid, 'vcl-files': `${dir}/*.vcl` }));
    expect(run.code).toBe(1);
    expect(ctx.fake.service(sid).activeVersion).toBe(1);
    expectHarmless(run);
    expectShownAsText(run, '<img src=x onerror=alert(1)>');
  });

  it('stats: service names in the headline, and Fastly\'s error', async () => {
    const sid = hostileService();
    const ok = await runAction(inputs({ mode: 'stats', 'service-id': sid, 'stats-from': '2 hours ago', 'stats-to': 'now' }));
    expectHarmless(ok);
    expect(ok.summary.split('\n')[0]).not.toContain('<');

    ctx.fake.fault({ method: 'GET', path: `/stats/service/${sid}`, kind: 'status', status: 400, body: { msg: HOSTILE, detail: BIG } });
    const failed = await runAction(inputs({ mode: 'stats', 'service-id': sid, 'stats-from': '2 hours ago', 'stats-to': 'now', 'max-retries': '0' }));
    expect(failed.code).toBe(1);
    expectHarmless(failed);
    expect(failed.summary.split('\n')[0]).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });

  it('update-dictionary: the dictionary name, item keys and values, and keys already there that delete-missing deletes', async () => {
    const sid = `HOSTILEDICT${++serial}`;
    const name = 'redirects<!--';
    ctx.fake.addService({ id: sid, name: HOSTILE, versions: [{ active: true }] });
    ctx.fake.addDictionary(sid, { name, items: Object.fromEntries(PAYLOADS.map(p => [`old ${p}\n::error::gone`, 'v'])) });
    const wanted = Object.fromEntries(PAYLOADS.map(p => [`${p}\n::set-output name=a::b`, `${HOSTILE} ${'y'.repeat(7000)}`]));
    const run = await runAction(inputs({ mode: 'update-dictionary', 'service-id': sid, dictionary: name, items: JSON.stringify(wanted), 'delete-missing': 'true' }));

    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expectHarmless(run);
    expectShownAsText(run, `dictionary 'redirects<!--' on ${sid}`);
    expect(Object.keys(ctx.fake.dictionaryItems(sid, name)).sort()).toEqual(Object.keys(wanted).sort());
  });

  it('update-config-store: a store name that is not there, echoed in the error', async () => {
    const run = await runAction(inputs({ mode: 'update-config-store', 'config-store': `flags${PAYLOADS[4]}`, items: '{"a":"1"}' }));
    expect(run.code).toBe(1);
    expectHarmless(run);
  });

  it('update-kv-store: key names, values and metadata, and keys already there that delete-missing deletes', async () => {
    // KV keys may not hold # ; ? ^ | or line breaks: the payloads without them.
    const keyable = PAYLOADS.map(p => p.replace(/[#;?^|\r\n]/g, '_'));
    const name = `kv${++serial}<!--`;
    const id = ctx.fake.addKvStore({ name, keys: Object.fromEntries(keyable.map(p => [`old ${p}`, 'v'])) });
    const wanted = Object.fromEntries(keyable.map(p => [`${p} </details>`, { value: `${HOSTILE} ${'y'.repeat(7000)}`, metadata: p }]));
    const run = await runAction(inputs({ mode: 'update-kv-store', 'service-id': '', 'kv-store': name, items: JSON.stringify(wanted), 'delete-missing': 'true' }));

    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expectHarmless(run);
    expectShownAsText(run, `KV store '${name}'`);
    expect(Object.keys(ctx.fake.kvStoreKeys(id)).sort()).toEqual(Object.keys(wanted).sort());
  });

  it('update-acl: comments and an ACL name, and a Compute ACL name that is not there', async () => {
    const sid = `HOSTILEACL${++serial}`;
    const name = 'block<!--';
    ctx.fake.addService({ id: sid, name: HOSTILE, versions: [{ active: true }] });
    ctx.fake.addAcl(sid, { name, entries: [] });
    const entries = PAYLOADS.map((p, i) => `192.0.2.${i} # ${p} ::error::x`).join('\n');
    const run = await runAction(inputs({ mode: 'update-acl', 'service-id': sid, acl: name, entries }));
    expect(run.code).toBe(0);
    expectHarmless(run);
    expectShownAsText(run, `ACL 'block<!--' on ${sid}`);
    expect(ctx.fake.aclEntries(sid, name).map(e => e.comment)).toEqual(PAYLOADS.map(p => `${p} ::error::x`));

    const missing = await runAction(inputs({ mode: 'update-acl', 'service-id': '', 'compute-acl': `acl${PAYLOADS[5]}`, entries: '192.0.2.0/24 BLOCK' }));
    expect(missing.code).toBe(1);
    expectHarmless(missing);
  });
});
