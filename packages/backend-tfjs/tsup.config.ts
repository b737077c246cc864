import { defineConfig } from 'tsup';

export default defineConfig({
  // `index` is the Node entry (reads model folders from disk); `browser` loads from URLs only.
  entry: { index: 'src/index.ts', browser: 'src/browser.ts', spec: 'src/spec.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  shims: true,
});
