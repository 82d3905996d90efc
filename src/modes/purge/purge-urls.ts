import type { Cancellation } from '../../cancel.js';
import { ActionError } from '../../errors.js';
import type { FastlyApi } from '../../fastly/client.js';
import { FastlyError } from '../../fastly/errors.js';
import { noStagingAddress, stagingAddressOf } from '../../fastly/staging-address.js';
import type { Domain } from '../../fastly/versions.js';
import { forEachLimited } from '../../pool.js';
import type { PurgeUrlsSettings } from '../../inputs/settings.js';
import { type PurgeOutcome, TargetTally } from './outcome.js';

/** URL purges go by host, not service, so results are grouped by host. */
export async function run(settings: PurgeUrlsSettings, api: FastlyApi, cancel: Cancellation): Promise<PurgeOutcome> {
  const staging = settings.environment === 'staging' ? await stagedDomains(api, settings.serviceIds) : undefined;
  const byHost = new Map<string, TargetTally>();
  const tallyOf = (parsed: URL) => {
    let tally = byHost.get(parsed.host);
    if (!tally) {
      tally = new TargetTally('host', parsed.host, settings.dryRun);
      byHost.set(parsed.host, tally);
    }
    tally.requested += 1;
    return tally;
  };
  // Each URL is parsed once, when its turn comes: 100,000 URL objects up front would be 100,000 times the garbage.
  await forEachLimited(
    settings.urls,
    settings.concurrency,
    url => {
      const parsed = new URL(url);
      return tallyOf(parsed).send([url], async () => {
        const id = staging ? await api.purgeUrlOnStaging(parsed, staging.addressOf(parsed.hostname), settings.soft) : await api.purgeUrl(parsed, settings.soft);
        return () => id;
      });
    },
    { signal: cancel.stop, skip: url => tallyOf(new URL(url)).notSent([url]) }
  );
  return { mode: settings.mode, targets: [...byHost.values()] };
}

interface StagedDomains {
  /** The staging IP of a host; throws, for that URL alone, naming the host when none has one. */
  addressOf(hostname: string): string;
}

/**
 * The domains of the version on staging now, on each service: its staging IP
 * is where that version's cache is. Nothing staged on a service is an error
 * before any purge: its URLs have no staging cache to purge.
 */
async function stagedDomains(api: FastlyApi, serviceIds: readonly string[]): Promise<StagedDomains> {
  const found: { sid: string; version: number; domains: Domain[] }[] = [];
  for (const sid of serviceIds) {
    try {
      const details = await api.serviceDetails(sid);
      const version = details.versions.find(v => v.staging)?.number;
      if (version === undefined) {
        throw new ActionError(`Nothing is staged on service ${sid}, so it has no staging cache to purge; stage a version first (mode: activate, environment: staging) or purge on production`);
      }
      found.push({ sid, version, domains: await api.listDomains(sid, version) });
    } catch (error) {
      if (error instanceof FastlyError && error.status === 403) {
        throw new ActionError(
          `${error.message}. Purging URLs on staging reads the staged version's domains (their staging IPs), ` +
            "so the token needs scope 'global:read' besides 'purge_select'"
        );
      }
      throw error;
    }
  }
  const cache = new Map<string, string | ActionError>();
  return {
    addressOf(hostname) {
      let known = cache.get(hostname);
      if (known === undefined) {
        const hit = found.map(f => stagingAddressOf(f.domains, hostname)).find(address => address !== undefined);
        known = hit ?? (found.length === 1 && found[0] ? noStagingAddress(found[0].sid, found[0].version, found[0].domains, hostname) : noneOf(found, hostname));
        cache.set(hostname, known);
      }
      if (known instanceof ActionError) throw known;
      return known;
    }
  };
}

function noneOf(found: readonly { sid: string; version: number }[], hostname: string): ActionError {
  const where = found.map(f => `version ${f.version} of ${f.sid}`).join(', ');
  return new ActionError(`No staging IP for ${hostname}: it is not a domain with a staging IP on the staged ${where}. Use a URL on one of the services' domains, or production`);
}
