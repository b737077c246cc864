import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { onnx, readOnnxMetadata } from '@yolokit/backend-onnx';
import { onnxWeb } from '@yolokit/backend-onnx/web';
import {
  type Backend,
  type BackendSession,
  type BackendUnavailableError,
  createModel,
  type Float32Tensor,
  parseUltralyticsMetadata,
  pixelsToTensor,
  SharpImageDecoder,
  YoloError,
} from '@yolokit/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';

/** Input and output shapes and metadata from fixtures/PROVENANCE.md (end2end as each file really carries it). */
const models = [
  { file: 'models/yolov8n_int8.onnx', input: [1, 3, 640, 640], output: [1, 84, 8400], classCount: 80, first: 'person', imgsz: [640, 640], end2end: false },
  { file: 'models/yolov10n_int8.onnx', input: [1, 3, 640, 640], output: [1, 300, 6], classCount: 80, first: 'person', imgsz: [640, 640], end2end: true },
  { file: 'models/yolo11n_int8_320.onnx', input: [1, 3, 320, 320], output: [1, 84, 2100], classCount: 80, first: 'person', imgsz: [320, 320], end2end: false },
  { file: 'models/face_yolo11n_filtered_int8.onnx', input: [1, 3, 640, 640], output: [1, 5, 8400], classCount: 1, first: 'face', imgsz: [640, 640], end2end: false },
] as const;

async function failure(promise: Promise<unknown>): Promise<YoloError & { source?: string; available?: readonly string[] }> {
  try {
    await promise;
  } catch (error) {
    expect(YoloError.isInstance(error)).toBe(true);
    return error as YoloError;
  }
  throw new Error('expected a rejection');
}

async function withSession<T>(backend: Backend, source: Parameters<Backend['load']>[0], body: (session: BackendSession) => Promise<T>): Promise<T> {
  const session = await backend.load(source);
  try {
    return await body(session);
  } finally {
    await session.dispose();
  }
}

/** A deterministic input with structure (a gradient per channel), so outputs are not all alike. */
function gradient(dims: readonly number[]): Float32Tensor {
  const [, channels, height, width] = dims;
  const data = new Float32Array(channels * height * width);
  for (let c = 0, i = 0; c < channels; c++) for (let y = 0; y < height; y++) for (let x = 0; x < width; x++, i++) data[i] = ((x + 2 * y + 97 * c) % 256) / 255;
  return { data, dims };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs once to warm up, then `times` more; returns the first outputs and the median ms of the timed runs. */
async function timedRuns(session: BackendSession, input: Float32Tensor, times = 3): Promise<{ outputs: Float32Tensor[]; ms: number }> {
  const outputs = await session.run(input);
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await session.run(input);
    ms.push(performance.now() - started);
  }
  return { outputs, ms: median(ms) };
}

describeWithFixtures('onnxruntime-node loads the Ultralytics exports', models.map((m) => m.file), () => {
  for (const model of models) {
    it(`${model.file}: shapes ${JSON.stringify(model.input)} → ${JSON.stringify(model.output)}, ${model.classCount} classes, imgsz ${model.imgsz.join('x')}, end2end ${model.end2end}`, () =>
      withSession(onnx(), fixturePath(model.file), async (session) => {
        expect(session.inputs).toEqual([{ name: 'images', shape: model.input }]);
        expect(session.outputs).toEqual([{ name: 'output0', shape: model.output }]);
        expect(session.layout).toBe('NCHW');
        expect(session.runtime).toMatch(/^onnxruntime-node 1\.30\.\d+ \(cpu\)$/);
        const metadata = parseUltralyticsMetadata(session.metadata);
        expect(metadata.classCount).toBe(model.classCount);
        expect(metadata.names[0]).toBe(model.first);
        expect(metadata.imgsz).toEqual(model.imgsz);
        expect(metadata.end2end).toBe(model.end2end);
        expect(metadata.stride).toBe(32);
        expect(metadata.task).toBe('detect');
        const [output] = await session.run(gradient(model.input));
        expect(output.dims).toEqual(model.output);
        expect(output.data.length).toBe(model.output.reduce<number>((a, b) => a * b, 1));
        expect(output.data.every(Number.isFinite)).toBe(true);
      }));
  }

  it('the face model names exactly one class, face; yolov8n names the 80 COCO classes ending in toothbrush', async () => {
    const face = readOnnxMetadata(await readFile(fixturePath('models/face_yolo11n_filtered_int8.onnx')));
    expect(parseUltralyticsMetadata(face).names).toEqual({ 0: 'face' });
    const coco = parseUltralyticsMetadata(readOnnxMetadata(await readFile(fixturePath('models/yolov8n_int8.onnx'))));
    expect(coco.names[79]).toBe('toothbrush');
    expect(coco.names[5]).toBe('bus');
  });

  it('yolov10n really carries end2end: True (and yolov8n end2end: False) as strings in metadata_props', async () => {
    expect(readOnnxMetadata(await readFile(fixturePath('models/yolov10n_int8.onnx'))).end2end).toBe('True');
    expect(readOnnxMetadata(await readFile(fixturePath('models/yolov8n_int8.onnx'))).end2end).toBe('False');
  });

  it('a path, a file: URL, an http URL, a Uint8Array and an ArrayBuffer load the same model and give the same output', async () => {
    const file = fixturePath('models/yolo11n_int8_320.onnx');
    const bytes = await readFile(file);
    const server: Server = createServer((_request, response) => response.writeHead(200).end(bytes));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/yolo11n.onnx`;
      const arrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      const input = gradient([1, 3, 320, 320]);
      const outputs: Float32Array[] = [];
      for (const source of [file, pathToFileURL(file), pathToFileURL(file).href, url, new Uint8Array(bytes), arrayBuffer]) {
        await withSession(onnx({ intraOpNumThreads: 1 }), source, async (session) => {
          expect(parseUltralyticsMetadata(session.metadata).imgsz).toEqual([320, 320]);
          outputs.push((await session.run(input))[0].data);
        });
      }
      // Same runtime, same thread count, same input: bit-identical.
      for (const output of outputs.slice(1)) expect(output).toEqual(outputs[0]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('dispose() is idempotent and a disposed session refuses to run with DISPOSED', async () => {
    const session = await onnx().load(fixturePath('models/yolo11n_int8_320.onnx'));
    await Promise.all([session.dispose(), session.dispose()]);
    await session.dispose();
    expect((await failure(session.run(gradient([1, 3, 320, 320])))).code).toBe('DISPOSED');
  });

  it('a wrongly sized input fails with INFERENCE_FAILED naming the runtime and the dims, with the cause', async () => {
    await withSession(onnx(), fixturePath('models/yolo11n_int8_320.onnx'), async (session) => {
      const error = await failure(session.run(gradient([1, 3, 640, 640])));
      expect(error.code).toBe('INFERENCE_FAILED');
      expect(error.message).toMatch(/^onnxruntime-node 1\.30\.\d+ \(cpu\) failed to run the model on an input of dims \[1, 3, 640, 640\]: [\s\S]*Got: 640 Expected: 320/);
      expect(error.cause).toBeInstanceOf(Error);
    });
  });

  it('keeps no reference to the input once run() settles (checked with the garbage collector)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    await withSession(onnx(), fixturePath('models/yolo11n_int8_320.onnx'), async (session) => {
      const runOnce = async () => {
        const input = gradient([1, 3, 320, 320]);
        await session.run(input);
        return new WeakRef(input.data);
      };
      const reference = await runOnce();
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
      expect(reference.deref()).toBeUndefined();
    });
  });
});

describeWithFixtures('unreadable models and unavailable providers fail with typed errors', ['models/yolo11n_int8_320.onnx'], () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'yolokit-backend-onnx-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  /** A well-formed ModelProto envelope whose graph is junk: only the runtime can tell. */
  function junkGraphModel(): Uint8Array {
    const junk = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff);
    // ir_version (field 1, varint) = 8, then graph (field 7, length-delimited) of 64 bytes.
    return Uint8Array.of(0x08, 8, 0x3a, junk.length, ...junk);
  }

  for (const [name, backend] of [
    ['onnxruntime-node', () => onnx()],
    ['onnxruntime-web', () => onnxWeb()],
  ] as const) {
    it(`${name}: a text file and a zero-byte file are MODEL_INVALID, naming the file`, async () => {
      const text = join(folder, 'readme.onnx');
      const empty = join(folder, 'empty.onnx');
      await writeFile(text, '# Not a model\nThis file is text, saved with an .onnx name by mistake.\n');
      await writeFile(empty, '');
      const textError = await failure(backend().load(text));
      expect(textError.code).toBe('MODEL_INVALID');
      expect(textError.source).toBe(text);
      expect(textError.message).toMatch(new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not an ONNX model: `));
      expect(textError.cause).toBeDefined();
      const emptyError = await failure(backend().load(empty));
      expect(emptyError.code).toBe('MODEL_INVALID');
      expect(emptyError.message).toMatch(/is not an ONNX model: the data is empty \(0 bytes\)\. Pass an \.onnx file exported by Ultralytics/);
    });

    it(`${name}: a truncated model is MODEL_INVALID and a missing path MODEL_NOT_FOUND`, async () => {
      const bytes = await readFile(fixturePath('models/yolo11n_int8_320.onnx'));
      const truncated = await failure(backend().load(bytes.subarray(0, Math.floor(bytes.length / 2))));
      expect(truncated.code).toBe('MODEL_INVALID');
      expect(truncated.message).toMatch(/truncated/);
      const missing = join(folder, 'missing', 'yolov8n.onnx');
      const notFound = await failure(backend().load(missing));
      expect(notFound.code).toBe('MODEL_NOT_FOUND');
      expect(notFound.message).toMatch(new RegExp(`^model file not found: ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\. Check the path`));
    });

    it(`${name}: a protobuf envelope around a junk graph is MODEL_INVALID with the runtime's error as cause`, async () => {
      const error = await failure(backend().load(junkGraphModel()));
      expect(error.code).toBe('MODEL_INVALID');
      expect(error.message).toMatch(new RegExp(`^<Uint8Array \\d+ bytes> is not a model ${name} can load: `));
      expect(error.cause).toBeInstanceOf(Error);
    });
  }

  it("onnxruntime-node: executionProviders ['cuda'] is BACKEND_UNAVAILABLE listing 'cpu', also through createModel", async () => {
    const error = (await failure(onnx({ executionProviders: ['cuda'] }).load(fixturePath('models/yolo11n_int8_320.onnx')))) as BackendUnavailableError;
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.name).toBe('BackendUnavailableError');
    expect(error.available).toContain('cpu');
    expect(error.available).not.toContain('cuda');
    expect(error.message).toMatch(/^execution provider 'cuda' could not be started by onnxruntime-node 1\.30\.\d+ on linux\/x64: .*Available providers: cpu\b/);
    const throughCore = await failure(createModel({ backend: onnx({ executionProviders: [{ name: 'cuda', deviceId: 0 }, 'cpu'] }), model: fixturePath('models/yolo11n_int8_320.onnx') }));
    expect(throughCore.code).toBe('BACKEND_UNAVAILABLE');
  });

  it("onnxruntime-node: a provider it does not know ('coreml' on Linux, 'wasm') is BACKEND_UNAVAILABLE before the model is read", async () => {
    const missing = join(folder, 'never-read.onnx');
    for (const [provider, hint] of [
      ['coreml', /CoreML is only available on macOS/],
      ['wasm', /use onnxWeb\(\) from '@yolokit\/backend-onnx\/web'/],
    ] as const) {
      if (provider === 'coreml' && process.platform === 'darwin') continue;
      const error = (await failure(onnx({ executionProviders: [provider, 'cpu'] }).load(missing))) as BackendUnavailableError;
      expect(error.code).toBe('BACKEND_UNAVAILABLE');
      expect(error.message).toMatch(new RegExp(`^execution provider '${provider}' is not available in onnxruntime-node`));
      expect(error.message).toMatch(hint);
      expect(error.available).toContain('cpu');
    }
  });

  it("onnxruntime-web in Node: 'webgpu' is BACKEND_UNAVAILABLE listing 'wasm'", async () => {
    const error = (await failure(onnxWeb({ executionProviders: ['webgpu'] }).load(fixturePath('models/yolo11n_int8_320.onnx')))) as BackendUnavailableError;
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.available).toEqual(['wasm', 'cpu']);
    expect(error.message).toMatch(/^execution provider 'webgpu' is not available in onnxruntime-web in Node\. Available providers: wasm, cpu\./);
  });
});

describeWithFixtures(
  'onnxruntime-web (wasm, in Node) against onnxruntime-node on bus.jpg',
  ['images/bus.jpg', 'models/yolov8n_int8.onnx', 'models/yolov8n_fp32.onnx'],
  () => {
    let input: Float32Tensor;
    beforeAll(async () => {
      const { pixels } = await new SharpImageDecoder().letterbox(fixturePath('images/bus.jpg'), { width: 640, height: 640 });
      input = pixelsToTensor(pixels, 640, 640, 'NCHW');
    });

    async function both(file: string) {
      const node = await withSession(onnx({ intraOpNumThreads: 1 }), fixturePath(file), async (session) => ({ session, ...(await timedRuns(session, input)) }));
      const web = await withSession(onnxWeb(), fixturePath(file), async (session) => ({ session, ...(await timedRuns(session, input)) }));
      console.log(`${file}: ${node.session.runtime} ${node.ms.toFixed(0)} ms/run, ${web.session.runtime} ${web.ms.toFixed(0)} ms/run (median of 3 after a warm-up)`);
      return { node, web };
    }

    /** Largest |a - b| over rows [from, to) of a [1, rows, anchors] output, over all anchors. */
    function maxDifference(a: Float32Tensor, b: Float32Tensor, from: number, to: number): number {
      const anchors = a.dims[2];
      let max = 0;
      for (let i = from * anchors; i < to * anchors; i++) max = Math.max(max, Math.abs(a.data[i] - b.data[i]));
      return max;
    }

    /** Classes that have at least one anchor scoring above `threshold` in a [1, 84, anchors] output. */
    function confidentClasses(output: Float32Tensor, threshold: number): number[] {
      const anchors = output.dims[2];
      const classes = new Set<number>();
      for (let c = 0; c < output.dims[1] - 4; c++) {
        for (let j = 0; j < anchors; j++) if (output.data[(c + 4) * anchors + j] > threshold) classes.add(c);
      }
      return [...classes].sort((x, y) => x - y);
    }

    it('yolov8n_int8: both runtimes give [1, 84, 8400] and the same confident classes (person, bus) above 0.4', async () => {
      const { node, web } = await both('models/yolov8n_int8.onnx');
      expect(web.session.runtime).toMatch(/^onnxruntime-web 1\.30\.\d+ \(wasm, \d+ threads?\)$/);
      expect(web.session.inputs).toEqual(node.session.inputs);
      expect(web.session.outputs).toEqual(node.session.outputs);
      expect(web.session.metadata).toEqual(node.session.metadata);
      expect(web.outputs[0].dims).toEqual([1, 84, 8400]);
      expect(node.outputs[0].dims).toEqual([1, 84, 8400]);
      // Dynamic int8 quantizes activations at run time and the two runtimes do it differently (FACTS.md), so raw
      // scores are not compared; what is detected is.
      expect(confidentClasses(node.outputs[0], 0.4)).toEqual([0, 5]);
      expect(confidentClasses(web.outputs[0], 0.4)).toEqual([0, 5]);
    });

    it('onnxruntime-web reads numThreads once per process: a later backend asking for another count is INVALID_OPTION', async () => {
      const runtime = await withSession(onnxWeb(), fixturePath('models/yolov8n_int8.onnx'), async (session) => session.runtime);
      const threads = Number(/, (\d+) threads?\)$/.exec(runtime)?.[1]);
      expect(threads).toBeGreaterThanOrEqual(1);
      const error = await failure(onnxWeb({ numThreads: threads + 1 }).load(fixturePath('models/yolov8n_int8.onnx')));
      expect(error.code).toBe('INVALID_OPTION');
      expect(error.message).toBe(
        `options.numThreads is ${threads + 1}, but onnxruntime-web already started in this realm with ${threads} thread(s) and reads the setting only once; give every onnxWeb() the same numThreads, or leave it unset`,
      );
      // The same count as the running one is fine.
      await withSession(onnxWeb({ numThreads: threads }), fixturePath('models/yolov8n_int8.onnx'), async (session) => {
        expect(session.runtime).toBe(runtime);
      });
    });

    it('yolov8n_fp32: the runtimes agree to within 1e-2 px on every box and 1e-4 on every score', async () => {
      const { node, web } = await both('models/yolov8n_fp32.onnx');
      expect(web.outputs[0].dims).toEqual(node.outputs[0].dims);
      // Measured on this input: 8.2e-4 px (boxes, all 8400 anchors) and 2.2e-6 (scores): float32 summation order
      // differs between the native and the WebAssembly kernels, nothing more. PROVENANCE.md saw up to 7.9e-3 px over
      // 128 COCO images against TF.js, hence 1e-2.
      const boxes = maxDifference(node.outputs[0], web.outputs[0], 0, 4);
      const scores = maxDifference(node.outputs[0], web.outputs[0], 4, 84);
      console.log(`yolov8n_fp32 node vs web: max box difference ${boxes.toExponential(2)} px, max score difference ${scores.toExponential(2)}`);
      expect(boxes).toBeLessThan(1e-2);
      expect(scores).toBeLessThan(1e-4);
      expect(confidentClasses(web.outputs[0], 0.4)).toEqual(confidentClasses(node.outputs[0], 0.4));
    });
  },
);
