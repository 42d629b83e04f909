import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts'],
    // Source type errors are `npm run typecheck`'s job; here only the type-level tests count.
    typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'], tsconfig: './tsconfig.node.json', ignoreSourceErrors: true },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: integration tests fork engine processes and browsers; keep parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
  },
})
