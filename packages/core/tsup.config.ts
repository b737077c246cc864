import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: "src/index.ts", "index.browser": "src/index.browser.ts", conformance: "src/conformance.ts", internal: "src/internal.ts", "internal.browser": "src/internal.browser.ts" },
  format: ['esm', 'cjs'],
  // Shared chunks in the CJS build too: each entry (index, internal, conformance) would otherwise carry its own copy
  // of the error classes, and `instanceof InvalidOptionError` would fail for an error thrown through another entry.
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  shims: true,
});
