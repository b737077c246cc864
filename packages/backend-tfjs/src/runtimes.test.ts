import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BackendUnavailableError } from '@yolokit/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveTfjsOptions } from './options.js';
import { type Platform, selectRuntime } from './runtimes.js';

// tfjs-node and tfjs-node-gpu cannot be installed on the project's machines, so these tests stand in for them:
// a platform whose importPackage registers a 'tensorflow' backend (as the real packages do on import), fails
// as a package with a broken native library does, or is not found.

const wasmFolder = `${join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`;

type Behaviour = 'registers' | 'not-installed' | 'broken' | 'registers-nothing' | 'missing-dependency';

function platform(packages: Record<string, Behaviour>, kind: Platform['kind'] = 'node'): Platform & { imported: string[] } {
  const imported: string[] = [];
  return {
    kind,
    imported,
    defaultWasmPaths: async () => wasmFolder,
    async importPackage(specifier) {
      imported.push(specifier);
      switch (packages[specifier] ?? 'not-installed') {
        case 'registers':
          if (!tf.findBackendFactory('tensorflow')) tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
          return {};
        case 'registers-nothing':
          return {};
        case 'broken':
          throw Object.assign(new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory'), { code: 'ERR_DLOPEN_FAILED' });
        case 'missing-dependency':
          throw Object.assign(new Error(`Cannot find package '@tensorflow/tfjs' imported from /app/node_modules/${specifier}/dist/index.js`), {
            code: 'ERR_MODULE_NOT_FOUND',
          });
        default:
          throw Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/node_modules/@yolokit/backend-tfjs/dist/index.js`), {
            code: 'ERR_MODULE_NOT_FOUND',
          });
      }
    },
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
  for (const name of ['tensorflow', 'webgl']) if (tf.findBackendFactory(name)) tf.removeBackend(name);
});

const auto = resolveTfjsOptions({});

describe('selectRuntime with stand-ins for tfjs-node and tfjs-node-gpu', () => {
  it("'auto' takes tfjs-node when it is installed and tfjs-node-gpu is not", async () => {
    const selection = await selectRuntime(auto, platform({ '@tensorflow/tfjs-node': 'registers' }));
    expect(selection).toEqual({
      runtime: 'tfjs-node',
      tfBackend: 'tensorflow',
      description: `tfjs ${tf.version_core} (tfjs-node)`,
      skipped: [{ runtime: 'tfjs-node-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed' }],
    });
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it("'auto' prefers tfjs-node-gpu when both are installed", async () => {
    const fake = platform({ '@tensorflow/tfjs-node-gpu': 'registers', '@tensorflow/tfjs-node': 'registers' });
    const selection = await selectRuntime(auto, fake);
    expect(selection.runtime).toBe('tfjs-node-gpu');
    expect(selection.skipped).toEqual([]);
    expect(fake.imported).toEqual(['@tensorflow/tfjs-node-gpu']);
  });

  it("'auto' skips a tfjs-node whose native library fails to load, reports why, and takes wasm", async () => {
    const selection = await selectRuntime(auto, platform({ '@tensorflow/tfjs-node': 'broken' }));
    expect(selection.runtime).toBe('wasm');
    expect(selection.skipped).toEqual([
      { runtime: 'tfjs-node-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed' },
      {
        runtime: 'tfjs-node',
        reason: '@tensorflow/tfjs-node failed to load: libtensorflow.so.2: cannot open shared object file: No such file or directory',
      },
    ]);
  });

  it('forcing a runtime whose package fails to load: BackendUnavailableError with the cause, and no install advice', async () => {
    const error = await selectRuntime(resolveTfjsOptions({ runtime: 'tfjs-node' }), platform({ '@tensorflow/tfjs-node': 'broken' })).catch((e) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.message).toBe(
      "TF.js runtime 'tfjs-node' is not available: @tensorflow/tfjs-node failed to load: libtensorflow.so.2: cannot open shared object file: " +
        "No such file or directory. Use one of the runtimes available here (wasm, cpu) or runtime 'auto'.",
    );
    expect(error.cause.code).toBe('ERR_DLOPEN_FAILED');
  });

  it('a dependency of the package missing is a load failure, not "not installed"', async () => {
    const selection = await selectRuntime(auto, platform({ '@tensorflow/tfjs-node': 'missing-dependency' }));
    expect(selection.skipped[1].reason).toBe(
      "@tensorflow/tfjs-node failed to load: Cannot find package '@tensorflow/tfjs' imported from /app/node_modules/@tensorflow/tfjs-node/dist/index.js",
    );
  });

  it('a package that registers no backend with this tfjs-core says two versions may be installed', async () => {
    const error = await selectRuntime(resolveTfjsOptions({ runtime: 'tfjs-node' }), platform({ '@tensorflow/tfjs-node': 'registers-nothing' })).catch(
      (e) => e,
    );
    expect(error.message).toContain(
      `@tensorflow/tfjs-node loaded but registered no 'tensorflow' backend with @tensorflow/tfjs-core ${tf.version_core} (are two different versions of @tensorflow/tfjs-core installed?)`,
    );
  });

  it("forcing tfjs-node-gpu when only tfjs-node is installed does not mistake one for the other", async () => {
    const fake = platform({ '@tensorflow/tfjs-node': 'registers' });
    const error = await selectRuntime(resolveTfjsOptions({ runtime: 'tfjs-node-gpu' }), fake).catch((e) => e);
    expect(error.message).toContain("TF.js runtime 'tfjs-node-gpu' is not available: @tensorflow/tfjs-node-gpu is not installed.");
    expect(error.available).toEqual(['tfjs-node', 'wasm', 'cpu']);
  });
});

describe('selectRuntime in a browser', () => {
  it("'auto' tries webgpu and webgl first and says why it passed over them", async () => {
    const selection = await selectRuntime(auto, platform({}, 'browser'));
    expect(selection.runtime).toBe('wasm');
    expect(selection.skipped).toEqual([
      { runtime: 'webgpu', reason: 'it needs a browser with WebGPU (no navigator.gpu here)' },
      { runtime: 'webgl', reason: 'it needs a browser with WebGL (no canvas here)' },
    ]);
  });

  it('uses a backend the application registered itself (import "@tensorflow/tfjs-backend-webgl") without importing it', async () => {
    vi.stubGlobal('OffscreenCanvas', class {});
    tf.registerBackend('webgl', () => new MathBackendCPU(), 2);
    const fake = platform({}, 'browser');
    const selection = await selectRuntime(auto, fake);
    expect(selection.runtime).toBe('webgl');
    expect(selection.skipped[0].runtime).toBe('webgpu');
    expect(fake.imported).toEqual([]); // webgpu is not even tried without navigator.gpu
  });

  it('a bare specifier a browser cannot resolve counts as not installed', async () => {
    vi.stubGlobal('OffscreenCanvas', class {});
    const fake: Platform = {
      kind: 'browser',
      defaultWasmPaths: async () => wasmFolder,
      importPackage: async (specifier) => {
        throw new TypeError(`Failed to resolve module specifier "${specifier}". Relative references must start with either "/", "./", or "../".`);
      },
    };
    const error = await selectRuntime(resolveTfjsOptions({ runtime: 'webgl' }), fake).catch((e) => e);
    expect(error.message).toContain("TF.js runtime 'webgl' is not available: @tensorflow/tfjs-backend-webgl is not installed.");
    expect(error.message).toContain('Install it with `npm install @tensorflow/tfjs-backend-webgl` and import it in your bundle');
  });
});
