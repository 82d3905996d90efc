import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  jobs: Record<string, { steps?: Step[] }>;
}
interface ActionYml {
  description: string;
  author: string;
  outputs: Record<string, { description: string }>;
  runs: { using: string };
}

const read = (path: string) => readFileSync(path, 'utf8');
const readme = read('README.md');
const action = parse(read('action.yml')) as ActionYml;
const pkg = JSON.parse(read('package.json'));
const workflowFiles = readdirSync('.github/workflows').filter(name => /\.ya?ml$/.test(name));
const steps = workflowFiles.flatMap(name =>
  Object.values((parse(read(`.github/workflows/${name}`)) as Workflow).jobs).flatMap(job =>
    (job.steps ?? []).map(step => ({ file: name, ...step }))
  )
);
/** The owner the README tells users to replace: `your-org/fastly-deploy-action@v1`. */
const owner = /`([\w-]+)\/fastly-deploy-action@v1`/.exec(readme)?.[1];

/** The README's Outputs table: name → meaning, as Markdown. */
function readmeOutputs(): Record<string, string> {
  const section = readme.split('\n## Outputs\n')[1]?.split('\n## ')[0] ?? '';
  return Object.fromEntries([...section.matchAll(/^\| `([a-z-]+)` \| (.+) \|$/gm)].map(m => [m[1], m[2]]));
}

describe('action.yml, as the Marketplace shows it', () => {
  it('has a description under 125 characters that names every kind of mode', () => {
    expect(action.description.length).toBeLessThan(125);
    for (const what of [/purge/, /VCL/, /dictionar/, /config store/, /KV store/, /ACL/, /stats/]) expect(action.description).toMatch(what);
  });

  it("names as author the README's owner, which the README says to replace", () => {
    expect(owner).toBe('your-org');
    expect(action.author).toBe(owner);
    expect(readme).toContain(`Replace \`${owner}\` with the owner of this repository`);
  });

  it("describes every output exactly as the README's Outputs table does", () => {
    const documented = readmeOutputs();
    expect(Object.keys(documented).length).toBeGreaterThan(0);
    expect(Object.fromEntries(Object.entries(action.outputs).map(([name, o]) => [name, o.description]))).toEqual(documented);
  });
});

describe('package.json', () => {
  it("points at the repository under the README's owner", () => {
    const repo = `github.com/${owner}/fastly-deploy-action`;
    expect(pkg.repository).toEqual({ type: 'git', url: `git+https://${repo}.git` });
    expect(pkg.homepage).toBe(`https://${repo}#readme`);
    expect(pkg.bugs).toEqual({ url: `https://${repo}/issues` });
  });
});

describe('Node 24 everywhere', () => {
  const major = (version: string) => /(\d+)/.exec(version)?.[1];

  it('is what the action runs on, what npm requires, what .node-version says and what the tests use', () => {
    expect(action.runs.using).toBe('node24');
    expect(pkg.engines.node).toBe('>=24');
    expect(read('.node-version').trim()).toBe('24');
    expect(major(pkg.devDependencies.node24.replace('npm:node@', ''))).toBe('24');
  });

  it('is what every workflow that sets up Node reads, from .node-version', () => {
    const setups = steps.filter(step => step.uses?.startsWith('actions/setup-node@'));
    expect(setups.length).toBeGreaterThan(0);
    for (const step of setups) expect({ file: step.file, with: step.with }).toEqual({ file: step.file, with: expect.objectContaining({ 'node-version-file': '.node-version' }) });
    for (const step of setups) expect(step.with).not.toHaveProperty('node-version');
  });
});

describe('.github, after the actions/typescript-action template', () => {
  /** The majors the template's workflows use. */
  const MAJORS: Record<string, string> = {
    'actions/checkout': 'v6',
    'actions/setup-node': 'v6',
    'actions/upload-artifact': 'v6',
    'github/codeql-action': 'v4'
  };

  it("uses the template's major of every action it shares with it", () => {
    const used = steps.filter(step => step.uses && !step.uses.startsWith('./')).map(step => step.uses as string);
    expect(used.length).toBeGreaterThan(0);
    for (const uses of used) {
      const [name = '', ref] = uses.split('@');
      const repo = name.split('/').slice(0, 2).join('/');
      expect(`${uses} → ${MAJORS[repo] ?? 'unknown action'}`).toBe(`${uses} → ${ref}`);
    }
    expect(used.some(uses => uses.startsWith('github/codeql-action/analyze@'))).toBe(true);
    expect(used.some(uses => uses.startsWith('actions/upload-artifact@'))).toBe(true);
  });

  it('has dependabot update npm and the actions weekly, in groups', () => {
    const dependabot = parse(read('.github/dependabot.yml')) as { updates: Array<{ 'package-ecosystem': string; schedule: { interval: string }; groups?: object }> };
    expect(dependabot.updates.map(u => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
    for (const update of dependabot.updates) {
      expect(update.schedule.interval).toBe('weekly');
      expect(Object.keys(update.groups ?? {}).length).toBeGreaterThan(0);
    }
  });

  it('uploads the expected dist/ when the dist check fails', () => {
    const upload = steps.find(step => step.uses?.startsWith('actions/upload-artifact@')) as Step & { file: string; if?: string };
    expect(upload.with).toEqual({ name: 'dist', path: 'dist/' });
    expect(upload.if).toMatch(/failure\(\)/);
  });
});
