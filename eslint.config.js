import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    // scheduler/ and executor/ never import each other (see docs/architecture.md).
    files: ['scheduler/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/executor/**'] }] },
  },
  {
    files: ['executor/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/scheduler/**'] }] },
  },
);
