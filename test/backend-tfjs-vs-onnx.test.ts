import { onnx } from '@yolokit/backend-onnx';
import { tfjs } from '@yolokit/backend-tfjs';
import { type BackendSession, pixelsToTensor, SharpImageDecoder } from '@yolokit/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';

// yolov8n_coco_web_model is yolov8n_fp32.onnx converted to TF.js with bit-identical conv weights (PROVENANCE.md):
// on the same letterboxed pixels the raw outputs of TF.js (wasm) and onnxruntime-node must agree to float
// rounding. PROVENANCE measured at most 7.9e-3 px on boxes and 4e-5 on scores over 128 COCO images.

const IMAGES = [
  'images/bus.jpg',
  'images/zidane.jpg',
  'coco32/images/000000000009.jpg',
  'coco32/images/000000000025.jpg',
  'coco32/images/000000000030.jpg',
  'coco32/images/000000000034.jpg',
];
const BOX_TOLERANCE = 1e-2; // px
const SCORE_TOLERANCE = 1e-3;

describeWithFixtures(
  'raw outputs: TF.js (wasm) web model vs onnxruntime-node, same weights, same tensor',
  ['models/yolov8n_coco_web_model/model.json', 'models/yolov8n_fp32.onnx', ...IMAGES],
  () => {
    let web: BackendSession;
    let ort: BackendSession;
    beforeAll(async () => {
      web = await tfjs({ runtime: 'wasm' }).load(fixturePath('models/yolov8n_coco_web_model'));
      ort = await onnx({ intraOpNumThreads: 1 }).load(fixturePath('models/yolov8n_fp32.onnx'));
    });
    afterAll(async () => {
      await web?.dispose();
      await ort?.dispose();
    });

    it('both take the same 640x640 image, in NHWC and NCHW, and give [1, 84, 8400]', () => {
      expect(web.layout).toBe('NHWC');
      expect(ort.layout).toBe('NCHW');
      expect(web.inputs[0].shape).toEqual([1, 640, 640, 3]);
      expect(ort.inputs[0].shape).toEqual([1, 3, 640, 640]);
      expect(web.outputs[0].shape).toEqual([1, 84, 8400]);
      expect(ort.outputs[0].shape).toEqual([1, 84, 8400]);
    });

    it(`agree within ${BOX_TOLERANCE} px on boxes and ${SCORE_TOLERANCE} on scores on ${IMAGES.length} photographs`, async () => {
      const decoder = new SharpImageDecoder();
      const anchors = 8400;
      let worstBox = 0;
      let worstScore = 0;
      let confident = 0;
      for (const image of IMAGES) {
        const { pixels } = await decoder.letterbox(fixturePath(image), { width: 640, height: 640 });
        const [a] = await web.run(pixelsToTensor(pixels, 640, 640, 'NHWC'));
        const [b] = await ort.run(pixelsToTensor(pixels, 640, 640, 'NCHW'));
        expect(a.dims).toEqual([1, 84, 8400]);
        expect(b.dims).toEqual([1, 84, 8400]);
        let box = 0;
        let score = 0;
        for (let row = 0; row < 84; row++) {
          for (let anchor = 0; anchor < anchors; anchor++) {
            const i = row * anchors + anchor;
            const difference = Math.abs(a.data[i] - b.data[i]);
            if (row < 4) box = Math.max(box, difference);
            else {
              score = Math.max(score, difference);
              if (a.data[i] > 0.5) confident++;
            }
          }
        }
        expect(box, `${image}: largest box difference (px)`).toBeLessThan(BOX_TOLERANCE);
        expect(score, `${image}: largest score difference`).toBeLessThan(SCORE_TOLERANCE);
        worstBox = Math.max(worstBox, box);
        worstScore = Math.max(worstScore, score);
      }
      // The photographs do contain objects, so the comparison covers confident scores, not only near-zero ones.
      expect(confident).toBeGreaterThan(20);
      console.info(`[tfjs wasm vs onnxruntime-node] largest difference: boxes ${worstBox.toExponential(2)} px, scores ${worstScore.toExponential(2)}`);
    });
  },
);
