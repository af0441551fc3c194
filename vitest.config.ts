import { defineConfig } from 'vitest/config';

// Four default projects run in `npm test`; `real-data` is opt-in (needs ../shared, see README).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 60_000 } },
      { test: { name: 'cli', include: ['test/cli/**/*.test.ts'], testTimeout: 120_000 } },
      // Real headless Chromium (Debian's `chromium`, see .ci/run) opening the HTML pages from disk.
      { test: { name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000 } },
      ...(process.env['HEALTHBENCH_REAL_DATA'] === '1'
        ? [{ test: { name: 'real-data', include: ['test/real-data/**/*.test.ts'], testTimeout: 600_000 } }]
        : []),
    ],
  },
});
