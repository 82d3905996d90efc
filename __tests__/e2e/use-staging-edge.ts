import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { type StagingEdge, startStagingEdge } from '../fake-fastly/staging-edge.mjs';

/** One staging edge per test file on 127.0.0.2 (https with STAGING_CERT when `tls`), its requests and answers reset before each test. */
export function useStagingEdge(options: { tls?: boolean } = {}): { readonly edge: StagingEdge } {
  let started: StagingEdge | undefined;
  beforeAll(async () => {
    started = await startStagingEdge(options);
  });
  afterAll(async () => started?.close());
  beforeEach(() => started?.reset());
  return {
    get edge() {
      if (!started) throw new Error('staging edge not started');
      return started;
    }
  };
}
