import { describe, expect, it } from '@jest/globals';
import { diffComputeAcl, diffVclAcl, parseComputeAclEntries, parseVclAclEntries } from '../../src/inputs/acl-entries.js';
import { InputError } from '../../src/errors.js';
import type { VclAclEntry } from '../../src/fastly/acls.js';

describe('VCL ACL entry lines', () => {
  it.each([
    ['192.0.2.0/24', { ip: '192.0.2.0', bits: 24, prefix: '192.0.2.0/24', negated: false, comment: '' }],
    ['  192.0.2.7  ', { ip: '192.0.2.7', bits: 32, prefix: '192.0.2.7/32', negated: false, comment: '' }],
    ['192.0.2.7/32', { prefix: '192.0.2.7/32' }],
    ['!198.51.100.0/24 # partner, blocked', { prefix: '198.51.100.0/24', negated: true, comment: 'partner, blocked' }],
    ['! 198.51.100.1', { prefix: '198.51.100.1/32', negated: true }],
    ['10.0.0.0/8 #', { comment: '' }],
    ['10.0.0.0/8 # a # b', { comment: 'a # b' }],
    ['0.0.0.0/0', { prefix: '0.0.0.0/0' }],
    ['2001:DB8::/32', { ip: '2001:db8::', bits: 32, prefix: '2001:db8::/32' }],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', { prefix: '2001:db8::1/128' }],
    ['2001:db8:0:0:1:0:0:1', { prefix: '2001:db8::1:0:0:1/128' }],
    ['2001:db8:0:1:1:1:1:1', { prefix: '2001:db8:0:1:1:1:1:1/128' }],
    ['::ffff:192.0.2.1', { prefix: '::ffff:c000:201/128' }],
    ['::/0', { prefix: '::/0' }],
    ['fe80::/10', { prefix: 'fe80::/10' }]
  ])('%j', (line, expected) => {
    const [entry] = parseVclAclEntries(line);
    expect(entry).toMatchObject({ ...expected, line: 1 });
  });

  it('skips blank and comment-only lines and numbers lines as written', () => {
    const entries = parseVclAclEntries('# office networks\n\n192.0.2.0/24\r\n   # nothing\n!203.0.113.9 # one host\n');
    expect(entries.map(e => [e.line, e.prefix, e.negated, e.comment])).toEqual([
      [3, '192.0.2.0/24', false, ''],
      [5, '203.0.113.9/32', true, 'one host']
    ]);
  });

  it.each([
    ['192.0.2.5/24', "Input 'entries' line 2 ('192.0.2.5/24'): 192.0.2.5/24 has host bits set under its /24 prefix; write the network, 192.0.2.0/24, or the host alone, 192.0.2.5"],
    ['2001:db8::1/32', "Input 'entries' line 2 ('2001:db8::1/32'): 2001:db8::1/32 has host bits set under its /32 prefix; write the network, 2001:db8::/32, or the host alone, 2001:db8::1"],
    ['192.0.2.0/33', "Input 'entries' line 2 ('192.0.2.0/33'): the prefix length must be a whole number from 0 to 32, e.g. 192.0.2.0/24"],
    ['2001:db8::/129', "Input 'entries' line 2 ('2001:db8::/129'): the prefix length must be a whole number from 0 to 128, e.g. 2001:db8::/32"],
    ['192.0.2.0/', "Input 'entries' line 2 ('192.0.2.0/'): the prefix length must be a whole number from 0 to 32, e.g. 192.0.2.0/24"],
    ['192.0.2.0/024', "Input 'entries' line 2 ('192.0.2.0/024'): the prefix length must be a whole number from 0 to 32, e.g. 192.0.2.0/24"],
    ['256.0.0.1', "Input 'entries' line 2 ('256.0.0.1'): '256.0.0.1' is not an IPv4 or IPv6 address"],
    ['192.168.01.1', "Input 'entries' line 2 ('192.168.01.1'): '192.168.01.1' is not an IPv4 or IPv6 address"],
    ['192.0.2', "Input 'entries' line 2 ('192.0.2'): '192.0.2' is not an IPv4 or IPv6 address"],
    ['fe80::1%eth0', "Input 'entries' line 2 ('fe80::1%eth0'): 'fe80::1%eth0' is not an IPv4 or IPv6 address"],
    ['2001:db8:::1', "Input 'entries' line 2 ('2001:db8:::1'): '2001:db8:::1' is not an IPv4 or IPv6 address"],
    ['example.com', "Input 'entries' line 2 ('example.com'): 'example.com' is not an IPv4 or IPv6 address"],
    ['192.0.2.0/24 BLOCK', "Input 'entries' line 2 ('192.0.2.0/24 BLOCK'): a line holds one address or prefix, then an optional # comment (ALLOW and BLOCK are for compute-acl)"],
    ['192.0.2.1/32 # again', "Input 'entries' line 2 ('192.0.2.1/32 # again') is the same entry as line 1 (192.0.2.1/32); keep one"]
  ])('refuses %j naming the line', (line, message) => {
    expect(() => parseVclAclEntries(`192.0.2.1\n${line}`)).toThrow(new InputError(message));
  });

  it('names the input it was given', () => {
    expect(() => parseVclAclEntries('nope', 'entries-file')).toThrow("Input 'entries-file' line 1 ('nope')");
  });
});

describe('Compute ACL entry lines', () => {
  it.each([
    ['192.0.2.0/24 BLOCK', { prefix: '192.0.2.0/24', action: 'BLOCK' }],
    ['192.0.2.9 allow', { prefix: '192.0.2.9/32', action: 'ALLOW' }],
    ['2001:db8::/32   BLOCK   # bad bots', { prefix: '2001:db8::/32', action: 'BLOCK' }]
  ])('%j', (line, expected) => {
    expect(parseComputeAclEntries(line)).toEqual([{ ip: expect.any(String), bits: expect.any(Number), line: 1, ...expected }]);
  });

  it.each([
    ['192.0.2.0/24', 'each Compute ACL line is an address or prefix, then ALLOW or BLOCK, e.g. 192.0.2.0/24 BLOCK'],
    ['192.0.2.0/24 DENY', 'each Compute ACL line is an address or prefix, then ALLOW or BLOCK, e.g. 192.0.2.0/24 BLOCK'],
    ['!192.0.2.0/24 BLOCK', "'!' negates VCL ACL entries only; a Compute ACL entry ends with ALLOW or BLOCK instead"],
    ['192.0.2.1/24 BLOCK', '192.0.2.1/24 has host bits set under its /24 prefix; write the network, 192.0.2.0/24, or the host alone, 192.0.2.1']
  ])('refuses %j naming the line', (line, why) => {
    expect(() => parseComputeAclEntries(`# list\n${line}`)).toThrow(new InputError(`Input 'entries' line 2 ('${line}'): ${why}`));
  });
});

const entry = (id: string, ip: string, subnet: number | undefined, negated = false, comment = ''): VclAclEntry => ({ id, ip, subnet, negated, comment });

describe('VCL ACL diff', () => {
  const current = [
    entry('a', '192.0.2.0', 24),
    entry('b', '198.51.100.7', undefined),
    entry('c', '203.0.113.0', 24, false, 'old'),
    entry('d', '2001:0db8::', 32),
    entry('e', '10.0.0.0', 8)
  ];
  const wanted = parseVclAclEntries(
    ['192.0.2.0/24', '198.51.100.7/32', '!203.0.113.0/24 # old', '2001:db8::/32 # now commented', '172.16.0.0/12'].join('\n')
  );

  it('creates, updates negation or comment with the current id, leaves the rest, deletes nothing without delete-missing', () => {
    const diff = diffVclAcl(wanted, current, false);
    expect(diff).toMatchObject({ created: ['172.16.0.0/12'], updated: ['203.0.113.0/24', '2001:db8::/32'], deleted: [], unchanged: 2 });
    expect(diff.batches).toEqual([
      {
        keys: ['203.0.113.0/24', '2001:db8::/32', '172.16.0.0/12'],
        ops: [
          { op: 'update', id: 'c', ip: '203.0.113.0', subnet: 24, negated: 1, comment: 'old' },
          { op: 'update', id: 'd', ip: '2001:db8::', subnet: 32, negated: 0, comment: 'now commented' },
          { op: 'create', ip: '172.16.0.0', subnet: 12, negated: 0, comment: '' }
        ]
      }
    ]);
  });

  it('with delete-missing deletes what is not named, and a second entry for one network, by id, first', () => {
    const diff = diffVclAcl(wanted, [...current, entry('f', '192.0.2.0', 24, true)], true);
    expect(diff.deleted).toEqual(['10.0.0.0/8', '192.0.2.0/24']);
    expect(diff.batches[0]?.ops.slice(0, 2)).toEqual([{ op: 'delete', id: 'e' }, { op: 'delete', id: 'f' }]);
  });

  it('writes nothing when all is as wanted', () => {
    expect(diffVclAcl(parseVclAclEntries('192.0.2.0/24\n198.51.100.7'), current.slice(0, 2), false)).toEqual({
      created: [], updated: [], deleted: [], unchanged: 2, batches: []
    });
  });

  it('batches 2,500 changes as 1000, 1000 and 500 ops', () => {
    const many = parseVclAclEntries(Array.from({ length: 2500 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`).join('\n'));
    const diff = diffVclAcl(many, [], false);
    expect(diff.batches.map(b => [b.ops.length, b.keys.length])).toEqual([[1000, 1000], [1000, 1000], [500, 500]]);
    expect(diff.batches[2]?.keys[499]).toBe('10.9.195.0/24');
  });
});

describe('Compute ACL diff', () => {
  const current = [
    { prefix: '192.0.2.0/24', action: 'BLOCK' as const },
    { prefix: '198.51.100.7/32', action: 'ALLOW' as const },
    { prefix: '10.0.0.0/8', action: 'BLOCK' as const }
  ];

  it('updates a changed action, creates the new, deletes only with delete-missing', () => {
    const wanted = parseComputeAclEntries('192.0.2.0/24 ALLOW\n198.51.100.7 ALLOW\n2001:db8::/32 BLOCK');
    const kept = diffComputeAcl(wanted, current, false);
    expect(kept).toEqual({
      created: ['2001:db8::/32'],
      updated: ['192.0.2.0/24'],
      deleted: [],
      unchanged: 1,
      batches: [
        {
          keys: ['192.0.2.0/24', '2001:db8::/32'],
          ops: [
            { op: 'update', prefix: '192.0.2.0/24', action: 'ALLOW' },
            { op: 'create', prefix: '2001:db8::/32', action: 'BLOCK' }
          ]
        }
      ]
    });
    const pruned = diffComputeAcl(wanted, current, true);
    expect(pruned.deleted).toEqual(['10.0.0.0/8']);
    expect(pruned.batches[0]?.ops[0]).toEqual({ op: 'delete', prefix: '10.0.0.0/8' });
  });
});
