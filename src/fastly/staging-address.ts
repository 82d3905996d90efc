import { isIP } from 'node:net';
import { ActionError } from '../errors.js';
import type { Domain } from './versions.js';

/** The domain that serves `hostname`: the one named so, or else the wildcard domain (`*.example.com`) that covers it, as Fastly routes a host. */
function domainOf(domains: readonly Domain[], hostname: string): Domain | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const exact = domains.find(d => d.name.toLowerCase() === host);
  return exact ?? domains.find(d => d.name.startsWith('*.') && host.endsWith(d.name.slice(1).toLowerCase()) && !host.slice(0, -d.name.length + 1).includes('.'));
}

/**
 * The staging IP for `hostname`: that of the domain that serves it.
 * Anything but an IP address is no staging IP: it came from an answer, and
 * a name would be resolved to production.
 */
export function stagingAddressOf(domains: readonly Domain[], hostname: string): string | undefined {
  const ip = domainOf(domains, hostname)?.stagingIp;
  return ip !== undefined && isIP(ip) !== 0 ? ip : undefined;
}

/** Why `hostname` has no staging IP on `sid`, and what to do about it. */
export function noStagingAddress(sid: string, version: number, domains: readonly Domain[], hostname: string): ActionError {
  const named = domains.map(d => d.name);
  const listed = named.length === 0 ? 'it has no domains' : `its domains are ${named.slice(0, 10).join(', ')}${named.length > 10 ? ', …' : ''}`;
  const domain = domainOf(domains, hostname);
  const given = domain?.stagingIp === undefined ? '' : ` (its staging_ip, '${domain.stagingIp}', is not an IP address)`;
  const why = domain ? `Fastly gave no staging IP for ${hostname}${given}` : `${hostname} is not a domain of it (${listed})`;
  return new ActionError(`No staging IP for ${hostname} on version ${version} of ${sid}: ${why}. Use a URL on one of the service's domains, or production`);
}
