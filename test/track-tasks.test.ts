import { onnx } from '@yolokit/backend-onnx';
import { createModel, type Detection, Keypoints, Mask } from '@yolokit/core';
import { type FrameResult, type InputFrame, predictFrames } from '@yolokit/stream';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';

const SEG = 'models/yolov8n-seg_fp32.onnx';
const POSE = 'models/yolo11n-pose_fp32.onnx';
const BUS = 'images/bus.jpg';

/** A camera panning across bus.jpg: a 640 × 800 window moving 12 px right per frame, 6 frames. */
async function panningFrames(): Promise<InputFrame[]> {
  const { data, info } = await sharp(fixturePath(BUS)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const frames: InputFrame[] = [];
  for (let index = 0; index < 6; index++) {
    const left = 12 * index;
    const window = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
      .extract({ left, top: 100, width: 640, height: 800 })
      .raw()
      .toBuffer();
    frames.push({ index, width: 640, height: 800, channels: 3, data: new Uint8Array(window) });
  }
  return frames;
}

async function trackedPeople(modelPath: string): Promise<FrameResult[]> {
  const model = await createModel({ backend: onnx({ intraOpNumThreads: 1 }), model: fixturePath(modelPath) });
  try {
    const out: FrameResult[] = [];
    for await (const frame of predictFrames(model, await panningFrames(), { track: true, predict: { conf: 0.1, classes: [0] }, fps: 25 })) out.push(frame);
    return out;
  } finally {
    await model.dispose();
  }
}

/** Track ids per frame, sorted, and every person seen on all 6 frames keeps its id. */
function expectSteadyIds(frames: FrameResult[]): number[] {
  const ids = frames.map((f) => (f.tracks ?? []).map((t) => t.trackId).sort((a, b) => a - b));
  const steady = ids[0].filter((id) => ids.every((frame) => frame.includes(id)));
  // Of bus.jpg's people, the two in the middle stay inside the panning window: both are followed throughout.
  expect(steady.length).toBeGreaterThanOrEqual(2);
  return steady;
}

describe('tracking carries masks and keypoints with the track id', () => {
  describeWithFixtures('segmentation (yolov8n-seg)', [SEG, BUS], () => {
    it("each tracked person keeps its id while the camera pans, with its mask; the JSON line has the mask's RLE and the trackId", async () => {
      const frames = await trackedPeople(SEG);
      expectSteadyIds(frames);
      for (const frame of frames) {
        for (const t of frame.tracks ?? []) {
          expect(t.detection.mask).toBeInstanceOf(Mask);
          expect(t.detection).toBe(frame.result.detections[t.index] as Detection);
        }
      }
      const line = JSON.parse(JSON.stringify(frames[3]));
      for (const d of line.detections) {
        expect(Object.keys(d)).toEqual(['box', 'confidence', 'classId', 'className', 'mask', 'trackId']);
        expect(d.mask.size).toEqual([800, 640]);
      }
    });
  });

  describeWithFixtures('pose (yolo11n-pose)', [POSE, BUS], () => {
    it('each tracked person keeps its id with its 17 keypoints, which move with the pan (12 px a frame)', async () => {
      const frames = await trackedPeople(POSE);
      const steady = expectSteadyIds(frames);
      let measured = 0;
      for (const id of steady) {
        const first = frames[0].tracks?.find((t) => t.trackId === id)?.detection.keypoints;
        const last = frames[5].tracks?.find((t) => t.trackId === id)?.detection.keypoints;
        expect(first).toBeInstanceOf(Keypoints);
        expect(last?.data.length).toBe(17 * 3);
        // The window moved 60 px right, so the person moved 60 px left in it: the median x shift of visible points.
        const shifts: number[] = [];
        for (let k = 0; k < 17; k++) if ((first?.data[k * 3 + 2] ?? 0) > 0.5 && (last?.data[k * 3 + 2] ?? 0) > 0.5) shifts.push((last?.data[k * 3] ?? 0) - (first?.data[k * 3] ?? 0));
        shifts.sort((a, b) => a - b);
        // A person cut by the window's edge may show too few points to measure.
        if (shifts.length < 5) continue;
        measured += 1;
        expect(Math.abs(shifts[Math.floor(shifts.length / 2)] + 60)).toBeLessThan(8);
      }
      expect(measured).toBeGreaterThanOrEqual(2);
    });
  });
});
