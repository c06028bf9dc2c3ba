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
// Engine folders, as import patterns. The engine's s2s/ (the session) is not providers/s2s/ (the clients).
const CASCADE = { group: ['**/cascade/**'] };
const S2S = { group: ['**/s2s/**', '!**/providers/s2s/**'] };
const SESSION = { group: ['**/session/**'] };
const EVENTS = { group: ['**/events/**'] };
const PROVIDERS = { group: ['**/providers/**'] };
const TOOLS = { group: ['**/tools/**'] };
const LEAVES = ['vad', 'audio', 'codec', 'onnx', 'turn', 'models', 'metrics', 'util'];
/** One engine layer: the engine-wide rules plus the folders these files may not import (flat config replaces, not merges, a rule). */
const engineLayer = (files, message, ...folders) => ({
  files,
  rules: pathsAndPatterns(ENGINE_PATHS, TEST_CODE, ENGINE_OUTSIDE, ...folders.map((f) => ({ ...f, message }))),
});

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
  // Inside the engine, dependencies point down (docs/DESIGN.md; each folder's README says what it may import):
  //   session/ (composes)  ->  cascade/, s2s/ (the two architectures; never each other)  ->  events/
  //   ->  providers/ (incl. providers/s2s/, the speech-to-speech clients)  ->  tools/, local/ (inference processes)  ->  the leaves
  //   (vad/, audio/, codec/, onnx/, turn/, models/, metrics/, util/) and clock, errors, paths.
  // `providers/s2s/` shares its name with the engine's s2s/ folder: the patterns keep them apart.
  engineLayer(['electron/engine/providers/*.ts'], 'providers/ (the vendor clients) imports no conversation code: no cascade/, s2s/, session/ or events/.', CASCADE, SESSION, EVENTS, { group: ['../s2s', '../s2s/**'] }),
  engineLayer(['electron/engine/providers/*/**'], 'providers/ (the vendor clients) imports no conversation code: no cascade/, s2s/, session/ or events/.', CASCADE, SESSION, EVENTS, { group: ['../../s2s', '../../s2s/**'] }),
  engineLayer(['electron/engine/cascade/**'], 'cascade/ imports neither s2s/ nor session/: session/ composes the architectures, not the other way round.', S2S, SESSION),
  engineLayer(['electron/engine/s2s/**'], 's2s/ imports neither cascade/ nor session/: the shared vocabulary lives in events/.', CASCADE, SESSION),
  engineLayer(['electron/engine/events/**'], 'events/ is the vocabulary the sessions share: it imports no cascade/, s2s/ or session/.', CASCADE, S2S, SESSION),
  engineLayer(['electron/engine/settings/**'], 'settings/ stores settings and keys: it imports no cascade/, s2s/, session/ or events/.', CASCADE, S2S, SESSION, EVENTS),
  engineLayer(['electron/engine/tools/**'], 'tools/ sits below the providers: it imports no providers/, events/, cascade/, s2s/ or session/.', CASCADE, S2S, SESSION, EVENTS, PROVIDERS),
  engineLayer(
    ['electron/engine/local/**'],
    'local/ hosts inference processes for any worker module: it imports only the leaves, clock and errors, never providers/, tools/ or the conversation (the worker modules import it, not the other way round).',
    CASCADE, S2S, SESSION, EVENTS, PROVIDERS, TOOLS,
  ),
  engineLayer(
    LEAVES.map((folder) => `electron/engine/${folder}/**`),
    "The engine's leaves (vad, audio, codec, onnx, turn, models, metrics, util) import only each other, clock, errors and paths: never the conversation, its providers or tools.",
    CASCADE, S2S, SESSION, EVENTS, PROVIDERS, TOOLS,
  ),
  // Product code, type-checked: a promise nobody awaits or catches is a lost failure (an unhandled
  // rejection, or an error that never reaches the UI). Fire-and-forget says so with `void`.
  {
    files: ['electron/**/*.ts', 'renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
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
