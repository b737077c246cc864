import { BACKEND_CONTRACT_VERSION, type InvalidOptionError, YoloError } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { onnx } from './onnx-node-backend.js';
import { onnxWeb } from './onnx-web-backend.js';

/** Calls `create` and returns the InvalidOptionError it throws, synchronously. */
function rejection(create: () => unknown): InvalidOptionError {
  try {
    create();
  } catch (error) {
    expect(YoloError.isInstance(error)).toBe(true);
    expect((error as YoloError).code).toBe('INVALID_OPTION');
    expect((error as Error).name).toBe('InvalidOptionError');
    return error as InvalidOptionError;
  }
  throw new Error('no error was thrown');
}

// Options are checked at run time for callers without TypeScript; the casts reach that path.
// biome-ignore lint/suspicious/noExplicitAny: deliberately wrong option values
type Loose = any;
const node = (options: Loose) => () => onnx(options);
const web = (options: Loose) => () => onnxWeb(options);

describe('onnx() option validation: one precise message per mistake', () => {
  const cases: [string, Loose, string, string][] = [
    ['options itself', 42, 'options', 'onnx(options): options must be an object, got 42'],
    ['options as an array', ['cpu'], 'options', 'onnx(options): options must be an object, got ["cpu"]'],
    [
      'a misspelt option',
      { intraOpThreads: 2 },
      'options.intraOpThreads',
      'options.intraOpThreads is not an onnx() option (did you mean options.intraOpNumThreads?); known options: executionProviders, intraOpNumThreads, interOpNumThreads, graphOptimizationLevel, executionMode, telemetry',
    ],
    [
      'an unknown option',
      { device: 'gpu' },
      'options.device',
      'options.device is not an onnx() option; known options: executionProviders, intraOpNumThreads, interOpNumThreads, graphOptimizationLevel, executionMode, telemetry',
    ],
    [
      'executionProviders as a string',
      { executionProviders: 'cuda' },
      'options.executionProviders',
      `options.executionProviders must be a non-empty array of execution providers such as ['cpu'], got "cuda"`,
    ],
    [
      'an empty executionProviders',
      { executionProviders: [] },
      'options.executionProviders',
      `options.executionProviders must be a non-empty array of execution providers such as ['cpu'], got []`,
    ],
    [
      'a provider that is a number',
      { executionProviders: ['cpu', 42] },
      'options.executionProviders[1]',
      `options.executionProviders[1] must be a provider name such as 'cpu' or an options object such as { name: 'cuda' }, got 42`,
    ],
    [
      'a provider that is an empty string',
      { executionProviders: [''] },
      'options.executionProviders[0]',
      `options.executionProviders[0] must be a provider name such as 'cpu', got an empty string`,
    ],
    [
      'a provider object without a name',
      { executionProviders: [{ deviceId: 0 }] },
      'options.executionProviders[0]',
      `options.executionProviders[0] is an object without a provider name: it needs a string name such as { name: 'cuda' }, got {"deviceId":0}`,
    ],
    ['a negative intraOpNumThreads', { intraOpNumThreads: -1 }, 'options.intraOpNumThreads', 'options.intraOpNumThreads must be a positive integer, got -1'],
    ['intraOpNumThreads 0', { intraOpNumThreads: 0 }, 'options.intraOpNumThreads', 'options.intraOpNumThreads must be a positive integer, got 0'],
    ['a fractional intraOpNumThreads', { intraOpNumThreads: 1.5 }, 'options.intraOpNumThreads', 'options.intraOpNumThreads must be a positive integer, got 1.5'],
    ['intraOpNumThreads as a string', { intraOpNumThreads: '2' }, 'options.intraOpNumThreads', 'options.intraOpNumThreads must be a positive integer, got "2"'],
    ['intraOpNumThreads NaN', { intraOpNumThreads: Number.NaN }, 'options.intraOpNumThreads', 'options.intraOpNumThreads must be a positive integer, got NaN'],
    ['interOpNumThreads 0', { interOpNumThreads: 0 }, 'options.interOpNumThreads', 'options.interOpNumThreads must be a positive integer, got 0'],
    [
      'an unknown graphOptimizationLevel',
      { graphOptimizationLevel: 'max' },
      'options.graphOptimizationLevel',
      `options.graphOptimizationLevel must be one of 'disabled', 'basic', 'extended', 'all', got "max"`,
    ],
    [
      'a numeric graphOptimizationLevel',
      { graphOptimizationLevel: 99 },
      'options.graphOptimizationLevel',
      `options.graphOptimizationLevel must be one of 'disabled', 'basic', 'extended', 'all', got 99`,
    ],
    [
      'an unknown executionMode',
      { executionMode: 'async' },
      'options.executionMode',
      `options.executionMode must be one of 'sequential', 'parallel', got "async"`,
    ],
    ['telemetry as a string', { telemetry: 'false' }, 'options.telemetry', 'options.telemetry must be a boolean, got "false"'],
    ['telemetry as a number', { telemetry: 0 }, 'options.telemetry', 'options.telemetry must be a boolean, got 0'],
  ];
  for (const [what, options, option, message] of cases) {
    it(`rejects ${what}`, () => {
      const error = rejection(node(options));
      expect(error.message).toBe(message);
      expect(error.option).toBe(option);
    });
  }

  it('accepts every option in range, and no options at all', () => {
    for (const options of [
      undefined,
      {},
      { intraOpNumThreads: 1, interOpNumThreads: 4, graphOptimizationLevel: 'basic', executionMode: 'parallel' },
      { executionProviders: ['cuda', { name: 'cuda', deviceId: 1 }, 'tensorrt', 'coreml', 'dml', 'cpu'] },
      { intraOpNumThreads: undefined },
      { telemetry: true },
      { telemetry: false },
    ] as const) {
      const backend = onnx(options);
      expect(backend.name).toBe('onnxruntime-node');
      expect(backend.contractVersion).toBe(BACKEND_CONTRACT_VERSION);
    }
  });
});

describe('onnxWeb() option validation: one precise message per mistake', () => {
  const cases: [string, Loose, string, string][] = [
    ['options itself', 'wasm', 'options', 'onnxWeb(options): options must be an object, got "wasm"'],
    [
      'an option of the Node backend',
      { intraOpNumThreads: 2 },
      'options.intraOpNumThreads',
      'options.intraOpNumThreads is not an onnxWeb() option; known options: executionProviders, numThreads, wasmPaths',
    ],
    [
      'a misspelt option',
      { numThread: 2 },
      'options.numThread',
      'options.numThread is not an onnxWeb() option (did you mean options.numThreads?); known options: executionProviders, numThreads, wasmPaths',
    ],
    ['numThreads 0', { numThreads: 0 }, 'options.numThreads', 'options.numThreads must be a positive integer, got 0'],
    ['a negative numThreads', { numThreads: -1 }, 'options.numThreads', 'options.numThreads must be a positive integer, got -1'],
    [
      'an empty executionProviders',
      { executionProviders: [] },
      'options.executionProviders',
      `options.executionProviders must be a non-empty array of execution providers such as ['cpu'], got []`,
    ],
    [
      'a provider that is null',
      { executionProviders: [null] },
      'options.executionProviders[0]',
      `options.executionProviders[0] must be a provider name such as 'cpu' or an options object such as { name: 'cuda' }, got null`,
    ],
    ['a wasmPaths prefix without a trailing slash', { wasmPaths: '/static/ort' }, 'options.wasmPaths', `options.wasmPaths is a folder prefix and must end with '/', got "/static/ort"`],
    [
      'a wasmPaths URL without a trailing slash',
      { wasmPaths: new URL('https://cdn.example.com/ort') },
      'options.wasmPaths',
      `options.wasmPaths is a folder prefix and must end with '/', got "https://cdn.example.com/ort"`,
    ],
    [
      'a wasmPaths number',
      { wasmPaths: 42 },
      'options.wasmPaths',
      `options.wasmPaths must be a folder URL ending in '/' or an object { wasm, mjs } of file URLs, got 42`,
    ],
    [
      'a wasmPaths object with an unknown key',
      { wasmPaths: { 'ort-wasm.wasm': '/ort-wasm.wasm' } },
      'options.wasmPaths.ort-wasm.wasm',
      `options.wasmPaths may only have the keys wasm and mjs (URLs of onnxruntime-web's files), got options.wasmPaths.ort-wasm.wasm`,
    ],
    [
      'a wasmPaths object with an empty URL',
      { wasmPaths: { wasm: '' } },
      'options.wasmPaths.wasm',
      'options.wasmPaths.wasm must be a URL or a non-empty string, got ""',
    ],
  ];
  for (const [what, options, option, message] of cases) {
    it(`rejects ${what}`, () => {
      const error = rejection(web(options));
      expect(error.message).toBe(message);
      expect(error.option).toBe(option);
    });
  }

  it('accepts every option in range, and no options at all', () => {
    for (const options of [
      undefined,
      { numThreads: 2 },
      { wasmPaths: '/static/ort/' },
      { wasmPaths: new URL('https://cdn.example.com/ort/') },
      { wasmPaths: { wasm: new URL('https://cdn.example.com/a.wasm'), mjs: '/a.mjs' } },
      { executionProviders: ['webgpu', { name: 'wasm' }] },
    ] as const) {
      const backend = onnxWeb(options);
      expect(backend.name).toBe('onnxruntime-web');
      expect(backend.contractVersion).toBe(BACKEND_CONTRACT_VERSION);
    }
  });
});
