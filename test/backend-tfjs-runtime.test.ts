import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { tfjs } from '@yolokit/backend-tfjs';
import { BackendUnavailableError, type Float32Tensor, YoloError } from '@yolokit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyGraphModel } from '../packages/backend-tfjs/test-support/tiny-graph-model.js';

// tfjs-node and tfjs-node-gpu cannot be installed on these machines (they download libtensorflow), so the
// branches that pick them are covered by packages/backend-tfjs/src/runtimes.test.ts with a stand-in package.

let root: string;
let tiny: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'yolokit-tfjs-runtime-'));
  tiny = await writeTinyGraphModel(join(root, 'tiny'), { scale: [2, 3, 4] });
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const image: Float32Tensor = { data: new Float32Array(8 * 8 * 3).fill(0.5), dims: [1, 8, 8, 3] };

async function unavailable(promise: Promise<unknown>): Promise<BackendUnavailableError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(YoloError.isInstance(error) && error.code).toBe('BACKEND_UNAVAILABLE');
    return error as BackendUnavailableError;
  }
  throw new Error('expected a BackendUnavailableError');
}

describe('TF.js runtime selection', () => {
  it("'auto' takes wasm here, reporting tfjs-node-gpu and tfjs-node as not installed", async () => {
    // This is the first wasm initialisation in this file's process (see the listener test below).
    const listeners = [process.listeners('uncaughtException'), process.listeners('unhandledRejection')];
    const backend = tfjs();
    expect(backend.options.runtime).toBe('auto');
    const selection = await backend.selectRuntime();
    expect(selection).toEqual({
      runtime: 'wasm',
      tfBackend: 'wasm',
      description: `tfjs ${tf.version_core} (wasm)`,
      skipped: [
        { runtime: 'tfjs-node-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed' },
        { runtime: 'tfjs-node', reason: '@tensorflow/tfjs-node is not installed' },
      ],
    });
    expect(await backend.selectRuntime()).toBe(selection); // chosen once per backend
    // Emscripten's wasm module adds process-wide listeners that rethrow, which would turn any unhandled
    // rejection of the application into a crash (tensorflow/tfjs#5851); the backend removes them.
    expect([process.listeners('uncaughtException'), process.listeners('unhandledRejection')]).toEqual(listeners);
    const session = await backend.load(tiny);
    expect(session.runtime).toBe(`tfjs ${tf.version_core} (wasm)`);
    expect([...(await session.run(image))[0].data.slice(0, 3)]).toEqual([1, 1.5, 2]);
    await session.dispose();
  });

  it("forcing 'cpu' runs on the pure-JS backend (tiny model: it is ~100x slower than wasm on real ones)", async () => {
    const session = await tfjs({ runtime: 'cpu' }).load(tiny);
    expect(session.runtime).toBe(`tfjs ${tf.version_core} (cpu)`);
    expect(tf.getBackend()).toBe('cpu');
    const [output] = await session.run(image);
    expect(output.dims).toEqual([1, 8, 8, 3]);
    expect([...output.data.slice(0, 6)]).toEqual([1, 1.5, 2, 1, 1.5, 2]);
    await session.dispose();
  });

  it('sessions on different runtimes in one process each run on their own (the global backend is switched back)', async () => {
    const onWasm = await tfjs({ runtime: 'wasm' }).load(tiny);
    const onCpu = await tfjs({ runtime: 'cpu' }).load(tiny);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const [a, b] = await Promise.all([onWasm.run(image), onCpu.run(image)]);
      expect([...a[0].data.slice(0, 3)]).toEqual([1, 1.5, 2]);
      expect([...b[0].data.slice(0, 3)]).toEqual([1, 1.5, 2]);
    }
    await onWasm.run(image);
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.memory().numTensors).toBe(before);
    await onWasm.dispose();
    await onCpu.dispose();
  });

  it("forcing 'tfjs-node' when it is not installed: BackendUnavailableError naming the package and what is available", async () => {
    const backend = tfjs({ runtime: 'tfjs-node' });
    const error = await unavailable(backend.load(tiny));
    expect(error.message).toBe(
      "TF.js runtime 'tfjs-node' is not available: @tensorflow/tfjs-node is not installed. " +
        'Install it with `npm install @tensorflow/tfjs-node` (it downloads libtensorflow at install time), ' +
        "or use one of the runtimes available here (wasm, cpu) or runtime 'auto'.",
    );
    expect(error.available).toEqual(['wasm', 'cpu']);
    // The resolver's own error is chained (Node: ERR_MODULE_NOT_FOUND; under vitest, vite's "Could not resolve").
    expect((error.cause as Error).message).toContain("@tensorflow/tfjs-node");
    // Not remembered: a later call looks again (the package may have been installed meanwhile).
    expect((await unavailable(backend.selectRuntime())).message).toBe(error.message);
  });

  it("forcing 'tfjs-node-gpu' when it is not installed: the same, naming @tensorflow/tfjs-node-gpu and CUDA", async () => {
    const error = await unavailable(tfjs({ runtime: 'tfjs-node-gpu' }).selectRuntime());
    expect(error.message).toContain("TF.js runtime 'tfjs-node-gpu' is not available: @tensorflow/tfjs-node-gpu is not installed.");
    expect(error.message).toContain('Install it with `npm install @tensorflow/tfjs-node-gpu`');
    expect(error.message).toContain('CUDA');
    expect(error.available).toEqual(['wasm', 'cpu']);
  });

  it("forcing 'webgl' or 'webgpu' in Node: BackendUnavailableError saying a browser is needed", async () => {
    const webgl = await unavailable(tfjs({ runtime: 'webgl' }).selectRuntime());
    expect(webgl.message).toBe(
      "TF.js runtime 'webgl' is not available: it needs a browser with WebGL (no canvas here). Use one of the runtimes available here (wasm, cpu) or runtime 'auto'.",
    );
    const webgpu = await unavailable(tfjs({ runtime: 'webgpu' }).selectRuntime());
    expect(webgpu.message).toContain('it needs a browser with WebGPU (no navigator.gpu here)');
  });
});
