import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from '@yolokit/backend-onnx';
import { onnxWeb } from '@yolokit/backend-onnx/web';
import { tfjs } from '@yolokit/backend-tfjs';
import { backendConformanceSuite, CONFORMANCE_CHECKS } from '@yolokit/core/conformance';
import { taskModelPath } from '@yolokit/default-model';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';

// One suite, written in @yolokit/core, run against every backend. Skips are listed here, per backend, so that
// a gap is visible in the test report rather than hidden. Models are the smallest that exercise each backend; the
// classification model is yolokit's own shapes classifier (@yolokit/default-model, ONNX and TF.js), no fixture.

const scratch = mkdtempSync(join(tmpdir(), 'yolokit-conformance-'));
const notAnOnnxModel = join(scratch, 'not-a-model.onnx');
writeFileSync(notAnOnnxModel, 'this is not a protobuf ModelProto');
const notATfjsModel = join(scratch, 'not-a-web-model');
mkdirSync(notATfjsModel);
writeFileSync(join(notATfjsModel, 'model.json'), '{"format": "graph-model", "modelTopology": ');
const harness = { describe, it, expect, afterAll };

describe('the conformance suite itself', () => {
  it('lists its checks', () => {
    expect(CONFORMANCE_CHECKS).toContain('run-concurrent');
    expect(CONFORMANCE_CHECKS).toHaveLength(18);
  });

  it('rejects an unknown check in skip, and a missing missingModel that is not skipped', () => {
    const options = {
      backend: () => tfjs(),
      validModel: 'x',
      invalidModel: 'y',
      expected: { layout: 'NHWC' as const, inputShape: [1], outputShape: [1] },
    };
    expect(() => backendConformanceSuite({ ...options, missingModel: 'z', skip: ['two-outputs', 'run-twice' as never] }, harness)).toThrow(
      "options.skip lists 'run-twice', which is not a check; the checks are contract, input-shape",
    );
    expect(() => backendConformanceSuite({ ...options, skip: ['two-outputs'] }, harness)).toThrow(
      "give options.missingModel (a path that does not exist) or list 'missing-model' in options.skip",
    );
    expect(() => backendConformanceSuite({ ...options, missingModel: 'z' }, harness)).toThrow(
      "give options.twoOutputModel (a segmentation model) or list 'two-outputs' in options.skip",
    );
  });
});

describeWithFixtures('conformance: onnxruntime-node', ['models/yolo11n_int8_320.onnx', 'models/yolov8n-seg_int8.onnx'], () => {
  backendConformanceSuite(
    {
      name: 'conformance: onnx() (onnxruntime-node)',
      backend: () => onnx({ intraOpNumThreads: 1 }),
      validModel: fixturePath('models/yolo11n_int8_320.onnx'),
      expected: { layout: 'NCHW', inputShape: [1, 3, 320, 320], outputShape: [1, 84, 2100], classCount: 80 },
      invalidModel: notAnOnnxModel,
      missingModel: join(scratch, 'does-not-exist.onnx'),
      twoOutputModel: { model: fixturePath('models/yolov8n-seg_int8.onnx'), outputShapes: [[1, 116, 2100], [1, 32, 80, 80]] },
      classifyModel: { model: taskModelPath('classify'), outputShape: [1, 4] },
      skip: [],
    },
    harness,
  );
});

describeWithFixtures('conformance: onnxruntime-web', ['models/yolo11n_int8_320.onnx', 'models/yolov8n-seg_int8.onnx'], () => {
  backendConformanceSuite(
    {
      name: 'conformance: onnxWeb() (onnxruntime-web, wasm)',
      backend: () => onnxWeb({ numThreads: 1 }),
      validModel: fixturePath('models/yolo11n_int8_320.onnx'),
      expected: { layout: 'NCHW', inputShape: [1, 3, 320, 320], outputShape: [1, 84, 2100], classCount: 80 },
      invalidModel: notAnOnnxModel,
      missingModel: join(scratch, 'does-not-exist.onnx'),
      twoOutputModel: { model: fixturePath('models/yolov8n-seg_int8.onnx'), outputShapes: [[1, 116, 2100], [1, 32, 80, 80]] },
      classifyModel: { model: taskModelPath('classify'), outputShape: [1, 4] },
      skip: [],
    },
    harness,
  );
});

describeWithFixtures('conformance: TF.js', ['models/yolov8n_coco_web_model/model.json', 'models/yolov8n-seg_web_model/model.json'], () => {
  backendConformanceSuite(
    {
      name: 'conformance: tfjs() (wasm)',
      backend: () => tfjs(),
      validModel: fixturePath('models/yolov8n_coco_web_model'),
      expected: { layout: 'NHWC', inputShape: [1, 640, 640, 3], outputShape: [1, 84, 8400], classCount: 80 },
      invalidModel: notATfjsModel,
      missingModel: join(scratch, 'does-not-exist_web_model'),
      twoOutputModel: { model: fixturePath('models/yolov8n-seg_web_model'), outputShapes: [[1, 116, 2100], [1, 32, 80, 80]] },
      classifyModel: { model: taskModelPath('classify', 'tfjs'), outputShape: [1, 4] },
      skip: [],
    },
    harness,
  );
});
