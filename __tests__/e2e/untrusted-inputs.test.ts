import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { SERVICE, TOKEN, useFakeFastly } from './e2e-fake.js';
import { expectRefusedBeforeAnyRequest, runAction, scratch } from './run-action.js';

const ctx = useFakeFastly();

function urlPurges() {
  return ctx.fake.writes().filter(r => r.path.startsWith('/purge/'));
}

/** What a user sees and what later steps get. */
function everything(run: Awaited<ReturnType<typeof runAction>>): string {
  return [run.stdout, run.stderr, run.summary, JSON.stringify(run.outputs)].join('\n');
}

describe('URLs to purge', () => {
  it('drops fragments, then duplicates: one purge per page', async () => {
    const file = join(scratch(), 'urls.txt');
    writeFileSync(file, 'https://www.example.com/a#y\nhttps://www.example.com/b#\n');
    const run = await runAction(
      ctx.inputs({ mode: 'purge-urls', urls: 'https://www.example.com/a#x https://www.example.com/a', 'urls-file': file })
    );

    expect(run.code).toBe(0);
    expect(urlPurges().map(r => r.path)).toEqual(['/purge/www.example.com/a', '/purge/www.example.com/b']);
    expect(ctx.fake.purges.map(p => p.target)).toEqual(['www.example.com/a', 'www.example.com/b']);
    expect(Object.keys(JSON.parse(run.outputs['purge-ids'] ?? '{}'))).toEqual(['https://www.example.com/a', 'https://www.example.com/b']);
    expect(run.outputs['purged-count']).toBe('2');
    expect(everything(run)).not.toMatch(/example\.com\/[ab]#/);
  });

  it('never repeats the password of a URL with credentials, anywhere', async () => {
    const run = await runAction(ctx.inputs({ mode: 'purge-urls', urls: 'https://deploy:s3cr3t-pw@www.example.com/a' }));

    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(ctx.fake.requests).toHaveLength(0);
    expect(everything(run)).not.toContain('s3cr3t-pw');
    expect(everything(run)).not.toContain('deploy:');
  });
});

describe('delete-missing with a wanted state that keeps nothing', () => {
  function dictionary(sid: string): void {
    ctx.fake.addService({ id: sid, name: 'empty-me', versions: [{ active: true }] });
    ctx.fake.addDictionary(sid, { name: 'redirects', items: { a: '/1', b: '/2', c: '/3' } });
  }

  it("empties the dictionary when 'allow-empty: true' says that is meant", async () => {
    const sid = 'EMPTYSERVICE1';
    dictionary(sid);
    const run = await runAction(
      ctx.inputs({
        mode: 'update-dictionary',
        'api-token': TOKEN,
        'service-id': sid,
        dictionary: 'redirects',
        items: '{}',
        'delete-missing': 'true',
        'allow-empty': 'true'
      })
    );

    expect(run.code).toBe(0);
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({});
    const patches = ctx.fake.writes().filter(r => r.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(JSON.parse(patches[0]?.body ?? '{}').items.map((item: { op: string; item_key: string }) => `${item.op} ${item.item_key}`)).toEqual([
      'delete a',
      'delete b',
      'delete c'
    ]);
    const [store] = JSON.parse(run.outputs.result ?? '{}').stores;
    expect(store).toMatchObject({ deleted: 3, after: 0 });
  });

  it('refuses without it, and the dictionary keeps every item', async () => {
    const sid = 'EMPTYSERVICE2';
    dictionary(sid);
    const run = await runAction(
      ctx.inputs({ mode: 'update-dictionary', 'api-token': TOKEN, 'service-id': sid, dictionary: 'redirects', items: '{}', 'delete-missing': 'true' })
    );

    expectRefusedBeforeAnyRequest(
      run,
      ctx.fake.requests,
      "Input 'delete-missing' is 'true' but 'items' and 'items-file' keep no key, so every item in the store would be deleted; set 'allow-empty: true' if emptying it is meant"
    );
    expect(ctx.fake.dictionaryItems(sid, 'redirects')).toEqual({ a: '/1', b: '/2', c: '/3' });
  });
});

describe('symlinks in the files the action reads', () => {
  /** A checkout with keys/links.txt → ../lists/keys.txt, and a link out to a file of another job. */
  function checkout(): { workspace: string; outside: string } {
    const workspace = scratch();
    const outside = join(scratch(), 'other-job-keys.txt');
    writeFileSync(outside, 'not-ours\n');
    mkdirSync(join(workspace, 'lists'));
    mkdirSync(join(workspace, 'keys'));
    writeFileSync(join(workspace, 'lists', 'keys.txt'), 'home, product-42\n');
    symlinkSync('../lists/keys.txt', join(workspace, 'keys', 'links.txt'));
    symlinkSync(join(workspace, 'lists'), join(workspace, 'linked-lists'));
    symlinkSync(outside, join(workspace, 'keys', 'out.txt'));
    return { workspace, outside };
  }

  function purgedKeys(): string[] {
    return ctx.fake.purges.map(p => p.target ?? '');
  }

  it.each([
    ['a linked file', 'keys/links.txt'],
    ['a file under a linked folder', 'linked-lists/keys.txt']
  ])('reads %s that stays inside the workspace', async (_what, path) => {
    const { workspace } = checkout();
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', 'keys-file': join(workspace, path) }), { GITHUB_WORKSPACE: workspace });

    expect(run.code).toBe(0);
    expect(purgedKeys()).toEqual(['home', 'product-42']);
    expect(ctx.fake.writes().map(r => r.path)).toEqual([`/service/${SERVICE}/purge`]);
  });

  it('reads a link into the runner temp folder', async () => {
    const { workspace } = checkout();
    const temp = scratch();
    writeFileSync(join(temp, 'generated.txt'), 'from-an-earlier-step\n');
    symlinkSync(join(temp, 'generated.txt'), join(workspace, 'generated.txt'));
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', 'keys-file': join(workspace, 'generated.txt') }), {
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: temp
    });

    expect(run.code).toBe(0);
    expect(purgedKeys()).toEqual(['from-an-earlier-step']);
  });

  it('refuses a link out of the workspace, and nothing of the file shows', async () => {
    const { workspace } = checkout();
    const path = join(workspace, 'keys', 'out.txt');
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', 'keys-file': path }), { GITHUB_WORKSPACE: workspace });

    expectRefusedBeforeAnyRequest(
      run,
      ctx.fake.requests,
      `Input 'keys-file' names '${path}', a symlink (or a path through one) that leads outside the workspace and the runner's temp folder; only links within the job are followed`
    );
    expect(everything(run)).not.toContain('not-ours');
  });

  it('reads a file outside the workspace that the workflow names itself, with no link on the way', async () => {
    const { workspace, outside } = checkout();
    const run = await runAction(ctx.inputs({ mode: 'purge-keys', 'keys-file': outside }), { GITHUB_WORKSPACE: workspace });

    expect(run.code).toBe(0);
    expect(purgedKeys()).toEqual(['not-ours']);
  });

  it('shows nothing of a linked .vcl file outside the workspace on a dry run', async () => {
    const { workspace } = checkout();
    mkdirSync(join(workspace, 'vcl'));
    writeFileSync(join(workspace, 'vcl', 'main.vcl'), 'sub vcl_recv { }\n');
    symlinkSync('/etc/passwd', join(workspace, 'vcl', 'secrets.vcl'));
    const run = await runAction(
      ctx.inputs({ mode: 'activate', 'api-token': TOKEN, 'vcl-files': join(workspace, 'vcl', '*.vcl'), 'dry-run': 'true' }),
      { GITHUB_WORKSPACE: workspace }
    );
    expectRefusedBeforeAnyRequest(
      run,
      ctx.fake.requests,
      `Input 'vcl-files' names '${join(workspace, 'vcl', 'secrets.vcl')}', a symlink (or a path through one) that leads outside the workspace and the runner's temp folder; only links within the job are followed`
    );
    expect(everything(run)).not.toContain('root:');
  });
});
