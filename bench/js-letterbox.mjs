#!/usr/bin/env node
// Core's plain-JavaScript letterbox (what browsers and workers run: CanvasImageDecoder → letterboxPixels) and the
// float tensor after it, before and after issue 13's rewrite, timed in ONE run, interleaved image by image so that
// the machine's load falls on both alike. "before" is the per-pixel four-corner float implementation as it was
// until issue 13, kept below verbatim as the baseline; "after" is @yolokit/core's letterboxPixels (OpenCV's
// separable fixed-point INTER_LINEAR). Inputs are RGBA, as a canvas's getImageData gives them. Also prints how the
// two differ in bytes (the new one equals cv2.resize; the old one was off by one level on about 2% of bytes).
//
//   node bench/js-letterbox.mjs [--images DIR] [--size 640] [--rounds 5] [--json FILE]
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { letterboxGeometry, letterboxPixels, pixelsToTensor } from '@yolokit/core';
import sharp from 'sharp';

const fixtures = process.env.YOLOKIT_FIXTURES ?? resolve(import.meta.dirname, '../../shared/fixtures');
const { values } = parseArgs({
  options: {
    images: { type: 'string', default: resolve(fixtures, 'coco32/images') },
    size: { type: 'string', default: '640' },
    rounds: { type: 'string', default: '5' },
    json: { type: 'string' },
  },
});
const size = Number(values.size);
const rounds = Number(values.rounds);

/** The letterbox before issue 13 (packages/core/src/letterbox-pixels.ts at c15d39a), the baseline. */
function letterboxBefore(image, targetWidth, targetHeight) {
  const geometry = letterboxGeometry(image.width, image.height, targetWidth, targetHeight);
  const { resizedWidth: rw, resizedHeight: rh, left, top } = geometry;
  const out = new Uint8Array(targetWidth * targetHeight * 3).fill(114);
  const { data, width: sw, height: sh, channels } = image;
  const xs = tapsBefore(sw, rw);
  const ys = tapsBefore(sh, rh);
  for (let y = 0; y < rh; y++) {
    const y0 = ys.index[y] * sw;
    const y1 = ys.index2[y] * sw;
    const wy = ys.weight[y];
    let o = ((y + top) * targetWidth + left) * 3;
    for (let x = 0; x < rw; x++) {
      const x0 = xs.index[x];
      const x1 = xs.index2[x];
      const wx = xs.weight[x];
      const a = (y0 + x0) * channels;
      const b = (y0 + x1) * channels;
      const c = (y1 + x0) * channels;
      const d = (y1 + x1) * channels;
      for (let k = 0; k < 3; k++) {
        const top2 = data[a + k] + (data[b + k] - data[a + k]) * wx;
        const bottom2 = data[c + k] + (data[d + k] - data[c + k]) * wx;
        out[o + k] = Math.round(top2 + (bottom2 - top2) * wy);
      }
      o += 3;
    }
  }
  return { pixels: out, geometry };
}
function tapsBefore(sourceSize, targetSize) {
  const scale = sourceSize / targetSize;
  const index = new Int32Array(targetSize);
  const index2 = new Int32Array(targetSize);
  const weight = new Float32Array(targetSize);
  for (let i = 0; i < targetSize; i++) {
    let f = (i + 0.5) * scale - 0.5;
    let s = Math.floor(f);
    f -= s;
    if (s < 0) {
      s = 0;
      f = 0;
    }
    if (s >= sourceSize - 1) {
      s = sourceSize - 1;
      f = 0;
    }
    index[i] = s;
    index2[i] = Math.min(s + 1, sourceSize - 1);
    weight[i] = f;
  }
  return { index, index2, weight };
}

const names = [
  ...(await readdir(values.images)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort().map((f) => join(values.images, f)),
  ...['bus.jpg', 'zidane.jpg'].map((f) => resolve(fixtures, 'images', f)),
];
const images = [];
for (const file of names) {
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  images.push({ file, image: { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 4 } });
}

// The same bytes? Counted once, before timing.
let differing = 0;
let sum = 0;
let max = 0;
let total = 0;
for (const { image } of images) {
  const a = letterboxBefore(image, size, size).pixels;
  const b = letterboxPixels(image, size, size).pixels;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d !== 0) {
      differing++;
      sum += d;
      if (d > max) max = d;
    }
  }
  total += a.length;
}

const variants = {
  before: (image, into) => pixelsToTensor(letterboxBefore(image, size, size).pixels, size, size, 'NCHW', into),
  after: (image, into) => pixelsToTensor(letterboxPixels(image, size, size).pixels, size, size, 'NCHW', into),
  'after, letterbox only': (image) => letterboxPixels(image, size, size),
  'tensor only': (_image, into, pixels) => pixelsToTensor(pixels, size, size, 'NCHW', into),
};
const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
const into = new Float32Array(size * size * 3);
const ready = images.map(({ image }) => letterboxPixels(image, size, size).pixels);
for (let warm = 0; warm < 2; warm++) for (const { image } of images.slice(0, 4)) for (const run of Object.values(variants)) run(image, into, ready[0]);
const order = Object.keys(variants);
for (let round = 0; round < rounds; round++) {
  for (const [i, { image }] of images.entries()) {
    // Rotate the order per image so that neither variant always runs first after the other's garbage.
    for (let k = 0; k < order.length; k++) {
      const name = order[(k + i + round) % order.length];
      const t0 = performance.now();
      variants[name](image, into, ready[i]);
      samples[name].push(performance.now() - t0);
    }
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const medians = Object.fromEntries(order.map((k) => [k, median(samples[k])]));
const perImageRatio = median(samples.before.map((t, i) => t / samples.after[i]));
console.log(`${images.length} images (RGBA) → ${size}×${size} NCHW float32, ${rounds} rounds, medians in ms per image; Node ${process.version}`);
console.log('| letterbox + tensor | ms |');
console.log('|---|---|');
for (const k of order) console.log(`| ${k} | ${medians[k].toFixed(2)} |`);
console.log(`\nbefore ÷ after (median of the per-image ratios): ${perImageRatio.toFixed(2)}×`);
console.log(
  `bytes differing before vs after: ${differing} of ${total} (${((100 * differing) / total).toFixed(2)}%), max ${max}, mean |difference| ${(sum / total).toFixed(4)}`,
);
if (values.json) {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(values.json, `${JSON.stringify({ size, rounds, images: images.length, medians, perImageRatio, differing, total, max, mean: sum / total }, null, 2)}\n`);
}
