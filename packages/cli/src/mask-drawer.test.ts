import { Detection, Mask, Result } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { MASK_ALPHA, maskDrawer, maskLayer } from './mask-drawer.js';
import { classColour, rgbOf } from './palette.js';

/** The RGBA of pixel (x, y) of a raw layer, in layer coordinates. */
function rgbaAt(layer: NonNullable<ReturnType<typeof maskLayer>>, x: number, y: number): number[] {
  const i = (y * layer.raw!.width + x) * 4;
  return [...layer.input.subarray(i, i + 4)];
}

describe('maskLayer', () => {
  it('is raw RGBA at the mask rectangle: the colour at alpha on set pixels, transparent elsewhere', () => {
    // A 4×3 crop at (10, 20) of a 50×40 image, with an L of set pixels touching every side.
    const crop = [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1];
    const layer = maskLayer(Mask.fromBitmap(crop, 50, 40, [10, 20, 4, 3]), '#102030', MASK_ALPHA)!;
    expect([layer.left, layer.top, layer.raw]).toEqual([10, 20, { width: 4, height: 3, channels: 4 }]);
    expect(layer.input).toHaveLength(4 * 3 * 4);
    expect(rgbaAt(layer, 0, 0)).toEqual([0x10, 0x20, 0x30, 128]);
    expect(rgbaAt(layer, 3, 2)).toEqual([0x10, 0x20, 0x30, 128]);
    expect(rgbaAt(layer, 1, 0)).toEqual([0, 0, 0, 0]);
    expect(rgbaAt(layer, 3, 1)).toEqual([0, 0, 0, 0]);
  });

  it('covers only the rows and columns with set pixels (a mask from RLE spans the whole image)', () => {
    const bitmap = new Uint8Array(50 * 40);
    for (let y = 12; y < 15; y++) for (let x = 30; x < 35; x++) bitmap[y * 50 + x] = 1;
    const fromRle = Mask.fromRle(Mask.fromBitmap(bitmap, 50, 40).toRle());
    expect(fromRle.rect).toEqual([0, 0, 50, 40]);
    const layer = maskLayer(fromRle, '#FFFFFF', 1)!;
    expect([layer.left, layer.top, layer.raw?.width, layer.raw?.height]).toEqual([30, 12, 5, 3]);
    expect(rgbaAt(layer, 2, 1)).toEqual([255, 255, 255, 255]);
  });

  it('gives nothing for an empty mask', () => {
    expect(maskLayer(Mask.fromBitmap(new Uint8Array(6), 10, 10, [2, 2, 3, 2]), '#FFFFFF')).toBeUndefined();
  });
});

describe('maskDrawer', () => {
  const mask = (x: number) => Mask.fromBitmap([1, 1, 1, 1], 20, 10, [x, 2, 2, 2]);
  const detections = [
    new Detection([0, 0, 5, 5], 0.9, 5, 'bus', 20, 10, { mask: mask(1) }),
    new Detection([6, 0, 10, 5], 0.7, 0, 'person', 20, 10),
    new Detection([10, 0, 15, 5], 0.5, 0, 'person', 20, 10, { mask: mask(11) }),
  ];
  const result = new Result({ width: 20, height: 10, task: 'segment', detections, speed: { preprocess: 0, inference: 0, postprocess: 0 } });

  it("draws each mask in its class colour, the least confident first, skipping detections without one", () => {
    const layers = maskDrawer.layers(result);
    expect(layers.map((l) => [l.left, l.top])).toEqual([
      [11, 2],
      [1, 2],
    ]);
    expect(rgbaAt(layers[0], 0, 0)).toEqual([...rgbOf(classColour(0)), 128]);
    expect(rgbaAt(layers[1], 0, 0)).toEqual([...rgbOf(classColour(5)), 128]);
  });

  it('reads masks from the JSON (RLE) too, with the same pixels', () => {
    const layers = maskDrawer.layers(result.toJSON());
    expect(layers.map((l) => [l.left, l.top, l.input.toString('hex')])).toEqual(maskDrawer.layers(result).map((l) => [l.left, l.top, l.input.toString('hex')]));
  });

  it('gives nothing for a detection result', () => {
    expect(maskDrawer.layers({ width: 20, height: 10, detections: [detections[1]] })).toEqual([]);
  });
});
