import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', export: 'src/export.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // import.meta.url in the CJS build, so defaultModelDir() resolves from dist/ in both formats.
  shims: true,
});
