import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { startFakeFastly } from '../fake-fastly/server.mjs';
import type { FakeFastly } from '../fake-fastly/server.mjs';

export const SERVICE = 'SVC1AAAAAAAAAAAAAAAAAA';
export const SERVICE_2 = 'SVC2BBBBBBBBBBBBBBBBBB';
export const TOKEN = 'tok-global-c0ffee-secret';
export const PURGE_TOKEN = 'tok-purge-select-5ecret';
export const PURGE_ALL_TOKEN = 'tok-purge-all-5ecret';

/** One fake Fastly per test file, emptied before each test, with the usual tokens and services. */
export function useFakeFastly(): { readonly fake: FakeFastly; inputs(extra: Record<string, string>): Record<string, string> } {
  const holder: { fake?: FakeFastly } = {};
  beforeAll(async () => {
    const fake = await startFakeFastly();
    fake.addService({ id: SERVICE, name: 'www' });
    fake.addService({ id: SERVICE_2, name: 'api' });
    fake.addToken({ token: TOKEN, scopes: ['global'], name: 'ci-global' });
    fake.addToken({ token: PURGE_TOKEN, scopes: ['purge_select'], name: 'ci-purge' });
    fake.addToken({ token: PURGE_ALL_TOKEN, scopes: ['purge_all'], name: 'ci-purge-all' });
    holder.fake = fake;
  });
  afterAll(async () => holder.fake?.close());
  beforeEach(() => holder.fake?.reset());
  return {
    get fake() {
      if (!holder.fake) throw new Error('fake Fastly not started');
      return holder.fake;
    },
    inputs(extra) {
      return { 'api-token': PURGE_TOKEN, 'service-id': SERVICE, 'api-url': this.fake.url, ...extra };
    }
  };
}
