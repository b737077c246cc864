#!/usr/bin/env node
// Where the docs demo's time goes in a real browser: the built site (apps/docs/dist) in headless Chromium, on
// onnxruntime-web's WebAssembly, as a reader uses it. Each round starts a fresh browser (nothing compiled or
// cached), loads a model through the page's file input, then gives it bus.jpg, zidane.jpg and bus.jpg again,
// and reads the stage times the page shows (exact values from their data-ms attributes).
//
// Variants per model:
//   warm-up      the page's default: one run on a blank frame after loading (the cold run), then the images
//   no-warm-up   the first image is the cold run
//   settled      warm-up, then --settle seconds idle before the first image: V8 compiles onnxruntime-web's 28 MB
//                WebAssembly on background threads for several seconds after the session is created, and on two
//                shared cores that slows everything else in the page (the decoder, the letterbox, inference)
//   overlap      no warm-up, and the image given right after the model, so that its decoding runs while the
//                model loads (as a reader who picks both at once)
// Builds of onnxruntime-web (--ort-builds), interleaved round by round so that both see the same load:
//   wasm         what the demo loads on WebAssembly: onnxruntime-web/wasm (14 MB ort-wasm-simd-threaded.wasm)
//   full         the full build (28 MB ort-wasm-simd-threaded.jsep.wasm, WebGPU kernels), which the demo loaded on
//                WebAssembly too before @yolokit/backend-onnx/web chose the build by provider: a second server
//                answers the request for the wasm-only chunk with the full build's chunk (both are self-contained
//                and export the same API), everything else unchanged
// Issue 13's target: a warm run's preprocess (the second image) at most 10% of inference.
//
// The machines are shared: a cold start waits (up to --max-wait seconds) for the 1-minute load average to drop
// below --max-load, and each sample records the load it ran under. Compare stages within a run; the ratios are
// medians of each sample's own ratio.
//
//   npm run build -w @yolokit/docs   # the site, once
//   node bench/browser-demo.mjs [--rounds 3] [--models yolov8n_int8.onnx,yolov8n-seg_int8.onnx,yolo11n-pose_fp32.onnx]
//                               [--variants warm-up,no-warm-up,settled,overlap] [--ort-builds wasm,full] [--settle 12]
//                               [--max-load 3] [--max-wait 180]
//                               [--json artifacts/browser-demo-bench.json]
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const repoRoot = resolve(import.meta.dirname, '..');
const fixtures = process.env.YOLOKIT_FIXTURES ? resolve(process.env.YOLOKIT_FIXTURES) : resolve(repoRoot, '../shared/fixtures');
const siteDir = resolve(repoRoot, 'apps/docs/dist');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    models: { type: 'string', default: 'yolov8n_int8.onnx,yolov8n-seg_int8.onnx,yolo11n-pose_fp32.onnx' },
    variants: { type: 'string', default: 'warm-up,no-warm-up,settled' },
    'ort-builds': { type: 'string', default: 'wasm' },
    settle: { type: 'string', default: '12' },
    'max-load': { type: 'string', default: '3' },
    'max-wait': { type: 'string', default: '180' },
    json: { type: 'string', default: join(repoRoot, 'artifacts/browser-demo-bench.json') },
  },
});
const rounds = Number(values.rounds);
const models = values.models.split(',');
const variants = values.variants.split(',');
const builds = values['ort-builds'].split(',');
for (const build of builds) {
  if (build !== 'wasm' && build !== 'full') {
    console.error(`browser-demo: --ort-builds takes wasm and full, got ${build}`);
    process.exit(1);
  }
}
const images = ['bus.jpg', 'zidane.jpg', 'bus.jpg'];
const STAGES = ['decode', 'pixels', 'waiting', 'preprocess', 'inference', 'postprocess', 'transfer', 'worker', 'round-trip'];

for (const [what, path] of [
  ['the built docs site (npm run build -w @yolokit/docs)', join(siteDir, 'demo.html')],
  ['Chromium (apt-get install chromium, or set CHROMIUM_PATH)', chromiumPath],
  ...models.map((model) => [`the fixture models/${model}`, join(fixtures, 'models', model)]),
]) {
  if (!existsSync(path)) {
    console.error(`browser-demo: missing ${what}: ${path}`);
    process.exit(1);
  }
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// A copy of the site, so that a build running meanwhile (turbo cleans dist/) does not pull it from under the run.
const served = await mkdtemp(join(tmpdir(), 'yolokit-browser-demo-'));
await cp(siteDir, served, { recursive: true });

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.json': 'application/json' };
const assets = await readdir(join(served, 'assets'));
const wasmOnlyChunk = assets.find((name) => /^ort\.wasm\.min-.*\.js$/.test(name));
const fullChunk = assets.find((name) => /^ort\.min-.*\.js$/.test(name));
if (builds.includes('full') && (!wasmOnlyChunk || !fullChunk)) {
  console.error(`browser-demo: the site has no ort.wasm.min-*.js and ort.min-*.js chunks to swap (found ${assets.filter((name) => name.startsWith('ort')).join(', ')})`);
  process.exit(1);
}
/** Serves the site; with `full`, the wasm-only onnxruntime-web chunk's URL gets the full build's chunk. */
const serve = (build) => async (request, response) => {
  let path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
  if (build === 'full' && path === `/assets/${wasmOnlyChunk}`) path = `/assets/${fullChunk}`;
  let file = normalize(join(served, path));
  if (file !== served && !file.startsWith(served + sep)) return void response.writeHead(403).end();
  try {
    if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
  } catch {
    if (!extname(file)) file += '.html';
  }
  try {
    const body = await readFile(file);
    response.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    response.writeHead(404).end();
  }
};
const servers = new Map();
for (const build of builds) {
  const server = createServer(serve(build));
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  servers.set(build, { server, origin: `http://127.0.0.1:${server.address().port}` });
}

/** The stage times the page shows for its current result, and for the warm-up run. */
async function readStages(page) {
  await page.locator('.demo-status[data-state="done"], .demo-status[data-state="error"]').waitFor({ timeout: 300_000 });
  if ((await page.locator('.demo-status').getAttribute('data-state')) !== 'done') {
    throw new Error(`the demo failed: ${(await page.locator('.demo-error').allTextContents()).join(' ')}`);
  }
  return page.evaluate(() => {
    const read = (attribute) =>
      Object.fromEntries(Array.from(document.querySelectorAll(`.demo-timings td[${attribute}][data-ms]`)).map((td) => [td.getAttribute(attribute), Number(td.getAttribute('data-ms'))]));
    return { run: Number(document.querySelector('.demo-timings')?.getAttribute('data-run')), stages: read('data-stage'), warmUp: read('data-warmup-stage'), loadMs: Number(document.querySelector('.demo-load-time')?.getAttribute('data-ms')) };
  });
}

/** Waits until the machine's 1-minute load is below --max-load, or --max-wait seconds have passed; returns the load. */
async function quieterMachine() {
  const until = Date.now() + Number(values['max-wait']) * 1000;
  while (loadavg()[0] >= Number(values['max-load']) && Date.now() < until) await new Promise((done) => setTimeout(done, 5000));
  return loadavg()[0];
}

/** One cold start: a fresh browser, the model, then the images one after another. */
async function oneRound(model, variant, build) {
  const load = await quieterMachine();
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const requested = [];
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    await page.goto(`${servers.get(build).origin}/demo.html`);
    await page.locator('.demo-model-input').waitFor({ state: 'attached' });
    await page.locator('.demo-provider select').selectOption('wasm');
    if (variant === 'no-warm-up' || variant === 'overlap') await page.locator('.demo-warmup-input').uncheck();
    await page.locator('.demo-model-input').setInputFiles(join(fixtures, 'models', model));
    if (variant !== 'overlap') await page.locator('.demo-load-time').waitFor({ timeout: 300_000 });
    if (variant === 'settled') await page.waitForTimeout(Number(values.settle) * 1000);
    const runs = [];
    let warmUp;
    let loadMs;
    for (const image of images) {
      await page.locator('.demo-image-input').setInputFiles(join(fixtures, 'images', image));
      const shown = await readStages(page);
      if (shown.run !== runs.length + 1) throw new Error(`expected run ${runs.length + 1}, the page shows ${shown.run}`);
      runs.push({ image, ...shown.stages });
      warmUp = Object.keys(shown.warmUp).length > 0 ? shown.warmUp : undefined;
      loadMs = shown.loadMs;
    }
    // The WebAssembly module this build fetched: the one the swap is about.
    const wasm = requested.filter((path) => path.endsWith('.wasm')).map((path) => path.split('/').pop());
    const expected = build === 'full' ? 'ort-wasm-simd-threaded.jsep.wasm' : 'ort-wasm-simd-threaded.wasm';
    if (wasm.join() !== expected) throw new Error(`build ${build}: expected the page to fetch ${expected}, it fetched ${wasm.join(', ') || 'no .wasm'}`);
    return { load: [load, loadavg()[0]], loadMs, warmUp, runs, wasm: wasm[0] };
  } finally {
    await browser.close();
  }
}

const startedLoad = loadavg();
const results = [];
for (const model of models) {
  for (const variant of variants) {
    const samplesOf = new Map(builds.map((build) => [build, []]));
    for (let round = 0; round < rounds; round++) {
      // The builds take turns, starting with a different one each round.
      for (let i = 0; i < builds.length; i++) {
        const build = builds[(round + i) % builds.length];
        samplesOf.get(build).push(await oneRound(model, variant, build));
        process.stderr.write('.');
      }
    }
    for (const [build, samples] of samplesOf) {
      const perRun = images.map((image, i) => ({
        image,
        ...Object.fromEntries(STAGES.map((stage) => [stage, median(samples.map((s) => s.runs[i][stage]))])),
      }));
      const warmUp = samples[0].warmUp
        ? Object.fromEntries(['preprocess', 'inference', 'postprocess'].map((stage) => [stage, median(samples.map((s) => s.warmUp?.[stage]))]))
        : undefined;
      // Each sample's own ratio (its stages ran under the same load), then their median.
      const ratios = images.map((_, i) => ({
        preprocess: median(samples.map((s) => s.runs[i].preprocess / s.runs[i].inference)),
        decodeToPreprocess: median(samples.map((s) => (s.runs[i].decode + s.runs[i].pixels + s.runs[i].preprocess) / s.runs[i].inference)),
      }));
      results.push({ model, variant, build, rounds, loadMs: median(samples.map((s) => s.loadMs)), warmUp, medians: perRun, ratios, samples });
    }
  }
}
for (const { server } of servers.values()) server.close();
await rm(served, { recursive: true, force: true });
process.stderr.write('\n');

const version = (await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox'] }).then(async (b) => [b.version(), await b.close()]))[0];
const report = {
  what: 'docs demo stage times in headless Chromium, onnxruntime-web wasm (1 thread), medians over rounds, ms',
  date: new Date().toISOString(),
  chromium: version,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavgAtStart: startedLoad, loadavgAtEnd: loadavg() },
  images,
  results,
};
await mkdir(dirname(values.json), { recursive: true });
await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);

const f = (x) => (x === undefined ? '—' : x < 10 ? x.toFixed(1) : x.toFixed(0));
const loads = results.flatMap((r) => r.samples.map((s) => s.load[0]));
console.log(`Chromium ${version}, ${cpus().length} cores, 1-minute load at the cold starts ${Math.min(...loads).toFixed(1)}..${Math.max(...loads).toFixed(1)}; medians of ${rounds} cold starts, ms (ratios: medians of each start's own ratio)`);
console.log('| model | variant | onnxruntime-web build | run | decode | pixels | preprocess | inference | postprocess | preprocess ÷ inference | decode+pixels+preprocess ÷ inference |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  if (r.warmUp) {
    const w = r.warmUp;
    console.log(`| ${r.model} | ${r.variant} | ${r.build} | warm-up (blank frame, after load ${f(r.loadMs)}) | — | — | ${f(w.preprocess)} | ${f(w.inference)} | ${f(w.postprocess)} | ${(w.preprocess / w.inference).toFixed(3)} | — |`);
  }
  r.medians.forEach((m, i) => {
    const ratio = r.ratios[i].preprocess.toFixed(3);
    const whole = r.ratios[i].decodeToPreprocess.toFixed(3);
    console.log(`| ${r.model} | ${r.variant} | ${r.build} | ${i + 1}: ${m.image} | ${f(m.decode)} | ${f(m.pixels)} | ${f(m.preprocess)} | ${f(m.inference)} | ${f(m.postprocess)} | ${ratio} | ${whole} |`);
  });
}
console.log(`wrote ${values.json}`);
