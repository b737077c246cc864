#!/usr/bin/env node
// `@yolokit/serve` under load (issue 17): the same warm predictor (threads, 2 workers by default) driven
// in-process by N concurrent callers, and over HTTP by autocannon with N connections, alternating, for each N;
// then overload (more connections than the queue holds: only 200 and 429 are expected) and RSS over a long run.
// autocannon runs in a child process of its own (a client is never the server's process in production, and in
// this one it would take the server's event loop); the server and the in-process callers share this process.
// Ratios are measured in the same run, alternating, so machine noise hits both sides. For each side the main
// thread's CPU time per image is read from /proc (Linux), and the client's from its own process.cpuUsage():
// with every core busy with inference, that CPU is what HTTP takes from the workers.
//
//   node bench/serve-load.mjs [--model PATH] [--images DIR] [--workers 2] [--connections 4,16,64]
//        [--requests 160] [--rounds 3] [--rss-requests 5000] [--overload-queue 8] [--out FILE]
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

if (process.argv[2] === '--as-client') {
  await runClient();
  process.exit(0);
}
const { createPredictor } = await import('@yolokit/concurrency');
const { createServer } = await import('@yolokit/serve');
const { onnxSpec } = await import('@yolokit/backend-onnx/spec');

const fixtures = process.env.YOLOKIT_FIXTURES ?? resolve(import.meta.dirname, '../../shared/fixtures');
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: resolve(fixtures, 'models/yolov8n_int8.onnx') },
    images: { type: 'string', default: resolve(fixtures, 'coco32/images') },
    workers: { type: 'string', default: '2' },
    connections: { type: 'string', default: '4,16,64' },
    requests: { type: 'string', default: '160' },
    rounds: { type: 'string', default: '3' },
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
// onnxSpec() names onnxruntime's thread option, so threadsPerWorker: 1 reaches each worker's session.
const spec = { backend: onnxSpec(), model: values.model };
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

/**
 * The main thread's CPU time in ms (user + system), from /proc/self/task/<pid>/stat (clock ticks of 10 ms);
 * undefined where there is no /proc. process.cpuUsage() would add the worker threads' inference.
 */
function mainThreadCpuMs() {
  const file = `/proc/self/task/${process.pid}/stat`;
  if (!existsSync(file)) return undefined;
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  // Fields 14 and 15 of stat(5), counted from the state (field 3) at index 0.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Runs `measure` and the main thread's CPU ms it took per image (`images` of them). */
async function withMainCpu(measure, images) {
  const before = mainThreadCpuMs();
  const result = await measure();
  const after = mainThreadCpuMs();
  return { result, mainCpuMsPerImage: before === undefined ? undefined : (after - before) / images };
}

// The HTTP client: this script again, in a process of its own, driven over IPC.
const client = fork(fileURLToPath(import.meta.url), ['--as-client', values.images], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
let nextCall = 0;
const waiting = new Map();
client.on('message', (message) => {
  waiting.get(message.id)?.(message.result);
  waiting.delete(message.id);
});

/** `total` requests over `connections` connections with autocannon in the client process; images/s and its CPU. */
function overHttp(url, connections, total) {
  const id = nextCall++;
  return new Promise((resolveCall) => {
    waiting.set(id, resolveCall);
    client.send({ id, url, connections, total });
  });
}

/** The client process: one autocannon run per message; the coco32 images in turn as raw JPEG bodies. */
async function runClient() {
  const folder = process.argv[3];
  const bodies = readdirSync(folder)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .map((f) => readFileSync(join(folder, f)));
  await new Promise((done) => {
    process.on('disconnect', done);
    process.on('message', async ({ id, url, connections, total }) => {
      let i = 0;
      let last = 0;
      const cpu = process.cpuUsage();
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
            setupRequest: (request) => ({ ...request, body: bodies[i++ % bodies.length] }),
            onResponse: () => {
              last = performance.now();
            },
          },
        ],
      });
      const used = process.cpuUsage(cpu);
      // Timed to the last answer: autocannon's own `duration` is whole seconds and it notices the end of an
      // `amount` on a one-second tick, both ±15% on a 6 s run.
      const seconds = (last - start) / 1000;
      process.send({
        id,
        result: {
          imagesPerSecond: result['2xx'] / seconds,
          p50: result.latency.p50,
          p99: result.latency.p99,
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
          clientCpuMsPerImage: (used.user + used.system) / 1000 / Math.max(1, result['2xx'] + result.non2xx),
        },
      });
    });
  });
}

// Warm-up: every worker has run a few images, on both paths.
await inProcess(workers * 2, workers * 4);
await overHttp(`${base}/v1/predict`, workers, workers * 4);

const throughput = [];
const cores = availableParallelism();
const loadAtStart = loadavg()[0];
for (const connections of levels) {
  const local = [];
  const localCpu = [];
  const http = [];
  const httpCpu = [];
  const load = [loadavg()[0]];
  for (let round = 0; round < rounds; round++) {
    // Alternate which side goes first, so a slow spell of the machine does not always hit the same side.
    const order = round % 2 === 0 ? ['local', 'http'] : ['http', 'local'];
    for (const side of order) {
      if (side === 'local') {
        const { result, mainCpuMsPerImage } = await withMainCpu(() => inProcess(connections, requests), requests);
        local.push(result);
        localCpu.push(mainCpuMsPerImage);
      } else {
        const { result, mainCpuMsPerImage } = await withMainCpu(() => overHttp(`${base}/v1/predict`, connections, requests), requests);
        http.push(result);
        httpCpu.push(mainCpuMsPerImage);
      }
    }
    load.push(loadavg()[0]);
  }
  const cpu = localCpu.includes(undefined)
    ? undefined
    : { inProcessMainMs: median(localCpu), httpMainMs: median(httpCpu), httpClientMs: median(http.map((h) => h.clientCpuMsPerImage)) };
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
    // CPU ms per image, medians over the rounds: the main thread in-process and over HTTP (this process), and
    // the HTTP client (its process). The extra over HTTP, times the images per second, as a share of the cores:
    // what the inference workers lose when every core is theirs.
    cpuMsPerImage: cpu,
    httpExtraCpuShareOfCores:
      cpu === undefined ? undefined : ((cpu.httpMainMs - cpu.inProcessMainMs + cpu.httpClientMs) * median(http.map((h) => h.imagesPerSecond))) / (1000 * cores),
    loadAverage: { min: Math.min(...load), max: Math.max(...load) },
  };
  throughput.push(row);
  const cpuText = cpu ? `, CPU ms/image: main in-process ${cpu.inProcessMainMs.toFixed(2)}, main HTTP ${cpu.httpMainMs.toFixed(2)}, client ${cpu.httpClientMs.toFixed(2)} (extra ${(row.httpExtraCpuShareOfCores * 100).toFixed(1)}% of ${cores} cores)` : '';
  log(`${connections} connections: in-process ${row.inProcessImagesPerSecond.toFixed(2)}/s, HTTP ${row.httpImagesPerSecond.toFixed(2)}/s, ratio ${row.ratio.toFixed(3)} (paired by round ${row.pairedRatio.toFixed(3)}), p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, errors ${row.errors}${cpuText}, load ${row.loadAverage.min.toFixed(1)}-${row.loadAverage.max.toFixed(1)}`);
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
  statusCodes: over.statusCodes,
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

client.disconnect();
await server.close();
await predictor.close();
const report = {
  schema: 'yolokit.serve-load',
  version: 1,
  createdAt: new Date().toISOString(),
  command: `node bench/serve-load.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores, arch: arch(), node: process.version },
  loadAverage: { start: loadAtStart, end: loadavg()[0] },
  model: { file: basename(values.model), sha256: createHash('sha256').update(readFileSync(values.model)).digest('hex') },
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
