import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BackendUnavailableError, type Float32Tensor, YoloError } from '@yolokit/core';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { loadOnnxSession, type OnnxRuntimeBinding } from './onnx-session.js';

// A minimal ModelProto: ir_version, a (dummy) graph and two metadata entries.
function modelBytes(): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 0).int64(8);
  w.uint32((7 << 3) | 2).bytes(new Uint8Array(32));
  for (const [key, value] of [
    ['names', "{0: 'person'}"],
    ['imgsz', '[64, 64]'],
  ]) {
    w.uint32((14 << 3) | 2).fork().uint32((1 << 3) | 2).string(key).uint32((2 << 3) | 2).string(value).ldelim();
  }
  return w.finish();
}

interface FakeOptions {
  inputType?: string;
  outputs?: Record<string, { type: string; data: unknown; dims: number[] }>;
  run?: (feeds: Record<string, Tensor>) => Promise<void>;
}

function fakeRuntime(options: FakeOptions = {}) {
  const calls = { run: 0, release: 0, feeds: [] as string[][] };
  const outputs = options.outputs ?? {
    boxes: { type: 'float32', data: new Float32Array([1, 2, 3, 4, 5, 6]), dims: [1, 6] },
    scores: { type: 'float32', data: new Float32Array([0.5]), dims: [1, 1] },
  };
  const session = {
    inputNames: ['images'],
    outputNames: Object.keys(outputs).reverse(), // outputs in the model's order, not the object's
    inputMetadata: [{ name: 'images', isTensor: true, type: options.inputType ?? 'float32', shape: ['batch', 3, 64, -1] }],
    outputMetadata: Object.keys(outputs)
      .reverse()
      .map((name) => ({ name, isTensor: true, type: outputs[name].type, shape: [1, 'anchors'] })),
    async run(feeds: Record<string, Tensor>) {
      calls.run++;
      calls.feeds.push(Object.keys(feeds));
      await options.run?.(feeds);
      return Object.fromEntries(Object.entries(outputs).map(([name, o]) => [name, { ...o, location: 'cpu' }]));
    },
    async release() {
      calls.release++;
    },
  };
  const binding: OnnxRuntimeBinding = {
    runtimeName: 'fake-runtime',
    createSession: async () => session as unknown as InferenceSession,
    createTensor: (data, dims) => ({ type: 'float32', data, dims }) as unknown as Tensor,
    describeRuntime: () => 'fake-runtime 0.0.0 (cpu)',
    classifyCreateError: () => undefined,
  };
  return { binding, calls };
}

const input = (): Float32Tensor => ({ data: new Float32Array(3 * 64 * 64), dims: [1, 3, 64, 64] });

async function failure(promise: Promise<unknown>): Promise<YoloError> {
  try {
    await promise;
  } catch (error) {
    expect(YoloError.isInstance(error)).toBe(true);
    return error as YoloError;
  }
  throw new Error('expected a rejection');
}

describe('OnnxSession over a runtime session', () => {
  it('describes inputs and outputs in model order with symbolic dimensions as -1, and carries the metadata', async () => {
    const { binding } = fakeRuntime();
    const session = await loadOnnxSession(modelBytes(), undefined, binding);
    expect(session.inputs).toEqual([{ name: 'images', shape: [-1, 3, 64, -1] }]);
    expect(session.outputs).toEqual([
      { name: 'scores', shape: [1, -1] },
      { name: 'boxes', shape: [1, -1] },
    ]);
    expect(session.layout).toBe('NCHW');
    expect(session.runtime).toBe('fake-runtime 0.0.0 (cpu)');
    expect(session.metadata).toEqual({ names: "{0: 'person'}", imgsz: '[64, 64]' });
    expect(Object.isFrozen(session.metadata)).toBe(true);
  });

  it('returns every output in the order of session.outputs, feeding the first input by name', async () => {
    const { binding, calls } = fakeRuntime();
    const session = await loadOnnxSession(modelBytes(), undefined, binding);
    const [scores, boxes] = await session.run(input());
    expect(Array.from(scores.data)).toEqual([0.5]);
    expect(scores.dims).toEqual([1, 1]);
    expect(Array.from(boxes.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(calls.feeds).toEqual([['images']]);
  });

  it('converts int64, int32 and float16 outputs to float32', async () => {
    const { binding } = fakeRuntime({
      outputs: {
        a: { type: 'int64', data: BigInt64Array.of(3n, -7n), dims: [2] },
        b: { type: 'int32', data: Int32Array.of(5, 6), dims: [2] },
        // float16 bit patterns of 1, -2, 0.5 and 65504 (the largest half).
        c: { type: 'float16', data: Uint16Array.of(0x3c00, 0xc000, 0x3800, 0x7bff), dims: [4] },
      },
    });
    const session = await loadOnnxSession(modelBytes(), undefined, binding);
    const [c, b, a] = await session.run(input());
    expect(Array.from(a.data)).toEqual([3, -7]);
    expect(Array.from(b.data)).toEqual([5, 6]);
    expect(Array.from(c.data)).toEqual([1, -2, 0.5, 65504]);
    for (const output of [a, b, c]) expect(output.data).toBeInstanceOf(Float32Array);
  });

  it('wraps a runtime failure in INFERENCE_FAILED with the cause, and checks the input size first', async () => {
    const cause = new Error('Got invalid dimensions for input: images');
    const { binding } = fakeRuntime({ run: async () => Promise.reject(cause) });
    const session = await loadOnnxSession(modelBytes(), undefined, binding);
    const error = await failure(session.run(input()));
    expect(error.code).toBe('INFERENCE_FAILED');
    expect(error.message).toBe('fake-runtime 0.0.0 (cpu) failed to run the model on an input of dims [1, 3, 64, 64]: Got invalid dimensions for input: images');
    expect(error.cause).toBe(cause);
    const short = await failure(session.run({ data: new Float32Array(5), dims: [1, 3, 64, 64] }));
    expect(short.code).toBe('INFERENCE_FAILED');
    expect(short.message).toBe('the input tensor must be a Float32Array of 12288 values for dims [1, 3, 64, 64], got 5 values');
  });

  it('refuses a model whose image input is not float32 (a half=True export), releasing the session', async () => {
    const { binding, calls } = fakeRuntime({ inputType: 'float16' });
    const error = await failure(loadOnnxSession(modelBytes(), undefined, binding));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toMatch(/input 'images' is float16, but yolokit feeds float32 images/);
    expect(calls.release).toBe(1);
  });

  it('passes on the error a binding classifies (an unavailable provider) and wraps others in MODEL_INVALID', async () => {
    const { binding } = fakeRuntime();
    const unavailable = new BackendUnavailableError('no gpu', ['cpu']);
    const classified = await failure(
      loadOnnxSession(modelBytes(), undefined, { ...binding, createSession: () => Promise.reject(new Error('x')), classifyCreateError: () => unavailable }),
    );
    expect(classified).toBe(unavailable);
    const cause = new Error('Load model from memory failed:Protobuf parsing failed.');
    const invalid = await failure(loadOnnxSession(modelBytes(), undefined, { ...binding, createSession: () => Promise.reject(cause) }));
    expect(invalid.code).toBe('MODEL_INVALID');
    expect(invalid.cause).toBe(cause);
    expect(invalid.message).toMatch(/^<Uint8Array \d+ bytes> is not a model fake-runtime can load: Load model from memory failed:Protobuf parsing failed\. Pass an \.onnx file/);
  });

  it('dispose() is idempotent, waits for runs in progress, then releases once; run() afterwards rejects with DISPOSED', async () => {
    let finish!: () => void;
    const { binding, calls } = fakeRuntime({ run: () => new Promise<void>((resolve) => (finish = resolve)) });
    const session = await loadOnnxSession(modelBytes(), undefined, binding);
    const running = session.run(input());
    await new Promise((resolve) => setTimeout(resolve, 0));
    const first = session.dispose();
    const second = session.dispose();
    expect(second).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls.release).toBe(0); // still waiting for the run
    finish();
    expect((await running).length).toBe(2);
    await first;
    await session.dispose();
    expect(calls.release).toBe(1);
    const error = await failure(session.run(input()));
    expect(error.code).toBe('DISPOSED');
  });

  it('aborts a load whose signal fires, releasing a session that was created meanwhile', async () => {
    const controller = new AbortController();
    const { binding, calls } = fakeRuntime();
    const pending = loadOnnxSession(modelBytes(), { signal: controller.signal }, {
      ...binding,
      createSession: async (bytes) => {
        const session = await binding.createSession(bytes);
        controller.abort();
        return session;
      },
    });
    expect((await failure(pending)).code).toBe('ABORTED');
    expect(calls.release).toBe(1);
  });

  it('keeps no reference to the input once run() settles', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { binding } = fakeRuntime();
    const session = await loadOnnxSession(modelBytes(), undefined, binding);
    const runOnce = async () => {
      const tensor = input();
      await session.run(tensor);
      return new WeakRef(tensor.data);
    };
    const reference = await runOnce();
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(reference.deref()).toBeUndefined();
  });
});
