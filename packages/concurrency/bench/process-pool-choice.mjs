// Why @yolokit/concurrency runs its process pool on node:child_process rather than tinypool or workerpool.
// Measures, on this machine: (1) per-task IPC overhead of each with a 200 kB payload (a typical JPEG), 2 workers,
// 4 tasks in flight; (2) what cancelling a running task costs: tinypool and workerpool stop a running task by
// killing its process, so the next task pays a respawn and a model load, which we measure with the real model.
// tinypool and workerpool are not dependencies: install them to compare (npm i --no-save tinypool workerpool);
// the ones missing are skipped. Writes artifacts/process-pool-choice.json beside this package.
//   node packages/concurrency/bench/process-pool-choice.mjs [path/to/yolov8n_int8.onnx]
import { fork } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const here = dirname(fileURLToPath(import.meta.url));
const N = 2000;
const SIZE = 200_000;
const payload = () => new Uint8Array(SIZE).fill(7);
const results = { date: new Date().toISOString(), node: process.version, tasks: N, payloadBytes: SIZE, overheadMicrosecondsPerTask: {}, modelLoadMs: undefined };

async function time(name, run) {
  const started = performance.now();
  await run();
  results.overheadMicrosecondsPerTask[name] = Math.round(((performance.now() - started) / N) * 1000);
}
const lanes = (run) => {
  let i = 0;
  const lane = async () => {
    while (i++ < N) await run();
  };
  return Promise.all([lane(), lane(), lane(), lane()]);
};
const echoFile = join(here, '.echo-worker.mjs');
writeFileSync(
  echoFile,
  `export default function echo(task) { return task.bytes.byteLength; }
if (process.send && !process.env.TINYPOOL_WORKER_ID && !process.env.WORKERPOOL) {
  process.on('message', (m) => process.send({ id: m.id, n: m.bytes.byteLength }));
  process.on('disconnect', () => process.exit(0));
}
`,
);

// node:child_process, as ProcessExecutor uses it: fork + structured-clone ('advanced') IPC.
{
  const kids = [0, 1].map(() => fork(echoFile, [], { serialization: 'advanced' }));
  const waiting = new Map();
  let nextId = 1;
  for (const kid of kids) kid.on('message', (m) => waiting.get(m.id)(m));
  const free = [...kids];
  const queue = [];
  const run = (bytes) =>
    new Promise((resolve) => {
      const go = (kid) => {
        const id = nextId++;
        waiting.set(id, (m) => {
          waiting.delete(id);
          resolve(m);
          const next = queue.shift();
          if (next) next(kid);
          else free.push(kid);
        });
        kid.send({ id, bytes });
      };
      const kid = free.shift();
      if (kid) go(kid);
      else queue.push(go);
    });
  await time('node:child_process fork (advanced serialization)', () => lanes(() => run(payload())));
  for (const kid of kids) kid.disconnect();
}
try {
  const { default: Tinypool } = await import('tinypool');
  const pool = new Tinypool({ filename: echoFile, runtime: 'child_process', serialization: 'advanced', minThreads: 2, maxThreads: 2 });
  await time('tinypool child_process (advanced serialization)', () => lanes(() => pool.run({ bytes: payload() })));
  await pool.destroy();
} catch (error) {
  results.overheadMicrosecondsPerTask.tinypool = `skipped: ${error.code ?? error.message}`;
}
try {
  const { default: workerpool } = await import('workerpool');
  const workerFile = join(here, '.echo-workerpool.cjs');
  writeFileSync(workerFile, "require('workerpool').worker({ echo: (b) => b.byteLength });\n");
  const pool = workerpool.pool(workerFile, { workerType: 'process', minWorkers: 2, maxWorkers: 2, forkOpts: { serialization: 'advanced', env: { ...process.env, WORKERPOOL: '1' } } });
  await time('workerpool process (advanced serialization)', () => lanes(() => pool.exec('echo', [payload()])));
  await pool.terminate();
} catch (error) {
  results.overheadMicrosecondsPerTask.workerpool = `skipped: ${error.code ?? error.message}`;
}

// What a kill-to-cancel costs: a fresh process that loads the model before it can serve again.
const model = process.argv[2] ?? join(here, '../../../../shared/fixtures/models/yolov8n_int8.onnx');
try {
  const { createPredictor } = await import('@yolokit/concurrency');
  const loads = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const predictor = await createPredictor({ strategy: 'processes', workers: 1, model: { backend: onnxSpec(), model } });
    loads.push(performance.now() - started);
    await predictor.close();
  }
  results.modelLoadMs = Math.round(loads.sort((a, b) => a - b)[1]);
} catch (error) {
  results.modelLoadMs = `skipped: ${error.message}`;
}
rmSync(echoFile, { force: true });
rmSync(join(here, '.echo-workerpool.cjs'), { force: true });
const out = join(here, '../artifacts/process-pool-choice.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
