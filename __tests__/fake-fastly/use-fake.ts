import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { startFakeFastly } from './server.mjs';
import type { FakeFastly } from './server.mjs';

/**
 * One fake Fastly per test file: started and given its tokens and services by
 * `setup` before the file's tests, emptied of requests and faults before each.
 */
export function useFake(
  setup: (fake: FakeFastly) => void,
  options: Parameters<typeof startFakeFastly>[0] = {}
): { readonly fake: FakeFastly } {
  let started: FakeFastly | undefined;
  beforeAll(async () => {
    started = await startFakeFastly(options);
    setup(started);
  });
  afterAll(async () => started?.close());
  beforeEach(() => started?.reset());
  return {
    get fake() {
      if (!started) throw new Error('fake Fastly not started');
      return started;
    }
  };
}
