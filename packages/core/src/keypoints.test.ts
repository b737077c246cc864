import { describe, expect, it } from 'vitest';
import { COCO_KEYPOINT_SKELETON, Keypoints, skeletonFor, unletterboxKeypoints } from './keypoints.js';
import { type LetterboxGeometry, letterboxGeometry } from './letterbox.js';

const raw = (...values: number[]) => Float32Array.from(values);

describe('unletterboxKeypoints', () => {
  it('removes left padding and the scale (bus.jpg, 810x1080 at 640)', () => {
    // letterboxGeometry(810, 1080, 640, 640): scale 640/1080 = 16/27, resized 480 x 640, left 80, top 0.
    const g = letterboxGeometry(810, 1080, 640, 640);
    expect(g).toMatchObject({ left: 80, top: 0, resizedWidth: 480, resizedHeight: 640 });
    // x = (96 - 80) · 27/16 = 27; y = 32 · 27/16 = 54. (400, 600) → 320 · 27/16 = 540, 600 · 27/16 = 1012.5.
    const k = unletterboxKeypoints(g, raw(96, 32, 0.9, 400, 600, 0.2), 3);
    expect(k.count).toBe(2);
    expect(k.dims).toBe(3);
    const [[x0, y0], [x1, y1]] = k.xy;
    expect(x0).toBeCloseTo(27, 4);
    expect(y0).toBeCloseTo(54, 4);
    expect(x1).toBeCloseTo(540, 4);
    expect(y1).toBeCloseTo(1012.5, 4);
    // Visibility passes through unchanged.
    expect(k.visibility?.map((v) => Number(v.toFixed(6)))).toEqual([0.9, 0.2]);
  });

  it('removes top padding and the scale (zidane.jpg, 1280x720 at 640)', () => {
    // scale 0.5, resized 640 x 360, top (640 - 360)/2 = 140, left 0.
    const g = letterboxGeometry(1280, 720, 640, 640);
    expect(g).toMatchObject({ left: 0, top: 140, scale: 0.5 });
    // x = 100 / 0.5 = 200; y = (200 - 140) / 0.5 = 120.
    expect(unletterboxKeypoints(g, raw(100, 200, 1), 3).toJSON()).toEqual([[200, 120, 1]]);
  });

  it('removes padding on both sides when the geometry has it', () => {
    // A hand-made geometry: image 100 x 50 drawn at scale 2 with 7 px on the left and 3 on top.
    const g: LetterboxGeometry = {
      sourceWidth: 100,
      sourceHeight: 50,
      targetWidth: 214,
      targetHeight: 106,
      scale: 2,
      resizedWidth: 200,
      resizedHeight: 100,
      top: 3,
      bottom: 3,
      left: 7,
      right: 7,
    };
    // x = (27 - 7) / 2 = 10; y = (13 - 3) / 2 = 5. (206, 102) → 99.5, 49.5.
    expect(unletterboxKeypoints(g, raw(27, 13, 206, 102), 2).toJSON()).toEqual([
      [10, 5],
      [99.5, 49.5],
    ]);
  });

  it('clips to the image, [0, width] x [0, height], as scale_coords does', () => {
    const g = letterboxGeometry(810, 1080, 640, 640);
    // x 40 is in the left padding → (40 - 80) · 27/16 < 0 → 0; x 600 → 877.5 > 810 → 810; y 700 → 1181.25 → 1080;
    // y -5 → 0.
    const k = unletterboxKeypoints(g, raw(40, 700, 0.5, 600, -5, 0.7), 3);
    expect(k.xy).toEqual([
      [0, 1080],
      [810, 0],
    ]);
  });

  it('would be far off if it ignored the padding or used the wrong scale', () => {
    // The mapping, checked against the two mistakes a decoder makes: on zidane, padding ignored puts y 280 px
    // lower; the scale of the other axis (640/720 instead of 640/1280) moves x by 87.5 px here.
    const g = letterboxGeometry(1280, 720, 640, 640);
    const [[x, y]] = unletterboxKeypoints(g, raw(100, 200), 2).xy;
    expect(Math.abs(200 / g.scale - y)).toBeCloseTo(280, 4);
    expect(Math.abs(100 / (640 / 720) - x)).toBeCloseTo(87.5, 4);
  });
});

describe('Keypoints', () => {
  it('reads x, y and visibility per keypoint and round-trips through JSON', () => {
    const k = new Keypoints(raw(1, 2, 0.5, 3, 4, 0.25), 3);
    expect(k.count).toBe(2);
    expect(k.xy).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(k.visibility).toEqual([0.5, 0.25]);
    expect(k.toJSON()).toEqual([
      [1, 2, 0.5],
      [3, 4, 0.25],
    ]);
    const back = Keypoints.fromJSON(JSON.parse(JSON.stringify(k)));
    expect(back.dims).toBe(3);
    expect(Array.from(back.data)).toEqual(Array.from(k.data));
  });

  it('has no visibility for 2 values per keypoint', () => {
    const k = new Keypoints(raw(1, 2, 3, 4), 2);
    expect(k.count).toBe(2);
    expect(k.visibility).toBeUndefined();
    expect(k.toJSON()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});

describe('skeletonFor', () => {
  it("gives COCO's 19 limbs, 0-based, for 17 keypoints and none otherwise", () => {
    const skeleton = skeletonFor(17);
    expect(skeleton).toBe(COCO_KEYPOINT_SKELETON);
    expect(skeleton).toHaveLength(19);
    // Ultralytics' first limb [16, 14] (1-based: left ankle - left knee) is [15, 13]; [6, 7] shoulders → [5, 6].
    expect(skeleton[0]).toEqual([15, 13]);
    expect(skeleton).toContainEqual([5, 6]);
    expect(skeleton.flat().every((i) => i >= 0 && i < 17)).toBe(true);
    expect(skeletonFor(5)).toEqual([]);
  });
});
