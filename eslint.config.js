import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** @actions/core's functions that write to stdout. */
const PRINTING = ['info', 'debug', 'notice', 'warning', 'error', 'setFailed', 'startGroup', 'endGroup', 'group', 'setSecret', 'setOutput', 'issue', 'issueCommand'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'build/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: { '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }] }
  },
  {
    // What every run loads at start-up: these entry points load undici (about 1 MB and 25 ms). GitHub's
    // client is loaded with import() only in runs that call GitHub.
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { name: '@actions/core', message: 'Use src/runner.ts: the entry point loads an OIDC client and undici.' },
        { name: '@actions/http-client', message: 'Use src/fastly/agent.ts: the client class loads undici.' },
        { name: '@actions/github', allowTypeImports: true, message: "Load it with import('@actions/github') where a run calls GitHub." }
      ]
    }
  },
  {
    // Every line the action prints goes through src/log.ts, which makes untrusted text harmless; src/runner.ts is what it prints with.
    files: ['src/**/*.ts'],
    ignores: ['src/log.ts', 'src/runner.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        ...PRINTING.map(property => ({ object: 'core', property, message: 'Print through src/log.ts: it escapes untrusted text.' })),
        ...['stdout', 'stderr'].map(property => ({ object: 'process', property, message: 'Print through src/log.ts.' }))
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: `ImportDeclaration[source.value='@actions/core'] ImportSpecifier[imported.name=/^(${PRINTING.join('|')})$/]`,
          message: 'Print through src/log.ts: it escapes untrusted text.'
        }
      ]
    }
  }
);
