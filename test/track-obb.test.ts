import { onnx } from '@yolokit/backend-onnx';
import { boxIou, createModel, type Detection } from '@yolokit/core';
import { generateMovingScenes, OBB_MODEL_PREDICT_DEFAULTS, taskModelPath } from '@yolokit/default-model';
import { type FrameResult, predictFrames } from '@yolokit/stream';
import { describe, expect, it } from 'vitest';
import { motMetrics } from './support/mot-metrics.js';

// Oriented boxes tracked by probabilistic IoU: the oriented-box task model on clips of rotated shapes moving in
// crossing pairs and turning 0.01 rad a frame, with exact identities.
describe('tracking oriented boxes (the OBB task model)', () => {
  it('MOTA ≥ 0.9 and IDF1 ≥ 0.9 on each clip; tracked oriented boxes keep the detection angle', async () => {
    const model = await createModel({ backend: onnx({ intraOpNumThreads: 1 }), model: taskModelPath('obb'), defaults: OBB_MODEL_PREDICT_DEFAULTS });
    try {
      for (const seed of [31, 32]) {
        const clip = generateMovingScenes(seed, { frames: 30, objects: 4, rotated: true });
        // The pairs do pass each other: their oriented boxes' extents overlap at some frame.
        expect(clip.frames.some((f) => boxIou(f.objects[0].box, f.objects[1].box) > 0.05 && boxIou(f.objects[2].box, f.objects[3].box) > 0.05)).toBe(true);
        const results: FrameResult[] = [];
        for await (const frame of predictFrames(model, clip.frames, { track: true, fps: 25 })) results.push(frame);
        for (const frame of results) {
          for (const t of frame.tracks ?? []) {
            expect((t.detection as Detection).obb).toBeDefined();
            expect(t.obb?.angle).toBe((t.detection as Detection).obb?.angle);
          }
        }
        const score = motMetrics(
          clip.frames.map((truth, i) => ({
            truth: truth.objects.map((o) => ({ id: o.id, box: o.box })),
            hypotheses: (results[i].tracks ?? []).map((t) => ({ id: t.trackId, box: t.detection.box })),
          })),
        );
        console.log(`seed ${seed}: MOTA ${score.mota.toFixed(3)} IDF1 ${score.idf1.toFixed(3)} switches ${score.idSwitches} misses ${score.misses} fp ${score.falsePositives}`);
        expect(score.mota).toBeGreaterThanOrEqual(0.9);
        expect(score.idf1).toBeGreaterThanOrEqual(0.9);
        expect(score.idSwitches).toBeLessThanOrEqual(2);
      }
    } finally {
      await model.dispose();
    }
  });
});
