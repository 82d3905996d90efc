import { describe, expect, it } from '@jest/globals';
import { type Cancellation, NOT_CANCELLABLE } from '../../src/cancel.js';
import { ActionError } from '../../src/errors.js';
import type { FastlyApi } from '../../src/fastly/client.js';
import { type Settings, readSettings } from '../../src/inputs/settings.js';
import { type ModeRun, prepareMode } from '../../src/modes/index.js';

/** Plan, then apply: what main.ts does between the two (the comment, the reviewed-plan gate) sends nothing to Fastly. */
async function runMode(settings: Settings, api: FastlyApi, cancel: Cancellation): Promise<ModeRun> {
  return (await prepareMode(settings, api, cancel)).apply();
}

// Every mode reports an expected failure per service or item and goes on; a defect must reach main.ts as one.
const MODES: [string, Record<string, string>][] = [
  ['purge-keys', { keys: 'home' }],
  ['purge-urls', { urls: 'https://www.example.com/' }],
  ['purge-all', {}],
  ['activate', {}],
  ['update-dictionary', { dictionary: 'flags', items: '{"a":"1"}' }],
  ['update-config-store', { 'config-store': 'flags', items: '{"a":"1"}' }],
  ['stats', {}]
];

/** A client whose every call throws what `make` gives (the rate-limit figures stay empty). */
function throwingApi(make: () => Error): FastlyApi {
  return new Proxy({} as FastlyApi, {
    get: (_target, name) => {
      if (name === 'forCleanUp') return () => throwingApi(make);
      if (name === 'then') return undefined;
      return () => Promise.reject(make());
    }
  });
}

function settingsFor(mode: string, inputs: Record<string, string>) {
  const all: Record<string, string> = { 'api-token': 'tok', mode, 'service-id': 'SVC1', ...inputs };
  return readSettings(name => all[name] ?? '').settings;
}

describe('a defect in a Fastly call is not turned into a per-service message', () => {
  it.each(MODES)('%s rejects with the TypeError itself', async (mode, inputs) => {
    const defect = new TypeError("Cannot read properties of undefined (reading 'number')");
    await expect(runMode(settingsFor(mode, inputs), throwingApi(() => defect), NOT_CANCELLABLE)).rejects.toBe(defect);
  });

  it.each(MODES)('%s reports an expected failure in its outcome and resolves', async (mode, inputs) => {
    const ran = await runMode(settingsFor(mode, inputs), throwingApi(() => new ActionError('Fastly is unreachable')), NOT_CANCELLABLE);
    expect(JSON.stringify(ran.outcome)).toContain('Fastly is unreachable');
  });
});
