import { describe, expect, it } from 'vitest';
import type { Backend, BackendSession, Float32Tensor } from './backend.js';
import { createModel } from './create-model.js';
import { InvalidOptionError } from './errors.js';
import type { ImageDecoder } from './image-input.js';
import { Result } from './result.js';

// Classifiers end to end through YoloModel.predict with a fake session (core's own seam): the input it is given
// (Ultralytics' classify transform, not the letterbox) and what its [1, nc] probabilities become.

const PROBS = [0.05, 0.4, 0.1, 0.2, 0.1, 0.15];
const NAMES = "{0: 'circle', 1: 'square', 2: 'triangle', 3: 'ring', 4: 'star', 5: 'cross'}";

function fakeClassifier(options: { metadata?: Record<string, string>; outputShape?: number[]; input?: number[]; probs?: number[] } = {}) {
  const seen: Float32Tensor[] = [];
  const probs = options.probs ?? PROBS;
  const session: BackendSession = {
    inputs: [{ name: 'images', shape: options.input ?? [1, 3, 4, 4] }],
    outputs: [{ name: 'output0', shape: options.outputShape ?? [1, probs.length] }],
    layout: 'NCHW',
    metadata: options.metadata ?? { task: 'classify', names: NAMES, imgsz: '[4, 4]' },
    runtime: 'fake',
    async run(input) {
      seen.push({ data: input.data.slice(), dims: [...input.dims] });
      return [{ data: Float32Array.from(probs), dims: [1, probs.length] }];
    },
    async dispose() {},
  };
  const backend: Backend = { name: 'fake', contractVersion: 1, load: async () => session };
  return { backend, seen };
}

// 12×4 raw image, column x has value 20x (all channels): the classify transform at 4 resizes 12×4 → 12×4 (short side
// already 4, long int(4·12/4) = 12: no resize) and crops columns 4–7: values 80, 100, 120, 140. A letterbox would
// have shrunk it to 4×1 between gray rows instead.
const IMAGE = {
  data: Uint8Array.from({ length: 12 * 4 * 3 }, (_, i) => 20 * (Math.floor(i / 3) % 12)),
  width: 12,
  height: 4,
  channels: 3 as const,
};

describe('classify models through YoloModel.predict', () => {
  it('feeds the centre crop, returns probs in class order and the top five, no detections', async () => {
    const { backend, seen } = fakeClassifier();
    const model = await createModel({ backend, model: 'fake.onnx' });
    expect(model.info.task).toBe('classify');
    const result = await model.predict(IMAGE);
    // NCHW, every row of every channel: 80, 100, 120, 140 (÷ 255).
    const row = [80, 100, 120, 140].map((v) => v / 255);
    Array.from(seen[0].data).forEach((v, i) => {
      expect(v).toBeCloseTo(row[i % 4], 6);
    });
    expect(result.task).toBe('classify');
    expect(result.detections).toEqual([]);
    expect([result.width, result.height]).toEqual([12, 4]);
    expect(Array.from(result.probs ?? [])).toEqual(PROBS.map(Math.fround));
    // 0.4 square, 0.2 ring, 0.15 cross, then the tie 0.1 triangle / 0.1 star in class order, then circle dropped.
    expect(result.top5?.map((c) => c.className)).toEqual(['square', 'ring', 'cross', 'triangle', 'star']);
    expect(result.top5?.map((c) => c.classId)).toEqual([1, 3, 5, 2, 4]);
    expect(result.top5?.[0].confidence).toBeCloseTo(0.4, 6);
    expect(result.top1).toEqual(result.top5?.[0]);
    await model.dispose();
  });

  it('lists fewer than five when the model has fewer classes', async () => {
    const { backend } = fakeClassifier({ probs: [0.3, 0.7], metadata: { task: 'classify', names: "{0: 'cat', 1: 'dog'}" } });
    const model = await createModel({ backend, model: 'fake.onnx' });
    expect((await model.predict(IMAGE)).top5?.map((c) => [c.className, Number(c.confidence.toFixed(2))])).toEqual([
      ['dog', 0.7],
      ['cat', 0.3],
    ]);
    await model.dispose();
  });

  it('carries probs and top5 through JSON and the wire form', async () => {
    const { backend } = fakeClassifier();
    const model = await createModel({ backend, model: 'fake.onnx' });
    const result = await model.predict(IMAGE);
    await model.dispose();
    const json = JSON.parse(JSON.stringify(result));
    expect(Object.keys(json)).toEqual(['task', 'width', 'height', 'detections', 'probs', 'top5', 'speed']);
    expect(json.task).toBe('classify');
    expect(json.probs).toHaveLength(6);
    expect(json.top5[0]).toEqual({ classId: 1, className: 'square', confidence: Math.fround(0.4) });
    const wire = result.toWire('bytes');
    expect(wire.probs).toBeInstanceOf(Float32Array);
    expect(Array.isArray(result.toWire('base64').probs)).toBe(true);
    for (const back of [Result.fromJSON(json), Result.fromWire(wire), Result.fromWire(JSON.parse(JSON.stringify(result.toWire('base64'))))]) {
      expect(back.task).toBe('classify');
      expect(Array.from(back.probs ?? [])).toEqual(Array.from(result.probs ?? []));
      expect(back.top5).toEqual(result.top5);
    }
  });

  it('refuses detection options that would change nothing, naming them; conf passes and filters nothing', async () => {
    const { backend } = fakeClassifier();
    const model = await createModel({ backend, model: 'fake.onnx' });
    for (const [options, option] of [
      [{ iou: 0.5 }, 'options.iou'],
      [{ maxDet: 10 }, 'options.maxDet'],
      [{ classes: [1] }, 'options.classes'],
      [{ agnostic: true }, 'options.agnostic'],
      [{ retinaMasks: true }, 'options.retinaMasks'],
    ] as const) {
      const error = await model.predict(IMAGE, options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, option).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).option).toBe(option);
      expect((error as Error).message).toContain('does not apply to a classify model');
    }
    // Defaults given explicitly change nothing, so they pass (the CLI passes every option resolved).
    await expect(model.predict(IMAGE, { iou: 0.7, maxDet: 300, agnostic: false, retinaMasks: false })).resolves.toBeInstanceOf(Result);
    const confident = await model.predict(IMAGE, { conf: 0.9 });
    expect(confident.probs).toHaveLength(6);
    expect(confident.top5).toHaveLength(5);
    // The model's own defaults are held to the same rule.
    const withDefaults = await createModel({ backend, model: 'fake.onnx', defaults: { iou: 0.45 } });
    await expect(withDefaults.predict(IMAGE)).rejects.toThrow(/options\.iou \(0\.45\) does not apply to a classify model/);
    await model.dispose();
    await withDefaults.dispose();
  });

  it('a classifier known only by its output (no metadata, shapes unknown before a run) still gets the centre crop', async () => {
    const { backend, seen } = fakeClassifier({ metadata: { imgsz: '[4, 4]' }, outputShape: [-1, -1], input: [1, 3, -1, -1] });
    const model = await createModel({ backend, model: 'fake.onnx' });
    expect(model.info.task).toBeUndefined();
    const result = await model.predict(IMAGE);
    expect(result.task).toBe('classify');
    expect(result.top5?.[0].classId).toBe(1);
    // The first run was letterboxed (gray 114 rows), the second, which the result comes from, the crop.
    expect(seen).toHaveLength(2);
    expect(seen[0].data[0]).toBeCloseTo(114 / 255, 6);
    expect(seen[1].data[0]).toBeCloseTo(80 / 255, 6);
    await model.predict(IMAGE);
    expect(seen).toHaveLength(3);
    await model.dispose();
  });

  it('refuses a non-square input and a decoder without classifyCrop, saying why', async () => {
    const wide = fakeClassifier({ input: [1, 3, 4, 8] });
    const model = await createModel({ backend: wide.backend, model: 'fake.onnx' });
    await expect(model.predict(IMAGE)).rejects.toThrow(/square.*4x8/);
    await model.dispose();
    const letterboxOnly: ImageDecoder = { letterbox: async () => Promise.reject(new Error('not used')) };
    const plain = await createModel({ backend: fakeClassifier().backend, model: 'fake.onnx', imageDecoder: letterboxOnly });
    const error = await plain.predict(IMAGE).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toContain('classifyCrop');
    await plain.dispose();
  });
});
