import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotateImage, classColour, overlaySvg, PALETTE } from './annotate-image.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'yolokit-annotate-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

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

describe('annotateImage', () => {
  it('writes the image at its size and format with the box drawn', async () => {
    const source = join(root, 'grey.png');
    await sharp({ create: { width: 120, height: 100, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toFile(source);
    const written = await annotateImage(source, { width: 120, height: 100, detections: [person] }, join(root, 'out.png'));
    expect(written).toBe(join(root, 'out.png'));
    const { data, info } = await sharp(written).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, (await sharp(written).metadata()).format]).toEqual([120, 100, 'png']);
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    expect(at(20, 60)).toEqual([0x04, 0x2a, 0xff]); // left edge of the box: the person colour
    expect(at(40, 60)).toEqual([128, 128, 128]); // inside the box: untouched
    expect(at(110, 95)).toEqual([128, 128, 128]); // far from it: untouched
  });

  it('draws in oriented pixels for an EXIF-rotated JPEG', async () => {
    // Stored 100 wide x 60 high with orientation 6 (rotate 90° clockwise): shown 60 wide x 100 high.
    const source = join(root, 'rotated.jpg');
    await sharp({ create: { width: 100, height: 60, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(source);
    const written = await annotateImage(source, { width: 60, height: 100, detections: [{ ...person, box: [5, 40, 55, 95] }] }, join(root, 'rotated-out.jpg'));
    const metadata = await sharp(written).metadata();
    expect([metadata.width, metadata.height, metadata.format]).toEqual([60, 100, 'jpeg']);
  });
});
