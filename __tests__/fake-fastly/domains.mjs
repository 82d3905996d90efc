// @ts-check
/**
 * The domain list of a version. With `include=staging_ips` each domain carries
 * the address of Fastly's staging environment for it (recorded: `staging_ip`,
 * the same address for every domain of a service). Domains cannot be staged
 * apart from production, so the fake keeps one list per service, on every version.
 *
 * @typedef {import('./server.mjs').Route} Route
 * @typedef {{ name: string, stagingIp?: string | null }} DomainSpec  stagingIp: null or absent lists the domain without one
 */
import { onVersion } from './versions.mjs';

/** @type {Route[]} */
export const domainRoutes = [
  onVersion('GET', '/domain', false, (ctx, service, version) => {
    const withIps = (ctx.query.get('include') ?? '').split(',').includes('staging_ips');
    const json = service.domains.map((domain) => ({
      name: domain.name,
      comment: '',
      service_id: service.id,
      version: version.number,
      created_at: version.createdAt,
      updated_at: version.updatedAt,
      deleted_at: null,
      ...(withIps && domain.stagingIp !== undefined ? { staging_ip: domain.stagingIp } : {}),
    }));
    return { status: 200, json };
  }),
];
