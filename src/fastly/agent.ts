import * as http from 'node:http';
import { getProxyUrl } from '@actions/http-client/lib/proxy';

/**
 * The connection agent for one API host, chosen as @actions/http-client
 * chooses it (`https_proxy`, `http_proxy`, `no_proxy`; a CONNECT tunnel
 * through a proxy), from its own proxy rules and the same tunnel library. Its
 * client class is not used: it loads undici at start-up, which this action
 * never uses (see runner.ts for the measurement). The tunnel library loads
 * TLS as it starts, so it is loaded only when there is a proxy.
 */
export async function agentFor(baseUrl: URL): Promise<http.Agent> {
  const proxy = getProxyUrl(baseUrl);
  const secure = baseUrl.protocol === 'https:';
  if (!proxy?.hostname) return secure ? new (process.getBuiltinModule('node:https').Agent)({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const tunnel = await import('tunnel');
  const auth = proxy.username || proxy.password ? { proxyAuth: `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}` } : {};
  const options = { maxSockets: 100, keepAlive: true, proxy: { ...auth, host: proxy.hostname, port: Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80)) } };
  const overHttps = proxy.protocol === 'https:';
  if (secure) return overHttps ? tunnel.httpsOverHttps(options) : tunnel.httpsOverHttp(options);
  return overHttps ? tunnel.httpOverHttps(options) : tunnel.httpOverHttp(options);
}

/** A tunnel agent has no destroy() of its own. */
export function disposeAgent(agent: http.Agent): void {
  if (typeof agent.destroy === 'function') agent.destroy();
}
