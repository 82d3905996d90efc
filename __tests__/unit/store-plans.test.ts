import { describe, expect, it } from '@jest/globals';
import { useFake } from '../fake-fastly/use-fake.js';
import { type FastlyApi, createFastlyClient } from '../../src/fastly/client.js';
import { parseComputeAclEntries, parseVclAclEntries } from '../../src/inputs/acl-entries.js';
import { kvWantedFrom } from '../../src/inputs/kv-items.js';
import { applyAclPlan } from '../../src/modes/acl/apply.js';
import { planComputeAcl, planVclAcl } from '../../src/modes/acl/plan.js';
import { applyKvStorePlan } from '../../src/modes/kv/apply.js';
import { planKvStore } from '../../src/modes/kv/plan.js';

// The plans the reviewed-plan mechanism digests: made from reads alone, plain data, and applied exactly as planned.

const TOKEN = 'plan-token';
let seq = 0;
const fresh = (what: string) => `${what}-${(seq += 1)}`;

const ctx = useFake(fake => fake.addToken({ token: TOKEN }));

function client(): FastlyApi {
  return createFastlyClient({ baseUrl: ctx.fake.url, token: TOKEN, maxRetries: 2, dryRun: false, timeoutMs: 5000, sleep: async () => undefined, random: () => 0 });
}

describe('KV store plans', () => {
  it('come from reads alone, survive a JSON round trip unchanged, and are applied exactly', async () => {
    const name = fresh('kv');
    const id = ctx.fake.addKvStore({ name, keys: { same: '1', changed: 'old', gone: 'x', other: 'y' } });
    const api = client();
    const wanted = kvWantedFrom('items', { same: '1', changed: 'new', fresh: { value: 'f', metadata: 'm', ttl: 60 }, gone: null });
    const plan = await planKvStore(api, name, wanted, false);

    expect(ctx.fake.writes()).toEqual([]);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    const generations = ctx.fake.kvStoreKeys(id);
    expect(plan).toEqual({
      kind: 'kv-store',
      asked: name,
      store: { id, name },
      keysBefore: 4,
      generations: [
        ['same', generations.same?.generation],
        ['changed', generations.changed?.generation]
      ],
      diff: {
        created: ['fresh'],
        updated: ['changed'],
        deleted: ['gone'],
        unchanged: ['same'],
        batches: [
          [
            { key: 'changed', value: 'new', metadata: '' },
            { key: 'fresh', value: 'f', metadata: 'm', ttl: 60 }
          ]
        ]
      }
    });

    const applied = await applyKvStorePlan(api, plan);
    expect(applied).toEqual({ batches: 1, deletes: 1, failed: [] });
    expect(ctx.fake.writes().map(r => `${r.method} ${r.path}`)).toEqual([`PUT /resources/stores/kv/${id}/batch`, `DELETE /resources/stores/kv/${id}/keys/gone?force=true`]);
    expect(Object.keys(ctx.fake.kvStoreKeys(id))).toEqual(['changed', 'fresh', 'other', 'same']);
    api.dispose();
  });

  it('count a batch whose answer was lost as done once the keys read back as written', async () => {
    const name = fresh('kv');
    const id = ctx.fake.addKvStore({ name, keys: {} });
    const api = client();
    const plan = await planKvStore(api, name, kvWantedFrom('items', { a: '1', b: '2' }), false);
    // Fastly writes the batch, the answer never arrives, and every retry's answer is lost too.
    ctx.fake.fault({ method: 'PUT', path: `/resources/stores/kv/${id}/batch`, kind: 'drop', afterHandler: true, times: 3 });
    const applied = await applyKvStorePlan(api, plan);
    expect(applied.failed).toEqual([]);
    expect(Object.keys(ctx.fake.kvStoreKeys(id))).toEqual(['a', 'b']);
    api.dispose();
  });
});

describe('ACL plans', () => {
  it('a VCL ACL: on the active version, plain data, applied as one PATCH', async () => {
    const sid = fresh('PLANSVC').replace('-', '');
    ctx.fake.addService({ id: sid, name: 'plans', versions: [{ locked: true }, { active: true }, {}] });
    ctx.fake.addAcl(sid, { id: `${sid}-acl`, name: 'block', entries: [{ ip: '192.0.2.0', subnet: 24 }, { ip: '198.51.100.1', subnet: null }] });
    const api = client();
    const entries = parseVclAclEntries('192.0.2.0/24 # now commented\n203.0.113.0/24');
    const plan = await planVclAcl(api, sid, { kind: 'vcl-acl', name: 'block', entries }, false);

    expect(ctx.fake.writes()).toEqual([]);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    const [first] = ctx.fake.aclEntries(sid, 'block');
    expect(plan).toMatchObject({ kind: 'vcl-acl', serviceId: sid, version: 2, acl: { id: `${sid}-acl`, name: 'block' }, entriesBefore: 2 });
    expect(plan.diff).toEqual({
      created: ['203.0.113.0/24'],
      updated: ['192.0.2.0/24'],
      deleted: [],
      unchanged: 0,
      batches: [
        {
          ops: [
            { op: 'update', id: first?.id, ip: '192.0.2.0', subnet: 24, negated: 0, comment: 'now commented' },
            { op: 'create', ip: '203.0.113.0', subnet: 24, negated: 0, comment: '' }
          ],
          keys: ['192.0.2.0/24', '203.0.113.0/24']
        }
      ]
    });
    expect(await applyAclPlan(api, plan)).toEqual({ batches: 1, failed: [] });
    expect(ctx.fake.writes()).toHaveLength(1);
    expect(ctx.fake.aclEntries(sid, 'block').map(e => e.comment)).toEqual(['now commented', '', '']);
    api.dispose();
  });

  it('a refused batch fails each of its entries with Fastly\'s reason, and the next batch still goes', async () => {
    const name = fresh('cacl');
    const id = ctx.fake.addComputeAcl({ name, entries: {} });
    const api = client();
    const text = Array.from({ length: 1001 }, (_, i) => `10.0.${Math.floor(i / 256)}.${i % 256} BLOCK`).join('\n');
    const plan = await planComputeAcl(api, { kind: 'compute-acl', name, entries: parseComputeAclEntries(text) }, false);
    ctx.fake.fault({ method: 'PATCH', path: `/resources/acls/${id}/entries`, kind: 'status', status: 400, body: { title: 'Bad Request', detail: 'ACL is full' } });
    const applied = await applyAclPlan(api, plan);

    expect(applied.batches).toBe(2);
    expect(applied.failed).toHaveLength(1000);
    expect(applied.failed[0]).toEqual({ key: '10.0.0.0/32', reason: expect.stringContaining('ACL is full') });
    expect(Object.keys(ctx.fake.computeAclEntries(id))).toEqual(['10.0.3.232/32']);
    api.dispose();
  });
});
