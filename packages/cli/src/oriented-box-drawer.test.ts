import { describe, expect, it } from 'vitest';
import { boxDrawer } from './box-drawer.js';
import { orientedBoxDrawer, orientedBoxSvg } from './oriented-box-drawer.js';
import { PALETTE } from './palette.js';

// A 40×20 box turned 0.3 rad around (64, 32): corners as core computes them (xywhr2xyxyxyxy order).
const plane = {
  box: [41.938068, 16.536231, 86.061932, 47.463769] as [number, number, number, number],
  confidence: 0.9,
  classId: 3,
  className: 'plane',
  corners: [
    [80.151528, 47.463769],
    [86.061932, 28.357039],
    [47.848472, 16.536231],
    [41.938068, 35.642961],
  ],
};
const person = { box: [20, 30, 60, 90] as [number, number, number, number], confidence: 0.5, classId: 0, className: 'person' };

describe('orientedBoxSvg', () => {
  it('outlines the four corners in the class colour and labels the first corner', () => {
    const svg = orientedBoxSvg(200, 100, [plane]) ?? '';
    expect(svg).toMatch(/^<svg [^>]*width="200" height="100"/);
    expect(svg).toContain(`<polygon points="80.2,47.5 86.1,28.4 47.8,16.5 41.9,35.6" stroke="${PALETTE[3]}"/>`);
    expect(svg).toContain('>plane 0.90</text>');
    // Label font 11 px (image 200×100), pad 3, tab 17 high: at the first corner truncated to (80, 47), above it.
    expect(svg).toContain(`<rect x="80" y="30" width="${Math.ceil(10 * 11 * 0.6) + 6}" height="17" fill="${PALETTE[3]}"/>`);
  });

  it('draws nothing for detections without corners, and the box drawer leaves turned boxes to it', () => {
    expect(orientedBoxSvg(200, 100, [person])).toBeUndefined();
    expect(orientedBoxDrawer.layers({ width: 200, height: 100, detections: [person] })).toEqual([]);
    const [turned] = orientedBoxDrawer.layers({ width: 200, height: 100, detections: [plane, person] });
    expect(turned.input.toString()).not.toContain('person');
    const [upright] = boxDrawer.layers({ width: 200, height: 100, detections: [plane, person] });
    expect(upright.input.toString()).toContain('person 0.50');
    expect(upright.input.toString()).not.toContain('plane');
    expect(boxDrawer.layers({ width: 200, height: 100, detections: [plane] })).toEqual([]);
  });
});
