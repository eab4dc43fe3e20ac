import { defineConfig } from 'vitest/config';

// Browser flows: one aurigraph dev and one Chromium shared by every flow,
// run one after another in a single file.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
