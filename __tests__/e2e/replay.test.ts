import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  documented,
  interactions,
  RECORDINGS,
  type Received,
  recorded,
  recordedAt,
  recordingsPresent,
  type Route,
  startReplay
} from '../replay/replay-server.mjs';
import { type ActionRun, readable, runAction, scratch } from './run-action.js';

// The IDs, names and versions below are the recorded ones (go-fastly's test services).
const COMPUTE = 'XsjdElScZGjmfCcTwsYRC1';
const VCL_SERVICE = 'kKJb5bOFI47uHeBVluGfX1';
const TOKEN_SERVICE = 'XXXXXXXXXXXXXXXXXXXXXX';
const TOKEN = 'tok-replay-5ecret';

const present = recordingsPresent();
if (!present) process.stderr.write(`Skipping the replay of Fastly's recorded answers: ${RECORDINGS} is missing\n`);
const replaying = present ? describe : describe.skip;

let replay: Awaited<ReturnType<typeof startReplay>> | undefined;
afterEach(async () => {
  await replay?.close();
  replay = undefined;
});

/** The action against the replay; any request nothing recorded answers fails the test, listed. */
async function run(routes: readonly Route[], inputs: Record<string, string>): Promise<{ run: ActionRun; sent: Received[] }> {
  replay = await startReplay(routes);
  // A 501 is a 5xx: retried, it would only list the same request again.
  const result = await runAction({ 'api-token': TOKEN, 'api-url': replay.url, 'token-check': 'false', 'max-retries': '0', ...inputs });
  // Each is a request real Fastly was never seen to answer, or one sent in a form it was not.
  expect({ 'requests no recording answers': replay.unanswered() }).toEqual({ 'requests no recording answers': [] });
  return { run: result, sent: replay.received() };
}

function recordedBody(name: string, index = 0): unknown {
  return JSON.parse(interactions(name)[index]?.response.body ?? 'null');
}

/**
 * The recorded Fastly-RateLimit-Reset lies years back, and the action rightly drops a reading whose window has
 * ended; this moves it to the end of the current hour (Fastly's windows end on the hour), the rest as recorded.
 */
function inCurrentWindow(route: Route): Route {
  const headers = { ...route.response.headers };
  const name = Object.keys(headers).find(h => h.toLowerCase() === 'fastly-ratelimit-reset');
  if (!name) throw new Error(`${route.source} carries no rate-limit headers`);
  headers[name] = [String(Math.ceil((Date.now() + 1) / 3_600_000) * 3600)];
  return { ...route, response: { ...route.response, headers }, source: `${route.source} (reset this hour)` };
}

function nextHourIso(): string {
  return new Date(Math.ceil((Date.now() + 1) / 3_600_000) * 3_600_000).toISOString();
}

function form(body: string): string[] {
  return [...new URLSearchParams(body).keys()].sort();
}

/** A version object as the recorded version lists give it. */
function version(n: number, active: boolean) {
  return {
    number: n,
    active,
    locked: active,
    staging: false,
    testing: false,
    deployed: false,
    comment: '',
    service_id: VCL_SERVICE,
    environments: active ? [{ name: 'production', service_id: VCL_SERVICE, active_version: n }] : []
  };
}

/** GET …/details for a service no recorded details cover: the recorded shape (active_version null, versions[]). */
function details(sid: string, versions: readonly ReturnType<typeof version>[], when?: Route['when']): Route {
  const live = versions.find(v => v.active)?.number;
  const route = documented(
    'GET',
    `/service/${sid}/details`,
    200,
    {
      id: sid,
      name: 'test-service',
      type: 'vcl',
      active_version: null,
      versions,
      environments: live ? [{ name: 'production', service_id: sid, active_version: live }] : []
    },
    'details were recorded only for a service never activated'
  );
  return when ? { ...route, when } : route;
}

replaying("the action against Fastly's recorded answers", () => {
  it('purge-keys: several keys in one batch, the purge IDs Fastly gave', async () => {
    const { run: result, sent } = await run(recorded('purge_by_keys'), { mode: 'purge-keys', 'service-id': COMPUTE, keys: 'foo bar baz' });
    expect(result.code).toBe(0);
    expect(result.outputs['purged-count']).toBe('3');
    expect(JSON.parse(result.outputs['purge-ids'] ?? '')).toEqual(recordedBody('purge_by_keys'));
    // The recorded request carried the keys in a Surrogate-Key header; the contract fixes the JSON body form.
    expect(sent.map(r => [r.method, r.path, JSON.parse(r.body)])).toEqual([
      ['POST', `/service/${COMPUTE}/purge`, { surrogate_keys: ['foo', 'bar', 'baz'] }]
    ]);
    expect(sent[0]?.headers['fastly-soft-purge']).toBe('1');
    expect(result.summary).toContain('1740093-1756794994-11993990-2');
  });

  it('purge-keys: one key takes its own ID from an answer that names others too', async () => {
    const { run: result, sent } = await run([...recorded('purge_by_key'), ...recorded('purge_by_keys')], {
      mode: 'purge-keys',
      'service-id': COMPUTE,
      keys: 'foo',
      'soft-purge': 'false'
    });
    expect(result.code).toBe(0);
    expect(result.outputs['purged-count']).toBe('1');
    expect(JSON.parse(result.outputs['purge-ids'] ?? '')).toEqual({ foo: '1740093-1756794994-11993990-1' });
    expect(sent.map(r => `${r.method} ${r.path}`)).toEqual([`POST /service/${COMPUTE}/purge`]);
    expect(sent[0]?.headers['fastly-soft-purge']).toBeUndefined();
  });

  it('purge-all: a reading of a rate-limit window that has ended is not reported', async () => {
    const { run: result } = await run(recorded('purge_all'), { mode: 'purge-all', 'service-id': COMPUTE });
    expect(result.code).toBe(0);
    expect(result.outputs['rate-limit-remaining']).toBe('');
  });

  it('purge-all: one purge_all, the rate limit read from its headers', async () => {
    const { run: result, sent } = await run(recorded('purge_all').map(inCurrentWindow), { mode: 'purge-all', 'service-id': COMPUTE });
    expect(result.code).toBe(0);
    expect(sent.map(r => [r.method, r.path, r.body])).toEqual([['POST', `/service/${COMPUTE}/purge_all`, '']]);
    expect(result.outputs['purged-count']).toBe('1');
    expect(result.outputs['rate-limit-remaining']).toBe('9995');
    expect(result.outputs['rate-limit-reset']).toBe(nextHourIso());
    expect(result.summary).toContain('Rate limit: 9,995 API writes left this hour');
  });

  it('token check: the recorded token is limited to its one service, so a purge elsewhere is refused before any write', async () => {
    const { run: result, sent } = await run([...recorded('tokens_get_self'), ...recorded('purge_all')], {
      mode: 'purge-all',
      'service-id': COMPUTE,
      'token-check': 'true'
    });
    expect(result.code).toBe(1);
    expect(sent.map(r => `${r.method} ${r.path}`)).toEqual(['GET /tokens/self']);
    expect(result.errors.join('\n')).toContain(`(it is limited to ${TOKEN_SERVICE})`);
  });

  it('token check: on its own service the recorded global token passes, with a warning that it has more scope than needed', async () => {
    const { run: result, sent } = await run(
      [...recorded('tokens_get_self'), recordedAt('purge_all', 0, 'POST', `/service/${TOKEN_SERVICE}/purge_all`)],
      { mode: 'purge-all', 'service-id': TOKEN_SERVICE, 'token-check': 'true' }
    );
    expect(result.code).toBe(0);
    expect(sent.map(r => `${r.method} ${r.path}`)).toEqual(['GET /tokens/self', `POST /service/${TOKEN_SERVICE}/purge_all`]);
    expect(result.warnings.join('\n')).toContain("has the 'global' scope, but mode 'purge-all' needs only 'purge_all'");
  });

  it('update-dictionary: looked up on the active version, items read, one PATCH of the recorded form', async () => {
    const dictionaryId = 'BPnIdK8OFZePTGgSuZN0x6';
    const { run: result, sent } = await run(
      [
        details(VCL_SERVICE, [version(94, false), version(95, true)]),
        ...recorded('dictionary_get'),
        // The recorded item list is of another dictionary (the recordings come from separate tests).
        recordedAt('dictionary_items_list', 0, 'GET', `/service/${VCL_SERVICE}/dictionary/${dictionaryId}/items`, { page: '1', per_page: '100' }),
        inCurrentWindow(recordedAt('dictionary_items_patch', 0, 'PATCH', `/service/${VCL_SERVICE}/dictionary/${dictionaryId}/items`))
      ],
      { mode: 'update-dictionary', 'service-id': VCL_SERVICE, dictionary: 'test_dictionary', items: '{"key1": "val1Updated", "key2": "val3", "key3": "new"}' }
    );
    expect(result.code).toBe(0);
    const patch = sent.filter(r => r.method === 'PATCH');
    expect(patch).toHaveLength(1);
    const ops = (JSON.parse(patch[0]?.body ?? '{}') as { items: Record<string, string>[] }).items;
    // The recorded batch's field names: item_key, item_value, op.
    const recordedOps = JSON.parse(interactions('dictionary_items_patch')[0]?.request.body ?? '{}').items as object[];
    expect(ops.map(op => Object.keys(op).sort())).toEqual(ops.map(() => Object.keys(recordedOps[0] ?? {}).sort()));
    expect(ops.map(op => [op.item_key, op.item_value])).toEqual([
      ['key2', 'val3'],
      ['key3', 'new']
    ]);
    expect(JSON.parse(result.outputs.result ?? '{}').stores).toEqual([
      expect.objectContaining({ id: dictionaryId, name: 'test_dictionary', serviceId: VCL_SERVICE, before: 2, after: 3, created: 1, updated: 1, unchanged: 1 })
    ]);
    expect(result.outputs['rate-limit-remaining']).toBe('9955');
    expect(readable(result.summary)).toContain('test_dictionary');
  });

  it('update-config-store: found by name, items read, one PATCH of the recorded form', async () => {
    const storeId = 'ykdY5UTyffIVUCF34jRcb2';
    const { run: result, sent } = await run(
      [
        ...recorded('config_store_list_name'),
        recordedAt('config_store_items_list', 0, 'GET', `/resources/stores/config/${storeId}/items`),
        inCurrentWindow(recordedAt('config_store_items_patch', 0, 'PATCH', `/resources/stores/config/${storeId}/items`))
      ],
      {
        mode: 'update-config-store',
        'config-store': 'TestClient_ListConfigStores-00',
        items: '{"TestClient_ListConfigStoreItems-key-00": "value 00", "TestClient_ListConfigStoreItems-key-01": null, "key1": "value1"}'
      }
    );
    expect(result.code).toBe(0);
    expect(sent.filter(r => r.method === 'GET').map(r => `${r.path}${r.query}`)).toContain(
      '/resources/stores/config?name=TestClient_ListConfigStores-00'
    );
    const patch = sent.filter(r => r.method === 'PATCH');
    expect(patch.map(r => r.path)).toEqual([`/resources/stores/config/${storeId}/items`]);
    const ops = (JSON.parse(patch[0]?.body ?? '{}') as { items: Record<string, string>[] }).items;
    expect(ops.map(op => [op.op, op.item_key])).toEqual(
      expect.arrayContaining([
        ['delete', 'TestClient_ListConfigStoreItems-key-01'],
        [expect.stringMatching(/^(create|upsert)$/), 'key1']
      ])
    );
    expect(ops).toHaveLength(2);
    expect(ops.find(op => op.item_key === 'key1')).toEqual(expect.objectContaining({ item_value: 'value1' }));
    expect(result.outputs['rate-limit-remaining']).toBe('9998');
  });

  it("stats: the recorded answer of a window with no traffic reads as no requests, not a failure", async () => {
    // The recorded window was '10 days ago' to 'now' in Europe; the action asks in Unix seconds for the whole world.
    const routes = [details(VCL_SERVICE, [version(1, true)]), ...recorded('stats_service').map(r => ({ ...r, query: 'any' as const }))];
    const { run: result, sent } = await run(routes, { mode: 'stats', 'service-id': VCL_SERVICE, 'stats-from': '10 days ago', 'stats-by': 'minute' });
    expect(result.code).toBe(0);
    const stats = sent.filter(r => r.path.startsWith('/stats/'));
    expect(stats.map(r => `${r.method} ${r.path}`)).toEqual([`GET /stats/service/${VCL_SERVICE}`]);
    expect(new URLSearchParams(stats[0]?.query).get('by')).toBe('minute');
    expect(readable(result.summary)).toContain(VCL_SERVICE);
    expect(result.outputs['hit-ratio']).toBe('');
  });

  it('activate: rollback to an existing version, validated, diffed and activated with the recorded answer and its warning', async () => {
    const activated = (before: readonly Received[]) => before.some(r => r.method === 'PUT' && r.path.endsWith('/activate'));
    const { run: result, sent } = await run(
      [
        details(VCL_SERVICE, [version(142, false), version(143, true)], activated),
        details(VCL_SERVICE, [version(142, true), version(143, false)]),
        documented('GET', `/service/${VCL_SERVICE}/version/143/validate`, 200, { status: 'ok' }, "validate: FASTLY-API.md's shape"),
        // The recordings hold only the older /diff form: an API answering /vcl/diff 404 falls back to it.
        documented('GET', `/service/${VCL_SERVICE}/vcl/diff/from/142/to/143`, 404, { msg: 'Record not found' }, 'no /vcl/diff was recorded'),
        recordedAt('diff_get_again', 0, 'GET', `/service/${VCL_SERVICE}/diff/from/142/to/143`),
        inCurrentWindow(recorded('version_activate')[0] as Route)
      ],
      { mode: 'activate', 'service-id': VCL_SERVICE, version: '143', clone: 'false' }
    );
    expect(result.code).toBe(0);
    expect(sent.filter(r => r.method === 'PUT').map(r => r.path)).toEqual([`/service/${VCL_SERVICE}/version/143/activate`]);
    expect(result.outputs.version).toBe('143');
    expect(result.outputs['previous-version']).toBe('142');
    expect(result.warnings.join('\n')).toContain('No default director found');
    expect(readable(result.summary)).toContain('+- name: test-backend');
    expect(result.outputs['rate-limit-remaining']).toBe('9972');
    expect(readable(result.summary)).toContain('<summary>Service configuration: version 142 → 143</summary>');
  });

  it('activate: clone, VCL upload, comment, validate, diff and activate, each request in its recorded form', async () => {
    const activated = (before: readonly Received[]) => before.some(r => r.method === 'PUT' && r.path.endsWith('/activate'));
    const dir = scratch();
    const vcl = join(dir, 'test-vcl.vcl');
    writeFileSync(vcl, 'sub vcl_recv { }\n');
    const { run: result, sent } = await run(
      [
        details(VCL_SERVICE, [version(75, false), version(76, true)], activated),
        details(VCL_SERVICE, [version(75, true)]),
        // A version without custom VCL lists none (the recorded details show `"vcls": []` on a fresh version).
        documented('GET', `/service/${VCL_SERVICE}/version/75/vcl`, 200, [], 'no VCL list of version 75 was recorded'),
        ...recorded('version_clone'),
        recordedAt('vcl_create', 0, 'POST', `/service/${VCL_SERVICE}/version/76/vcl`),
        recordedAt('version_update', 0, 'PUT', `/service/${VCL_SERVICE}/version/76`),
        documented('GET', `/service/${VCL_SERVICE}/version/76/validate`, 200, { status: 'ok' }, "validate: FASTLY-API.md's shape"),
        // The recordings hold only the older /diff form: an API answering /vcl/diff 404 falls back to it.
        documented('GET', `/service/${VCL_SERVICE}/vcl/diff/from/75/to/76`, 404, { msg: 'Record not found' }, 'no /vcl/diff was recorded'),
        recordedAt('diff_get_again', 0, 'GET', `/service/${VCL_SERVICE}/diff/from/75/to/76`),
        recordedAt('version_activate', 0, 'PUT', `/service/${VCL_SERVICE}/version/76/activate`)
      ],
      // Lint is a call no recording holds.
      { mode: 'activate', 'service-id': VCL_SERVICE, version: '75', 'vcl-files': vcl, lint: 'false', comment: 'new comment' }
    );
    expect(result.code).toBe(0);
    const writes = sent.filter(r => r.method !== 'GET');
    expect(writes.map(r => `${r.method} ${r.path}`)).toEqual([
      `PUT /service/${VCL_SERVICE}/version/75/clone`,
      `POST /service/${VCL_SERVICE}/version/76/vcl`,
      `PUT /service/${VCL_SERVICE}/version/76`,
      `PUT /service/${VCL_SERVICE}/version/76/activate`
    ]);
    const [, create, comment] = writes;
    expect(create?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(form(create?.body ?? '')).toEqual(expect.arrayContaining(form(interactions('vcl_create')[0]?.request.body ?? '')));
    expect(Object.fromEntries(new URLSearchParams(create?.body))).toMatchObject({ name: 'test-vcl', content: 'sub vcl_recv { }\n' });
    expect(comment?.body).toBe(interactions('version_update')[0]?.request.body);
    expect(result.outputs.version).toBe('76');
    expect(result.outputs['previous-version']).toBe('75');
    expect(readable(result.summary)).toContain('+- name: test-backend');
  });

  it("update-config-store: an unknown store is Fastly's recorded 404, named in the error, and nothing is written", async () => {
    const { run: result, sent } = await run(
      [
        documented('GET', '/resources/stores/config', 200, [], 'a name nothing has: the list by name, empty'),
        ...recorded('config_store_get_404')
      ],
      { mode: 'update-config-store', 'config-store': 'DOES-NOT-EXIST', items: '{"a": "1"}' }
    );
    expect(result.code).toBe(1);
    expect(sent.filter(r => r.method !== 'GET')).toEqual([]);
    expect(sent.map(r => `${r.path}${r.query}`)).toEqual(
      expect.arrayContaining(['/resources/stores/config?name=DOES-NOT-EXIST', '/resources/stores/config/DOES-NOT-EXIST'])
    );
    expect(result.errors.join('\n')).toContain('DOES-NOT-EXIST');
  });

  it("activate: Fastly's recorded 400 to a VCL upload is shown with its detail, and the clone is left as a draft", async () => {
    const dir = scratch();
    const vcl = join(dir, 'test-vcl.vcl');
    writeFileSync(vcl, 'sub vcl_recv { }\n');
    const { run: result, sent } = await run(
      [
        details(VCL_SERVICE, [version(75, true)]),
        documented('GET', `/service/${VCL_SERVICE}/version/75/vcl`, 200, [], 'no VCL list of version 75 was recorded'),
        ...recorded('version_clone'),
        recordedAt('error_400_bad_request', 0, 'POST', `/service/${VCL_SERVICE}/version/76/vcl`),
        recordedAt('version_update', 0, 'PUT', `/service/${VCL_SERVICE}/version/76`)
      ],
      { mode: 'activate', 'service-id': VCL_SERVICE, version: '75', 'vcl-files': vcl, lint: 'false', comment: 'new comment' }
    );
    expect(result.code).toBe(1);
    expect(sent.some(r => r.path.endsWith('/activate'))).toBe(false);
    const said = `${result.errors.join('\n')}\n${readable(result.summary)}`;
    expect(said).toContain('Name must start with alphabetical and contain only alphanumeric, underscore, and whitespace');
    expect(said).toContain('76');
    expect(result.outputs.version ?? '').not.toBe('76');
  });
});
