import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';

export { tf };

/**
 * Starts TF.js on the wasm backend (single-threaded in Node: tfjs-backend-wasm does not use threads there,
 * which is what a shared 2-core machine needs) or on the slow pure-JS cpu backend.
 */
export async function initTensorflow(backend: 'wasm' | 'cpu' = 'wasm'): Promise<string> {
  if (backend === 'wasm') {
    const require = createRequire(import.meta.url);
    const wasmDist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    setWasmPaths(`${wasmDist}/`);
  }
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`TF.js backend ${backend} failed to start`);
  await tf.ready();
  return tf.getBackend();
}
