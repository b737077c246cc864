import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Real models on a 2-core machine: run files one after another so timings and memory stay sane.
    fileParallelism: false,
  },
});
