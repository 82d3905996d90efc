import { isRecord } from './errors.js';
import { statusOk } from './answers.js';
import { nextCursor, orNotFound, shaped, walkPages } from './store-reads.js';
import type { Transport } from './transport.js';

export interface AclRef {
  readonly id: string;
  readonly name: string;
}

/** A VCL ACL entry as Fastly lists it (its address not yet normalised). */
export interface VclAclEntry {
  readonly id: string;
  readonly ip: string;
  /** Undefined for a single host listed without one. */
  readonly subnet: number | undefined;
  readonly negated: boolean;
  readonly comment: string;
}

export type VclAclOp =
  | { readonly op: 'create'; readonly ip: string; readonly subnet: number; readonly negated: 0 | 1; readonly comment: string }
  | { readonly op: 'update'; readonly id: string; readonly ip: string; readonly subnet: number; readonly negated: 0 | 1; readonly comment: string }
  | { readonly op: 'delete'; readonly id: string };

export type ComputeAclAction = 'ALLOW' | 'BLOCK';

export interface ComputeAclEntry {
  readonly prefix: string;
  readonly action: ComputeAclAction;
}

export type ComputeAclOp =
  | { readonly op: 'create' | 'update'; readonly prefix: string; readonly action: ComputeAclAction }
  | { readonly op: 'delete'; readonly prefix: string };

/** Fastly's cap on one VCL ACL batch; Compute ACLs document none, so they keep the same. */
export const MAX_ACL_OPS = 1000;

export const ACL_ENTRIES_PER_PAGE = 100;

/**
 * 100,000 entries: ten times go-fastly's cap on a VCL ACL. A list running
 * past it is a paging loop, not an ACL.
 */
export const MAX_ACL_PAGES = 1000;

/** VCL and Compute ACL calls, in the client's terms; client.ts exposes them on FastlyApi. */
export function aclCalls(transport: Transport) {
  const service = (sid: string) => `/service/${encodeURIComponent(sid)}`;
  const computeAcl = (id: string) => `/resources/acls/${encodeURIComponent(id)}`;
  const checkOps = (ops: readonly unknown[]) => {
    if (ops.length > MAX_ACL_OPS) throw new RangeError(`an ACL batch takes at most ${MAX_ACL_OPS} ops, got ${ops.length}`);
  };
  return {
    /** Undefined when the version has no ACL of that name. */
    async findVclAcl(sid: string, version: number, name: string): Promise<AclRef | undefined> {
      const path = `${service(sid)}/version/${version}/acl/${encodeURIComponent(name)}`;
      const body = (await orNotFound(transport.send({ method: 'GET', path, verify: vclAcl }))) as Record<string, unknown> | undefined;
      if (body === undefined) return undefined;
      return { id: body.id as string, name: typeof body.name === 'string' ? body.name : name };
    },

    /** Every entry, 100 a page, following the Link header's rel="next". */
    async listVclAclEntries(sid: string, aclId: string): Promise<VclAclEntry[]> {
      const endpoint = `${service(sid)}/acl/${encodeURIComponent(aclId)}/entries`;
      const entries: VclAclEntry[] = [];
      const first = `${endpoint}?page=1&per_page=${ACL_ENTRIES_PER_PAGE}&sort=created&direction=ascend`;
      await walkPages(endpoint, first, MAX_ACL_PAGES, async path => {
        const page = await transport.sendForPage({ method: 'GET', path, verify: vclEntries });
        entries.push(...(page.body as unknown[]).map(entry => toVclEntry(entry) as VclAclEntry));
        return page.next;
      });
      return entries;
    },

    async patchVclAclEntries(sid: string, aclId: string, ops: readonly VclAclOp[]): Promise<void> {
      checkOps(ops);
      const path = `${service(sid)}/acl/${encodeURIComponent(aclId)}/entries`;
      await transport.send({ method: 'PATCH', path, json: { entries: ops }, verify: statusOk });
    },

    /** By name first, then by ID; undefined when neither finds it. */
    async findComputeAcl(nameOrId: string): Promise<AclRef | undefined> {
      const path = '/resources/acls';
      const list = (await transport.send({ method: 'GET', path, verify: computeAcls })) as { data: AclRef[] };
      const byName = list.data.find(acl => acl.name === nameOrId);
      if (byName) return { id: byName.id, name: byName.name };
      const one = (await orNotFound(transport.send({ method: 'GET', path: computeAcl(nameOrId), verify: oneComputeAcl }))) as AclRef | undefined;
      return one && { id: one.id, name: one.name };
    },

    /** Every entry, following `meta.next_cursor`. */
    async listComputeAclEntries(id: string): Promise<ComputeAclEntry[]> {
      const endpoint = `${computeAcl(id)}/entries`;
      const entries: ComputeAclEntry[] = [];
      await walkPages(endpoint, '', MAX_ACL_PAGES, async cursor => {
        const path = `${endpoint}?limit=${ACL_ENTRIES_PER_PAGE}${cursor === '' ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const body = (await transport.send({ method: 'GET', path, verify: computeEntries })) as { entries: ComputeAclEntry[] };
        entries.push(...body.entries.map(({ prefix, action }) => ({ prefix, action })));
        return nextCursor(body);
      });
      return entries;
    },

    /**
     * Fastly answers 202 with no body and applies the batch shortly after. The
     * body confirms nothing, so only a 202 does: a 200 from anything else
     * (a proxy's page) is treated as unconfirmed.
     */
    async patchComputeAclEntries(id: string, ops: readonly ComputeAclOp[]): Promise<void> {
      checkOps(ops);
      await transport.send({ method: 'PATCH', path: `${computeAcl(id)}/entries`, json: { entries: ops }, status: 202 });
    }
  };
}

export type AclCalls = ReturnType<typeof aclCalls>;

function isAclRef(value: unknown): value is AclRef {
  return isRecord(value) && typeof value.id === 'string' && typeof value.name === 'string';
}

function isComputeEntry(value: unknown): value is ComputeAclEntry {
  return isRecord(value) && typeof value.prefix === 'string' && (value.action === 'ALLOW' || value.action === 'BLOCK');
}

const vclAcl = shaped(b => isRecord(b) && typeof b.id === 'string', 'the ACL it returns ({"id", "name", …})');
const vclEntries = shaped(
  b => Array.isArray(b) && b.every(entry => toVclEntry(entry) !== undefined),
  'the list of ACL entries it returns ([{"id", "ip", "subnet", "negated", …}])'
);
const computeAcls = shaped(b => isRecord(b) && Array.isArray(b.data) && b.data.every(isAclRef), 'the list of Compute ACLs it returns ({"data": [{"id", "name"}], "meta"})');
const oneComputeAcl = shaped(isAclRef, 'the Compute ACL it returns ({"id", "name"})');
const computeEntries = shaped(
  b => isRecord(b) && Array.isArray(b.entries) && b.entries.every(isComputeEntry),
  'the entries it returns ({"entries": [{"prefix", "action": "ALLOW" or "BLOCK"}], "meta"})'
);

const NEGATED: Readonly<Record<string, boolean>> = { '0': false, '1': true, false: false, true: true };

/** `negated` comes as the string "0"/"1" in lists; a number or boolean is taken too. Undefined for a malformed entry. */
function toVclEntry(value: unknown): VclAclEntry | undefined {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.ip !== 'string') return undefined;
  const { subnet, negated, comment } = value;
  const negation = NEGATED[String(negated)];
  const bits = subnet === null || subnet === undefined || subnet === '' ? undefined : Number(subnet);
  if (negation === undefined || (bits !== undefined && !Number.isInteger(bits))) return undefined;
  return { id: value.id, ip: value.ip, subnet: bits, negated: negation, comment: typeof comment === 'string' ? comment : '' };
}
