#!/usr/bin/env node
// Throughput and latency of the queue strategy for 1, 2, 3, ... `yolokit worker` processes on this machine,
// through a real redis-server, against one model instance predicting the same images directly, one after
// another (the baseline). Each worker process runs one model instance with one intra-op thread and holds
// `--concurrency` jobs. Rounds rotate the order of the worker counts (the machine is shared and noisy).
// Writes artifacts/worker-scaling.json; `node scripts/tables.mjs` puts the table into README.md and the docs.
//
//   node bench/worker-scaling.mjs [--model PATH] [--images DIR] [--workers 1,2,3] [--rounds 3] [--repeat 10]
//                                 [--concurrency 2] [--json PATH]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadModelFromSpec } from '@yolokit/concurrency';
import { createQueuePredictor } from '@yolokit/queue';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const fixtures = process.env.YOLOKIT_FIXTURES ?? resolve(repo, '../shared/fixtures');
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: resolve(fixtures, 'models/yolov8n_int8.onnx') },
    images: { type: 'string', default: resolve(fixtures, 'coco32/images') },
    workers: { type: 'string', default: '1,2,3' },
    rounds: { type: 'string', default: '3' },
    repeat: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '2' },
    json: { type: 'string', default: resolve(here, '../artifacts/worker-scaling.json') },
  },
});
const cli = resolve(repo, 'packages/cli/dist/bin.js');
const workerCounts = values.workers.split(',').map(Number);
const rounds = Number(values.rounds);
const images = readdirSync(values.images).filter((f) => f.endsWith('.jpg')).sort().map((f) => join(values.images, f));
const batch = Array.from({ length: images.length * Number(values.repeat) }, (_, i) => images[i % images.length]);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round2 = (x) => Math.round(x * 100) / 100;

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

async function startRedis() {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise((ok, fail) => {
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) ok();
    });
    proc.once('exit', (code) => fail(new Error(`redis-server exited ${code}: ${out}`)));
  });
  proc.stdout.resume();
  return { url: `redis://127.0.0.1:${port}`, stop: async () => { proc.kill('SIGTERM'); await once(proc, 'exit'); } };
}

async function startWorker(queue, url) {
  const proc = spawn(process.execPath, [cli, 'worker', '--queue', queue, '--redis', url, '--model', values.model, '--workers', '1', '--threads-per-worker', '1', '--concurrency', values.concurrency, '--allow-root', values.images], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stderr.resume();
  await new Promise((ok, fail) => {
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      if (/ready:/.test(out)) ok();
    });
    proc.once('exit', (code) => fail(new Error(`worker exited ${code}: ${out}`)));
  });
  return { stop: async () => { proc.kill('SIGTERM'); await once(proc, 'exit'); } };
}

/** One measurement: `count` worker processes serving `batch` through a fresh Redis. */
async function measureQueue(count) {
  const redis = await startRedis();
  const queue = `bench-${count}`;
  const workers = await Promise.all(Array.from({ length: count }, () => startWorker(queue, redis.url)));
  try {
    const warm = await createQueuePredictor({ queue, redis: redis.url });
    await warm.predictMany(images.slice(0, 2 * count * Number(values.concurrency)));
    await warm.close();
    // A closed loop: as many in flight as the workers hold, twice over, so the latency is service time plus
    // Redis, not the wait of a 320-image backlog.
    const inFlight = 2 * count * Number(values.concurrency);
    const predictor = await createQueuePredictor({ queue, redis: redis.url, maxQueue: inFlight });
    const started = performance.now();
    await predictor.predictMany(batch);
    const seconds = (performance.now() - started) / 1000;
    const { latencyMs, runTimeMs } = predictor.stats();
    await predictor.close();
    return { imagesPerSecond: batch.length / seconds, inFlight, latencyP50: latencyMs.p50, latencyP99: latencyMs.p99, runP50: runTimeMs.p50 };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await redis.stop();
  }
}

/** The baseline: one instance, one intra-op thread, in this process, one image after another. */
async function measureDirect() {
  const model = await loadModelFromSpec({ backend: onnxSpec({ intraOpNumThreads: 1 }), model: values.model });
  try {
    for (const image of images.slice(0, 4)) await model.predict(image);
    const started = performance.now();
    for (const image of batch) await model.predict(image);
    return { imagesPerSecond: batch.length / ((performance.now() - started) / 1000) };
  } finally {
    await model.dispose();
  }
}

const results = { direct: [], ...Object.fromEntries(workerCounts.map((n) => [n, []])) };
const load = [loadavg()[0]];
for (let round = 0; round < rounds; round++) {
  const order = [...workerCounts.slice(round % workerCounts.length), ...workerCounts.slice(0, round % workerCounts.length)];
  results.direct.push(await measureDirect());
  console.log(`round ${round + 1}: direct ${results.direct.at(-1).imagesPerSecond.toFixed(2)} images/s`);
  for (const count of order) {
    const row = await measureQueue(count);
    results[count].push(row);
    console.log(`round ${round + 1}: ${count} worker process(es) ${row.imagesPerSecond.toFixed(2)} images/s, latency p50 ${row.latencyP50.toFixed(0)} ms p99 ${row.latencyP99.toFixed(0)} ms (worker run p50 ${row.runP50.toFixed(0)} ms)`);
  }
  load.push(loadavg()[0]);
}

const baseline = median(results.direct.map((r) => r.imagesPerSecond));
const report = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model.trim().split(' ').slice(0, 2).join(' '), cores: availableParallelism(), node: process.version, loadAverage1m: load.map(round2) },
  command: `node packages/queue/bench/worker-scaling.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  model: values.model.split('/').slice(-1)[0],
  images: `${values.images.split('/').slice(-2).join('/')} (${images.length}) × ${values.repeat}`,
  predictions: batch.length,
  concurrencyPerWorker: Number(values.concurrency),
  rounds,
  baseline: { imagesPerSecond: round2(baseline), rounds: results.direct.map((r) => round2(r.imagesPerSecond)) },
  rows: workerCounts.map((count) => {
    const rows = results[count];
    const ips = rows.map((r) => r.imagesPerSecond);
    return {
      workerProcesses: count,
      imagesPerSecond: round2(median(ips)),
      ratioToBaseline: round2(median(ips) / baseline),
      bestImagesPerSecond: round2(Math.max(...ips)),
      inFlight: rows[0].inFlight,
      latencyP50Ms: Math.round(median(rows.map((r) => r.latencyP50))),
      latencyP99Ms: Math.round(median(rows.map((r) => r.latencyP99))),
      workerRunP50Ms: Math.round(median(rows.map((r) => r.runP50))),
      rounds: ips.map(round2),
    };
  }),
};
mkdirSync(dirname(values.json), { recursive: true });
writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${values.json}`);
