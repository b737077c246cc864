import { TFJS_RUNTIMES, type TfjsBackendOptions, tfjs } from '@yolokit/backend-tfjs';
import { BACKEND_CONTRACT_VERSION, InvalidOptionError } from '@yolokit/core';
import { describe, expect, it } from 'vitest';

/** The InvalidOptionError that `tfjs(options)` throws, synchronously. */
function rejected(options: unknown): InvalidOptionError {
  try {
    tfjs(options as TfjsBackendOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error('expected tfjs() to throw');
}

describe('tfjs(options): validation, one test per message', () => {
  it('defaults', () => {
    const backend = tfjs();
    expect(backend.name).toBe('tfjs');
    expect(backend.contractVersion).toBe(BACKEND_CONTRACT_VERSION);
    expect(backend.options).toEqual({ runtime: 'auto', wasmPaths: undefined, warmup: true, requestInit: undefined });
    expect(TFJS_RUNTIMES).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu', 'webgl', 'webgpu']);
  });

  it('options must be an object', () => {
    const error = rejected('wasm');
    expect(error.option).toBe('options');
    expect(error.message).toBe('tfjs(options): options must be an object, got "wasm"');
  });

  it('unknown options are named, with the known ones', () => {
    const error = rejected({ runtme: 'cpu' });
    expect(error.option).toBe('options.runtme');
    expect(error.message).toBe('options.runtme is not a tfjs() option (did you mean options.runtime?); known options: runtime, wasmPaths, warmup, requestInit');
  });

  it('options.runtime must be a known runtime', () => {
    const error = rejected({ runtime: 'gpu' });
    expect(error.option).toBe('options.runtime');
    expect(error.message).toBe(
      "options.runtime must be one of 'auto', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu', 'webgl', 'webgpu', got \"gpu\"",
    );
  });

  it('options.wasmPaths must be a string or an object', () => {
    expect(rejected({ wasmPaths: 42 }).message).toBe(
      "options.wasmPaths must be a folder (a string ending in '/') or a map of the .wasm file names to locations, got 42",
    );
  });

  it('options.wasmPaths must not be empty', () => {
    expect(rejected({ wasmPaths: '' }).message).toBe('options.wasmPaths must not be empty: give the folder holding the .wasm files');
  });

  it('options.wasmPaths as a map must name all three binaries', () => {
    expect(rejected({ wasmPaths: { 'tfjs-backend-wasm.wasm': '/a.wasm' } }).message).toBe(
      'options.wasmPaths as a map must give a location for each of tfjs-backend-wasm.wasm, tfjs-backend-wasm-simd.wasm, ' +
        'tfjs-backend-wasm-threaded-simd.wasm; missing: tfjs-backend-wasm-simd.wasm, tfjs-backend-wasm-threaded-simd.wasm',
    );
  });

  it('options.warmup must be a boolean', () => {
    const error = rejected({ warmup: 'yes' });
    expect(error.option).toBe('options.warmup');
    expect(error.message).toBe('options.warmup must be a boolean, got "yes"');
  });

  it('options.requestInit must be an object', () => {
    expect(rejected({ requestInit: 'GET' }).message).toBe('options.requestInit must be a fetch RequestInit object, got "GET"');
  });

  it('valid options are kept', () => {
    const wasmPaths = {
      'tfjs-backend-wasm.wasm': '/w/a.wasm',
      'tfjs-backend-wasm-simd.wasm': '/w/b.wasm',
      'tfjs-backend-wasm-threaded-simd.wasm': '/w/c.wasm',
    };
    const requestInit = { headers: { authorization: 'Bearer x' } };
    expect(tfjs({ runtime: 'cpu', wasmPaths, warmup: false, requestInit }).options).toEqual({ runtime: 'cpu', wasmPaths, warmup: false, requestInit });
  });
});
