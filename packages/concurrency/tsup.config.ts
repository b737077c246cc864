import { defineConfig } from 'tsup';

// The workers are real entry files beside the library: dist/thread-worker.js (piscina loads it) and
// dist/process-worker.js (child_process.fork runs it). Both builds find them with
// new URL('./…-worker.js', import.meta.url) (tsup shims import.meta.url in the CJS build); the ESM worker
// serves both, since a worker is a module graph of its own.
export default defineConfig({
  entry: { index: 'src/index.ts', internal: 'src/internal.ts', 'thread-worker': 'src/thread-worker.ts', 'process-worker': 'src/process-worker.ts' },
  format: ['esm', 'cjs'],
  // Shared chunks in the CJS build too: the internal entry's Scheduler throws QueueFullError and the others, which
  // must be the classes of the main entry (`instanceof QueueFullError` in a CommonJS program), not copies.
  splitting: true,
  dts: { entry: { index: 'src/index.ts', internal: 'src/internal.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  shims: true,
});
