#!/usr/bin/env node
// `@yolokit/serve` under load (issue 17): the same warm predictor (threads, 2 workers by default) driven
// in-process by N concurrent callers, and over HTTP by autocannon with N connections, alternating, for each N;
// then overload (more connections than the queue holds: only 200 and 429 are expected) and RSS over a long run.
// The server, autocannon and the in-process callers share this process and its cores; ratios are measured in the
// same run, alternating, so machine noise hits both sides.
//
//   node bench/serve-load.mjs [--model PATH] [--images DIR] [--workers 2] [--connections 4,16,64]
//        [--requests 160] [--rounds 2] [--rss-requests 5000] [--overload-queue 8] [--out FILE]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createPredictor } from '@yolokit/concurrency';
import { createServer } from '@yolokit/serve';
import autocannon from 'autocannon';

const fixtures = process.env.YOLOKIT_FIXTURES ?? resolve(import.meta.dirname, '../../shared/fixtures');
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: resolve(fixtures, 'models/yolov8n_int8.onnx') },
    images: { type: 'string', default: resolve(fixtures, 'coco32/images') },
    workers: { type: 'string', default: '2' },
    connections: { type: 'string', default: '4,16,64' },
    requests: { type: 'string', default: '160' },
    rounds: { type: 'string', default: '2' },
    'rss-requests': { type: 'string', default: '5000' },
    'overload-queue': { type: 'string', default: '8' },
    out: { type: 'string' },
  },
});
const images = readdirSync(values.images)
  .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
  .sort()
  .map((f) => readFileSync(join(values.images, f)));
const levels = values.connections.split(',').map(Number);
const requests = Number(values.requests);
const rounds = Number(values.rounds);
const workers = Number(values.workers);
const spec = { backend: { module: '@yolokit/backend-onnx', export: 'onnx' }, model: values.model };
const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const log = (line) => process.stderr.write(`${line}\n`);

// One predictor for both sides: the only difference measured is HTTP (parsing, copying, JSON, autocannon).
const predictor = await createPredictor({ strategy: 'threads', workers, threadsPerWorker: 1, model: spec, maxQueue: 1024 });
const server = await createServer({ models: [{ name: 'yolov8n', predictor }], requestTimeoutMs: 120_000 });
const base = await server.listen({ port: 0 });

/** `total` predictions by `concurrency` callers in this process; images/s. */
async function inProcess(concurrency, total) {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        await predictor.predict(new Uint8Array(images[i % images.length]));
      }
    }),
  );
  return total / ((performance.now() - start) / 1000);
}

/** `total` requests over `connections` connections with autocannon; its result with images/s. */
async function overHttp(url, connections, total) {
  let i = 0;
  let last = 0;
  const start = performance.now();
  const result = await autocannon({
    url,
    connections,
    amount: total,
    timeout: 120,
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: images[i++ % images.length] }),
        onResponse: () => {
          last = performance.now();
        },
      },
    ],
  });
  // Timed to the last answer: autocannon's own `duration` is whole seconds and it notices the end of an
  // `amount` on a one-second tick, both ±15% on a 6 s run.
  const seconds = (last - start) / 1000;
  return {
    imagesPerSecond: result['2xx'] / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: result.statusCodeStats,
  };
}

// Warm-up: every worker has run a few images, on both paths.
await inProcess(workers * 2, workers * 4);
await overHttp(`${base}/v1/predict`, workers, workers * 4);

const throughput = [];
for (const connections of levels) {
  const local = [];
  const http = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate which side goes first, so a slow spell of the machine does not always hit the same side.
    const order = round % 2 === 0 ? ['local', 'http'] : ['http', 'local'];
    for (const side of order) {
      if (side === 'local') local.push(await inProcess(connections, requests));
      else http.push(await overHttp(`${base}/v1/predict`, connections, requests));
    }
  }
  const row = {
    connections,
    inProcessImagesPerSecond: median(local),
    httpImagesPerSecond: median(http.map((h) => h.imagesPerSecond)),
    ratio: median(http.map((h) => h.imagesPerSecond)) / median(local),
    // Each round's HTTP run against the in-process run next to it: the machine's slow spells cancel out.
    pairedRatio: median(http.map((h, i) => h.imagesPerSecond / local[i])),
    p50Ms: median(http.map((h) => h.p50)),
    p99Ms: median(http.map((h) => h.p99)),
    errors: http.reduce((n, h) => n + h.errors + h.timeouts + h.non2xx, 0),
    rounds: { inProcess: local, http: http.map((h) => h.imagesPerSecond) },
  };
  throughput.push(row);
  log(`${connections} connections: in-process ${row.inProcessImagesPerSecond.toFixed(2)}/s, HTTP ${row.httpImagesPerSecond.toFixed(2)}/s, ratio ${row.ratio.toFixed(3)} (paired by round ${row.pairedRatio.toFixed(3)}), p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, errors ${row.errors}`);
}

// Overload: a server whose queue holds `overload-queue` requests, hit by the most connections.
const overloadQueue = Number(values['overload-queue']);
const tight = await createPredictor({ strategy: 'threads', workers, threadsPerWorker: 1, model: spec, maxQueue: overloadQueue });
const tightServer = await createServer({ models: [{ name: 'tight', predictor: tight }] });
const tightBase = await tightServer.listen({ port: 0 });
const maxConnections = Math.max(...levels);
const over = await overHttp(`${tightBase}/v1/predict`, maxConnections, requests * 2);
const overload = {
  maxQueue: overloadQueue,
  connections: maxConnections,
  requests: requests * 2,
  statusCodes: Object.fromEntries(Object.entries(over.statusCodes).map(([code, { count }]) => [code, count])),
  errors: over.errors + over.timeouts,
};
log(`overload (maxQueue ${overloadQueue}, ${maxConnections} connections): ${JSON.stringify(overload.statusCodes)}, errors ${overload.errors}`);
await tightServer.close();
await tight.close();

// RSS over a long run, sampled every 10% of it (after the warm-up above).
const rssRequests = Number(values['rss-requests']);
const rss = [process.memoryUsage().rss];
const chunk = Math.max(1, Math.floor(rssRequests / 10));
let rssErrors = 0;
for (let done = 0; done < rssRequests; done += chunk) {
  const amount = Math.min(chunk, rssRequests - done);
  const part = await overHttp(`${base}/v1/predict`, Math.min(16, amount), amount);
  rssErrors += part.errors + part.timeouts + part.non2xx;
  rss.push(process.memoryUsage().rss);
}
const memory = {
  requests: rssRequests,
  rssMiB: rss.map((b) => Math.round(b / 1048576)),
  // From the first sample after warm-up to the last; and the largest swing around the first.
  changePercent: ((rss.at(-1) - rss[0]) / rss[0]) * 100,
  maxDeviationPercent: Math.max(...rss.map((b) => Math.abs(b - rss[0]) / rss[0])) * 100,
  errors: rssErrors,
};
log(`RSS over ${rssRequests} requests: ${memory.rssMiB.join(' → ')} MiB (${memory.changePercent.toFixed(1)}%, max swing ${memory.maxDeviationPercent.toFixed(1)}%), errors ${rssErrors}`);

await server.close();
await predictor.close();
const report = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length} (${arch()})`,
  model: values.model,
  images: images.length,
  workers,
  requestsPerMeasurement: requests,
  rounds,
  throughput,
  overload,
  memory,
};
const json = JSON.stringify(report, null, 2);
if (values.out) writeFileSync(values.out, `${json}\n`);
console.log(json);
