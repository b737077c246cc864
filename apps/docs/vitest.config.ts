import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The site's own logic; examples/ are type-checked (npm run typecheck), and the built site is tested
    // end to end from the root test/ folder (docs-*.test.ts).
    include: ['src/**/*.test.ts'],
  },
});
