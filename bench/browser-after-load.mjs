#!/usr/bin/env node
// Where a browser's cold preprocess goes: headless Chromium, a module worker that creates an onnxruntime-web
// session (wasm, 1 thread) and then, every 0.7 s, decodes bus.jpg and letterboxes it exactly as the docs demo
// does (createImageBitmap, drawImage + getImageData on one canvas, core's letterboxPixels, pixelsToTensor),
// without running the model. Each stage's time against the time since the session was created shows how long
// the session keeps slowing everything after it is "ready".
//
// Configurations, each in fresh browsers:
//   js-only          no session at all: first-use compilation of the JavaScript alone
//   onnxruntime-web  the full bundle (WebGPU-capable, loads the 28 MB jsep .wasm): what @yolokit/backend-onnx/web
//                    loaded for every provider until it chose the build by provider; now only for webgpu/webnn
//   single-threaded  the same with V8 flag --single-threaded: V8 compiles on the worker's own thread, nothing
//                    in the background (session creation then takes that time instead)
//   wasm-only        onnxruntime-web/wasm (no WebGPU, the 14 MB .wasm): what @yolokit/backend-onnx/web loads for
//                    WebAssembly alone
//   no-opt           js-only with V8 flags --no-opt --no-maglev: the JavaScript never optimised (an upper bound
//                    of first-use compilation)
//
//   node bench/browser-after-load.mjs [--rounds 2] [--probes 14] [--configs js-only,onnxruntime-web,...]
//                                     [--json artifacts/browser-after-load.json]
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const repoRoot = resolve(import.meta.dirname, '..');
const fixtures = process.env.YOLOKIT_FIXTURES ? resolve(process.env.YOLOKIT_FIXTURES) : resolve(repoRoot, '../shared/fixtures');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ortDist = join(repoRoot, 'node_modules/onnxruntime-web/dist');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    probes: { type: 'string', default: '14' },
    model: { type: 'string', default: 'yolov8n_int8.onnx' },
    configs: { type: 'string', default: 'js-only,onnxruntime-web,single-threaded,wasm-only,no-opt' },
    json: { type: 'string', default: join(repoRoot, 'artifacts/browser-after-load.json') },
  },
});
const CONFIGS = {
  'js-only': { session: undefined, flags: [] },
  'onnxruntime-web': { session: 'onnxruntime-web', flags: [] },
  'single-threaded': { session: 'onnxruntime-web', flags: ['--js-flags=--single-threaded'] },
  'wasm-only': { session: 'onnxruntime-web/wasm', flags: [] },
  'no-opt': { session: undefined, flags: ['--js-flags=--no-opt --no-maglev'] },
};
for (const path of [chromiumPath, join(fixtures, 'models', values.model), join(fixtures, 'images/bus.jpg')]) {
  if (!existsSync(path)) {
    console.error(`browser-after-load: missing ${path}`);
    process.exit(1);
  }
}

// The worker: the demo's decoding and core's letterbox, after a session of the configured bundle (or none).
const WORKER = `
import * as ortAll from 'onnxruntime-web';
import * as ortWasm from 'onnxruntime-web/wasm';
import { letterboxPixels, pixelsToTensor } from '@yolokit/core';
let canvas, context;
self.onmessage = async ({ data: { model, image, session, probes } }) => {
  const out = { probes: [] };
  if (session) {
    const ort = session === 'onnxruntime-web/wasm' ? ortWasm : ortAll;
    ort.env.wasm.wasmPaths = self.location.origin + '/ort/';
    ort.env.wasm.numThreads = 1;
    const started = performance.now();
    await ort.InferenceSession.create(new Uint8Array(model), { executionProviders: ['wasm'] });
    out.sessionMs = performance.now() - started;
  }
  const ready = performance.now();
  let spare;
  for (let i = 0; i < probes; i++) {
    const t0 = performance.now();
    const bitmap = await createImageBitmap(new Blob([image]), { colorSpaceConversion: 'none' });
    const t1 = performance.now();
    const { width, height } = bitmap;
    if (!canvas) { canvas = new OffscreenCanvas(width, height); context = canvas.getContext('2d', { willReadFrequently: true }); }
    context.drawImage(bitmap, 0, 0);
    const { data } = context.getImageData(0, 0, width, height);
    bitmap.close();
    const t2 = performance.now();
    const { pixels } = letterboxPixels({ data, width, height, channels: 4 }, 640, 640);
    const t3 = performance.now();
    spare = pixelsToTensor(pixels, 640, 640, 'NCHW', spare).data;
    const t4 = performance.now();
    out.probes.push({ at: t0 - ready, decode: t1 - t0, pixels: t2 - t1, letterbox: t3 - t2, tensor: t4 - t3 });
    await new Promise((done) => setTimeout(done, 700));
  }
  self.postMessage(out);
};`;

const work = await mkdtemp(join(tmpdir(), 'yolokit-after-load-'));
await writeFile(join(work, 'worker.src.js'), WORKER);
await build({
  entryPoints: [join(work, 'worker.src.js')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // The demo's build of onnxruntime-web: .mjs loader and .wasm fetched from wasmPaths, not inlined.
  conditions: ['browser', 'onnxruntime-web-use-extern-wasm'],
  outfile: join(work, 'worker.js'),
  nodePaths: [join(repoRoot, 'node_modules')],
  logLevel: 'error',
});
const PAGE = `<script type="module">
const worker = new Worker('/worker.js', { type: 'module' });
const get = async (url) => (await fetch(url)).arrayBuffer();
const params = new URL(location.href).searchParams;
worker.postMessage({ model: await get('/model'), image: await get('/image'), session: params.get('session') || undefined, probes: Number(params.get('probes')) });
worker.onmessage = (event) => { window.__result = event.data; };
</script>`;
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
const server = createServer(async (request, response) => {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path === '/') return void response.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
  const file =
    path === '/model' ? join(fixtures, 'models', values.model) : path === '/image' ? join(fixtures, 'images/bus.jpg') : path.startsWith('/ort/') ? join(ortDist, path.slice(5)) : join(work, path);
  try {
    const body = await readFile(file);
    response.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    response.writeHead(404).end();
  }
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const origin = `http://127.0.0.1:${server.address().port}`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const results = {};
for (const name of values.configs.split(',')) {
  const config = CONFIGS[name];
  if (!config) throw new Error(`unknown configuration ${name}; known: ${Object.keys(CONFIGS).join(', ')}`);
  const samples = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', ...config.flags] });
    try {
      const page = await browser.newPage();
      await page.goto(`${origin}/?session=${encodeURIComponent(config.session ?? '')}&probes=${values.probes}`);
      await page.waitForFunction(() => window.__result !== undefined, undefined, { timeout: 300_000 });
      samples.push({ load: loadavg()[0], ...(await page.evaluate(() => window.__result)) });
    } finally {
      await browser.close();
    }
    process.stderr.write('.');
  }
  const probes = samples[0].probes.map((_, i) =>
    Object.fromEntries(['at', 'decode', 'pixels', 'letterbox', 'tensor'].map((stage) => [stage, median(samples.map((s) => s.probes[i][stage]))])),
  );
  results[name] = { ...config, sessionMs: config.session ? median(samples.map((s) => s.sessionMs)) : undefined, probes, samples };
}
server.close();
await rm(work, { recursive: true, force: true });
process.stderr.write('\n');

await mkdir(dirname(values.json), { recursive: true });
await writeFile(values.json, `${JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, model: values.model, results }, null, 2)}\n`);
const f = (x) => (x < 10 ? x.toFixed(1) : x.toFixed(0));
console.log(`medians of ${values.rounds} fresh browsers per configuration, ms; ${values.model} for the sessions; bus.jpg`);
console.log('| configuration | session created in | probe at (ms after) | decode | pixels | letterbox | tensor |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, r] of Object.entries(results)) {
  for (const [i, p] of r.probes.entries()) {
    if (i > 4 && i % 3 !== 0 && i !== r.probes.length - 1) continue;
    console.log(`| ${i === 0 ? name : ''} | ${i === 0 && r.sessionMs ? f(r.sessionMs) : ''} | ${f(p.at)} | ${f(p.decode)} | ${f(p.pixels)} | ${f(p.letterbox)} | ${f(p.tensor)} |`);
  }
}
console.log(`wrote ${values.json}`);
