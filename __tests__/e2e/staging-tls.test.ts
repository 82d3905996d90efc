import { describe, expect, it } from '@jest/globals';
import { STAGING_CERT } from '../fake-fastly/staging-edge.mjs';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { runAction } from './run-action.js';
import { useStagingEdge } from './use-staging-edge.js';

const ctx = useFakeFastly();
// An https edge whose certificate names www.example.test only: it is accepted only if the TLS name is the URL's host.
const staging = useStagingEdge({ tls: true });
const TRUST = { NODE_EXTRA_CA_CERTS: STAGING_CERT };
const HOST = 'www.example.test';

let serial = 0;
function service(): string {
  serial += 1;
  const id = `STAGETLS${serial}SVC`;
  const vcls = [{ name: 'main', content: 'sub vcl_recv { }\n', main: true }];
  ctx.fake.addService({ id, name: `tls-${serial}`, versions: [{ vcls, active: true, locked: true }, { vcls, staging: true, locked: true }] });
  ctx.fake.setDomains(id, [{ name: HOST, stagingIp: staging.edge.address }]);
  return id;
}

const url = (path: string) => `https://${HOST}:${staging.edge.port}${path}`;

describe('staging over https', () => {
  it('the health check connects to the staging IP with the host name as TLS server name, and the certificate is checked against it', async () => {
    const sid = service();
    const run = await runAction(
      ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'service-id': sid, environment: 'staging', 'health-check-url': url('/_health'), 'health-check-timeout': '3' }),
      TRUST
    );

    expect(run.code).toBe(0);
    expect(staging.edge.seen.map(r => [r.method, r.servername, r.host, r.path])).toEqual([
      ['GET', HOST, `${HOST}:${staging.edge.port}`, '/_health'],
      ['GET', HOST, `${HOST}:${staging.edge.port}`, '/_health']
    ]);
    expect(staging.edge.seen.some(r => 'fastly-key' in r.headers)).toBe(false);
    expect(ctx.fake.service(sid).stagingVersion).toBe(3);
  });

  it('a URL purge goes to the staging IP with the host as TLS name, and carries the token (for authenticated purging) over TLS only', async () => {
    const sid = service();
    const run = await runAction(ctx.inputs({ mode: 'purge-urls', 'api-token': TOKEN, 'service-id': sid, environment: 'staging', urls: url('/a') }), TRUST);
    expect(run.code).toBe(0);
    expect(staging.edge.seen.map(r => [r.method, r.servername, r.host, r.path, r.headers['fastly-key']])).toEqual([
      ['PURGE', HOST, `${HOST}:${staging.edge.port}`, '/a', TOKEN]
    ]);
  });

  it('fails the URL when the staging IP does not prove to be the host (an untrusted certificate), sending nothing', async () => {
    const sid = service();
    const run = await runAction(ctx.inputs({ mode: 'purge-urls', 'api-token': TOKEN, 'service-id': sid, environment: 'staging', urls: url('/a') }));

    expect(run.code).toBe(1);
    expect(staging.edge.seen).toHaveLength(0);
    expect(run.errors.join('\n')).toContain(`PURGE ${url('/a')} through the staging IP 127.0.0.2: DEPTH_ZERO_SELF_SIGNED_CERT`);
  });
});
