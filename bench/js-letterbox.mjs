#!/usr/bin/env node
// Core's plain-JavaScript letterbox (what browsers and workers run: CanvasImageDecoder → letterboxPixels) and the
// float tensor after it, before and after issue 13's rewrite, timed in ONE run, interleaved image by image so that
// the machine's load falls on both alike. "before" is the per-pixel four-corner float implementation as it was
// until issue 13, kept below verbatim as the baseline; "after" is @yolokit/core's letterboxPixels (OpenCV's
// separable fixed-point INTER_LINEAR). Inputs are RGBA, as a canvas's getImageData gives them. Also prints how the
// two differ in bytes (the new one equals cv2.resize; the old one was off by one level on about 2% of bytes).
//
// With --browser the same measurement runs in headless Chromium (/usr/bin/chromium or CHROMIUM_PATH), core's
// browser build bundled by esbuild, the pixels served from 127.0.0.1: V8 in a page, where the demo runs it.
//
//   node bench/js-letterbox.mjs [--images DIR] [--size 640] [--rounds 5] [--browser] [--json FILE]
import { readdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { letterboxGeometry, letterboxPixels, pixelsToTensor } from '@yolokit/core';
import sharp from 'sharp';

const fixtures = process.env.YOLOKIT_FIXTURES ?? resolve(import.meta.dirname, '../../shared/fixtures');
const { values } = parseArgs({
  options: {
    images: { type: 'string', default: resolve(fixtures, 'coco32/images') },
    size: { type: 'string', default: '640' },
    rounds: { type: 'string', default: '5' },
    browser: { type: 'boolean', default: false },
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
  images.push({ name: basename(file), image: { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 4 } });
}

/**
 * The whole measurement, self-contained so that it also runs in a page (its source is sent there as text): the
 * byte differences once, then every variant on every image, round after round, the order rotated per image so
 * that neither always runs first after the other's garbage. Medians in ms.
 */
function measure(lib, images, size, rounds) {
  const { letterboxBefore, letterboxPixels, pixelsToTensor } = lib;
  // The process's CPU time where there is one (Node): on a loaded machine it moves less than the wall clock.
  const cpuNow = lib.cpuNow ?? (() => Number.NaN);
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
  const order = Object.keys(variants);
  const samples = Object.fromEntries(order.map((k) => [k, images.map(() => [])]));
  const cpuSamples = Object.fromEntries(order.map((k) => [k, []]));
  const into = new Float32Array(size * size * 3);
  const ready = images.map(({ image }) => letterboxPixels(image, size, size).pixels);
  for (let warm = 0; warm < 2; warm++) for (const { image } of images.slice(0, 4)) for (const run of Object.values(variants)) run(image, into, ready[0]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, { image }] of images.entries()) {
      for (let k = 0; k < order.length; k++) {
        const name = order[(k + i + round) % order.length];
        const c0 = cpuNow();
        const t0 = performance.now();
        variants[name](image, into, ready[i]);
        samples[name][i].push(performance.now() - t0);
        cpuSamples[name].push(cpuNow() - c0);
      }
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const all = (name) => samples[name].flat();
  const medians = Object.fromEntries(order.map((k) => [k, median(all(k))]));
  const cpuMedians = Object.fromEntries(order.map((k) => [k, median(cpuSamples[k])]));
  // Each image's median before ÷ its median after, then the median over images.
  const perImage = images.map((_, i) => ({ before: median(samples.before[i]), after: median(samples.after[i]) }));
  const ratio = median(perImage.map((t) => t.before / t.after));
  return { medians, cpuMedians, perImage, ratio, differing, total, max, mean: sum / total };
}

let result;
let where = `Node ${process.version}`;
if (!values.browser) {
  const cpuNow = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  result = measure({ letterboxBefore, letterboxPixels, pixelsToTensor, cpuNow }, images, size, rounds);
} else {
  ({ result, where } = await inChromium());
}
console.log(`${images.length} images (RGBA) → ${size}×${size} NCHW float32, ${rounds} rounds, medians in ms per image; ${where}`);
console.log('| letterbox + tensor | wall ms | CPU ms |');
console.log('|---|---|---|');
const cpuText = (v) => (Number.isNaN(v) ? '' : v.toFixed(2));
for (const [k, v] of Object.entries(result.medians)) console.log(`| ${k} | ${v.toFixed(2)} | ${cpuText(result.cpuMedians[k])} |`);
for (const name of ['bus.jpg', 'zidane.jpg']) {
  const t = result.perImage[images.findIndex((image) => image.name === name)];
  console.log(`| ${name}: before / after | ${t.before.toFixed(2)} / ${t.after.toFixed(2)} | |`);
}
if (!Number.isNaN(result.cpuMedians.before)) console.log(`\nbefore ÷ after in CPU time (ratio of the medians): ${(result.cpuMedians.before / result.cpuMedians.after).toFixed(2)}×`);
console.log(`before ÷ after in wall time (median over images of each image's median ratio): ${result.ratio.toFixed(2)}×`);
const { differing, total, max, mean } = result;
console.log(`bytes differing before vs after: ${differing} of ${total} (${((100 * differing) / total).toFixed(2)}%), max ${max}, mean |difference| ${mean.toFixed(4)}`);
if (values.json) {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(values.json, `${JSON.stringify({ size, rounds, images: images.length, where, ...result }, null, 2)}\n`);
}

/** The same measurement in headless Chromium: core's browser build and the baseline bundled, pixels over HTTP. */
async function inChromium() {
  const { build } = await import('esbuild');
  const { chromium } = await import('playwright-core');
  const entry = [
    "import { letterboxGeometry, letterboxPixels, pixelsToTensor } from '@yolokit/core';",
    letterboxBefore.toString(),
    tapsBefore.toString(),
    measure.toString(),
    'export { letterboxBefore, letterboxPixels, pixelsToTensor, measure };',
  ].join('\n');
  const bundled = await build({
    stdin: { contents: entry, resolveDir: import.meta.dirname, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'warning',
  });
  const script = bundled.outputFiles[0].text;
  const page = `<!doctype html><script type="module">
import * as lib from '/bench.js';
window.runBench = async (size, rounds) => {
  const list = await (await fetch('/images.json')).json();
  const images = [];
  for (const [i, entry] of list.entries()) {
    const data = new Uint8Array(await (await fetch('/image/' + i)).arrayBuffer());
    images.push({ name: entry.name, image: { data, width: entry.width, height: entry.height, channels: 4 } });
  }
  return lib.measure(lib, images, size, rounds);
};
window.benchReady = true;
</script>`;
  const server = createServer((request, response) => {
    const url = request.url ?? '/';
    if (url === '/') return response.writeHead(200, { 'content-type': 'text/html' }).end(page);
    if (url === '/bench.js') return response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    if (url === '/images.json') {
      const list = images.map(({ name, image }) => ({ name, width: image.width, height: image.height }));
      return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
    }
    const match = /^\/image\/(\d+)$/.exec(url);
    if (match && images[Number(match[1])]) return response.writeHead(200).end(images[Number(match[1])].image.data);
    response.writeHead(404).end();
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${server.address().port}/`);
    await tab.waitForFunction(() => window.benchReady === true);
    const measured = await tab.evaluate(([s, r]) => window.runBench(s, r), [size, rounds]);
    return { result: measured, where: `Chromium ${browser.version()}` };
  } finally {
    await browser.close();
    server.close();
  }
}
