// ESLint flat config: typescript-eslint's type-aware recommended rules over src/, test/ and bench/ (the plain JS of
// scripts/ and bin/ gets the rules that need no types), with eslint-config-prettier last so that no stylistic rule
// argues with Prettier.
//
// typescript-eslint needs TypeScript's JavaScript API, which TypeScript 7 does not ship: package.json installs
// TypeScript 7 as `@typescript/native` (it owns the `tsc` command the build runs) and the package named
// `typescript` is Microsoft's TypeScript 6 compatibility package (`@typescript/typescript6`), which is what the
// parser and the type-aware rules load.
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default defineConfig(
  {
    ignores: [
      'dist/',
      'build/',
      'node_modules/',
      'bench/results/',
      'bench/data/',
      'bench/.data/',
      'bench/policies/',
      'policies/',
      'runs/',
      '.rltune/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    rules: {
      // `_`-prefixed names are the code's way of saying "unused on purpose" (interface-mandated parameters,
      // destructuring that drops a field).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // node:test's test()/describe() return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after'] },
          ],
        },
      ],
      // Prettier keeps code within 120 characters but wraps neither comments nor strings: comments are held to the
      // same limit here; a message, SQL statement or URL stays one string that can be searched for.
      'max-len': [
        'error',
        {
          code: 120,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreUrls: true,
          ignoreRegExpLiterals: true,
        },
      ],
      // The spaces' toString() is written for messages (`${space}` reads "Box(-1.0, 1.0, (2,), float32)").
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allow: [
            { from: 'lib', name: ['Error', 'URL', 'URLSearchParams'] },
            { from: 'file', name: 'Space', path: 'src/rl/core/spaces/space.ts' },
          ],
          allowAny: true,
          allowBoolean: true,
          allowNullish: true,
          allowNumber: true,
          allowRegExp: true,
        },
      ],
    },
  },
  {
    // The tests read the CLI's JSON output and checkpoint manifests with JSON.parse and assert on the fields;
    // typing every parsed line would only restate what the assertions check.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}', 'bin/rltune'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  prettier,
);
