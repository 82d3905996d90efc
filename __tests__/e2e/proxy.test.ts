import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SERVICE, TOKEN, useFakeFastly } from './e2e-fake.js';
import { runAction } from './run-action.js';
import { useStagingEdge } from './use-staging-edge.js';

const ctx = useFakeFastly();
const staging = useStagingEdge();

/** A CONNECT proxy that sends a tunnel for an address to that address and every other to the fake, and remembers what was asked. */
let proxy: Server;
const tunnels: string[] = [];
beforeAll(async () => {
  proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, client) => {
    tunnels.push(req.url ?? '');
    const fake = new URL(ctx.fake.url);
    const asked = new URL(`http://${req.url ?? ''}`);
    const [host, port] = /^\d+\.\d+\.\d+\.\d+$/.test(asked.hostname) ? [asked.hostname, Number(asked.port)] : [fake.hostname, Number(fake.port)];
    const upstream = connect(port, host, () => {
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

  it('opens the tunnel of a staging health check to the staging IP, the host name still in the Host header', async () => {
    const { port } = new URL(ctx.fake.url);
    const sid = 'PROXYSTAGESVC';
    const vcls = [{ name: 'main', content: 'sub vcl_recv { }\n', main: true }];
    ctx.fake.addService({ id: sid, name: 'proxied', versions: [{ vcls, active: true, locked: true }] });
    ctx.fake.setDomains(sid, [{ name: 'www.example.test', stagingIp: staging.edge.address }]);
    tunnels.length = 0;
    const health = `http://www.example.test:${staging.edge.port}/_health`;
    const inputs = { mode: 'activate', 'api-token': TOKEN, 'service-id': sid, environment: 'staging', 'health-check-url': health, 'health-check-timeout': '3' };
    const run = await runAction(ctx.inputs({ ...inputs, 'api-url': `http://fastly-api.invalid:${port}` }), {
      http_proxy: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
    });

    expect(run.code).toBe(0);
    expect(tunnels).toContain(`127.0.0.2:${staging.edge.port}`);
    expect(tunnels.some(t => t.startsWith('www.example.test'))).toBe(false);
    expect(staging.edge.seen.map(r => r.host)).toEqual([`www.example.test:${staging.edge.port}`, `www.example.test:${staging.edge.port}`]);
  });
});
