import { defineConfig } from 'vitest/config';

// Unit tests of the UI's logic: formatting, URL state, stream resume.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: { include: ['test/unit/**/*.test.ts'], environment: 'node' },
});
