import { defineConfig } from 'tsup';

// No worker entry of its own: a queue worker runs its model instances through @yolokit/concurrency's pools,
// whose worker files ship with that package.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  shims: true,
});
