import { describe, expect, it } from 'vitest';
import { boxDrawer, overlaySvg } from './box-drawer.js';
import { classColour, PALETTE } from './palette.js';

const person = { box: [20, 30, 60, 90] as [number, number, number, number], confidence: 0.912, classId: 0, className: 'person' };

describe('overlaySvg', () => {
  it('outlines each box in its class colour and writes "name 0.91" on a tab', () => {
    const svg = overlaySvg(200, 100, [person, { ...person, classId: 5, className: 'bus', confidence: 0.5 }]);
    expect(svg).toMatch(/^<svg [^>]*width="200" height="100"/);
    expect(svg).toContain(`<rect x="20" y="30" width="40" height="60" stroke="${PALETTE[0]}"/>`);
    expect(svg).toContain(`stroke="${PALETTE[5]}"`);
    expect(svg).toContain('>person 0.91</text>');
    expect(svg).toContain('>bus 0.50</text>');
    // The most confident detection is drawn last, on top.
    expect(svg.lastIndexOf('person 0.91')).toBeGreaterThan(svg.lastIndexOf('bus 0.50'));
  });

  it('escapes class names', () => {
    expect(overlaySvg(100, 100, [{ ...person, className: '<a&b>' }])).toContain('&#60;a&#38;b&#62; 0.91');
  });

  it('gives every class id a palette colour, stable and cycling', () => {
    expect(classColour(0)).toBe(PALETTE[0]);
    expect(classColour(PALETTE.length + 3)).toBe(PALETTE[3]);
    expect(classColour(-1)).toBe(PALETTE[PALETTE.length - 1]);
  });
});

describe('boxDrawer', () => {
  it('gives one full-image SVG layer, and none for an image without detections', () => {
    const [layer, ...rest] = boxDrawer.layers({ width: 200, height: 100, detections: [person] });
    expect(rest).toEqual([]);
    expect([layer.left, layer.top, layer.raw]).toEqual([0, 0, undefined]);
    expect(layer.input.toString()).toBe(overlaySvg(200, 100, [person]));
    expect(boxDrawer.layers({ width: 200, height: 100, detections: [] })).toEqual([]);
  });
});
