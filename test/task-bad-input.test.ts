import {
  BACKEND_CONTRACT_VERSION,
  type Backend,
  type BackendSession,
  createModel,
  type Float32Tensor,
  UnsupportedOutputError,
  YoloError,
} from '@yolokit/core';
import { describe, expect, it } from 'vitest';

// Models whose outputs do not fit their task, through the public API with a fake Backend (core's own seam):
// a session declaring and returning tensors of chosen shapes, with chosen Ultralytics metadata. Each must fail
// with the typed error, naming the task and the shapes, not decode garbage or crash elsewhere.

/** Ultralytics' ONNX `names` metadata for `count` classes: `{0: 'c0', 1: 'c1', ...}`. */
const namesOf = (count: number) => `{${Array.from({ length: count }, (_, i) => `${i}: 'c${i}'`).join(', ')}}`;
const COCO_NAMES = namesOf(80);

function fakeBackend(outputs: number[][], metadata: Record<string, string>): Backend {
  const session: BackendSession = {
    inputs: [{ name: 'images', shape: [1, 3, 640, 640] }],
    outputs: outputs.map((shape, i) => ({ name: `output${i}`, shape })),
    layout: 'NCHW',
    metadata,
    runtime: 'fake 1.0',
    async run(): Promise<Float32Tensor[]> {
      return outputs.map((dims) => ({ dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) }));
    },
    async dispose() {},
  };
  return { name: 'fake', contractVersion: BACKEND_CONTRACT_VERSION, load: async () => session };
}

/** A 64x48 gray image as raw pixels. */
const IMAGE = { data: new Uint8Array(64 * 48 * 3).fill(128), width: 64, height: 48, channels: 3 as const };

async function predictError(outputs: number[][], metadata: Record<string, string>): Promise<UnsupportedOutputError> {
  const model = await createModel({ backend: fakeBackend(outputs, metadata), model: 'fake.onnx' });
  try {
    await model.predict(IMAGE);
  } catch (error) {
    expect(YoloError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(UnsupportedOutputError);
    expect((error as UnsupportedOutputError).code).toBe('MODEL_OUTPUT_UNSUPPORTED');
    return error as UnsupportedOutputError;
  } finally {
    await model.dispose();
  }
  throw new Error(`predict accepted outputs ${JSON.stringify(outputs)} with ${JSON.stringify(metadata)}`);
}

describe('segmentation and pose models whose outputs do not fit: typed errors', () => {
  it('a segmentation model without its prototypes output', async () => {
    // Exported, say, with only output0 kept: [1, 4+80+32, 8400] and nothing else.
    const error = await predictError([[1, 116, 8400]], { task: 'segment', names: COCO_NAMES });
    expect(error.message).toMatch(/\bsegment\b/);
    expect(error.message).toContain('[1, 116, 8400]');
    expect(error.message).toContain('prototypes');
    expect(error.dims).toEqual([1, 116, 8400]);
  });

  it('a pose model without kpt_shape in its metadata', async () => {
    const error = await predictError([[1, 56, 8400]], { task: 'pose', names: "{0: 'person'}" });
    expect(error.message).toMatch(/\bpose\b/);
    expect(error.message).toContain('[1, 56, 8400]');
    expect(error.message).toContain('kpt_shape');
  });

  it('a segmentation model whose class names do not match its output', async () => {
    // 20 names, but 116 rows = 4 + 80 + 32.
    const names = namesOf(20);
    const error = await predictError(
      [
        [1, 116, 8400],
        [1, 32, 160, 160],
      ],
      { task: 'segment', names },
    );
    expect(error.message).toMatch(/\bsegment\b/);
    expect(error.message).toContain('[1, 116, 8400] and [1, 32, 160, 160]');
    expect(error.message).toContain('20 classes');
  });

  it('a pose model whose class names or kpt_shape do not match its output', async () => {
    // 2 names: 4 + 2 + 51 = 57 rows expected, 56 given.
    const classes = await predictError([[1, 56, 8400]], { task: 'pose', names: "{0: 'person', 1: 'robot'}", kpt_shape: '[17, 3]' });
    expect(classes.message).toMatch(/\bpose\b/);
    expect(classes.message).toContain('[1, 56, 8400]');
    expect(classes.message).toContain('2 classes');
    // kpt_shape [17, 2]: 4 + 1 + 34 = 39 rows expected, 56 given.
    const keypoints = await predictError([[1, 56, 8400]], { task: 'pose', names: "{0: 'person'}", kpt_shape: '[17, 2]' });
    expect(keypoints.message).toContain('kpt_shape [17, 2]');
    expect(keypoints.message).toContain('[1, 56, 8400]');
  });

  it('an oriented-box model whose channels do not match its class names', async () => {
    // DOTA's 15 classes need [1, 4+15+1 (angle), N]; these 16 names would need 21 rows.
    const obb = await predictError([[1, 20, 8400]], { task: 'obb', names: namesOf(16) });
    expect(obb.message).toMatch(/\bobb\b/);
    expect(obb.message).toContain('[1, 20, 8400]');
    expect(obb.message).toContain('16 classes needs [1, 20+1, N]');
  });

  it('a classifier whose probabilities do not match its class names', async () => {
    // ImageNet's 1000 probabilities with COCO's 80 names.
    const classify = await predictError([[1, 1000]], { task: 'classify', names: COCO_NAMES });
    expect(classify.message).toMatch(/\bclassify\b/);
    expect(classify.message).toContain('[1, 1000]');
    expect(classify.message).toContain('80 class names but its output has 1000 probabilities');
  });

  it('the same shapes with fitting metadata decode (the fake is not what fails)', async () => {
    const segment = await createModel({
      backend: fakeBackend(
        [
          [1, 116, 8400],
          [1, 32, 160, 160],
        ],
        { task: 'segment', names: COCO_NAMES },
      ),
      model: 'fake.onnx',
    });
    const pose = await createModel({ backend: fakeBackend([[1, 56, 8400]], { task: 'pose', names: "{0: 'person'}", kpt_shape: '[17, 3]' }), model: 'fake.onnx' });
    const obb = await createModel({ backend: fakeBackend([[1, 20, 8400]], { task: 'obb', names: namesOf(15) }), model: 'fake.onnx' });
    const classify = await createModel({ backend: fakeBackend([[1, 80]], { task: 'classify', names: COCO_NAMES }), model: 'fake.onnx' });
    try {
      expect(segment.info.task).toBe('segment');
      expect(pose.info.task).toBe('pose');
      expect(obb.info.task).toBe('obb');
      // All-zero outputs: no score above conf, so no detections, and no error.
      expect((await segment.predict(IMAGE)).detections).toEqual([]);
      expect((await pose.predict(IMAGE)).task).toBe('pose');
      expect((await obb.predict(IMAGE)).task).toBe('obb');
      expect((await classify.predict(IMAGE)).probs).toHaveLength(80);
    } finally {
      await classify.dispose();
      await segment.dispose();
      await pose.dispose();
      await obb.dispose();
    }
  });
});
