import { describe, expect, it } from 'vitest';
import type { Backend, BackendSession } from './backend.js';
import { createModel } from './create-model.js';
import { UnsupportedOutputError } from './errors.js';
import { Result } from './result.js';

// Oriented-box models end to end through YoloModel.predict with a fake session (core's own seam) answering with
// synthetic tensors whose right answers were worked out by hand below.

/** A session with a 64×64 input whose one output is `data` of shape `dims`. */
function fakeBackend(dims: number[], data: number[], metadata: Record<string, string>): Backend {
  const session: BackendSession = {
    inputs: [{ name: 'images', shape: [1, 3, 64, 64] }],
    outputs: [{ name: 'output0', shape: dims }],
    layout: 'NCHW',
    metadata: { imgsz: '[64, 64]', names: "{0: 'plane', 1: 'ship'}", task: 'obb', ...metadata },
    runtime: 'fake',
    async run() {
      return [{ data: Float32Array.from(data), dims }];
    },
    async dispose() {},
  };
  return { name: 'fake', contractVersion: 1, load: async () => session };
}

/** 128×64: letterboxed into 64×64 at scale 0.5, 16 rows of padding on top (left 0). */
const IMAGE = { data: new Uint8Array(128 * 64 * 3).fill(90), width: 128, height: 64, channels: 3 as const };

// Four anchors of `[1, 4+2+1, 4]` (channel-major: row k holds value k of every anchor), in input pixels:
//   a0: (32, 32, 20×10, 0.3 rad), plane 0.9  → kept
//   a1: (33, 32, 20×10, 0.35 rad), plane 0.8 → probiou with a0 = 0.925 ≥ iou 0.7: suppressed
//   a2: (16, 40, 12×6, 2.0 rad), ship 0.7    → kept; 2 rad mod π ≥ π/2, so regularised to 6×12 at 2 − π/2
//   a3: scores 0.2 and 0.1                   → under conf 0.25
const ANCHORS = [
  [32, 32, 20, 10, 0.9, 0.1, 0.3],
  [33, 32, 20, 10, 0.8, 0.05, 0.35],
  [16, 40, 12, 6, 0.1, 0.7, 2.0],
  [50, 50, 8, 8, 0.2, 0.1, 0],
];
const channelMajor = (rows: number[][]) => Array.from({ length: 7 }, (_, k) => rows.map((r) => r[k])).flat();

// In the image (x and lengths ÷ 0.5, y − 16 then ÷ 0.5):
//   plane: (64, 32, 40×20, 0.3); corners c ± v1 ± v2 with v1 = 20·(cos 0.3, sin 0.3), v2 = 10·(−sin 0.3, cos 0.3)
//   ship:  (32, 48, 12×24, θ = 2 − π/2 = 0.429204); v1 = 6·(cos θ, sin θ) = 6·(sin 2, −cos 2) = (5.455784, 2.496881),
//          v2 = 12·(−sin θ, cos θ) = (−4.993762, 10.911569)
const PLANE = {
  obb: { cx: 64, cy: 32, w: 40, h: 20, angle: 0.3 },
  corners: [
    [80.151528, 47.463769],
    [86.061932, 28.357039],
    [47.848472, 16.536231],
    [41.938068, 35.642961],
  ],
  box: [41.938068, 16.536231, 86.061932, 47.463769],
};
const SHIP = {
  obb: { cx: 32, cy: 48, w: 12, h: 24, angle: 2 - Math.PI / 2 },
  corners: [
    [32.462023, 61.40845],
    [42.449547, 39.585312],
    [31.537977, 34.59155],
    [21.550453, 56.414688],
  ],
  box: [21.550453, 34.59155, 42.449547, 61.40845],
};

function expectFound(result: Result, expected: (typeof PLANE)[], classes: string[], scores: number[]): void {
  expect(result.task).toBe('obb');
  expect(result.detections.map((d) => d.className)).toEqual(classes);
  result.detections.forEach((d, i) => {
    const want = expected[i];
    expect(d.confidence).toBeCloseTo(scores[i], 6);
    const obb = d.obb ?? { cx: Number.NaN, cy: Number.NaN, w: Number.NaN, h: Number.NaN, angle: Number.NaN };
    for (const key of ['cx', 'cy', 'w', 'h', 'angle'] as const) expect(obb[key], key).toBeCloseTo(want.obb[key], 4);
    d.corners?.forEach(([x, y], k) => {
      expect(x).toBeCloseTo(want.corners[k][0], 4);
      expect(y).toBeCloseTo(want.corners[k][1], 4);
    });
    expect(d.corners).toHaveLength(4);
    d.box.forEach((v, k) => {
      expect(v).toBeCloseTo(want.box[k], 4);
    });
  });
}

describe('oriented-box models through YoloModel.predict', () => {
  it('[1, 4+nc+1, N]: conf, rotated NMS, regularised angles, boxes mapped through the letterbox', async () => {
    const model = await createModel({ backend: fakeBackend([1, 7, 4], channelMajor(ANCHORS), {}), model: 'fake.onnx' });
    expect(model.info.task).toBe('obb');
    const result = await model.predict(IMAGE, { conf: 0.25, iou: 0.7 });
    expectFound(result, [PLANE, SHIP], ['plane', 'ship'], [0.9, 0.7]);
    // At iou 0.95 the second plane (probiou 0.925) stays: 0.35 rad is already in [0, π/2).
    const loose = await model.predict(IMAGE, { conf: 0.25, iou: 0.95 });
    expect(loose.detections.map((d) => d.confidence.toFixed(2))).toEqual(['0.90', '0.80', '0.70']);
    expect(loose.detections[1].obb?.angle).toBeCloseTo(0.35, 6);
    await model.dispose();
  });

  it('normalised outputs (some TF.js exports) give the same answer', async () => {
    const normalised = ANCHORS.map(([cx, cy, w, h, ...rest]) => [cx / 64, cy / 64, w / 64, h / 64, ...rest]);
    const model = await createModel({ backend: fakeBackend([1, 7, 4], channelMajor(normalised), {}), model: 'fake.onnx' });
    expectFound(await model.predict(IMAGE), [PLANE, SHIP], ['plane', 'ship'], [0.9, 0.7]);
    await model.dispose();
  });

  it('end-to-end [1, N, 7] rows (cx, cy, w, h, score, class, angle): no NMS, raw angles regularised', async () => {
    const rows = [
      [32, 32, 20, 10, 0.9, 0, 0.3 + Math.PI], // a half turn is the same box
      [16, 40, 12, 6, 0.7, 1, 2.0],
      [50, 50, 8, 8, 0.2, 0, 0],
    ];
    const model = await createModel({ backend: fakeBackend([1, 3, 7], rows.flat(), { end2end: 'True' }), model: 'fake.onnx' });
    expectFound(await model.predict(IMAGE), [PLANE, SHIP], ['plane', 'ship'], [0.9, 0.7]);
    await model.dispose();
  });

  it('carries oriented boxes through JSON and the wire form', async () => {
    const model = await createModel({ backend: fakeBackend([1, 7, 4], channelMajor(ANCHORS), {}), model: 'fake.onnx' });
    const result = await model.predict(IMAGE);
    await model.dispose();
    const json = JSON.parse(JSON.stringify(result));
    expect(json.task).toBe('obb');
    expect(Object.keys(json.detections[0])).toEqual(['box', 'confidence', 'classId', 'className', 'obb', 'corners']);
    expect(Object.keys(json.detections[0].obb)).toEqual(['cx', 'cy', 'w', 'h', 'angle']);
    expect(json.detections[0].corners[1][0]).toBeCloseTo(86.061932, 4);
    for (const back of [Result.fromJSON(json), Result.fromWire(result.toWire('bytes')), Result.fromWire(JSON.parse(JSON.stringify(result.toWire('base64'))))]) {
      expect(back.task).toBe('obb');
      expectFound(back, [PLANE, SHIP], ['plane', 'ship'], [0.9, 0.7]);
    }
  });

  it('an oriented-box model whose class names do not match its channels is a typed error naming both', async () => {
    // 3 names, but 7 channels = 4 + 2 + 1.
    const model = await createModel({
      backend: fakeBackend([1, 7, 4], channelMajor(ANCHORS), { names: "{0: 'plane', 1: 'ship', 2: 'car'}" }),
      model: 'fake.onnx',
    });
    expect(model.info.task).toBe('obb');
    const error = await model.predict(IMAGE).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnsupportedOutputError);
    expect((error as UnsupportedOutputError).code).toBe('MODEL_OUTPUT_UNSUPPORTED');
    expect((error as Error).message).toContain('obb');
    expect((error as Error).message).toContain('[1, 7, 4]');
    expect((error as Error).message).toContain('3 classes needs [1, 7+1, N]');
    await model.dispose();
  });
});
