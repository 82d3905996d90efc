import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { cliEntries, packageBytes, writePackage } from '../packages.js';
import { PURGE_ALL_TOKEN, PURGE_TOKEN, TOKEN, useFakeFastly } from './e2e-fake.js';
import { expectNoStackTrace, readable, runAction, scratch } from './run-action.js';

const ctx = useFakeFastly();

/** A refusal in one of the shapes FASTLY-API.md lists, or what a proxy in front of Fastly answers instead. */
interface Shape {
  readonly name: string;
  readonly family: 'msg' | 'errors' | 'problem' | 'proxy';
  /** The refusal's body and headers; `status` is the step's. */
  readonly answer: { text: string; headers: Record<string, string> };
  /** Fastly's reason as the user must read it, for that status. */
  says(status: number): string;
}

const STATUS_LINE: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Entity' };
const json = (body: unknown) => ({ text: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

const SHAPES: Shape[] = [
  { name: '{msg, detail}', family: 'msg', answer: json({ msg: 'Bad request', detail: "Key 'x' is not allowed" }), says: () => "Bad request: Key 'x' is not allowed" },
  { name: '{msg}', family: 'msg', answer: json({ msg: 'Record not found' }), says: () => 'Record not found' },
  {
    name: '{errors: [{title, detail}]}',
    family: 'errors',
    answer: json({ errors: [{ title: 'Invalid value', detail: 'item_value is too long' }] }),
    says: () => 'Invalid value: item_value is too long'
  },
  {
    name: '{errors: [two]}',
    family: 'errors',
    answer: json({ errors: [{ title: 'Invalid value', detail: 'ip is not an address' }, { title: 'Missing field', detail: 'op' }] }),
    says: () => 'Invalid value: ip is not an address; Missing field: op'
  },
  {
    name: 'problem+json',
    family: 'problem',
    answer: {
      text: JSON.stringify({ type: 'https://www.fastly.com/documentation/errors/conflict', title: 'Conflict', detail: 'the version is locked', status: 409 }),
      headers: { 'Content-Type': 'application/problem+json' }
    },
    says: () => 'Conflict: the version is locked'
  },
  {
    name: 'an HTML page',
    family: 'proxy',
    answer: {
      text:
        '<!DOCTYPE html>\n<html><head><title>Request blocked</title><style>body { color: red; }</style><script>var x = "<b>";</script></head>' +
        '<body><h1>Request blocked</h1><p>Reference &#35;18.2f &amp; more</p><!-- edge <b>node</b> --></body></html>',
      headers: { 'Content-Type': 'text/html; charset=utf-8' }
    },
    says: () => 'Request blocked'
  },
  { name: 'plain text', family: 'proxy', answer: { text: 'upstream connect error or disconnect/reset before headers\n', headers: { 'Content-Type': 'text/plain' } }, says: () => 'upstream connect error or disconnect/reset before headers' },
  { name: 'an empty body', family: 'proxy', answer: { text: '', headers: {} }, says: status => `HTTP ${status} ${STATUS_LINE[status]}` },
  { name: 'JSON cut short', family: 'proxy', answer: { text: '{"msg": "Bad requ', headers: { 'Content-Type': 'application/json' } }, says: status => `HTTP ${status} ${STATUS_LINE[status]}` },
  { name: 'JSON that says nothing', family: 'proxy', answer: json({ code: 17, data: { retry: [1, 2] } }), says: status => `HTTP ${status} ${STATUS_LINE[status]}` }
];

/** One request a mode sends, refused: where it goes and what must not follow. */
interface Step {
  readonly mode: string;
  readonly step: string;
  /** Sets up fresh state; answers the inputs and the request to refuse. */
  setup(): { inputs: Record<string, string>; request: { method: string; path: RegExp } };
  /** A read: nothing may be written after it fails. */
  readonly read?: boolean;
  /** A write that goes out beside this request, not after it (the clone's comment beside the validation). */
  readonly beside?: RegExp;
  /** The statuses it is refused with, when not every one is a refusal of the run. */
  readonly statuses?: readonly number[];
}

let serial = 0;
const NEW_PACKAGE = await writePackage(cliEntries({ wasm: 'new' }));
const LIVE_PACKAGE = await packageBytes(cliEntries({ wasm: 'live' }));
const ITEMS = '{"a": "1", "b": "2"}';

function vclFile(): string {
  const dir = join(scratch(), 'vcl');
  mkdirSync(dir);
  writeFileSync(join(dir, 'main.vcl'), 'sub vcl_recv {\n  set req.http.X-Shape = "1";\n}\n');
  return join(dir, 'main.vcl');
}

/** 1 locked, 2 active, both with a main VCL: a clone becomes 3. */
function vclService(): string {
  const sid = `ES${++serial}VCL`;
  const vcls = [{ name: 'main', content: 'sub vcl_recv { }\n', main: true }];
  ctx.fake.addService({ id: sid, name: `es-${serial}`, versions: [{ vcls, locked: true }, { vcls, active: true }] });
  return sid;
}

function activateStep(step: string, request: (sid: string) => { method: string; path: RegExp }, more: Partial<Step> = {}): Step {
  return {
    mode: 'activate',
    step,
    ...more,
    setup: () => {
      const sid = vclService();
      return { inputs: { mode: 'activate', 'api-token': TOKEN, 'service-id': sid, 'vcl-files': vclFile(), lint: 'false' }, request: request(sid) };
    }
  };
}

function dictionary(): { sid: string; inputs: Record<string, string> } {
  const sid = `ES${++serial}DICT`;
  ctx.fake.addService({ id: sid, name: 'es', versions: [{ active: true }] });
  ctx.fake.addDictionary(sid, { name: 'd' });
  return { sid, inputs: { mode: 'update-dictionary', 'api-token': TOKEN, 'service-id': sid, dictionary: 'd', items: ITEMS } };
}

function configStore(): Record<string, string> {
  const name = `es-store-${++serial}`;
  ctx.fake.addConfigStore({ name, id: name });
  return { mode: 'update-config-store', 'api-token': TOKEN, 'service-id': '', 'config-store': name, items: ITEMS };
}

function kvStore(): Record<string, string> {
  const name = `es-kv-${++serial}`;
  ctx.fake.addKvStore({ name, id: name, keys: { a: 'old' } });
  return { mode: 'update-kv-store', 'api-token': TOKEN, 'service-id': '', 'kv-store': name, items: ITEMS };
}

function vclAcl(): { sid: string; inputs: Record<string, string> } {
  const sid = `ES${++serial}ACL`;
  ctx.fake.addService({ id: sid, name: 'es', versions: [{ active: true }] });
  ctx.fake.addAcl(sid, { name: 'block', entries: [{ ip: '192.0.2.1', subnet: 32, comment: 'old' }] });
  return { sid, inputs: { mode: 'update-acl', 'api-token': TOKEN, 'service-id': sid, acl: 'block', entries: '192.0.2.1 # wanted\n198.51.100.0/24' } };
}

function computeAcl(): Record<string, string> {
  const name = `es-acl-${++serial}`;
  ctx.fake.addComputeAcl({ name, id: name, entries: { '192.0.2.1/32': 'ALLOW' } });
  return { mode: 'update-acl', 'api-token': TOKEN, 'service-id': '', 'compute-acl': name, entries: '192.0.2.1 BLOCK\n198.51.100.0/24 BLOCK' };
}

const STEPS: Step[] = [
  { mode: 'purge-keys', step: 'the purge', setup: () => ({ inputs: { mode: 'purge-keys', keys: 'a b' }, request: { method: 'POST', path: /^\/service\/\w+\/purge$/ } }) },
  {
    mode: 'purge-keys',
    step: 'the token check',
    read: true,
    // A 403 there is a purge-only token Fastly may not let read itself: the purge goes on (token-check.test.ts).
    statuses: [400, 409, 422],
    setup: () => ({ inputs: { mode: 'purge-keys', keys: 'a b' }, request: { method: 'GET', path: /^\/tokens\/self$/ } }) },
  {
    mode: 'purge-urls',
    step: 'the purge',
    setup: () => ({ inputs: { mode: 'purge-urls', urls: 'https://a.example/1', 'api-token': PURGE_TOKEN }, request: { method: 'POST', path: /^\/purge\/a\.example\/1$/ } })
  },
  {
    mode: 'purge-all',
    step: 'the purge',
    setup: () => ({ inputs: { mode: 'purge-all', 'api-token': PURGE_ALL_TOKEN }, request: { method: 'POST', path: /^\/service\/\w+\/purge_all$/ } })
  },
  activateStep('the service details', sid => ({ method: 'GET', path: new RegExp(`^/service/${sid}/details$`) }), { read: true }),
  activateStep('the clone', sid => ({ method: 'PUT', path: new RegExp(`^/service/${sid}/version/2/clone$`) })),
  activateStep('the VCL upload', sid => ({ method: 'PUT', path: new RegExp(`^/service/${sid}/version/3/vcl/main$`) })),
  activateStep('the validation', sid => ({ method: 'GET', path: new RegExp(`^/service/${sid}/version/3/validate$`) }), { beside: /\/version\/3$/ }),
  activateStep('the activation', sid => ({ method: 'PUT', path: new RegExp(`^/service/${sid}/version/3/activate$`) })),
  {
    mode: 'activate with package',
    step: 'the package upload',
    setup: () => {
      const sid = `ES${++serial}PKG`;
      ctx.fake.addService({ id: sid, name: 'es', type: 'wasm', versions: [{ active: true }] });
      ctx.fake.setPackage(sid, 1, LIVE_PACKAGE);
      return { inputs: { mode: 'activate', 'api-token': TOKEN, 'service-id': sid, package: NEW_PACKAGE }, request: { method: 'PUT', path: new RegExp(`^/service/${sid}/version/2/package$`) } };
    }
  },
  {
    mode: 'update-dictionary',
    step: 'the batch',
    setup: () => ({ inputs: dictionary().inputs, request: { method: 'PATCH', path: /\/dictionary\/[^/]+\/items$/ } })
  },
  {
    mode: 'update-dictionary',
    step: 'the dictionary look-up',
    read: true,
    setup: () => {
      const { sid, inputs } = dictionary();
      return { inputs, request: { method: 'GET', path: new RegExp(`^/service/${sid}/version/1/dictionary/d$`) } };
    }
  },
  { mode: 'update-config-store', step: 'the batch', setup: () => ({ inputs: configStore(), request: { method: 'PATCH', path: /^\/resources\/stores\/config\/[\w-]+\/items$/ } }) },
  { mode: 'update-config-store', step: 'the store look-up', read: true, setup: () => ({ inputs: configStore(), request: { method: 'GET', path: /^\/resources\/stores\/config\?name=/ } }) },
  { mode: 'update-kv-store', step: 'the batch', setup: () => ({ inputs: kvStore(), request: { method: 'PUT', path: /^\/resources\/stores\/kv\/[\w-]+\/batch$/ } }) },
  { mode: 'update-kv-store', step: 'the store look-up', read: true, setup: () => ({ inputs: kvStore(), request: { method: 'GET', path: /^\/resources\/stores\/kv\?name=/ } }) },
  { mode: 'update-acl (VCL)', step: 'the batch', setup: () => ({ inputs: vclAcl().inputs, request: { method: 'PATCH', path: /^\/service\/\w+\/acl\/[^/]+\/entries$/ } }) },
  {
    mode: 'update-acl (VCL)',
    step: 'the ACL look-up',
    read: true,
    setup: () => {
      const { sid, inputs } = vclAcl();
      return { inputs, request: { method: 'GET', path: new RegExp(`^/service/${sid}/version/1/acl/block$`) } };
    }
  },
  { mode: 'update-acl (Compute)', step: 'the batch', setup: () => ({ inputs: computeAcl(), request: { method: 'PATCH', path: /^\/resources\/acls\/[\w-]+\/entries$/ } }) },
  { mode: 'update-acl (Compute)', step: 'the ACL look-up', read: true, setup: () => ({ inputs: computeAcl(), request: { method: 'GET', path: /^\/resources\/acls(\?|$)/ } }) }
];

const FAMILIES = ['msg', 'errors', 'problem', 'proxy'] as const;
/** A 404 on a look-up means "absent", not a refusal: reads are refused otherwise. */
const WRITE_STATUSES = [400, 403, 404, 409, 422];
const READ_STATUSES = [400, 403, 409, 422];

/**
 * Every step in every shape family, the shape within the family and the status rotating, so
 * that every shape and every status meets writes and reads alike.
 */
const CASES = STEPS.flatMap((step, i) =>
  FAMILIES.map((family, j) => {
    const inFamily = SHAPES.filter(s => s.family === family);
    const shape = inFamily[(i + j) % inFamily.length] as Shape;
    const statuses = step.statuses ?? (step.read ? READ_STATUSES : WRITE_STATUSES);
    const status = statuses[(i + j) % statuses.length] as number;
    return [step.mode, step.step, shape.name, status, step, shape] as const;
  })
);

describe("Fastly's refusal in every shape reaches the user as Fastly's reason", () => {
  it.each(CASES)('%s, %s refused in %s (HTTP %i)', async (_mode, _step, _shape, status, step, shape) => {
    const { inputs, request } = step.setup();
    ctx.fake.fault({ ...request, times: Infinity, kind: 'raw', status, text: shape.answer.text, headers: shape.answer.headers });
    const run = await runAction(ctx.inputs(inputs));

    const refused = ctx.fake.requests.filter(r => r.method === request.method && request.path.test(r.path));
    const reason = shape.says(status);
    const summary = readable(run.summary);
    const result = run.outputs.result ?? '';
    expect(run.code).toBe(1);
    // A 4xx is not retried.
    expect(refused).toHaveLength(1);
    expect(run.errors.join('\n')).toContain(reason);
    expect(summary).toContain(reason);
    expect(result).toContain(reason);
    for (const shown of [run.errors.join('\n'), summary, result]) {
      expect(shown).not.toMatch(/\[object Object\]|<!DOCTYPE|<title>|<h1>|<script|&#35;|"code":\s*17|"msg": "Bad requ/);
    }
    expectNoStackTrace(run);
    // Nothing after the refused request was written.
    const { requests } = ctx.fake;
    const writes = ctx.fake.writes();
    const after = writes.filter(w => requests.indexOf(w) > requests.indexOf(refused[0] as (typeof requests)[number]) && !step.beside?.test(w.path));
    if (step.read) expect(writes).toEqual([]);
    else expect(after.map(w => `${w.method} ${w.path}`)).toEqual([]);
  });
});

/** 2xx answers that carry an error (FASTLY-API.md): Fastly may not have acted, so none is a success. */
const ERRORS_IN_2XX = [
  { name: '{"status": "error", "msg"}', text: JSON.stringify({ status: 'error', msg: 'Backend is not ready' }), says: 'Fastly said: Backend is not ready' },
  { name: '{"errors": [{title, detail}]}', text: JSON.stringify({ errors: [{ title: 'Invalid op', detail: 'item_key is missing' }] }), says: 'Fastly said: Invalid op: item_key is missing' }
];

/** The first write of every mode but activate (its unconfirmed clone has a message of its own), with the 2xx a good answer has. */
const FIRST_WRITES = STEPS.filter(s => !s.read && !s.mode.startsWith('activate')).concat(STEPS.filter(s => s.step === 'the activation' || s.step === 'the package upload'));

describe('a write answered 2xx with an error is not taken as a success', () => {
  it.each(FIRST_WRITES.flatMap(step => ERRORS_IN_2XX.map(body => [step.mode, step.step, body.name, step, body] as const)))(
    '%s, %s answered %s',
    async (_mode, _step, _body, step, body) => {
      const { inputs, request } = step.setup();
      const status = step.mode === 'update-acl (Compute)' ? 202 : 200;
      ctx.fake.fault({ ...request, times: Infinity, kind: 'raw', status, text: body.text, headers: { 'Content-Type': 'application/json' } });
      const run = await runAction(ctx.inputs({ ...inputs, 'max-retries': '1' }));

      expect(run.code).toBe(1);
      // In doubt, retried like a 5xx where that is safe: both answers were errors.
      expect(ctx.fake.requests.filter(r => r.method === request.method && request.path.test(r.path))).toHaveLength(2);
      const said = new RegExp(`Fastly answered HTTP ${status} to ${request.method} \\S+ but .*\\(${body.says.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`);
      expect(run.errors.join('\n')).toMatch(said);
      expect(readable(run.summary)).toMatch(said);
      expect(run.outputs.result).not.toMatch(/"status":\s*"(activated|ok|updated|purged)"/);
      expectNoStackTrace(run);
    }
  );
});
