import * as tf from '@tensorflow/tfjs-core';
import { tfjs } from '@yolokit/backend-tfjs';
import { type BackendSession, type Float32Tensor, parseUltralyticsMetadata, YoloError } from '@yolokit/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';

const DARTS = 'models/yolov8n_darts_web_model';
const COCO = 'models/yolov8n_coco_web_model';

function filled(dims: readonly number[], value: number | ((i: number) => number)): Float32Tensor {
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  if (typeof value === 'number') data.fill(value);
  else for (let i = 0; i < data.length; i++) data[i] = value(i);
  return { data, dims };
}

/** Largest absolute difference; vitest's deep equality is slow on arrays of a million values. */
function maxDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return YoloError.isInstance(error) ? error.code : `not a YoloError: ${String(error)}`;
  }
}

describeWithFixtures(
  'TF.js backend: the genuine Ultralytics darts export (wasm)',
  [`${DARTS}/model.json`, `${DARTS}/metadata.yaml`, `${DARTS}/group1-shard1of1.bin`],
  () => {
    const backend = tfjs();
    let session: BackendSession;
    let tensorsBeforeLoad: number;
    beforeAll(async () => {
      await backend.selectRuntime();
      tensorsBeforeLoad = tf.memory().numTensors;
      session = await backend.load(fixturePath(DARTS));
    });
    afterAll(async () => {
      await session?.dispose();
    });

    it('loads on wasm (tfjs-node is not installed here) and says so', () => {
      expect(session.runtime).toBe(`tfjs ${tf.version_core} (wasm)`);
    });

    it("finds the placeholder `x` although the signature lists no inputs, NHWC, 800x800", () => {
      expect(session.inputs).toEqual([{ name: 'x', shape: [1, 800, 800, 3] }]);
      expect(session.layout).toBe('NHWC');
    });

    it('learns the output shape [1, 11, 13125] (model.json does not store it)', () => {
      expect(session.outputs).toEqual([{ name: 'Identity', shape: [1, 11, 13125] }]);
    });

    it('reads the 7 class names and imgsz 800 from metadata.yaml', () => {
      const metadata = parseUltralyticsMetadata(session.metadata);
      expect(metadata.names).toEqual({ 0: '20', 1: '3', 2: '11', 3: '6', 4: 'dart', 5: '9', 6: '15' });
      expect(metadata.classCount).toBe(7);
      expect(metadata.imgsz).toEqual([800, 800]);
      expect(metadata.stride).toBe(32);
      expect(metadata.task).toBe('detect');
      expect(session.metadata.version).toBe('8.3.224');
      // 4 box values + 7 class scores per anchor: the metadata agrees with the output.
      expect(session.outputs[0].shape[1]).toBe(4 + metadata.classCount);
    });

    it('runs: a [1, 11, 13125] float32 output, boxes in input pixels, scores in 0..1', async () => {
      const [output] = await session.run(filled([1, 800, 800, 3], (i) => ((i * 7919) % 255) / 255));
      expect(output.dims).toEqual([1, 11, 13125]);
      expect(output.data).toBeInstanceOf(Float32Array);
      expect(output.data.length).toBe(11 * 13125);
      expect(output.data.every(Number.isFinite)).toBe(true);
      const anchors = 13125;
      const cx = output.data.subarray(0, anchors);
      const scores = output.data.subarray(4 * anchors);
      // The last anchors belong to the stride-32 grid (25x25 cells of 32 px): their centres are in pixels.
      expect(Math.max(...cx)).toBeGreaterThan(700);
      expect(Math.min(...scores)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...scores)).toBeLessThanOrEqual(1);
    });

    it('keeps tensor memory flat over 50 runs', async () => {
      const input = filled([1, 800, 800, 3], 114 / 255);
      await session.run(input);
      const before = tf.memory();
      const started = performance.now();
      for (let i = 0; i < 50; i++) await session.run(input);
      const msPerRun = (performance.now() - started) / 50;
      const after = tf.memory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytes).toBe(before.numBytes);
      console.info(`[tfjs wasm] darts 800x800: ${msPerRun.toFixed(0)} ms per run (50 runs)`);
    }, 180_000);

    it('holds exactly its weights: 230 tensors, freed by dispose()', async () => {
      const other = await backend.load(fixturePath(DARTS));
      const loaded = tf.memory().numTensors;
      expect(loaded - tensorsBeforeLoad).toBe(2 * 230); // this session and the shared one
      await other.dispose();
      await other.dispose();
      expect(tf.memory().numTensors).toBe(tensorsBeforeLoad + 230);
      expect(await codeOf(other.run(filled([1, 800, 800, 3], 0)))).toBe('DISPOSED');
    });
  },
);

describeWithFixtures('TF.js backend: the COCO YOLOv8n web model (wasm)', [`${COCO}/model.json`, `${COCO}/metadata.yaml`], () => {
  const backend = tfjs({ runtime: 'wasm' });
  let session: BackendSession;
  beforeAll(async () => {
    session = await backend.load(fixturePath(`${COCO}/model.json`));
  });
  afterAll(async () => {
    await session?.dispose();
  });

  it('loads from the path of its model.json: 4 shards, 80 names, output [1, 84, 8400]', () => {
    expect(session.inputs).toEqual([{ name: 'x', shape: [1, 640, 640, 3] }]);
    expect(session.outputs).toEqual([{ name: 'Identity', shape: [1, 84, 8400] }]);
    const metadata = parseUltralyticsMetadata(session.metadata);
    expect(metadata.classCount).toBe(80);
    expect(metadata.names[0]).toBe('person');
    expect(metadata.names[79]).toBe('toothbrush');
  });

  it('serialises overlapping run() calls: each gets the result it would get alone', async () => {
    const inputs = [0.1, 0.4, 0.7, 1].map((level) => filled([1, 640, 640, 3], (i) => ((i % 640) / 640) * level));
    const alone: Float32Tensor[] = [];
    const started = performance.now();
    for (const input of inputs) alone.push((await session.run(input))[0]);
    const msPerRun = (performance.now() - started) / inputs.length;
    const together = await Promise.all(inputs.map((input) => session.run(input)));
    together.forEach(([output], i) => {
      expect(output.dims).toEqual([1, 84, 8400]);
      expect(maxDifference(output.data, alone[i].data)).toBe(0);
    });
    // Different inputs give different outputs, so the comparison above could tell calls apart.
    expect(maxDifference(alone[0].data, alone[3].data)).toBeGreaterThan(1);
    console.info(`[tfjs wasm] coco 640x640: ${msPerRun.toFixed(0)} ms per run`);
  });

  it('a rejected call (wrong input) does not disturb the calls queued with it', async () => {
    const good = filled([1, 640, 640, 3], 0.5);
    const results = await Promise.allSettled([
      session.run(good),
      session.run(filled([1, 320, 320, 3], 0.5)),
      session.run({ data: new Float32Array(10), dims: [1, 640, 640, 3] }),
      session.run(good),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    const reasons = results.filter((result) => result.status === 'rejected').map((result) => (result as PromiseRejectedResult).reason);
    expect(reasons.map((reason) => reason.code)).toEqual(['INVALID_OPTION', 'INVALID_OPTION']);
    expect(reasons[0].message).toBe("run(input): input.dims [1, 320, 320, 3] do not fit the model's input 'x' [1, 640, 640, 3] (-1 is any size)");
    expect(reasons[1].message).toBe('run(input): input.data has 10 values but dims [1, 640, 640, 3] need 1228800');
    const [first, , , last] = results as PromiseFulfilledResult<Float32Tensor[]>[];
    expect(maxDifference(last.value[0].data, first.value[0].data)).toBe(0);
  });
});
