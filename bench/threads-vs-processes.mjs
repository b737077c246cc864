#!/usr/bin/env node
// Two instances working back to back on their own (no scheduler, no main-thread dispatch), in two worker
// threads of one process and in two child processes, stage by stage: sharp's letterbox alone, session.run
// alone, the whole predict. It shows where `threads` loses to `processes` in `yolokit bench` on this machine:
// whether the loss is in yolokit's dispatch (then it would vanish here) or in what two threads of one process
// share (libvips, the runtime).
//
//   node bench/threads-vs-processes.mjs [--model PATH] [--images DIR] [--seconds 4] [--rounds 2] [--stages letterbox,run,predict]
import { fork } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const fixtures = process.env.YOLOKIT_FIXTURES ?? resolve(import.meta.dirname, '../../shared/fixtures');
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: resolve(fixtures, 'models/yolov8n_int8.onnx') },
    images: { type: 'string', default: resolve(fixtures, 'coco32/images') },
    seconds: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '2' },
    stages: { type: 'string', default: 'letterbox,run,predict' },
  },
});
const images = readdirSync(values.images).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort().map((f) => join(values.images, f));
const shared = {
  concurrencyUrl: import.meta.resolve('@yolokit/concurrency'),
  coreUrl: import.meta.resolve('@yolokit/core'),
  spec: { backend: onnxSpec({ intraOpNumThreads: 1 }), model: values.model },
  images,
  ms: Number(values.seconds) * 1000,
};

// The loop each instance runs: load, warm up, then `stage` back to back for `ms`; reports how many it did.
const body = `
const { loadModelFromSpec } = await import(data.concurrencyUrl);
const core = await import(data.coreUrl);
const model = await loadModelFromSpec(data.spec);
const [height, width] = model.info.imgsz;
const decoder = new core.SharpImageDecoder();
const { pixels } = await decoder.letterbox(data.images[0], { width, height });
const tensor = core.pixelsToTensor(pixels, width, height, model.info.layout);
const stages = {
  letterbox: (image) => decoder.letterbox(image, { width, height }),
  run: () => model.session.run(tensor),
  predict: (image) => model.predict(image),
};
const step = stages[data.stage];
for (let i = 0; i < 4; i++) await step(data.images[i % data.images.length]);
const t0 = performance.now();
let n = 0;
while (performance.now() - t0 < data.ms) await step(data.images[n++ % data.images.length]);
send({ n, ms: performance.now() - t0 });
`;
const threadSource = `const { parentPort, workerData: data } = require('node:worker_threads'); const send = (m) => parentPort.postMessage(m); (async () => { ${body} })();`;
const processSource = `process.once('message', async (data) => { const send = (m) => process.send(m, () => process.exit(0)); ${body} });`;

async function measure(kind, stage) {
  const data = { ...shared, stage };
  const replies = await Promise.all(
    [0, 1].map(
      () =>
        new Promise((done, fail) => {
          if (kind === 'threads') {
            const worker = new Worker(threadSource, { eval: true, workerData: data });
            worker.once('message', (message) => {
              done(message);
              void worker.terminate();
            });
            worker.once('error', fail);
          } else {
            const child = fork('--input-type=module', [], { execArgv: ['--input-type=module', '-e', processSource], serialization: 'advanced' });
            child.send(data);
            child.once('message', done);
            child.once('error', fail);
          }
        }),
    ),
  );
  return { perSecond: replies.reduce((sum, r) => sum + (r.n * 1000) / r.ms, 0) };
}

const stages = values.stages.split(',');
const results = Object.fromEntries(stages.map((s) => [s, { threads: [], processes: [] }]));
for (let round = 0; round < Number(values.rounds); round++) {
  for (const stage of stages) {
    // Alternate which goes first, so that a burst of load elsewhere does not always hit one of them.
    const order = round % 2 ? ['processes', 'threads'] : ['threads', 'processes'];
    for (const kind of order) results[stage][kind].push((await measure(kind, stage)).perSecond);
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
console.log(`2 instances, ${values.seconds} s × ${values.rounds} rounds each, per second (both together), median (rounds)`);
console.log('| stage | 2 worker threads | 2 processes | threads ÷ processes |');
console.log('|---|---|---|---|');
for (const stage of stages) {
  const t = median(results[stage].threads);
  const p = median(results[stage].processes);
  const list = (xs) => xs.map((x) => x.toFixed(1)).join(', ');
  console.log(`| ${stage} | ${t.toFixed(1)} (${list(results[stage].threads)}) | ${p.toFixed(1)} (${list(results[stage].processes)}) | ${(t / p).toFixed(3)} |`);
}
