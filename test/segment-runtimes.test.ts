/**
 * Issue 13: segmentation and pose give the same results on every runtime. yolov8n-seg_fp32.onnx through
 * onnxruntime-node and onnxruntime-web (wasm, in Node), and yolov8n-seg_web_model/ (the same weights) through
 * TF.js (wasm): the same detections and masks; yolo11n-pose_fp32.onnx and yolo11n-pose_web_model/: the same
 * keypoints. onnxruntime-node is the reference. Each backend must hand core every output of a two-output model,
 * in the order its session's `outputs` lists them, with their shapes.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from '@yolokit/backend-onnx';
import { onnxWeb } from '@yolokit/backend-onnx/web';
import { tfjs } from '@yolokit/backend-tfjs';
import { type Backend, createModel, type Detection, Result, type YoloModel } from '@yolokit/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';
import { differences, emptyGapSummary, type GapSummary, matchDetections, summariseGaps } from './support/result-differences.js';

const SEG_ONNX = 'models/yolov8n-seg_fp32.onnx';
const SEG_WEB = 'models/yolov8n-seg_web_model';
const POSE_ONNX = 'models/yolo11n-pose_fp32.onnx';
const POSE_WEB = 'models/yolo11n-pose_web_model';
const IMAGES = [
  'images/bus.jpg',
  'images/zidane.jpg',
  'coco32/images/000000000009.jpg',
  'coco32/images/000000000025.jpg',
  'coco32/images/000000000030.jpg',
  'coco32/images/000000000034.jpg',
  'coco32/images/000000000036.jpg',
  'coco32/images/000000000042.jpg',
];
/** Images with people, for pose. */
const POSE_IMAGES = ['images/bus.jpg', 'images/zidane.jpg', 'coco32/images/000000000036.jpg', 'coco32/images/000000000049.jpg', 'coco32/images/000000000061.jpg'];
const CONF = 0.25;
/**
 * A detection this close to the confidence threshold may fall on either side of it in another runtime (float
 * rounding of the same function); any more confident one must be found by every runtime.
 */
const THRESHOLD_MARGIN = 0.01;
const MIN_MASK_IOU = 0.98;
const MAX_KEYPOINT_PX = 2;

interface Runtime {
  readonly name: string;
  readonly backend: () => Backend;
  readonly seg: string;
  readonly pose: string;
}

const RUNTIMES: readonly Runtime[] = [
  { name: 'onnxruntime-node', backend: () => onnx({ intraOpNumThreads: 1 }), seg: SEG_ONNX, pose: POSE_ONNX },
  { name: 'onnxruntime-web', backend: () => onnxWeb({ numThreads: 1 }), seg: SEG_ONNX, pose: POSE_ONNX },
  { name: 'tfjs-wasm', backend: () => tfjs({ runtime: 'wasm' }), seg: SEG_WEB, pose: POSE_WEB },
];

describeWithFixtures('segmentation and pose on every runtime', [SEG_ONNX, SEG_WEB, POSE_ONNX, POSE_WEB, ...IMAGES, ...POSE_IMAGES], () => {
  const models = new Map<string, YoloModel>();
  const model = (runtime: string, task: 'seg' | 'pose'): YoloModel => models.get(`${runtime}/${task}`)!;

  beforeAll(async () => {
    for (const runtime of RUNTIMES) {
      for (const task of ['seg', 'pose'] as const) {
        models.set(`${runtime.name}/${task}`, await createModel({ backend: runtime.backend(), model: fixturePath(runtime[task]) }));
      }
    }
  }, 300_000);

  afterAll(async () => {
    for (const m of models.values()) await m.dispose();
  });

  it('every runtime lists both outputs of the seg model with their shapes, and runs return both, in that order', async () => {
    const input = { data: new Float32Array(320 * 320 * 3), dims: [1, 3, 320, 320] };
    for (const runtime of RUNTIMES) {
      const m = model(runtime.name, 'seg');
      expect(m.info.task, runtime.name).toBe('segment');
      expect(m.info.outputs.map((o) => o.shape), runtime.name).toEqual([
        [1, 116, 2100],
        [1, 32, 80, 80],
      ]);
      const session = m.session;
      const dims = session.layout === 'NHWC' ? [1, 320, 320, 3] : [1, 3, 320, 320];
      const outputs = await session.run({ ...input, dims });
      expect(
        outputs.map((o) => o.dims),
        runtime.name,
      ).toEqual(session.outputs.map((o) => o.shape));
      expect(outputs.map((o) => o.data.length)).toEqual([116 * 2100, 32 * 80 * 80]);
    }
    expect(model('tfjs-wasm', 'seg').info.outputs.map((o) => o.name)).toEqual(['Identity', 'Identity_1']);
    expect(model('onnxruntime-web', 'seg').info.outputs.map((o) => o.name)).toEqual(['output0', 'output1']);
  });

  /** Compares `runtime` with onnxruntime-node on the images; returns the worst gaps. */
  async function compareWithNode(runtime: string, task: 'seg' | 'pose', images: readonly string[], options = {}): Promise<GapSummary> {
    const summary = emptyGapSummary();
    const problems: string[] = [];
    for (const image of images) {
      const reference = await model('onnxruntime-node', task).predict(fixturePath(image), options);
      const result = await model(runtime, task).predict(fixturePath(image), options);
      expect(result.task).toBe(reference.task);
      const { pairs, unmatchedActual, unmatchedExpected } = matchDetections(result, reference);
      for (const d of [...unmatchedActual, ...unmatchedExpected]) {
        if (d.confidence >= CONF + THRESHOLD_MARGIN) problems.push(`${image}: ${d.className} ${d.confidence.toFixed(3)} [${d.box.map((v) => v.toFixed(0))}] found by one runtime only`);
      }
      summariseGaps(summary, pairs);
      for (const [a, e] of pairs) {
        if (a.mask && e.mask) {
          const iou = differences(resultOf(result, a), resultOf(reference, e), { tolerance: Number.POSITIVE_INFINITY, minMaskIou: MIN_MASK_IOU });
          problems.push(...iou.map((p) => `${image} ${a.className}: ${p}`));
        }
      }
    }
    expect(problems).toEqual([]);
    return summary;
  }

  for (const runtime of ['onnxruntime-web', 'tfjs-wasm']) {
    it(`${runtime}: the same segmentation detections as onnxruntime-node, each mask with IoU >= ${MIN_MASK_IOU}`, async () => {
      const summary = await compareWithNode(runtime, 'seg', IMAGES);
      expect(summary.masks).toBeGreaterThanOrEqual(20);
      expect(summary.minMaskIou).toBeGreaterThanOrEqual(MIN_MASK_IOU);
      expect(summary.maxBox).toBeLessThan(0.5);
      console.info(`[seg ${runtime} vs onnxruntime-node] ${report(summary)}`);
    });

    it(`${runtime}: retinaMasks (native resolution) agrees with onnxruntime-node too`, async () => {
      const summary = await compareWithNode(runtime, 'seg', IMAGES.slice(0, 2), { retinaMasks: true });
      expect(summary.masks).toBeGreaterThan(5);
      console.info(`[seg retinaMasks ${runtime} vs onnxruntime-node] ${report(summary)}`);
    });

    it(`${runtime}: the same persons as onnxruntime-node with every keypoint within ${MAX_KEYPOINT_PX} px`, async () => {
      const summary = await compareWithNode(runtime, 'pose', POSE_IMAGES);
      expect(summary.pairs).toBeGreaterThan(10);
      expect(summary.maxKeypointDistance).toBeLessThanOrEqual(MAX_KEYPOINT_PX);
      expect(summary.maxKeypointVisibility).toBeLessThan(0.01);
      console.info(`[pose ${runtime} vs onnxruntime-node] ${report(summary)}`);
    });
  }

  it('TF.js: an export that lists the protos first and carries them channels-last ([1, 80, 80, 32], as Ultralytics TF.js exports may) gives the same masks', async () => {
    const folder = ultralyticsStyleVariant(fixturePath(SEG_WEB));
    const variant = await createModel({ backend: tfjs({ runtime: 'wasm' }), model: folder });
    try {
      expect(variant.info.outputs).toEqual([
        { name: 'Identity_1', shape: [1, 80, 80, 32] },
        { name: 'Identity', shape: [1, 116, 2100] },
      ]);
      const raw = await variant.session.run({ data: new Float32Array(320 * 320 * 3), dims: [1, 320, 320, 3] });
      expect(raw.map((o) => o.dims)).toEqual([
        [1, 80, 80, 32],
        [1, 116, 2100],
      ]);
      for (const image of IMAGES.slice(0, 3)) {
        const expected = await model('tfjs-wasm', 'seg').predict(fixturePath(image));
        const result = await variant.predict(fixturePath(image));
        expect(result.detections.filter((d) => d.mask).length).toBe(expected.detections.length);
        // A transpose moves values without arithmetic: the masks are bit-identical.
        expect(differences(result, expected, { tolerance: 0 }), image).toEqual([]);
      }
    } finally {
      await variant.dispose();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

/** A one-detection result, so {@link differences} can compare a matched pair. */
function resultOf(result: Result, detection: Detection): Result {
  return new Result({ width: result.width, height: result.height, task: result.task, detections: [detection], speed: result.speed });
}

function report(s: GapSummary): string {
  const parts = [`${s.pairs} matched`, `max box difference ${s.maxBox.toExponential(2)} px`, `max confidence difference ${s.maxConfidence.toExponential(2)}`];
  if (s.masks > 0) parts.push(`${s.masks} masks, min IoU ${s.minMaskIou.toFixed(5)}, ${s.masksNotIdentical} not bit-identical`);
  if (s.maxKeypointDistance > 0) parts.push(`max keypoint distance ${s.maxKeypointDistance.toExponential(2)} px, visibility ${s.maxKeypointVisibility.toExponential(2)}`);
  return parts.join(', ');
}

/**
 * A copy of the seg web model (shards linked, not copied) whose protos output is the channels-last tensor before
 * the export's final transpose, listed before the detection output: the layout and order Ultralytics' TF.js
 * exports (through onnx2tf) can have.
 */
function ultralyticsStyleVariant(source: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'yolokit-seg-nhwc-'));
  mkdirSync(folder, { recursive: true });
  for (const file of readdirSync(source)) if (file !== 'model.json') symlinkSync(join(source, file), join(folder, file));
  const model = JSON.parse(readFileSync(join(source, 'model.json'), 'utf8'));
  const nodes: Array<{ name: string; op: string; input?: string[] }> = model.modelTopology.node;
  const protos = nodes.find((n) => n.name === 'Identity_1')!;
  const transpose = nodes.find((n) => n.name === protos.input![0])!;
  if (transpose.op !== 'Transpose') throw new Error(`expected Identity_1 to follow a Transpose, got ${transpose.op}`);
  protos.input = [transpose.input![0]];
  model.signature = { outputs: { 'Identity_1:0': { name: 'Identity_1:0' }, 'Identity:0': { name: 'Identity:0' } } };
  writeFileSync(join(folder, 'model.json'), JSON.stringify(model));
  return folder;
}
