// Lint rules that carry the architecture: each folder may import only what sits below it
// (core ← engine ← main ← preload / renderer), and one module each owns onnxruntime and sharp.
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] })
const nodeBuiltins = {
  group: ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'http', 'net'],
  message: 'core/ is pure: no Node built-ins.',
}

const corePure = [
  nodeBuiltins,
  { group: ['**/engine/**', '**/main/**', '**/renderer/**', '**/preload/**'], message: 'core/ imports only itself.' },
  {
    group: ['vue', 'pinia', 'konva', 'vue-konva', 'electron', 'sharp', 'onnxruntime-node', 'ws', 'better-sqlite3'],
    message: 'core/ is pure: no frameworks or native modules.',
  },
]

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'coverage/**', 'bench/out/**', 'training/**', '.cache/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: restrict(corePure),
  },
  {
    // Inside core: the basics (ids, results, error codes, limits) stand alone, the domain builds on
    // them, and the contract (API, channels, wire codec, validation, the generation job) on both.
    files: ['core/domain/**/*.ts'],
    rules: restrict([
      ...corePure,
      { group: ['**/contract/**'], message: 'The domain does not know the wire: core/contract/ builds on it.' },
    ]),
  },
  {
    files: ['core/*.ts'],
    rules: restrict([...corePure, { group: ['./contract/**', './domain/**'], message: 'The core basics import only each other.' }]),
  },
  {
    files: ['engine/**/*.ts'],
    ignores: ['engine/sessions.ts', 'engine/image/imageIo.ts'],
    rules: restrict([
      { group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'engine/ must not depend on the host or the UI.' },
      { group: ['electron', 'vue', 'konva'], message: 'engine/ runs without Electron or a UI.' },
      { group: ['onnxruntime-node'], message: 'Only engine/sessions.ts imports onnxruntime-node.' },
      { group: ['sharp'], message: 'Only engine/image/imageIo.ts imports sharp.' },
    ]),
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: restrict([
      nodeBuiltins,
      {
        group: ['**/engine/**', '**/main/**', '**/preload/**'],
        message: 'The renderer reaches the host only through StudioApi (core/contract/api.ts).',
      },
      { group: ['electron', 'sharp', 'onnxruntime-node', 'better-sqlite3', 'ws'], message: 'The renderer is a sandboxed web page.' },
    ]),
  },
  {
    files: ['main/**/*.ts', 'preload/**/*.ts'],
    rules: restrict([{ group: ['**/renderer/**'], message: 'The host does not import the UI.' }]),
  },
  {
    // The host never decodes a user image: that is the image worker's (engine/image/workerHost.ts),
    // so a decoder crash fails one request instead of taking Electron's main process down.
    files: ['main/**/*.ts', 'preload/**/*.ts'],
    rules: restrict([
      { group: ['**/renderer/**'], message: 'The host does not import the UI.' },
      {
        group: [
          'sharp',
          'ssim.js',
          '**/engine/image/imageIo',
          '**/engine/image/drift',
          '**/engine/image/ingest',
          '**/engine/image/workerHost',
        ],
        message: 'The host never decodes images: ask the image worker (main/services/imageWorker.ts).',
      },
    ]),
  },
)
