import { defineConfig } from 'tsup';

// The training script is a developer tool, never part of the published library. TF.js's gradient
// definitions exist only as ES modules, so tfjs-core, its gradients and the wasm backend are bundled from
// their ES builds ('module' first): one engine that knows every gradient. The wasm binaries are loaded from
// the installed @tensorflow/tfjs-backend-wasm package at run time.
export default defineConfig({
  entry: { 'train-default-model': 'src/training/train-default-model.ts', 'train-task-models': 'src/training/train-task-models.ts' },
  outDir: 'dist-training',
  format: ['cjs'],
  platform: 'node',
  target: 'node20',
  shims: true,
  clean: false,
  sourcemap: true,
  dts: false,
  noExternal: [/^@tensorflow\//],
  external: ['sharp', 'onnxruntime-node', 'protobufjs'],
  esbuildOptions(options) {
    options.mainFields = ['module', 'main'];
  },
});

