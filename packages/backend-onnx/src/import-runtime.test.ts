import { BackendUnavailableError } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { importRuntime } from './import-runtime.js';

function notFound(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/node_modules/@yolokit/backend-onnx/dist/index.js`), { code: 'ERR_MODULE_NOT_FOUND' });
}

describe('importRuntime: a runtime that is not installed', () => {
  it.each(['onnxruntime-node', 'onnxruntime-web'] as const)('%s: BACKEND_UNAVAILABLE naming the package and the command that installs it', async (name) => {
    const cause = notFound(name);
    const error = await importRuntime(name, () => Promise.reject(cause)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as BackendUnavailableError).code).toBe('BACKEND_UNAVAILABLE');
    expect((error as Error).message).toBe(
      `${name} is not installed: @yolokit/backend-onnx leaves the runtime to you (an optional peer dependency). Install it beside it: npm install ${name}@~1.30.0 (${cause.message})`,
    );
    expect((error as Error).cause).toBe(cause);
  });

  it('a CommonJS require that fails the same way (MODULE_NOT_FOUND) is reported the same way', async () => {
    const cause = Object.assign(new Error("Cannot find module 'onnxruntime-node'"), { code: 'MODULE_NOT_FOUND' });
    const error = (await importRuntime('onnxruntime-node', () => Promise.reject(cause)).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^onnxruntime-node is not installed: .* npm install onnxruntime-node@~1\.30\.0 \(Cannot find module 'onnxruntime-node'\)$/);
  });

  it('an installed runtime that fails to load (a broken native binary) is not told to be installed', async () => {
    const cause = new Error('libonnxruntime.so.1: cannot open shared object file');
    const error = (await importRuntime('onnxruntime-node', () => Promise.reject(cause)).catch((e: unknown) => e)) as BackendUnavailableError;
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toBe('onnxruntime-node is installed but could not be loaded: libonnxruntime.so.1: cannot open shared object file');
  });

  it('returns the module when the import succeeds', async () => {
    const runtime = { version: '1.30.0' };
    await expect(importRuntime('onnxruntime-web', () => Promise.resolve(runtime))).resolves.toBe(runtime);
  });
});
