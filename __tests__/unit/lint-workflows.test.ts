import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { collectSources, lint, markdownWorkflows } from '../../script/lint-workflows.mjs';

const doc = (...lines: string[]) => `${lines.join('\n')}\n`;

describe('script/lint-workflows.mjs', () => {
  it('passes every workflow in the README and in .github/workflows', async () => {
    const sources = collectSources('.');
    const readmeBlocks = (readFileSync('README.md', 'utf8').match(/^```ya?ml$/gm) ?? []).length;
    expect(sources.filter(s => s.file === 'README.md')).toHaveLength(readmeBlocks);
    expect(sources.map(s => s.file)).toEqual(expect.arrayContaining(['.github/workflows/ci.yml']));
    expect(await lint(sources)).toEqual([]);
  });

  it("reports a workflow that does not parse at the Markdown file's line", async () => {
    const markdown = doc(
      '# Example',
      '',
      '```yaml',
      'on: push',
      'jobs:',
      '  stats:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "Hit ratio: ${{ github.sha }}"',
      '```'
    );
    const problems = await lint(markdownWorkflows(markdown, 'DOC.md'));
    expect(problems).toEqual([expect.objectContaining({ file: 'DOC.md', line: 9, kind: 'syntax-check' })]);
  });

  it('lints a list of steps inside a workflow, at its own lines and columns (1-based, as actionlint counts)', async () => {
    const markdown = doc(
      'Text.',
      '```yaml',
      '- uses: your-org/fastly-deploy-action@v1',
      '  with:',
      '    mode: stats',
      '- run: echo "${{ steps.nowhere.outputs.x }}"',
      '```'
    );
    const problems = await lint(markdownWorkflows(markdown, 'DOC.md'));
    expect(problems).toEqual([
      expect.objectContaining({ file: 'DOC.md', line: 6, column: 18, kind: 'expression', message: expect.stringContaining('nowhere') })
    ]);
  });

  it('refuses a block that never ends, naming where it starts', () => {
    expect(() => markdownWorkflows(doc('a', '```yaml', 'on: push'), 'DOC.md')).toThrow('DOC.md:2:');
  });
});
