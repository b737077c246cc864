import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { tfjs } from '@yolokit/backend-tfjs';
import { BackendUnavailableError } from '@yolokit/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeTinyGraphModel } from '../packages/backend-tfjs/test-support/tiny-graph-model.js';

// The wasm runtime initialises once per process (vitest runs each file in its own), and a failed
// initialisation cannot be retried with other paths: these tests have a file to themselves.

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'yolokit-tfjs-wasm-paths-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('TF.js wasm runtime without its .wasm files', () => {
  it("forced 'wasm': BackendUnavailableError pointing at options.wasmPaths", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const error = await tfjs({ runtime: 'wasm', wasmPaths: join(root, 'no-such-folder/') })
      .selectRuntime()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    warn.mockRestore();
    log.mockRestore();
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toBe(
      "TF.js runtime 'wasm' is not available: the 'wasm' backend failed to initialise " +
        '(TF.js logged why with console.warn; are its .wasm files where options.wasmPaths says?). ' +
        "Use one of the runtimes available here (cpu) or runtime 'auto'.",
    );
  });

  it("'auto' skips the failed wasm runtime, reports why, and runs on cpu", async () => {
    const backend = tfjs({ wasmPaths: join(root, 'no-such-folder/') });
    const selection = await backend.selectRuntime();
    expect(selection.runtime).toBe('cpu');
    expect(selection.skipped.map((skipped) => skipped.runtime)).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm']);
    expect(selection.skipped[2].reason).toMatch(/wasm/);
    const session = await backend.load(await writeTinyGraphModel(join(root, 'tiny')));
    expect(session.runtime).toBe(`tfjs ${tf.version_core} (cpu)`);
    const [output] = await session.run({ data: new Float32Array(8 * 8 * 3).fill(1), dims: [1, 8, 8, 3] });
    expect([...output.data.slice(0, 3)]).toEqual([1, 2, 3]);
    await session.dispose();
  });
});
