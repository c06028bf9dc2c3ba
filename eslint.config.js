// Lint, including the layering rules of docs/DESIGN.md: dependencies point one way
// (renderer -> shared <- preload/main -> engine -> shared), enforced here rather than by convention.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = { group: ['node:*'], message: 'The renderer and the shared contract run without Node.' };
const TEST_CODE = { group: ['**/test/**', '**/test'], message: 'Product code never imports tests or fakes.' };
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const pathsAndPatterns = (paths, ...patterns) => ({ 'no-restricted-imports': ['error', { paths, patterns }] });
const ELECTRON = { name: 'electron', message: 'Only electron/main and electron/preload may import Electron.' };
const ENGINE_PATHS = [ELECTRON, { name: 'react', message: 'The engine knows nothing of the UI.' }];
const ENGINE_OUTSIDE = { group: ['**/main/**', '**/preload/**', '**/cli/**', '**/renderer/**'], message: 'The engine imports only electron/shared and its own modules.' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'bench/results/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'smart'],
      'no-console': 'off',
    },
  },
  {
    files: ['electron/shared/**'],
    rules: pathsAndPatterns(
      [ELECTRON],
      NODE_BUILTINS,
      TEST_CODE,
      { group: ['**/engine/**', '**/main/**', '**/preload/**', '**/cli/**', '**/renderer/**'], message: 'electron/shared is the contract: it imports nothing of ours, only zod.' },
    ),
  },
  {
    files: ['electron/engine/**'],
    rules: pathsAndPatterns(ENGINE_PATHS, TEST_CODE, ENGINE_OUTSIDE),
  },
  {
    // Turn-taking (end-of-turn signals and policy) is a leaf the pipelines use.
    files: ['electron/engine/turn/**'],
    rules: pathsAndPatterns(ENGINE_PATHS, TEST_CODE, ENGINE_OUTSIDE, {
      group: ['**/cascade/**', '**/s2s/**', '**/session/**', '**/providers/**'],
      message: 'electron/engine/turn imports only audio/, onnx/, util/, clock and errors: the pipelines use it, not the other way round.',
    }),
  },
  {
    // The model manager downloads and unpacks files: it stays below the conversation (the engines load what it installs).
    files: ['electron/engine/models/**'],
    rules: pathsAndPatterns(
      [ELECTRON, { name: 'react', message: 'The engine knows nothing of the UI.' }],
      TEST_CODE,
      { group: ['**/main/**', '**/preload/**', '**/cli/**', '**/renderer/**'], message: 'The engine imports only electron/shared and its own modules.' },
      { group: ['**/cascade/**', '**/s2s/**', '**/session/**', '**/providers/**'], message: 'The model manager imports only util/, errors, clock and paths: never the conversation or its providers.' },
    ),
  },
  {
    files: ['electron/cli/**'],
    rules: pathsAndPatterns([ELECTRON], TEST_CODE, { group: ['**/main/**', '**/preload/**', '**/renderer/**'], message: 'The CLI drives the engine directly.' }),
  },
  {
    files: ['electron/main/**'],
    rules: restrict(TEST_CODE, { group: ['**/renderer/**', '**/preload/**', '**/cli/**'], message: 'main wires the engine to IPC; it does not import UI or CLI code.' }),
  },
  {
    files: ['electron/preload/**'],
    rules: restrict(TEST_CODE, NODE_BUILTINS, { group: ['**/engine/**', '**/main/**', '**/renderer/**', '**/cli/**'], message: 'The preload exposes electron/shared contracts only.' }),
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: pathsAndPatterns(
      [ELECTRON, { name: 'onnxruntime-node', message: 'Models run in the engine, not the renderer.' }],
      NODE_BUILTINS,
      TEST_CODE,
      { group: ['**/electron/*', '!**/electron/shared', '**/electron/engine/**', '**/electron/main/**', '**/electron/preload/**', '**/electron/cli/**'], message: 'The renderer imports only electron/shared.' },
    ),
  },
);
