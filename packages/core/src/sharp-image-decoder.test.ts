import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { letterboxGeometry } from './letterbox.js';
import { BackendUnavailableError } from './errors.js';
import { importSharp, SharpImageDecoder } from './sharp-image-decoder.js';

/** A 64×48 gradient with saturated corners, where a colour-profile transform shows most. */
function gradient(): Buffer {
  const width = 64;
  const height = 48;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = Math.round((255 * x) / (width - 1));
      data[i + 1] = Math.round((255 * y) / (height - 1));
      data[i + 2] = 255 - data[i];
    }
  }
  return data;
}

/** The JPEG without its ICC_PROFILE APP2 segments: the same compressed pixels, untagged. */
function stripIcc(jpeg: Uint8Array): Uint8Array {
  const kept: Uint8Array[] = [jpeg.subarray(0, 2)];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff && jpeg[at + 1] !== 0xda) {
    const length = (jpeg[at + 2] << 8) | jpeg[at + 3];
    const segment = jpeg.subarray(at, at + 2 + length);
    const isIcc = jpeg[at + 1] === 0xe2 && Buffer.from(segment.subarray(4, 15)).toString('latin1') === 'ICC_PROFILE';
    if (!isIcc) kept.push(segment);
    at += 2 + length;
  }
  kept.push(jpeg.subarray(at));
  return Buffer.concat(kept);
}

describe('SharpImageDecoder', () => {
  it('does not apply an embedded ICC profile, as OpenCV imread (Ultralytics) does not: tagged and untagged JPEGs give the same pixels', async () => {
    const tagged = await sharp(gradient(), { raw: { width: 64, height: 48, channels: 3 } }).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(tagged).metadata()).icc).toBeDefined();
    const untagged = stripIcc(tagged);
    expect((await sharp(untagged).metadata()).icc).toBeUndefined();
    expect(untagged.length).toBeLessThan(tagged.length);

    const decoder = new SharpImageDecoder();
    const a = await decoder.letterbox(tagged, { width: 64, height: 64 });
    const b = await decoder.letterbox(untagged, { width: 64, height: 64 });
    expect(Buffer.from(a.pixels).equals(Buffer.from(b.pixels))).toBe(true);

    // What applying the profile would have done: the test above can fail.
    const managed = await sharp(tagged).raw().toBuffer();
    const raw = await sharp(untagged).raw().toBuffer();
    let largest = 0;
    for (let i = 0; i < raw.length; i++) largest = Math.max(largest, Math.abs(managed[i] - raw[i]));
    expect(largest).toBeGreaterThan(10);
  });

  it("gives the bytes of libvips' own letterbox (resize, then extend with gray 114) for encoded and raw inputs", async () => {
    const decoder = new SharpImageDecoder();
    const source = gradient();
    const jpeg = await sharp(source, { raw: { width: 64, height: 48, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    const raw = { data: new Uint8Array(source), width: 64, height: 48, channels: 3 as const };
    // Padding split evenly, with an odd pixel, and on either axis.
    for (const target of [{ width: 64, height: 64 }, { width: 32, height: 29 }, { width: 45, height: 20 }]) {
      for (const input of [jpeg, raw]) {
        const g = letterboxGeometry(64, 48, target.width, target.height);
        const inputSharp = input === raw ? sharp(source, { raw: { width: 64, height: 48, channels: 3 } }) : sharp(jpeg, { ignoreIcc: true });
        const expected = await inputSharp
          .resize(g.resizedWidth, g.resizedHeight, { fit: 'fill', kernel: 'linear' })
          .extend({ top: g.top, bottom: g.bottom, left: g.left, right: g.right, background: { r: 114, g: 114, b: 114 } })
          .raw()
          .toBuffer();
        const { pixels, geometry } = await decoder.letterbox(input, target);
        expect(geometry).toEqual(g);
        expect(Buffer.from(pixels).equals(expected)).toBe(true);
      }
    }
  });
});

describe('sharp as an optional peer dependency', () => {
  it('names the command that installs sharp when it is missing (BACKEND_UNAVAILABLE)', async () => {
    // A real failed import of a package that is not installed, as a browser-only install would give for sharp.
    const missing = 'yolokit-test-package-that-is-not-installed';
    const error = await importSharp(() => import(/* @vite-ignore */ missing)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as BackendUnavailableError).code).toBe('BACKEND_UNAVAILABLE');
    expect((error as Error).message).toMatch(/^sharp is not installed: @yolokit\/core decodes images in Node with sharp, an optional peer dependency\. Install it beside @yolokit\/core: npm install sharp@\^0\.34\.5 /);
    expect((error as Error).message).toContain(missing);
  });

  it('tells a sharp that fails to load from one that is missing', async () => {
    const error = await importSharp(() => Promise.reject(new Error('libvips-cpp.so: cannot open shared object file'))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toBe('sharp is installed but could not be loaded: libvips-cpp.so: cannot open shared object file');
  });

  it('loads the installed sharp', async () => {
    expect(await importSharp(() => import('sharp'))).toBe(sharp);
  });
});
