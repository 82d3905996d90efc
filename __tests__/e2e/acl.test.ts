import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { TOKEN, useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, expectRefusedBeforeAnyRequest, readable, runAction, scratch } from './run-action.js';

const ctx = useFakeFastly();

type EntrySpec = { ip: string; subnet?: number | null; negated?: boolean; comment?: string };

let serial = 0;
/** A fresh service with an active version and an ACL 'blocklist' holding `entries`. */
function aclService(entries: EntrySpec[]): string {
  serial += 1;
  const sid = `ACL${serial}SERVICE`;
  ctx.fake.addService({ id: sid, name: `acl-${serial}`, versions: [{ active: true }] });
  ctx.fake.addAcl(sid, { id: `acl-id-${serial}`, name: 'blocklist', entries });
  return sid;
}

function computeAcl(entries: Record<string, 'ALLOW' | 'BLOCK'>): { id: string; name: string } {
  serial += 1;
  const name = `compute-acl-${serial}`;
  return { id: ctx.fake.addComputeAcl({ name, entries }), name };
}

function entriesFile(text: string): string {
  const file = join(scratch(), 'blocklist.txt');
  writeFileSync(file, text);
  return file;
}

function sync(extra: Record<string, string>) {
  return runAction(ctx.inputs({ 'api-token': TOKEN, mode: 'update-acl', ...extra }));
}

const patches = () => ctx.fake.writes().filter(r => r.method === 'PATCH');
const opsOf = (body: string) => (JSON.parse(body) as { entries: Record<string, unknown>[] }).entries;
const result = (run: { outputs: Record<string, string | undefined> }) => JSON.parse(run.outputs.result ?? '{}');
const plain = (entries: { ip: string; subnet: number | null; negated: boolean; comment: string }[]) =>
  entries.map(({ ip, subnet, negated, comment }) => ({ ip, subnet, negated, comment }));

const EXISTING: EntrySpec[] = [
  { ip: '192.0.2.0', subnet: 24, comment: 'office' },
  { ip: '198.51.100.7', subnet: null },
  { ip: '203.0.113.0', subnet: 24 },
  { ip: '2001:db8::', subnet: 32, comment: 'lab' }
];

describe('update-acl on a VCL service', () => {
  it('sends exactly the difference in one PATCH: an update with its id and a create; a host and its /32 are one entry', async () => {
    const sid = aclService(EXISTING);
    const before = ctx.fake.aclEntries(sid, 'blocklist');
    const run = await sync({
      'service-id': sid,
      acl: 'blocklist',
      'entries-file': entriesFile('# the office\n192.0.2.0/24 # office\n198.51.100.7/32\n!203.0.113.0/24 # blocked\n\n10.0.0.0/8 # new\n')
    });

    expect(run.code).toBe(0);
    expect(patches()).toHaveLength(1);
    expect(patches()[0]?.path).toBe(`/service/${sid}/acl/acl-id-${serial}/entries`);
    expect(opsOf(patches()[0]?.body ?? '')).toEqual([
      { op: 'update', id: before[2]?.id, ip: '203.0.113.0', subnet: 24, negated: 1, comment: 'blocked' },
      { op: 'create', ip: '10.0.0.0', subnet: 8, negated: 0, comment: 'new' }
    ]);
    // The entry not named stays: deleting needs delete-missing.
    expect(plain(ctx.fake.aclEntries(sid, 'blocklist'))).toEqual([
      { ip: '192.0.2.0', subnet: 24, negated: false, comment: 'office' },
      { ip: '198.51.100.7', subnet: null, negated: false, comment: '' },
      { ip: '203.0.113.0', subnet: 24, negated: true, comment: 'blocked' },
      { ip: '2001:db8::', subnet: 32, negated: false, comment: 'lab' },
      { ip: '10.0.0.0', subnet: 8, negated: false, comment: 'new' }
    ]);
    const entryPages = ctx.fake.requests.filter(r => r.method === 'GET' && r.path.includes('/entries?'));
    expect(entryPages.map(r => new URL(r.path, 'http://x').searchParams.get('per_page'))).toEqual(['100']);
    const [store] = result(run).stores;
    expect(store).toMatchObject({ kind: 'vcl-acl', serviceId: sid, name: 'blocklist', status: 'synced', created: 1, updated: 1, deleted: 0, unchanged: 2, before: 4, after: 5, batches: 1, failed: [] });
    const summary = readable(run.summary);
    expect(summary).toContain(`ACL 'blocklist' on ${sid} in the wanted state: 1 created, 1 updated, 0 deleted, 2 unchanged`);
    expect(summary).toContain('<td><code>203.0.113.0/24</code></td><td>updated</td><td><code>!203.0.113.0/24 # blocked</code></td>');
    expect(run.stdout).toContain(`ACL 'blocklist' on ${sid}: 1 created, 1 updated, 0 deleted, 2 unchanged, in 1 batch`);
  });

  it('with delete-missing deletes what is not named, by id', async () => {
    const sid = aclService(EXISTING);
    const before = ctx.fake.aclEntries(sid, 'blocklist');
    const run = await sync({ 'service-id': sid, acl: 'blocklist', entries: '192.0.2.0/24 # office\n198.51.100.7', 'delete-missing': 'true' });
    expect(run.code).toBe(0);
    expect(opsOf(patches()[0]?.body ?? '')).toEqual([
      { op: 'delete', id: before[2]?.id },
      { op: 'delete', id: before[3]?.id }
    ]);
    expect(plain(ctx.fake.aclEntries(sid, 'blocklist')).map(e => e.ip)).toEqual(['192.0.2.0', '198.51.100.7']);
    expect(run.summary).toContain('every existing entry the wanted state does not name is deleted');
  });

  it('reads every page and sends 2,300 changes in 3 PATCHes of at most 1,000 ops', async () => {
    const existing = Array.from({ length: 250 }, (_, i) => ({ ip: `10.1.${Math.floor(i / 250)}.${i}`, subnet: 32 }));
    const sid = aclService(existing);
    const wanted = [...existing.map(e => `${e.ip} # kept`), ...Array.from({ length: 2050 }, (_, i) => `10.2.${Math.floor(i / 256)}.${i % 256}`)];
    const run = await sync({ 'service-id': sid, acl: 'blocklist', 'entries-file': entriesFile(wanted.join('\n')) });
    expect(run.code).toBe(0);
    const pages = ctx.fake.requests.filter(r => r.method === 'GET' && r.path.includes('/entries?'));
    expect(pages).toHaveLength(3);
    expect(patches().map(r => opsOf(r.body).length)).toEqual([1000, 1000, 300]);
    expect(ctx.fake.aclEntries(sid, 'blocklist')).toHaveLength(2300);
    expect(result(run).stores[0]).toMatchObject({ created: 2050, updated: 250, batches: 3 });
  });

  it('sends nothing and says it is already live when nothing differs', async () => {
    const sid = aclService(EXISTING);
    const run = await sync({ 'service-id': sid, acl: 'blocklist', entries: '192.0.2.0/24 # office\n198.51.100.7\n203.0.113.0/24\n2001:0db8:0::/32 # lab' });
    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(readable(run.summary)).toContain(`### ✅ Fastly update-acl: ACL 'blocklist' on ${sid} already live: nothing differs, 4 unchanged`);
  });

  it('in a dry run reports the plan and sends no write', async () => {
    const sid = aclService(EXISTING);
    const run = await sync({ 'service-id': sid, acl: 'blocklist', entries: '10.0.0.0/8', 'delete-missing': 'true', 'dry-run': 'true' });
    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(ctx.fake.aclEntries(sid, 'blocklist')).toHaveLength(4);
    const summary = readable(run.summary);
    expect(summary).toContain(`nothing was changed; the plan for ACL 'blocklist' on ${sid}: 1 created, 0 updated, 4 deleted, 0 unchanged`);
    expect(summary).toMatch(/PATCH \/service\/\w+\/acl\/[\w-]+\/entries/);
    expect(result(run)).toMatchObject({ plannedRequests: 1, stores: [{ status: 'planned' }] });
  });

  it('goes on to the next service when one has no such ACL, and fails the step naming it', async () => {
    const sid = aclService([]);
    serial += 1;
    const bare = `ACL${serial}BARE`;
    ctx.fake.addService({ id: bare, name: 'bare', versions: [{ active: true }] });
    const run = await sync({ 'service-id': `${bare} ${sid}`, acl: 'blocklist', entries: '192.0.2.1' });
    expect(run.code).toBe(1);
    expect(plain(ctx.fake.aclEntries(sid, 'blocklist'))).toEqual([{ ip: '192.0.2.1', subnet: 32, negated: false, comment: '' }]);
    expect(run.errors.at(-1)).toBe(
      `ACL 'blocklist' not found on service ${bare} (active version 1); check 'acl', or create it in a version of the service first`
    );
    expect(result(run).stores.map((s: { status: string }) => s.status)).toEqual(['failed', 'synced']);
    expectNoStackTrace(run);
  });

  it('refuses an address with host bits set, naming the line, before any request', async () => {
    const run = await sync({ 'service-id': 'ANY', acl: 'blocklist', entries: '192.0.2.0/24\n192.0.2.5/24 # typo' });
    expectRefusedBeforeAnyRequest(
      run,
      ctx.fake.requests,
      "Input 'entries' line 2 ('192.0.2.5/24 # typo'): 192.0.2.5/24 has host bits set under its /24 prefix; write the network, 192.0.2.0/24, or the host alone, 192.0.2.5"
    );
  });
});

describe('update-acl on a Compute ACL', () => {
  it('by name: creates, updates the action, deletes with delete-missing, in one PATCH answered 202', async () => {
    const { id, name } = computeAcl({ '192.0.2.0/24': 'BLOCK', '198.51.100.0/24': 'ALLOW', '203.0.113.0/24': 'BLOCK' });
    const run = await sync({ 'service-id': '', 'compute-acl': name, entries: '192.0.2.0/24 BLOCK\n198.51.100.0/24 block # now blocked\n2001:db8::/32 ALLOW', 'delete-missing': 'true' });
    expect(run.code).toBe(0);
    expect(patches()).toHaveLength(1);
    expect(patches()[0]).toMatchObject({ path: `/resources/acls/${id}/entries`, status: 202 });
    expect(opsOf(patches()[0]?.body ?? '')).toEqual([
      { op: 'delete', prefix: '203.0.113.0/24' },
      { op: 'update', prefix: '198.51.100.0/24', action: 'BLOCK' },
      { op: 'create', prefix: '2001:db8::/32', action: 'ALLOW' }
    ]);
    expect(ctx.fake.computeAclEntries(id)).toEqual({ '192.0.2.0/24': 'BLOCK', '198.51.100.0/24': 'BLOCK', '2001:db8::/32': 'ALLOW' });
    expect(result(run).stores[0]).toMatchObject({ kind: 'compute-acl', name, id, created: 1, updated: 1, deleted: 1, unchanged: 1, status: 'synced' });
    expect(readable(run.summary)).toContain(`Compute ACL '${name}' in the wanted state: 1 created, 1 updated, 1 deleted, 1 unchanged`);
    expect(run.warnings).toEqual([]);
  });

  it('by ID, warning that service-id means nothing for it', async () => {
    const { id } = computeAcl({});
    const run = await sync({ 'compute-acl': id, entries: '192.0.2.1 BLOCK' });
    expect(run.code).toBe(0);
    expect(ctx.fake.computeAclEntries(id)).toEqual({ '192.0.2.1/32': 'BLOCK' });
    expect(run.warnings).toContain("Input 'service-id' is not used with 'compute-acl' (a Compute ACL belongs to the account, not to a service) and was ignored");
  });

  it('in a dry run reports the plan and sends no write', async () => {
    const { id, name } = computeAcl({ '192.0.2.0/24': 'ALLOW' });
    const run = await sync({ 'service-id': '', 'compute-acl': name, entries: '192.0.2.0/24 BLOCK\n10.0.0.0/8 BLOCK', 'dry-run': 'true' });
    expect(run.code).toBe(0);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(ctx.fake.computeAclEntries(id)).toEqual({ '192.0.2.0/24': 'ALLOW' });
    const summary = readable(run.summary);
    expect(summary).toContain(`nothing was changed; the plan for Compute ACL '${name}': 1 created, 1 updated, 0 deleted, 0 unchanged`);
    expect(summary).toContain(`PATCH /resources/acls/${id}/entries`);
    expect(summary).toContain('<td><code>192.0.2.0/24</code></td><td>updated</td><td><code>BLOCK</code></td>');
  });

  it('refuses a line without ALLOW or BLOCK, naming the line, before any request', async () => {
    const run = await sync({ 'service-id': '', 'compute-acl': 'any', entries: '192.0.2.0/24 BLOCK\n198.51.100.0/24' });
    expectRefusedBeforeAnyRequest(
      run,
      ctx.fake.requests,
      "Input 'entries' line 2 ('198.51.100.0/24'): each Compute ACL line is an address or prefix, then ALLOW or BLOCK, e.g. 192.0.2.0/24 BLOCK"
    );
  });

  it('names an unknown Compute ACL, with zero writes', async () => {
    const run = await sync({ 'service-id': '', 'compute-acl': 'nope', entries: '192.0.2.0/24 BLOCK' });
    expect(run.code).toBe(1);
    expect(ctx.fake.writes()).toHaveLength(0);
    expect(run.errors).toEqual(["Compute ACL 'nope' not found by name or by ID; check 'compute-acl'"]);
  });
});
