import { defineConfig } from 'vitest/config';

// Test layers from docs/DESIGN.md, one vitest project each. CI reads the JSON report for its summary line.
export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          // Builds the Node code once so CLI tests run the same compiled `parley` a user runs.
          globalSetup: ['test/integration/build-once.ts'],
          testTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          // The real builds (tsc + vite) the browser loads.
          globalSetup: ['test/e2e/build-once.ts'],
          testTimeout: 60_000,
          // Each file runs Chromium, a server and real-time audio: one at a time keeps their timing honest on 2 cores.
          fileParallelism: false,
          // After unit and integration: a browser, a server and real-time audio beside CPU-heavy integration files race on 2 cores.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
