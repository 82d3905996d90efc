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
    // Every line the action prints goes through src/log.ts, which makes untrusted text harmless.
    files: ['src/**/*.ts'],
    ignores: ['src/log.ts'],
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
