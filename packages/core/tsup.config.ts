import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: "src/index.ts", "index.browser": "src/index.browser.ts", conformance: "src/conformance.ts", internal: "src/internal.ts", "internal.browser": "src/internal.browser.ts" },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  shims: true,
});
