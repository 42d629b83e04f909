import { defineConfig } from 'vitest/config'

// End-to-end: the real UI in Debian's Chromium against `npm run serve`. One file at a time —
// each starts a web host and a browser, and the machine has two cores.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
  },
})
