import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {"index":"src/index.ts","web":"src/web.ts","spec":"src/spec.ts"},
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  shims: true,
  // Keep 'node:' specifiers: browser bundlers recognise them as Node built-ins to leave alone.
  removeNodeProtocol: false,
});
