// ESLint for the whole repository: `npm run lint` (with knip for unused exports and
// scripts/check-import-cycles.mjs for import circles).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['**/dist/', '**/node_modules/', '**/__fixtures__/', 'bench/results/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },

  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        project: './tsconfig.eslint.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `void promise` is the explicit opt-out for a deliberate fire-and-forget.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],

      // Off, on purpose (not to make the code pass):
      // - no-unsafe-*: the `any` they follow comes from JSON.parse of bodies and from untyped
      //   .mjs scripts; typing that is work of its own, not a lint fix.
      // - unbound-method: flags handing over members declared with method syntax that are
      //   closures here (deps.onRequestEnd, obs.observer.onRefused); no `this` involved.
      // - require-await: an async function without await is how this code implements an
      //   interface that returns a promise.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },

  {
    files: ['scripts/**/*.mjs', '*.js'],
    languageOptions: { parserOptions: { project: './scripts/tsconfig.json' } },
  },

  // Tests read response bodies and log lines as loose JSON and assert on them with expect.
  {
    files: ['**/*.test.ts', 'tests/**/*.ts', 'packages/*/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },

  // packages/gateway is being restructured (issue 20). What needs more than a one-line fix
  // there is a warning until that lands; make it an error again then:
  // - no-base-to-string: the Anthropic converters turn client JSON into text with
  //   String(x ?? ''), which writes "[object Object]" for an object; what they should do
  //   instead is a decision for formats/, not a lint fix.
  {
    files: ['packages/gateway/src/**/*.ts'],
    rules: { '@typescript-eslint/no-base-to-string': 'warn' },
  },

  // The console's web UI runs in the browser: its own program (DOM types, which would change
  // the types of fetch's Response everywhere else).
  {
    files: ['packages/console/web/**/*.ts'],
    languageOptions: { globals: globals.browser, parserOptions: { project: './packages/console/web/tsconfig.json' } },
  },

  // The gateway logs through its pino logger only (STYLE.md).
  {
    files: ['packages/gateway/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-console': 'error' },
  },
);
