import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const TESTS_AND_BENCHMARKS = ['**/test/**', '**/bench/**'];

/** An ESLint config that forbids `files` to import what matches `patterns`. */
function restrictImports(files, patterns) {
  return { files, rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.cache/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // The dashboard's browser script: plain browser JavaScript, the only globals it may use.
    files: ['scheduler/http/dashboard/*.js'],
    languageOptions: { sourceType: 'script', globals: { document: 'readonly', fetch: 'readonly', setTimeout: 'readonly' } },
  },
  // The arrows of docs/architecture.md: scheduler/ and executor/ never import each other, and nothing
  // outside test/ and bench/ imports them (product and development tooling stand on their own).
  restrictImports(['scheduler/**/*.ts'], ['**/executor/**', ...TESTS_AND_BENCHMARKS]),
  restrictImports(['executor/**/*.ts'], ['**/scheduler/**', ...TESTS_AND_BENCHMARKS]),
  restrictImports(['bin/**/*.ts', 'shared/**/*.ts', 'examples/**/*.ts', 'dev/**/*.ts', 'scripts/**'], TESTS_AND_BENCHMARKS),
  restrictImports(['bench/**/*.ts'], ['**/test/**']),
);
