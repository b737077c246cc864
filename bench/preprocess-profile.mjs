#!/usr/bin/env node
// Where a prediction's CPU goes, stage by stage, one image at a time in one thread (so the process's CPU time
// over a stage is that stage's, libvips' own threads included): reading the file, sharp's JPEG decode, the
// letterbox (decode + resize + pad, what SharpImageDecoder does), the float tensor, session.run, and decoding
// + NMS (predict minus the rest). This is the profile behind `yolokit bench`'s "× bare run" ratio: at full load
// every core runs inference, so every CPU millisecond spent outside session.run is throughput lost.
//
//   node bench/preprocess-profile.mjs [--model PATH] [--images DIR] [--rounds 3] [--threads 1] [--json FILE]
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { onnx } from '@yolokit/backend-onnx';
import { createModel, decodeOutput, nonMaxSuppression, pixelsToTensor, SharpImageDecoder } from '@yolokit/core';
import sharp from 'sharp';

const fixtures = process.env.YOLOKIT_FIXTURES ?? resolve(import.meta.dirname, '../../shared/fixtures');
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: resolve(fixtures, 'models/yolov8n_int8.onnx') },
    images: { type: 'string', default: resolve(fixtures, 'coco32/images') },
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1' },
    json: { type: 'string' },
  },
});
// libvips would otherwise spread one decode over every core, which is not what happens at full load.
sharp.concurrency(1);
const files = (await readdir(values.images)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort().map((f) => join(values.images, f));
const model = await createModel({ backend: onnx({ intraOpNumThreads: Number(values.threads) }), model: values.model });
const [height, width] = model.info.imgsz;
const decoder = new SharpImageDecoder();

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Wall and CPU ms of `fn`. */
async function timed(fn) {
  const c0 = cpuMs();
  const t0 = performance.now();
  const value = await fn();
  return { value, wall: performance.now() - t0, cpu: cpuMs() - c0 };
}

const stages = ['readFile', 'jpegDecode', 'letterbox', 'tensor', 'sessionRun', 'decodeNms', 'predict', 'predictPreprocess', 'predictInference', 'predictPostprocess'];
const samples = Object.fromEntries(stages.map((s) => [s, { wall: [], cpu: [] }]));
const push = (stage, t) => {
  samples[stage].wall.push(t.wall);
  samples[stage].cpu.push(t.cpu);
};
for (const file of files.slice(0, 2)) await model.predict(file); // warm-up
for (let round = 0; round < Number(values.rounds); round++) {
  for (const file of files) {
    const read = await timed(() => readFile(file));
    push('readFile', read);
    push('jpegDecode', await timed(() => sharp(read.value).raw().toBuffer()));
    const box = await timed(() => decoder.letterbox(read.value, { width, height }));
    push('letterbox', box);
    const tensor = await timed(() => pixelsToTensor(box.value.pixels, width, height, model.session.layout));
    push('tensor', tensor);
    const run = await timed(() => model.session.run(tensor.value));
    push('sessionRun', run);
    const output = run.value[0];
    push(
      'decodeNms',
      await timed(() => {
        const candidates = decodeOutput(output, model.outputFormatOf(output.dims), { conf: 0.25, inputWidth: width, inputHeight: height, normalizedBoxes: 'auto' });
        return nonMaxSuppression(candidates, { iou: 0.7, maxDet: 300, agnostic: false });
      }),
    );
    const whole = await timed(() => model.predict(file));
    push('predict', whole);
    // predict's own stage timers (wall): its inference runs right after its letterbox, as in production.
    for (const [stage, key] of [['predictPreprocess', 'preprocess'], ['predictInference', 'inference'], ['predictPostprocess', 'postprocess']]) {
      samples[stage].wall.push(whole.value.speed[key]);
      samples[stage].cpu.push(Number.NaN);
    }
  }
}
await model.dispose();

const median = (xs) => {
  if (xs.some(Number.isNaN)) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const m = Object.fromEntries(stages.map((s) => [s, { wall: median(samples[s].wall), cpu: median(samples[s].cpu) }]));
const outside = {
  wall: m.predict.wall - m.sessionRun.wall,
  cpu: m.predict.cpu - m.sessionRun.cpu,
};
const rest = {
  wall: outside.wall - m.readFile.wall - m.letterbox.wall - m.tensor.wall - m.decodeNms.wall,
  cpu: outside.cpu - m.readFile.cpu - m.letterbox.cpu - m.tensor.cpu - m.decodeNms.cpu,
};
const rows = [
  ['read the file', m.readFile],
  ['  of which nothing else: sharp JPEG decode alone (for reference)', m.jpegDecode],
  ['letterbox: decode + resize + pad (sharp, libvips)', m.letterbox],
  ['pixels → float32 NCHW tensor (JS loop)', m.tensor],
  ['session.run', m.sessionRun],
  ['output decode + NMS (conf 0.25)', m.decodeNms],
  ['the rest of predict (results, options, slower inference after the letterbox: predict − the stages above)', rest],
  ['whole predict', m.predict],
  ["  predict's own timer: preprocess", m.predictPreprocess],
  ["  predict's own timer: inference", m.predictInference],
  ["  predict's own timer: postprocess", m.predictPostprocess],
];
console.log(`${files.length} images × ${values.rounds} rounds, ${model.info.runtime}, intra-op threads ${values.threads}, libvips concurrency 1; medians in ms`);
console.log('| stage | wall ms | CPU ms |');
console.log('|---|---|---|');
for (const [name, t] of rows) console.log(`| ${name} | ${t.wall.toFixed(2)} | ${Number.isNaN(t.cpu) ? '' : t.cpu.toFixed(2)} |`);
const ceiling = m.sessionRun.cpu / m.predict.cpu;
console.log(
  `\nAt full load (every core busy) throughput ÷ bare session.run is at most CPU(session.run) ÷ CPU(predict) = ${ceiling.toFixed(3)}; ` +
    `0.95 needs at most ${(m.sessionRun.cpu / 0.95 - m.sessionRun.cpu).toFixed(2)} CPU ms per image outside session.run, against ${outside.cpu.toFixed(2)} now.`,
);
if (values.json) {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(values.json, `${JSON.stringify({ model: values.model, runtime: model.info.runtime, images: files.length, rounds: Number(values.rounds), stages: m, ceiling }, null, 2)}\n`);
}
