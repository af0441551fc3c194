// ESLint flat config: typescript-eslint's type-aware recommended rules over src/, test/ and the config files.
// Formatting is Prettier's job (`npm run format`); this file holds only correctness rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // src/schemas/precompiled/ (`npm run schemas`) and src/scoring/generated/ (`npm run wasm`) are generated and checked
  // by their own tests.
  {
    ignores: [
      'dist/**',
      'bench/dist/**',
      'node_modules/**',
      'reports/**',
      'coverage/**',
      'src/schemas/precompiled/**',
      'src/scoring/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // An AbortSignal's `reason` is `any` by the DOM typings; rejecting with it is the platform's own convention.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // Async generators and interface implementations are async by contract even when one body has no await.
      '@typescript-eslint/require-await': 'off',
      // `_`-prefixed names mark parameters kept for a signature.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests read JSON back with JSON.parse and vitest's asymmetric matchers are typed `any`; `any` may flow there.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  // Plain JavaScript (this file, bench scripts) is outside the TypeScript project: no type-aware rules there, and
  // Node's globals are not declared to ESLint, so no-undef is left to running the script.
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js', '**/*.mjs'], rules: { 'no-undef': 'off' } },
);
