// Flat ESLint config for the whole monorepo. Architecture rules live in tools/eslint-plugin-opsloop.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { plugin as opsloop } from './tools/eslint-plugin-opsloop/import-direction.js';

const ROOT = import.meta.dirname;

const TS_FILES = ['**/*.ts', '**/*.mts', '**/*.cts'];
const WORKSPACE_TS = ['packages/**/*.ts', 'services/**/*.ts'];
// Linted with type information. Sources are found through their package tsconfig.json (projectService);
// tests and e2e are not in any package tsconfig.json, so they use tsconfig.test.json explicitly.
const TYPED_TS = [...WORKSPACE_TS, 'e2e/**/*.ts'];
const TYPED_TEST_TS = [
  'packages/**/*.test.ts',
  'services/**/*.test.ts',
  'packages/*/test/**/*.ts',
  'services/*/test/**/*.ts',
  'e2e/**/*.ts',
];
const TEST_FILES = ['**/*.test.ts', '**/test/**/*.ts', 'e2e/**/*.ts'];
const JS_FILES = ['**/*.js', '**/*.mjs', '**/*.cjs'];

// Every @typescript-eslint/no-unsafe-* rule, switched off for tests.
const NO_UNSAFE_OFF = Object.fromEntries(
  Object.keys(tseslint.plugin.rules ?? {})
    .filter((name) => name.startsWith('no-unsafe-'))
    .map((name) => [`@typescript-eslint/${name}`, 'off']),
);

export default defineConfig(
  globalIgnores([
    '**/dist/**',
    '**/node_modules/**',
    'coverage/**',
    '.opsloop/**',
    'packages/dashboard/dist/**',
  ]),

  js.configs.recommended,

  {
    name: 'opsloop/typescript',
    files: TS_FILES,
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },

  {
    name: 'opsloop/typescript-type-checked',
    files: TYPED_TS,
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: ROOT },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },

  {
    name: 'opsloop/typescript-type-checked-tests',
    files: TYPED_TEST_TS,
    languageOptions: {
      parserOptions: { projectService: false, project: ['./tsconfig.test.json'], tsconfigRootDir: ROOT },
    },
  },

  {
    name: 'opsloop/workspace-structure',
    files: WORKSPACE_TS,
    plugins: { opsloop },
    rules: {
      'opsloop/import-direction': ['error', { root: ROOT }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'no export *: list exports explicitly' },
        { selector: 'ExportDefaultDeclaration', message: 'no default exports' },
      ],
    },
  },

  {
    name: 'opsloop/javascript',
    files: JS_FILES,
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    name: 'opsloop/commonjs',
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },

  {
    name: 'opsloop/tests',
    files: TEST_FILES,
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      ...NO_UNSAFE_OFF,
    },
  },
);
