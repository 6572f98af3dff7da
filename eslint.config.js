import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const TESTS_AND_BENCHMARKS = ['**/test/**', '**/bench/**'];

/**
 * The executor's floors, top down (docs/architecture.md): a folder may import its own floor and the
 * floors below, never one above.
 */
const EXECUTOR_FLOORS = [['runners'], ['mesos', 'http'], ['container'], ['job'], ['systems'], ['store', 'checkpoint']];

/** An ESLint config that forbids `files` to import what matches the `patterns` globs or the `regex`. */
function restrictImports(files, patterns, regex) {
  const groups = [
    { group: patterns },
    ...(regex === undefined ? [] : [{ regex, message: 'a lower floor of the executor imports a higher one (docs/architecture.md)' }]),
  ];
  return { files, rules: { 'no-restricted-imports': ['error', { patterns: groups }] } };
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
    languageOptions: {
      sourceType: 'script',
      globals: { document: 'readonly', fetch: 'readonly', setTimeout: 'readonly', sessionStorage: 'readonly' },
    },
  },
  // The arrows of docs/architecture.md: scheduler/ and executor/ never import each other, and nothing
  // outside test/ and bench/ imports them (product and development tooling stand on their own).
  restrictImports(['scheduler/**/*.ts'], ['**/executor/**', ...TESTS_AND_BENCHMARKS]),
  restrictImports(['executor/**/*.ts'], ['**/scheduler/**', ...TESTS_AND_BENCHMARKS]),
  ...EXECUTOR_FLOORS.slice(1).map((floor, index) =>
    restrictImports(
      floor.map((folder) => `executor/${folder}/**/*.ts`),
      ['**/scheduler/**', ...TESTS_AND_BENCHMARKS],
      `^(\\.\\./)+(${EXECUTOR_FLOORS.slice(0, index + 1)
        .flat()
        .join('|')})/`,
    ),
  ),
  restrictImports(['bin/**/*.ts', 'shared/**/*.ts', 'examples/**/*.ts', 'dev/**/*.ts', 'scripts/**'], TESTS_AND_BENCHMARKS),
  // Benches may reuse the tests' helpers (starting a cluster, a scheduler, a job), never a test file.
  restrictImports(['bench/**/*.ts'], ['**/*.test.js', '**/test/run.js']),
);
