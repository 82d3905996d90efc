import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SERVICE, useFakeFastly } from './e2e-fake.js';
import { runAction } from './run-action.js';

const ctx = useFakeFastly();

/** A CONNECT proxy that sends every tunnel to the fake, whatever host was asked for, and remembers what was asked. */
let proxy: Server;
const tunnels: string[] = [];
beforeAll(async () => {
  proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, client) => {
    tunnels.push(req.url ?? '');
    const fake = new URL(ctx.fake.url);
    const upstream = connect(Number(fake.port), fake.hostname, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>(done => proxy.listen(0, '127.0.0.1', done));
});
afterAll(async () => new Promise<void>(done => proxy.close(() => done())));

describe('a runner behind a proxy', () => {
  it('sends every Fastly request through http_proxy, as other actions do', async () => {
    const { port } = new URL(ctx.fake.url);
    // The loopback address would bypass the proxy; a name only the proxy "resolves" proves the route.
    const apiUrl = `http://fastly-api.invalid:${port}`;
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', keys: 'home', 'api-url': apiUrl }), { http_proxy: proxyUrl });

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(ctx.fake.writes().map(r => r.path)).toEqual([`/service/${SERVICE}/purge`]);
    expect(tunnels.length).toBeGreaterThan(0);
    expect(new Set(tunnels)).toEqual(new Set([`fastly-api.invalid:${port}`]));
  });
});
