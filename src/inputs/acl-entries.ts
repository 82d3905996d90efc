import { isIPv6 } from 'node:net';
import { InputError } from '../errors.js';
import type { ComputeAclAction, ComputeAclEntry, ComputeAclOp, VclAclEntry, VclAclOp } from '../fastly/acls.js';
import { MAX_ACL_OPS } from '../fastly/acls.js';
import { type InputReader, shorten } from './parsers.js';
import { readTextInputFile } from './read-file.js';

/** One wanted entry, its address in canonical form: `prefix` is the key entries are matched by. */
export interface Network {
  readonly ip: string;
  readonly bits: number;
  /** `ip/bits`; a host is `/32` or `/128`, however it was written. */
  readonly prefix: string;
}

export interface WantedVclEntry extends Network {
  readonly negated: boolean;
  /** '' for a line without `#`. */
  readonly comment: string;
  readonly line: number;
}

export interface WantedComputeEntry extends Network {
  readonly action: ComputeAclAction;
  readonly line: number;
}

/** The ops of one request, with the entry (its prefix) each op is for, to report a failed batch by entry. */
export interface AclBatch<Op> {
  readonly ops: readonly Op[];
  readonly keys: readonly string[];
}

export interface AclDiff<Op> {
  readonly created: readonly string[];
  readonly updated: readonly string[];
  readonly deleted: readonly string[];
  readonly unchanged: number;
  /** Deletes first (an ACL may be near its size cap), then updates, then creates; at most 1000 ops each. */
  readonly batches: readonly AclBatch<Op>[];
}

const IPV4_PART = /^(0|[1-9]\d{0,2})$/;

/**
 * The entries of `entries` for a VCL ACL: `192.0.2.0/24`, `2001:db8::/32`, a
 * bare address for one host, `!` in front to negate, `# text` for a comment.
 * Blank and comment-only lines are skipped.
 */
export function parseVclAclEntries(text: string, input = 'entries'): WantedVclEntry[] {
  const entries: WantedVclEntry[] = [];
  forEachLine(text, (body, comment, line, raw) => {
    const negated = body.startsWith('!');
    const address = negated ? body.slice(1).trim() : body;
    const fail = failure(input, line, raw);
    if (/\s/.test(address)) fail('a line holds one address or prefix, then an optional # comment (ALLOW and BLOCK are for compute-acl)');
    const network = parseNetwork(address, fail);
    entries.push({ ...network, negated, comment: comment ?? '', line });
  });
  return unique(entries, input, text);
}

/** The entries of `entries` for a Compute ACL: `192.0.2.0/24 BLOCK`; text after `#` is ignored. */
export function parseComputeAclEntries(text: string, input = 'entries'): WantedComputeEntry[] {
  const entries: WantedComputeEntry[] = [];
  forEachLine(text, (body, _comment, line, raw) => {
    const fail = failure(input, line, raw);
    if (body.startsWith('!')) fail("'!' negates VCL ACL entries only; a Compute ACL entry ends with ALLOW or BLOCK instead");
    const match = /^(\S+)\s+(\S+)$/.exec(body);
    const action = match?.[2]?.toUpperCase();
    if (!match || (action !== 'ALLOW' && action !== 'BLOCK')) fail('each Compute ACL line is an address or prefix, then ALLOW or BLOCK, e.g. 192.0.2.0/24 BLOCK');
    entries.push({ ...parseNetwork(match?.[1] ?? '', fail), action: action as ComputeAclAction, line });
  });
  return unique(entries, input, text);
}

/**
 * The wanted VCL ACL entries against the current ones: creates, updates
 * (negation or comment changed, carrying the current id), deletes (only with
 * `deleteMissing`), batched.
 */
export function diffVclAcl(wanted: readonly WantedVclEntry[], current: readonly VclAclEntry[], deleteMissing: boolean): AclDiff<VclAclOp> {
  const byPrefix = new Map<string, VclAclEntry>();
  const extra: { key: string; op: VclAclOp }[] = [];
  for (const entry of current) {
    const key = currentPrefix(entry.ip, entry.subnet);
    if (byPrefix.has(key)) extra.push({ key, op: { op: 'delete', id: entry.id } });
    else byPrefix.set(key, entry);
  }
  const creates: { key: string; op: VclAclOp }[] = [];
  const updates: { key: string; op: VclAclOp }[] = [];
  let unchanged = 0;
  const named = new Set<string>();
  for (const want of wanted) {
    named.add(want.prefix);
    const fields = { ip: want.ip, subnet: want.bits, negated: want.negated ? 1 : 0, comment: want.comment } as const;
    const have = byPrefix.get(want.prefix);
    if (!have) creates.push({ key: want.prefix, op: { op: 'create', ...fields } });
    else if (have.negated !== want.negated || have.comment !== want.comment) updates.push({ key: want.prefix, op: { op: 'update', id: have.id, ...fields } });
    else unchanged += 1;
  }
  const deletes = deleteMissing
    ? [...[...byPrefix].filter(([key]) => !named.has(key)).map(([key, entry]) => ({ key, op: { op: 'delete', id: entry.id } as VclAclOp })), ...extra]
    : [];
  return planOf(creates, updates, deletes, unchanged);
}

/** The wanted Compute ACL entries against the current ones; an update is a changed action. */
export function diffComputeAcl(
  wanted: readonly WantedComputeEntry[],
  current: readonly ComputeAclEntry[],
  deleteMissing: boolean
): AclDiff<ComputeAclOp> {
  const byPrefix = new Map<string, ComputeAclEntry>();
  for (const entry of current) byPrefix.set(computePrefix(entry.prefix), entry);
  const creates: { key: string; op: ComputeAclOp }[] = [];
  const updates: { key: string; op: ComputeAclOp }[] = [];
  let unchanged = 0;
  const named = new Set<string>();
  for (const want of wanted) {
    named.add(want.prefix);
    const have = byPrefix.get(want.prefix);
    if (!have) creates.push({ key: want.prefix, op: { op: 'create', prefix: want.prefix, action: want.action } });
    else if (have.action !== want.action) updates.push({ key: want.prefix, op: { op: 'update', prefix: have.prefix, action: want.action } });
    else unchanged += 1;
  }
  const deletes = deleteMissing
    ? [...byPrefix].filter(([key]) => !named.has(key)).map(([key, entry]) => ({ key, op: { op: 'delete', prefix: entry.prefix } as ComputeAclOp }))
    : [];
  return planOf(creates, updates, deletes, unchanged);
}

function planOf<Op>(
  creates: { key: string; op: Op }[],
  updates: { key: string; op: Op }[],
  deletes: { key: string; op: Op }[],
  unchanged: number
): AclDiff<Op> {
  const all = [...deletes, ...updates, ...creates];
  const batches: AclBatch<Op>[] = [];
  for (let at = 0; at < all.length; at += MAX_ACL_OPS) {
    const slice = all.slice(at, at + MAX_ACL_OPS);
    batches.push({ ops: slice.map(c => c.op), keys: slice.map(c => c.key) });
  }
  const keys = (list: { key: string }[]) => list.map(c => c.key);
  return { created: keys(creates), updated: keys(updates), deleted: keys(deletes), unchanged, batches };
}

type Fail = (why: string) => never;

/** Each line with an entry: its text before `#` (trimmed) and its comment, undefined when it has no `#`. */
function forEachLine(text: string, each: (body: string, comment: string | undefined, line: number, raw: string) => void): void {
  text.split(/\r?\n/).forEach((raw, index) => {
    const hash = raw.indexOf('#');
    const body = (hash < 0 ? raw : raw.slice(0, hash)).trim();
    if (body === '') return;
    each(body, hash < 0 ? undefined : raw.slice(hash + 1).trim(), index + 1, raw);
  });
}

function failure(input: string, line: number, raw: string): Fail {
  return why => {
    throw new InputError(`Input '${input}' line ${line} ('${shorten(raw.trim(), 80)}'): ${why}`);
  };
}

/** Two lines for one network would leave it unclear which one is wanted. */
function unique<T extends WantedVclEntry | WantedComputeEntry>(entries: T[], input: string, text: string): T[] {
  const first = new Map<string, T>();
  const lines = text.split(/\r?\n/);
  for (const entry of entries) {
    const earlier = first.get(entry.prefix);
    if (earlier) {
      throw new InputError(
        `Input '${input}' line ${entry.line} ('${shorten((lines[entry.line - 1] ?? '').trim(), 80)}') is the same entry as line ${earlier.line} (${entry.prefix}); keep one`
      );
    }
    first.set(entry.prefix, entry);
  }
  return entries;
}

/** An address or prefix in canonical form; host bits set under the prefix are refused. */
export function parseNetwork(text: string, fail: Fail): Network {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const v4 = parseIpv4(address);
  const v6 = v4 === undefined ? parseIpv6(address) : undefined;
  if (v4 === undefined && v6 === undefined) fail(`'${shorten(address, 60)}' is not an IPv4 or IPv6 address`);
  const width = v4 === undefined ? 128 : 32;
  const value = (v4 ?? v6) as bigint;
  const lengthText = slash < 0 ? String(width) : text.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(lengthText) || Number(lengthText) > width) {
    fail(`the prefix length must be a whole number from 0 to ${width}, e.g. ${width === 32 ? '192.0.2.0/24' : '2001:db8::/32'}`);
  }
  const bits = Number(lengthText);
  const hostMask = (1n << BigInt(width - bits)) - 1n;
  const network = value & ~hostMask;
  const ip = width === 32 ? formatIpv4(value) : formatIpv6(value);
  if ((value & hostMask) !== 0n) {
    const net = width === 32 ? formatIpv4(network) : formatIpv6(network);
    fail(`${ip}/${bits} has host bits set under its /${bits} prefix; write the network, ${net}/${bits}, or the host alone, ${ip}`);
  }
  return { ip, bits, prefix: `${ip}/${bits}` };
}

/** A current entry's key; an address that does not parse keeps its text, so it matches nothing wanted. */
export function currentPrefix(ip: string, subnet: number | undefined): string {
  const raw = subnet === undefined ? ip : `${ip}/${subnet}`;
  try {
    return parseNetwork(raw, why => {
      throw new Error(why);
    }).prefix;
  } catch {
    return raw;
  }
}

export function computePrefix(prefix: string): string {
  const slash = prefix.indexOf('/');
  return slash < 0 ? currentPrefix(prefix, undefined) : currentPrefix(prefix.slice(0, slash), Number(prefix.slice(slash + 1)));
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every(p => IPV4_PART.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

function parseIpv6(text: string): bigint | undefined {
  // Zone IDs (fe80::1%eth0) name an interface of one host: no ACL can hold them.
  if (!isIPv6(text) || text.includes('%')) return undefined;
  const [head = '', tail] = text.split('::');
  const expand = (part: string) =>
    part === ''
      ? []
      : part.split(':').flatMap(group => {
          const v4 = group.includes('.') ? (parseIpv4(group) ?? 0n) : undefined;
          return v4 === undefined ? [group] : [(v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
        });
  const left = expand(head);
  const right = tail === undefined ? [] : expand(tail);
  const all = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((acc, group) => (acc << 16n) | BigInt(`0x${group}`), 0n);
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map(shift => String((value >> shift) & 0xffn)).join('.');
}

/** RFC 5952: lower case, no leading zeros, the first longest run of two or more zero groups as `::`. */
function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j;
  }
  const hex = groups.map(g => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}

/**
 * The wanted entries from `entries` and/or `entries-file`, parsed by `parse`
 * (the VCL or the Compute form). An entry both name is refused like a line
 * repeated within one: it would be unclear which of the two is wanted.
 */
export function readWantedAclEntries<T extends WantedVclEntry | WantedComputeEntry>(read: InputReader, parse: (text: string, input: string) => T[]): T[] {
  const file = read('entries-file');
  const inline = read('entries');
  if (file === '' && inline === '') {
    throw new InputError("Input 'entries' or 'entries-file' is required: ACL entries one per line, e.g. 192.0.2.0/24");
  }
  const fromFile = file === '' ? [] : parse(readTextInputFile('entries-file', file), 'entries-file');
  const fromInline = inline === '' ? [] : parse(inline, 'entries');
  const inFile = new Map(fromFile.map(entry => [entry.prefix, entry]));
  for (const entry of fromInline) {
    const twin = inFile.get(entry.prefix);
    if (twin) {
      throw new InputError(`Input 'entries' line ${entry.line} is the same entry as 'entries-file' line ${twin.line} (${entry.prefix}); keep one`);
    }
  }
  return [...fromFile, ...fromInline];
}
