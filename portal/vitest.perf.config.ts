import { defineConfig } from 'vitest/config';

// The portal's measurements (make portal-perf): timing-based, run by hand.
export default defineConfig({
  test: {
    include: ['test/perf/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
