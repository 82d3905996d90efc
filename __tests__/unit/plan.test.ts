import { describe, expect, it } from '@jest/globals';
import { canonicalJson, canonicalPlan, planDigest } from '../../src/plan/canonical.js';
import { planCommentContent } from '../../src/plan/comment-content.js';
import { planDifferences } from '../../src/plan/differences.js';
import type { ItemsStorePart } from '../../src/plan/kinds/items-store.js';
import type { VclServicePart } from '../../src/plan/kinds/vcl-service.js';
import type { Plan } from '../../src/plan/plan.js';
import { readRunContext } from '../../src/github/context.js';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

function service(overrides: Partial<VclServicePart> = {}): VclServicePart {
  return {
    kind: 'vcl-service',
    serviceId: 'SVC1',
    serviceName: 'www',
    environment: 'production',
    activeVersion: 7,
    baseVersion: 7,
    clone: true,
    files: [
      { name: 'main', path: 'vcl/main.vcl', action: 'update', sha256: SHA_A },
      { name: 'shared', path: 'vcl/shared.vcl', action: 'unchanged', sha256: SHA_B }
    ],
    mainVcl: undefined,
    package: undefined,
    diff: '--- main (version 7)\n+++ vcl/main.vcl\n',
    lint: [],
    alreadyLive: false,
    error: undefined,
    ...overrides
  };
}

function store(overrides: Partial<ItemsStorePart> = {}): ItemsStorePart {
  return {
    kind: 'items-store',
    store: 'dictionary',
    serviceId: 'SVC1',
    name: 'redirects',
    id: 'dict-1',
    before: 2,
    beforeSha256: SHA_A,
    changes: [{ key: '/a', action: 'update', valueSha256: SHA_B }],
    unchanged: 1,
    error: undefined,
    ...overrides
  };
}

function pkg(after: string, before = SHA_B): NonNullable<VclServicePart['package']> {
  const facts = (filesHash: string) => ({ name: 'app', language: 'rust', size: 1000, filesHash });
  return { path: 'pkg/app.tar.gz', before: facts(before), after: facts(after), action: after === before ? 'unchanged' : 'upload', uploaded: false };
}

const plan = (...parts: Plan['parts']): Plan => ({ mode: 'activate', parts });

describe('the canonical form and its digest', () => {
  it('is JSON with keys in code-point order and no spaces, whatever order an object was built in', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: null }], a: 'x', skipped: undefined })).toBe('{"a":"x","b":[2,{"c":null,"d":1}]}');
  });

  it('covers starting versions and content changes only: names, paths, the diff, lint and the run do not change the digest', () => {
    const digest = planDigest(plan(service()));
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    const reworded = service({
      serviceName: 'renamed',
      diff: 'another rendering of the same change',
      lint: [{ path: 'vcl/main.vcl', severity: 'warning', message: 'style', line: 1, column: 1 }],
      files: service().files.map(f => ({ ...f, path: `/home/runner/work/site/${f.path}` }))
    });
    expect(planDigest(plan(reworded))).toBe(digest);
    // Two comments written by different runs (another run, commit and actor) carry the same digest and plan data.
    const pr = planCommentContent(plan(service()), digest, readRunContext({ env: { GITHUB_REPOSITORY: 'acme/site', GITHUB_RUN_ID: '1', GITHUB_SHA: '1'.repeat(40) } }));
    const push = planCommentContent(plan(service()), digest, readRunContext({ env: { GITHUB_REPOSITORY: 'acme/site', GITHUB_RUN_ID: '2', GITHUB_SHA: '2'.repeat(40), GITHUB_ACTOR: 'someone' } }));
    expect(pr.plan).toEqual(push.plan);
    expect(pr.footer).not.toBe(push.footer);
  });

  it('does not depend on the order of services or of files', () => {
    const other = service({ serviceId: 'SVC2' });
    const reversedFiles = service({ files: [...service().files].reverse() });
    expect(planDigest(plan(service(), other))).toBe(planDigest(plan(other, reversedFiles)));
  });

  it.each([
    ['another active version', service({ activeVersion: 8, baseVersion: 8 })],
    ['another base version', service({ baseVersion: 6 })],
    ['another file content', service({ files: [{ ...service().files[0]!, sha256: SHA_B }, service().files[1]!] })],
    ['another main VCL', service({ mainVcl: 'main' })],
    ['clone: false', service({ clone: false })],
    ['staging', service({ environment: 'staging' })],
    ['a package', service({ files: [], package: pkg(SHA_A) })]
  ])('changes with %s', (_, changed) => {
    expect(planDigest(plan(changed))).not.toBe(planDigest(plan(service())));
  });

  it('of a canonical form read back from JSON is the digest of the plan it came from', () => {
    const fresh = plan(service(), store());
    expect(planDigest(JSON.parse(JSON.stringify(canonicalPlan(fresh))))).toBe(planDigest(fresh));
  });
});

describe('what differs from the reviewed plan, as sentences', () => {
  const reviewed = (p: Plan) => JSON.parse(JSON.stringify(canonicalPlan(p))) as unknown;

  it('production moved, and a file differs', () => {
    const was = reviewed(plan(service()));
    const now = plan(service({ activeVersion: 8, baseVersion: 8, files: [{ ...service().files[0]!, sha256: SHA_B }, service().files[1]!] }));
    expect(planDifferences(was, now)).toEqual(['production of SVC1 moved from version 7 to version 8 since the review', 'vcl/main.vcl differs from what was reviewed']);
  });

  it('a package that differs from the reviewed one, and a live package that moved', () => {
    const was = reviewed(plan(service({ files: [], package: pkg(SHA_A) })));
    expect(planDifferences(was, plan(service({ files: [], package: pkg('c'.repeat(64)) })))).toEqual(['the package pkg/app.tar.gz differs from what was reviewed']);
    expect(planDifferences(was, plan(service({ files: [], package: pkg(SHA_A, 'd'.repeat(64)) })))).toEqual(["the package of SVC1's version 7 is not the one reviewed"]);
  });

  it('3 items more, and a store whose items changed', () => {
    const was = reviewed({ mode: 'update-dictionary', parts: [store()] });
    const more = ['/b', '/c', '/d'].map(key => ({ key, action: 'create' as const, valueSha256: SHA_A }));
    const now: Plan = { mode: 'update-dictionary', parts: [store({ beforeSha256: SHA_B, before: 3, changes: [...store().changes, ...more] })] };
    expect(planDifferences(was, now)).toEqual([
      "the items of the edge dictionary 'redirects' of SVC1 changed since the review (2 then, 3 now)",
      '3 more item changes than reviewed',
      "keys that differ: '/b' (create, not reviewed), '/c' (create, not reviewed), '/d' (create, not reviewed)"
    ]);
  });

  it('a service added or gone, and reviewed data of any shape, without throwing', () => {
    expect(planDifferences(reviewed(plan(service({ serviceId: 'SVC2' }))), plan(service()))).toEqual([
      'SVC1 was not in the reviewed plan',
      'SVC2 was in the reviewed plan but is not in this run'
    ]);
    for (const junk of [null, 42, 'text', [], { parts: 'x' }, { mode: 'activate', parts: [{ kind: 'vcl-service', target: 'SVC1', state: 'x' }] }]) {
      expect(() => planDifferences(junk, plan(service()))).not.toThrow();
      expect(planDifferences(junk, plan(service())).length).toBeGreaterThan(0);
    }
  });
});
