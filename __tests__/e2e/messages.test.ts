import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, runAction } from './run-action.js';

const ctx = useFakeFastly();

/** A proxy that wants credentials the runner does not have: every CONNECT gets a 407. */
let proxy: Server;
const connects: string[] = [];
beforeAll(async () => {
  proxy = createServer((_req, res) => res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="corp"' }).end());
  proxy.on('connect', (req, client) => {
    connects.push(req.url ?? '');
    client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>(done => proxy.listen(0, '127.0.0.1', done));
});
afterAll(async () => new Promise<void>(done => proxy.close(() => done())));

const PROXY_407 =
  'HTTP 407 Proxy Authentication Required; give the proxy its credentials in the proxy variable, e.g. https_proxy=http://user:password@proxy:3128';

describe('a proxy that refuses', () => {
  it('says the proxy refused its tunnel, once, rather than blaming the network', async () => {
    const { port } = new URL(ctx.fake.url);
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'home', 'api-url': `http://fastly-api.invalid:${port}` }), {
      http_proxy: proxyUrl
    });

    expect(run.code).toBe(1);
    expect(run.errors).toEqual([`Could not reach Fastly for GET /tokens/self: the proxy refused: ${PROXY_407}`]);
    // A refusal is not retried: the proxy will refuse again.
    expect(connects).toEqual([`fastly-api.invalid:${port}`]);
    expect(ctx.fake.requests).toHaveLength(0);
    expectNoStackTrace(run);
  });

  it("names the proxy, not Fastly, for a 407 answer", async () => {
    ctx.fake.fault({ method: 'GET', path: '/tokens/self', kind: 'status', status: 407, body: { msg: 'Proxy Authentication Required' } });
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'home' }));

    expect(run.code).toBe(1);
    expect(run.errors).toEqual([`The proxy between the runner and Fastly refused GET /tokens/self: ${PROXY_407}`]);
    expect(ctx.fake.requests).toHaveLength(1);
  });
});

describe('activate names the draft a failed step left', () => {
  let serial = 0;
  /** 1 (locked), 2 (active), 3 (a draft): a clone of 2 becomes 4. */
  function service(): string {
    serial += 1;
    const id = `MSG${serial}SERVICE`;
    const vcls = [{ name: 'main', content: 'sub vcl_recv { }\n', main: true }];
    ctx.fake.addService({ id, name: `msg-${serial}`, versions: [{ vcls, locked: true }, { vcls, active: true }, { vcls }] });
    return id;
  }

  function writes(): string[] {
    return ctx.fake.writes().map(r => `${r.method} ${r.path}`);
  }

  it('when the clone is answered without a version number', async () => {
    const sid = service();
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/2/clone`, kind: 'status', status: 200, body: { service_id: sid }, afterHandler: true });
    const run = await runAction(ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid }));

    expect(run.code).toBe(1);
    expect(writes()).toEqual([`PUT /service/${sid}/version/2/clone`]);
    expect(ctx.fake.service(sid).versions.map(v => v.number)).toEqual([1, 2, 3, 4]);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    expect(run.errors.at(-1)).toBe(
      `Fastly answered the clone of version 2 of ${sid} without a version number. A clone is not safe to repeat, so it was not retried; nothing was activated. Fastly now has version 4, which may be that clone (left as a draft).`
    );
    expectNoStackTrace(run);
  });

  it('when the comment cannot be set on the clone', async () => {
    const sid = service();
    ctx.fake.fault({ method: 'PUT', path: `/service/${sid}/version/4`, kind: 'status', status: 400, body: { msg: 'Bad request', detail: 'comment too long' } });
    const run = await runAction(ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, comment: 'Release 7' }));

    expect(run.code).toBe(1);
    expect(writes()).toEqual([`PUT /service/${sid}/version/2/clone`, `PUT /service/${sid}/version/4`]);
    expect(ctx.fake.service(sid).activeVersion).toBe(2);
    expect(run.errors.at(-1)).toBe(
      `Fastly refused PUT /service/${sid}/version/4 (HTTP 400): Bad request: comment too long; version 4, cloned from 2 but not commented, was left as a draft and nothing was activated`
    );
  });
});
