import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

const root = import.meta.dirname

// electron-vite defaults to src/*; this project keeps main/, preload/ and renderer/ at the top.
export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        input: {
          index: resolve(root, 'main/index.ts'),
          // The engine runs in its own process (utilityProcess in Electron); built as a sibling entry.
          engineHost: resolve(root, 'engine/host.ts'),
          // User images are decoded in a process of their own (engine/image/workerHost.ts), never in main.
          imageWorker: resolve(root, 'engine/image/workerHost.ts'),
        },
      },
      externalizeDeps: true,
    },
  },
  preload: {
    build: {
      // Sandboxed preloads cannot be ESM, whatever package.json says.
      rolldownOptions: { input: { index: resolve(root, 'preload/index.ts') }, output: { format: 'cjs' } },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    base: './',
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: { input: resolve(root, 'renderer/index.html') },
    },
    plugins: [vue()],
  },
})
