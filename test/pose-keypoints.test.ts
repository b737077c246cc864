import { readFileSync } from 'node:fs';
import { onnx } from '@yolokit/backend-onnx';
import { tfjs } from '@yolokit/backend-tfjs';
import { type Backend, boxIou, createModel, type LetterboxGeometry, letterboxGeometry, type Result, unletterboxKeypoints } from '@yolokit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';

// yolo11n-pose_fp32.onnx on bus.jpg and zidane.jpg at conf 0.25 against reference/pose-bus-zidane.json
// (fixtures/PROVENANCE.md): the same persons, every visible keypoint (visibility >= 0.5 in the reference)
// within 2 px. Measured: at most 1.32 px (zidane), boxes at IoU >= 0.998 with the reference's.
// The TF.js web model computes the same function; through tfjs (wasm) it must meet the same bound.

const MODEL = 'models/yolo11n-pose_fp32.onnx';
const WEB_MODEL = 'models/yolo11n-pose_web_model';
const REFERENCE = 'reference/pose-bus-zidane.json';
const IMAGES = ['bus.jpg', 'zidane.jpg'] as const;
const TOLERANCE_PX = 2;
const VISIBLE = 0.5;

interface ReferencePerson {
  box: [number, number, number, number];
  confidence: number;
  keypoints: Array<[number, number, number]>;
}
type Reference = { options: { conf: number; iou: number; imgsz: number }; results: Record<string, ReferencePerson[]> };

interface Match {
  reference: ReferencePerson;
  /** Our keypoints, `[x, y, visibility]` in image pixels. */
  keypoints: number[][];
  boxIou: number;
  confidence: number;
}

/** Pairs each reference person with the detection of highest box IoU, each detection used once. */
function matchPersons(result: Result, reference: readonly ReferencePerson[]): Match[] {
  const used = new Set<number>();
  return reference.map((person) => {
    let best = -1;
    let bestIou = 0;
    result.detections.forEach((d, i) => {
      const overlap = boxIou(d.box, person.box);
      if (!used.has(i) && overlap > bestIou) {
        bestIou = overlap;
        best = i;
      }
    });
    if (best < 0) throw new Error(`no detection overlaps the reference person at [${person.box.join(', ')}]`);
    used.add(best);
    const d = result.detections[best];
    if (!d.keypoints) throw new Error('a pose detection without keypoints');
    return { reference: person, keypoints: d.keypoints.toJSON(), boxIou: bestIou, confidence: d.confidence };
  });
}

/** Distances of the reference's visible keypoints to ours, in image pixels. */
function visibleErrors(matches: readonly Match[], keypointsOf: (m: Match) => number[][] = (m) => m.keypoints): number[] {
  return matches.flatMap((m) => {
    const ours = keypointsOf(m);
    return m.reference.keypoints.flatMap(([x, y, v], k) => (v >= VISIBLE ? [Math.hypot(ours[k][0] - x, ours[k][1] - y)] : []));
  });
}

let cached: Reference | undefined;
/** The reference file, read on first use (so that a clone without fixtures skips instead of failing to load). */
function loadReference(): Reference {
  cached ??= JSON.parse(readFileSync(fixturePath(REFERENCE), 'utf8')) as Reference;
  return cached;
}

function keypointSuite(label: string, backend: () => Backend, model: string): void {
  describe(label, () => {
    const results = new Map<string, Result>();
    const geometries = new Map<string, LetterboxGeometry>();
    let reference: Reference;
    beforeAll(async () => {
      reference = loadReference();
      const loaded = await createModel({ backend: backend(), model: fixturePath(model) });
      try {
        expect(loaded.info.task).toBe('pose');
        for (const image of IMAGES) {
          const result = await loaded.predict(fixturePath(`images/${image}`), { conf: reference.options.conf, iou: reference.options.iou });
          results.set(image, result);
          geometries.set(image, letterboxGeometry(result.width, result.height, reference.options.imgsz, reference.options.imgsz));
        }
      } finally {
        await loaded.dispose();
      }
    });

    for (const image of IMAGES) {
      it(`${image}: the reference's persons, boxes at IoU >= 0.99`, () => {
        const result = results.get(image)!;
        const persons = reference.results[image];
        expect(result.task).toBe('pose');
        expect(result.detections).toHaveLength(persons.length);
        const matches = matchPersons(result, persons);
        for (const m of matches) {
          expect(m.boxIou).toBeGreaterThanOrEqual(0.99);
          expect(Math.abs(m.confidence - m.reference.confidence)).toBeLessThan(0.03);
        }
        expect(result.detections.every((d) => d.className === 'person' && d.keypoints?.count === 17 && d.keypoints.dims === 3)).toBe(true);
      });

      it(`${image}: every visible keypoint within ${TOLERANCE_PX} px of the reference`, () => {
        const errors = visibleErrors(matchPersons(results.get(image)!, reference.results[image]));
        const worst = Math.max(...errors);
        console.log(`${label} ${image}: ${errors.length} visible keypoints, max error ${worst.toFixed(3)} px`);
        expect(worst).toBeLessThanOrEqual(TOLERANCE_PX);
      });

      it(`${image}: a wrong letterbox mapping would be caught (padding ignored, wrong scale: > ${TOLERANCE_PX} px)`, () => {
        // Take our keypoints back to model-input pixels through the right geometry, then map them to the image
        // again through wrong ones, as a faulty decoder would; the 2 px check must reject each.
        const g = geometries.get(image)!;
        const toInput = (p: number[]) => [p[0] * g.scale + g.left, p[1] * g.scale + g.top, p[2]];
        const wrong: Record<string, LetterboxGeometry> = {
          'right mapping (control)': g,
          'padding ignored': { ...g, left: 0, top: 0 },
          'padding on the other axis': { ...g, left: g.top, top: g.left },
          'scale of the other side': { ...g, scale: reference.options.imgsz / Math.min(g.sourceWidth, g.sourceHeight) },
        };
        const worst: Record<string, number> = {};
        for (const [name, geometry] of Object.entries(wrong)) {
          const mapped = (m: Match) =>
            // Keypoints clipped to the image edge cannot be taken back to the input: keep ours for those.
            m.keypoints.map((p) => (p[0] <= 0 || p[1] <= 0 || p[0] >= g.sourceWidth || p[1] >= g.sourceHeight ? p : unletterboxKeypoints(geometry, Float32Array.from(toInput(p)), 3).toJSON()[0]));
          worst[name] = Math.max(...visibleErrors(matchPersons(results.get(image)!, reference.results[image]), mapped));
        }
        console.log(`${label} ${image}: max keypoint error by mapping ${JSON.stringify(Object.fromEntries(Object.entries(worst).map(([k, v]) => [k, Number(v.toFixed(2))])))}`);
        expect(worst['right mapping (control)']).toBeLessThanOrEqual(TOLERANCE_PX);
        // Each letterbox pads one axis (bus: 80 px left, zidane: 140 px top), so dropping the padding, or putting it
        // on the other axis, moves every keypoint by padding / scale: 135 px on bus, 280 px on zidane.
        expect(worst['padding ignored']).toBeGreaterThan(100);
        expect(worst['padding on the other axis']).toBeGreaterThan(100);
        expect(worst['scale of the other side']).toBeGreaterThan(10 * TOLERANCE_PX);
      });
    }
  });
}

describeWithFixtures('pose keypoints match the reference', [MODEL, `${WEB_MODEL}/model.json`, REFERENCE, 'images/bus.jpg', 'images/zidane.jpg'], () => {
  keypointSuite('onnxruntime-node', () => onnx({ intraOpNumThreads: 2 }), MODEL);
  keypointSuite('TF.js web model (wasm)', () => tfjs({ runtime: 'wasm' }), WEB_MODEL);
});
