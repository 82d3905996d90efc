import type { FakeFastly } from '../fake-fastly/server.mjs';
import { useFake } from '../fake-fastly/use-fake.js';

export const SERVICE = 'SVC1AAAAAAAAAAAAAAAAAA';
export const SERVICE_2 = 'SVC2BBBBBBBBBBBBBBBBBB';
export const TOKEN = 'tok-global-c0ffee-secret';
export const PURGE_TOKEN = 'tok-purge-select-5ecret';
export const PURGE_ALL_TOKEN = 'tok-purge-all-5ecret';

/** One fake Fastly per test file, emptied before each test, with the usual tokens and services. */
export function useFakeFastly(): { readonly fake: FakeFastly; inputs(extra: Record<string, string>): Record<string, string> } {
  const ctx = useFake(fake => {
    fake.addService({ id: SERVICE, name: 'www' });
    fake.addService({ id: SERVICE_2, name: 'api' });
    fake.addToken({ token: TOKEN, scopes: ['global'], name: 'ci-global' });
    fake.addToken({ token: PURGE_TOKEN, scopes: ['purge_select'], name: 'ci-purge' });
    fake.addToken({ token: PURGE_ALL_TOKEN, scopes: ['purge_all'], name: 'ci-purge-all' });
  });
  return {
    get fake() {
      return ctx.fake;
    },
    inputs(extra) {
      return { 'api-token': PURGE_TOKEN, 'service-id': SERVICE, 'api-url': ctx.fake.url, ...extra };
    }
  };
}

let serviceSerial = 0;
/** A service of its own (a test that changes versions needs one): version 1 locked, version 2 active, both with a main VCL. */
export function activeService(fake: FakeFastly, prefix: string): string {
  serviceSerial += 1;
  const id = `${prefix}${serviceSerial}SERVICE`;
  const vcls = [{ name: 'main', content: 'sub vcl_recv { }\n', main: true }];
  fake.addService({ id, name: `${prefix.toLowerCase()}-${serviceSerial}`, versions: [{ vcls, locked: true }, { vcls, active: true }] });
  return id;
}
