#!/usr/bin/env node
// Per-stage medians of a whole `predict` on bus.jpg and zidane.jpg, and its ratio to a bare `session.run` on
// the same tensor, measured interleaved in one run (the machine is shared and noisy: compare within a run).
// Two kinds of input: the JPEG file's bytes (decode, letterbox, tensor, decode of the output, NMS), and the same
// image already decoded to RGB pixels, as a video decoder or camera hands frames over (letterbox, tensor, output
// decode, NMS): the difference between the two rows is the JPEG decode.
//
//   node bench/predict-overhead.mjs [--model PATH] [--threads 1,2] [--inputs jpeg,rgb] [--sharp-concurrency N] [--rounds 7] [--iterations 5]
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { onnx } from '@yolokit/backend-onnx';
import { createModel, letterboxGeometry, pixelsToTensor, SharpImageDecoder } from '@yolokit/core';

const fixtures = process.env.YOLOKIT_FIXTURES ?? resolve(import.meta.dirname, '../../shared/fixtures');
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: resolve(fixtures, 'models/yolov8n_int8.onnx') },
    threads: { type: 'string', default: '1,2' },
    inputs: { type: 'string', default: 'jpeg,rgb' },
    // libvips' threads per image; sharp's default is the core count, or 1 on glibc Linux without jemalloc.
    'sharp-concurrency': { type: 'string' },
    rounds: { type: 'string', default: '7' },
    iterations: { type: 'string', default: '5' },
    json: { type: 'string' },
  },
});
const inputKinds = values.inputs.split(',');
for (const kind of inputKinds) {
  if (kind !== 'jpeg' && kind !== 'rgb') throw new Error(`--inputs: '${kind}' is not an input kind; use jpeg, rgb or both (jpeg,rgb)`);
}
if (values['sharp-concurrency'] !== undefined) {
  const sharp = (await import('sharp')).default;
  sharp.concurrency(Number(values['sharp-concurrency']));
}
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);
const images = ['bus.jpg', 'zidane.jpg'].map((name) => resolve(fixtures, 'images', name));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const rows = [];
for (const threads of values.threads.split(',').map(Number)) {
  const model = await createModel({ backend: onnx({ intraOpNumThreads: threads }), model: values.model });
  const [height, width] = model.info.imgsz;
  for (const [image, kind] of images.flatMap((i) => inputKinds.map((k) => [i, k]))) {
    const bytes = await readFile(image);
    const input = kind === 'rgb' ? await decodeToRgb(bytes) : bytes;
    // The bare baseline gets exactly the tensor predict would build.
    const { pixels } = await new SharpImageDecoder().letterbox(bytes, { width, height });
    const tensor = pixelsToTensor(pixels, width, height, model.session.layout);
    for (let i = 0; i < 3; i++) {
      await model.session.run(tensor);
      await model.predict(input);
    }
    const bare = [];
    const whole = [];
    const stages = { preprocess: [], inference: [], postprocess: [] };
    const roundRatios = [];
    for (let r = 0; r < rounds; r++) {
      const roundBare = [];
      const roundWhole = [];
      for (let i = 0; i < iterations; i++) {
        let t0 = performance.now();
        await model.session.run(tensor);
        roundBare.push(performance.now() - t0);
        t0 = performance.now();
        const result = await model.predict(input);
        roundWhole.push(performance.now() - t0);
        for (const key of Object.keys(stages)) stages[key].push(result.speed[key]);
      }
      bare.push(...roundBare);
      whole.push(...roundWhole);
      roundRatios.push(median(roundWhole) / median(roundBare));
    }
    const g = letterboxGeometry(...(await imageSize(bytes)), width, height);
    rows.push({
      model: values.model.split('/').pop(),
      image: image.split('/').pop(),
      input: kind,
      letterbox: `${g.resizedWidth}x${g.resizedHeight}+${g.left},${g.top}`,
      intraOpThreads: threads,
      bareRunMs: median(bare),
      predictMs: median(whole),
      preprocessMs: median(stages.preprocess),
      inferenceMs: median(stages.inference),
      postprocessMs: median(stages.postprocess),
      ratio: median(whole) / median(bare),
      ratioSpread: [Math.min(...roundRatios), Math.max(...roundRatios)],
    });
  }
  await model.dispose();
}

/** The image as a decoder would hand it over: RGB pixels, oriented, no ICC profile applied (as core decodes). */
async function decodeToRgb(bytes) {
  const sharp = (await import('sharp')).default;
  const { data, info } = await sharp(bytes, { ignoreIcc: true }).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 3 };
}

async function imageSize(bytes) {
  const sharp = (await import('sharp')).default;
  const m = await sharp(bytes).metadata();
  return [m.width, m.height];
}

const fmt = (n) => n.toFixed(1);
const sharpThreads = (await import('sharp')).default.concurrency();
console.log(`rounds ${rounds} × ${iterations} iterations, medians in ms; ratio = predict / bare session.run (min..max over rounds); libvips threads per image: ${sharpThreads}`);
console.log('| model | image | input | intra-op threads | bare run | predict | preprocess | inference | postprocess | ratio |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.model} | ${r.image} | ${r.input} | ${r.intraOpThreads} | ${fmt(r.bareRunMs)} | ${fmt(r.predictMs)} | ${fmt(r.preprocessMs)} | ${fmt(r.inferenceMs)} | ${r.postprocessMs.toFixed(2)} | ${r.ratio.toFixed(3)} (${r.ratioSpread.map((x) => x.toFixed(3)).join('..')}) |`,
  );
}
if (values.json) {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(values.json, `${JSON.stringify({ rows }, null, 2)}\n`);
}
