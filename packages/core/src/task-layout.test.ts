import { describe, expect, it } from 'vitest';
import { UnsupportedOutputError, YoloError } from './errors.js';
import { resolveTaskLayout, type TaskFacts } from './task-layout.js';

const NCHW: TaskFacts = { layout: 'NCHW' };
const NHWC: TaskFacts = { layout: 'NHWC' };

/** The typed error resolveTaskLayout throws for these outputs and facts. */
function failure(outputs: number[][], facts: TaskFacts): UnsupportedOutputError {
  try {
    resolveTaskLayout(outputs, facts);
  } catch (error) {
    expect(error).toBeInstanceOf(UnsupportedOutputError);
    expect(YoloError.isInstance(error)).toBe(true);
    expect((error as UnsupportedOutputError).code).toBe('MODEL_OUTPUT_UNSUPPORTED');
    return error as UnsupportedOutputError;
  }
  throw new Error(`resolveTaskLayout accepted ${JSON.stringify(outputs)}`);
}

describe('resolveTaskLayout: detect', () => {
  it('reads YOLOv8/YOLO11 [1, 4+nc, N]', () => {
    expect(resolveTaskLayout([[1, 84, 8400]], { ...NCHW, task: 'detect', classCount: 80 })).toEqual({
      task: 'detect',
      format: 'yolov8',
      detectionOutput: 0,
      classCount: 80,
      extraOffset: 84,
    });
    // Without any metadata: the one-class face model's shape alone.
    expect(resolveTaskLayout([[1, 5, 8400]], NCHW)).toMatchObject({ task: 'detect', format: 'yolov8', classCount: 1, extraOffset: 5 });
  });

  it('reads YOLOv5 [1, N, 5+nc] and end-to-end [1, 300, 6]', () => {
    expect(resolveTaskLayout([[1, 25200, 85]], { ...NCHW, classCount: 80 })).toEqual({
      task: 'detect',
      format: 'yolov5',
      detectionOutput: 0,
      classCount: 80,
      extraOffset: 85,
    });
    expect(resolveTaskLayout([[1, 300, 6]], { ...NCHW, task: 'detect', classCount: 80, end2end: true })).toEqual({
      task: 'detect',
      format: 'end2end',
      detectionOutput: 0,
      classCount: undefined,
      extraOffset: 6,
    });
  });

  it('reports a detection output it cannot read', () => {
    const error = failure([[1, 84, 8400]], { ...NCHW, task: 'detect', classCount: 20 });
    expect(error.message).toContain('[1, 84, 8400]');
    expect(error.dims).toEqual([1, 84, 8400]);
  });
});

describe('resolveTaskLayout: segment', () => {
  const protosNchw = { output: 1, channels: 32, layout: 'NCHW', height: 160, width: 160 };

  it('reads [1, 4+nc+32, N] with NCHW prototypes [1, 32, H/4, W/4] (ONNX)', () => {
    expect(resolveTaskLayout([[1, 116, 8400], [1, 32, 160, 160]], { ...NCHW, task: 'segment', classCount: 80 })).toEqual({
      task: 'segment',
      format: 'yolov8',
      detectionOutput: 0,
      classCount: 80,
      extraOffset: 84,
      protos: protosNchw,
    });
  });

  it('reads NHWC prototypes [1, H/4, W/4, 32] (TF.js), and outputs in either order', () => {
    expect(resolveTaskLayout([[1, 116, 2100], [1, 80, 80, 32]], { ...NHWC, task: 'segment', classCount: 80 })).toMatchObject({
      detectionOutput: 0,
      extraOffset: 84,
      protos: { output: 1, channels: 32, layout: 'NHWC', height: 80, width: 80 },
    });
    expect(resolveTaskLayout([[1, 80, 80, 32], [1, 116, 2100]], { ...NHWC, task: 'segment', classCount: 80 })).toMatchObject({
      detectionOutput: 1,
      protos: { output: 0, channels: 32, layout: 'NHWC', height: 80, width: 80 },
    });
    // NCHW prototypes listed first, from a TF.js model (NHWC input): the shape decides, not the input layout.
    expect(resolveTaskLayout([[1, 32, 80, 80], [1, 116, 2100]], { ...NHWC, task: 'segment', classCount: 80 })).toMatchObject({
      detectionOutput: 1,
      protos: { output: 0, channels: 32, layout: 'NCHW', height: 80, width: 80 },
    });
    // A non-square input: 320 high, 192 wide → prototypes 80x48, each layout read with its own axes.
    expect(resolveTaskLayout([[1, 116, 1260], [1, 32, 80, 48]], { ...NCHW, task: 'segment', classCount: 80 }).protos).toEqual({
      output: 1,
      channels: 32,
      layout: 'NCHW',
      height: 80,
      width: 48,
    });
    expect(resolveTaskLayout([[1, 116, 1260], [1, 80, 48, 32]], { ...NHWC, task: 'segment', classCount: 80 }).protos).toEqual({
      output: 1,
      channels: 32,
      layout: 'NHWC',
      height: 80,
      width: 48,
    });
  });

  it("lets the session's layout decide prototypes that read either way ([1, 32, 32, 32] at imgsz 128)", () => {
    const outputs = [
      [1, 116, 336],
      [1, 32, 32, 32],
    ];
    expect(resolveTaskLayout(outputs, { ...NCHW, task: 'segment', classCount: 80 }).protos?.layout).toBe('NCHW');
    expect(resolveTaskLayout(outputs, { ...NHWC, task: 'segment', classCount: 80 }).protos?.layout).toBe('NHWC');
  });

  it('reads end-to-end [1, 300, 6+32] with prototypes', () => {
    expect(resolveTaskLayout([[1, 300, 38], [1, 32, 160, 160]], { ...NCHW, task: 'segment', classCount: 80, end2end: true })).toEqual({
      task: 'segment',
      format: 'end2end',
      detectionOutput: 0,
      classCount: undefined,
      extraOffset: 6,
      protos: protosNchw,
    });
    // Without `end2end` in the metadata the shape still says it: 300 ≠ 4+80+32.
    expect(resolveTaskLayout([[1, 300, 38], [1, 32, 160, 160]], { ...NCHW, task: 'segment', classCount: 80 }).format).toBe('end2end');
  });

  it('takes a model without a task for a segmentation model by its prototype output', () => {
    expect(resolveTaskLayout([[1, 116, 2100], [1, 32, 80, 80]], NCHW)).toMatchObject({
      task: 'segment',
      format: 'yolov8',
      classCount: 80,
      extraOffset: 84,
      protos: { output: 1, channels: 32 },
    });
  });

  it('fails, naming the task and the shapes, without the prototypes output', () => {
    const error = failure([[1, 116, 8400]], { ...NCHW, task: 'segment', classCount: 80 });
    expect(error.message).toMatch(/\bsegment\b/);
    expect(error.message).toContain('[1, 116, 8400]');
    expect(error.message).toMatch(/prototypes/);
  });

  it('fails, naming the task and both shapes, when the class count does not fit', () => {
    // 4 + 20 + 32 = 56 ≠ 116.
    const error = failure([[1, 116, 8400], [1, 32, 160, 160]], { ...NCHW, task: 'segment', classCount: 20 });
    expect(error.message).toMatch(/\bsegment\b/);
    expect(error.message).toContain('[1, 116, 8400] and [1, 32, 160, 160]');
    expect(error.message).toContain('20 classes');
    // A metadata `end2end: true` whose rows are not 6 + nm wide.
    const e2e = failure([[1, 300, 37], [1, 32, 160, 160]], { ...NCHW, task: 'segment', classCount: 80, end2end: true });
    expect(e2e.message).toContain('[1, 300, 37] and [1, 32, 160, 160]');
  });
});

describe('resolveTaskLayout: pose', () => {
  it('reads [1, 4+nc+K·D, N] with kpt_shape [17, 3]', () => {
    expect(resolveTaskLayout([[1, 56, 8400]], { ...NCHW, task: 'pose', classCount: 1, kptShape: [17, 3] })).toEqual({
      task: 'pose',
      format: 'yolov8',
      detectionOutput: 0,
      classCount: 1,
      extraOffset: 5,
      keypoints: { count: 17, dims: 3 },
    });
    // kpt_shape [17, 2] (no visibility): 4 + 1 + 34 = 39 rows.
    expect(resolveTaskLayout([[1, 39, 8400]], { ...NCHW, task: 'pose', classCount: 1, kptShape: [17, 2] })).toMatchObject({
      extraOffset: 5,
      keypoints: { count: 17, dims: 2 },
    });
  });

  it('reads end-to-end [1, 300, 6+51]', () => {
    expect(resolveTaskLayout([[1, 300, 57]], { ...NCHW, task: 'pose', classCount: 1, kptShape: [17, 3], end2end: true })).toEqual({
      task: 'pose',
      format: 'end2end',
      detectionOutput: 0,
      classCount: undefined,
      extraOffset: 6,
      keypoints: { count: 17, dims: 3 },
    });
  });

  it('takes a model without a task but with kpt_shape for a pose model', () => {
    expect(resolveTaskLayout([[1, 56, 8400]], { ...NCHW, kptShape: [17, 3] })).toMatchObject({ task: 'pose', classCount: 1, extraOffset: 5 });
  });

  it('fails, naming the task and the shape, without kpt_shape', () => {
    const error = failure([[1, 56, 8400]], { ...NCHW, task: 'pose', classCount: 1 });
    expect(error.message).toMatch(/\bpose\b/);
    expect(error.message).toContain('[1, 56, 8400]');
    expect(error.message).toContain('kpt_shape');
  });

  it('fails, naming the task and the shape, when the class count or kpt_shape does not fit', () => {
    // 4 + 2 + 51 = 57 ≠ 56.
    const classes = failure([[1, 56, 8400]], { ...NCHW, task: 'pose', classCount: 2, kptShape: [17, 3] });
    expect(classes.message).toMatch(/\bpose\b/);
    expect(classes.message).toContain('[1, 56, 8400]');
    expect(classes.message).toContain('2 classes');
    const keypoints = failure([[1, 56, 8400]], { ...NCHW, task: 'pose', classCount: 1, kptShape: [5, 3] });
    expect(keypoints.message).toContain('kpt_shape [5, 3]');
    const dims = failure([[1, 56, 8400]], { ...NCHW, task: 'pose', classCount: 1, kptShape: [17, 4] });
    expect(dims.message).toContain('must have 2 or 3 values per keypoint');
  });
});

describe('resolveTaskLayout: obb', () => {
  it('reads [1, 4+nc+1, N] with the angle after the class scores', () => {
    // DOTA's 15 classes at 1024: 4 + 15 + 1 = 20 rows.
    expect(resolveTaskLayout([[1, 20, 21504]], { ...NCHW, task: 'obb', classCount: 15 })).toEqual({
      task: 'obb',
      format: 'yolov8',
      detectionOutput: 0,
      classCount: 15,
      extraOffset: 19,
    });
    // Without names: anchors outnumber channels, one row is the angle.
    expect(resolveTaskLayout([[1, 20, 21504]], { ...NCHW, task: 'obb' })).toMatchObject({ format: 'yolov8', classCount: 15, extraOffset: 19 });
  });

  it('reads end-to-end [1, 300, 7]: cx, cy, w, h, score, class, angle', () => {
    expect(resolveTaskLayout([[1, 300, 7]], { ...NCHW, task: 'obb', classCount: 15, end2end: true })).toEqual({
      task: 'obb',
      format: 'end2end',
      detectionOutput: 0,
      classCount: undefined,
      extraOffset: 6,
    });
    expect(resolveTaskLayout([[1, 300, 7]], { ...NCHW, task: 'obb', classCount: 15 })).toMatchObject({ format: 'end2end', extraOffset: 6 });
  });

  it('fails when the channels do not fit the class names, naming task, shapes and what was expected', () => {
    // 16 names: 4 + 16 + 1 = 21 ≠ 20 (a detection head's 4 + nc, without the angle, fails the same way).
    const error = failure([[1, 20, 21504]], { ...NCHW, task: 'obb', classCount: 16 });
    expect(error.message).toMatch(/\bobb\b/);
    expect(error.message).toContain('[1, 20, 21504]');
    expect(error.message).toContain('16 classes needs [1, 20+1, N]');
    expect(failure([[1, 19, 21504]], { ...NCHW, task: 'obb', classCount: 15 }).message).toContain('[1, 19, 21504]');
    expect(failure([[1, 300, 6]], { ...NCHW, task: 'obb', classCount: 15, end2end: true }).message).toContain('[1, N, 7]');
  });
});

describe('resolveTaskLayout: classify', () => {
  it('reads [1, nc] probabilities, with or without the task in the metadata', () => {
    expect(resolveTaskLayout([[1, 1000]], { ...NCHW, task: 'classify', classCount: 1000 })).toEqual({ task: 'classify', output: 0, classCount: 1000 });
    expect(resolveTaskLayout([[1, 4]], NCHW)).toEqual({ task: 'classify', output: 0, classCount: 4 });
    expect(resolveTaskLayout([[-1, 4]], NHWC)).toEqual({ task: 'classify', output: 0, classCount: 4 });
  });

  it('fails when the probabilities do not match the class names, or there are none, naming task and shapes', () => {
    const names = failure([[1, 1000]], { ...NCHW, task: 'classify', classCount: 10 });
    expect(names.message).toMatch(/\bclassify\b/);
    expect(names.message).toContain('[1, 1000]');
    expect(names.message).toContain('10 class names but its output has 1000 probabilities');
    const detection = failure([[1, 84, 8400]], { ...NCHW, task: 'classify', classCount: 80 });
    expect(detection.message).toContain('[1, 84, 8400]');
    expect(detection.message).toContain('[1, nc]');
    expect(failure([[4, 1000]], { ...NCHW, task: 'classify' }).message).toContain('batch must be 1');
  });
});

describe('resolveTaskLayout: what it cannot read', () => {
  it('fails for an unknown task name and for a model without outputs', () => {
    expect(failure([[1, 84, 8400]], { ...NCHW, task: 'depth' }).message).toContain("'depth'");
    expect(failure([], { ...NCHW, task: 'segment' }).message).toContain('no outputs');
  });
});
