#!/usr/bin/env node
// Where a queue worker runs its models: BullMQ's sandboxed processors (a processor file BullMQ runs in child
// processes or worker threads, one per concurrency slot) or yolokit's pools (@yolokit/concurrency's
// `processes` / `threads`, models loaded before the first job). Same budget for each: 2 model instances with one
// intra-op thread, 320 predictions of coco32 by path, 8 in flight, a fresh redis-server for each. Measured:
// throughput, the first result after start with the jobs already waiting (cold start), and what a model that
// cannot load does to waiting jobs. Writes artifacts/processor-choice.json.
//
//   node bench/processor-choice.mjs [--model PATH] [--images DIR] [--rounds 3] [--json PATH]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createQueuePredictor, createQueueWorker } from '@yolokit/queue';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = process.env.YOLOKIT_FIXTURES ?? resolve(here, '../../../../shared/fixtures');
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: resolve(fixtures, 'models/yolov8n_int8.onnx') },
    images: { type: 'string', default: resolve(fixtures, 'coco32/images') },
    rounds: { type: 'string', default: '3' },
    json: { type: 'string', default: resolve(here, '../artifacts/processor-choice.json') },
  },
});
const images = readdirSync(values.images).filter((f) => f.endsWith('.jpg')).sort().map((f) => join(values.images, f));
const batch = Array.from({ length: 320 }, (_, i) => images[i % images.length]);
const spec = (model) => ({ backend: onnxSpec({ intraOpNumThreads: 1 }), model });
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function startRedis() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise((ok) => proc.stdout.on('data', (chunk) => (out += chunk).includes('Ready to accept') && ok()));
  proc.stdout.resume();
  return { url: `redis://127.0.0.1:${port}`, stop: async () => { proc.kill('SIGTERM'); await once(proc, 'exit'); } };
}

/** Starts one kind of worker on `queue`; resolves when it takes jobs. */
async function startWorker(kind, queue, url, model) {
  if (kind === 'yolokit processes' || kind === 'yolokit threads') {
    const worker = await createQueueWorker({ queue, redis: url, model: spec(model), strategy: kind.split(' ')[1], workers: 2, threadsPerWorker: 1, concurrency: 4, allowRoots: [values.images] });
    return { close: () => worker.close() };
  }
  process.env.YOLOKIT_BENCH_SPEC = JSON.stringify(spec(model));
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const worker = new Worker(queue, new URL('./sandboxed-processor.mjs', import.meta.url), {
    connection,
    prefix: 'yolokit',
    concurrency: 2,
    useWorkerThreads: kind === 'BullMQ sandbox, worker threads',
  });
  worker.on('error', () => {});
  await worker.waitUntilReady();
  return { close: async () => { await worker.close(); connection.disconnect(); } };
}

const KINDS = ['BullMQ sandbox, child processes', 'BullMQ sandbox, worker threads', 'yolokit processes', 'yolokit threads'];

async function measure(kind) {
  const redis = await startRedis();
  const queue = 'choice';
  try {
    // Cold start: 8 jobs wait before the worker starts; time from start to the first result.
    const producer = await createQueuePredictor({ queue, redis: redis.url, maxQueue: 8 });
    const waiting = producer.predictMany(batch.slice(0, 8));
    await new Promise((r) => setTimeout(r, 200));
    const started = performance.now();
    let first = 0;
    const firstDone = new Promise((ok) => {
      const timer = setInterval(() => {
        if (producer.stats().completed > 0) {
          first = performance.now() - started;
          clearInterval(timer);
          ok();
        }
      }, 2);
    });
    const worker = await startWorker(kind, queue, redis.url, values.model);
    await firstDone;
    await waiting;
    const t0 = performance.now();
    await producer.predictMany(batch);
    const imagesPerSecond = batch.length / ((performance.now() - t0) / 1000);
    await producer.close();
    await worker.close();
    return { imagesPerSecond, firstResultMs: first };
  } finally {
    await redis.stop();
  }
}

/** A model path that does not exist: what happens to 20 waiting jobs (3 attempts, 100 ms backoff) in 5 s. */
async function badModel(kind) {
  const redis = await startRedis();
  try {
    const producer = await createQueuePredictor({ queue: 'bad', redis: redis.url, attempts: 3, backoff: { type: 'fixed', delayMs: 100 } });
    const outcomes = batch.slice(0, 20).map((image) => producer.predict(image).then(() => 'ok', (error) => error.code));
    let started;
    try {
      const worker = await startWorker(kind, 'bad', redis.url, '/nonexistent/model.onnx');
      started = 'started, taking jobs';
      await new Promise((r) => setTimeout(r, 5_000));
      await worker.close();
    } catch (error) {
      started = `refused to start: ${error.code}`;
    }
    await new Promise((r) => setTimeout(r, 200));
    const settled = await Promise.race([Promise.all(outcomes), new Promise((r) => setTimeout(() => r(undefined), 500))]);
    const failedJobs = settled ? settled.filter((o) => o !== 'ok').length : producer.stats().failed;
    await producer.close({ abort: true });
    return { worker: started, jobsDeadLettered: failedJobs };
  } finally {
    await redis.stop();
  }
}

const rounds = Number(values.rounds);
const results = Object.fromEntries(KINDS.map((kind) => [kind, []]));
for (let round = 0; round < rounds; round++) {
  for (const kind of [...KINDS.slice(round % KINDS.length), ...KINDS.slice(0, round % KINDS.length)]) {
    const row = await measure(kind);
    results[kind].push(row);
    console.log(`round ${round + 1}: ${kind}: ${row.imagesPerSecond.toFixed(2)} images/s, first result ${row.firstResultMs.toFixed(0)} ms after start`);
  }
}
const failures = {};
for (const kind of KINDS) {
  failures[kind] = await badModel(kind);
  console.log(`bad model: ${kind}: ${JSON.stringify(failures[kind])}`);
}
const report = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model.trim().split(' ').slice(0, 2).join(' '), cores: availableParallelism(), node: process.version },
  model: values.model.split('/').slice(-1)[0],
  predictions: batch.length,
  rounds,
  rows: KINDS.map((kind) => ({
    kind,
    imagesPerSecond: Math.round(median(results[kind].map((r) => r.imagesPerSecond)) * 100) / 100,
    firstResultMs: Math.round(median(results[kind].map((r) => r.firstResultMs))),
    rounds: results[kind].map((r) => Math.round(r.imagesPerSecond * 100) / 100),
    badModel: failures[kind],
  })),
};
mkdirSync(dirname(values.json), { recursive: true });
writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${values.json}`);
process.exit(0);
