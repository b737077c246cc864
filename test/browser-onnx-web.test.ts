import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { onnx } from '@yolokit/backend-onnx';
import { createModel, type ResultJSON } from '@yolokit/core';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  CHROMIUM_ARGS,
  bestMatches,
  bundlePage,
  chromiumPath,
  describeDetections,
  describeWithBrowser,
  expectBusJpgDetections,
  expectCleanRun,
  type PageRun,
  runPage,
  type StaticSite,
  serveStatic,
  WEBGPU_CHROMIUM_ARGS,
} from './support/browser.js';
import { fixturePath } from './support/fixtures.js';

/**
 * @yolokit/backend-onnx/web in a real headless Chromium, on WebAssembly and on WebGPU: a page script importing
 * the browser entry of @yolokit/core and `onnxWeb` is bundled here with esbuild, served on a loopback port with
 * yolov8n_fp32.onnx, bus.jpg and onnxruntime-web's .wasm files, and run once per execution provider. WebGPU runs
 * on SwiftShader, Chromium's software Vulkan, which this machine's Chromium offers as a WebGPU adapter when asked
 * (WEBGPU_CHROMIUM_ARGS): the WebGPU path of onnxruntime-web (its JSEP kernels, WGSL shaders) runs for real, only on
 * the CPU. The fp32 model is used because WebGPU has kernels for all of its operators (the int8 models'
 * ConvInteger would fall back to WebAssembly).
 */

const MODEL = 'models/yolov8n_fp32.onnx';
const IMAGE = 'images/bus.jpg';
const PAGE_TIMEOUT = 240_000;

/**
 * Node (sharp's letterbox) against the browser (letterboxPixels, OpenCV-style bilinear in JavaScript): the same
 * model on slightly different input pixels, as in browser-tfjs.test.ts. WebAssembly against WebGPU in the same
 * page: the same pixels, float kernels that differ in summation order only, so boxes must agree far closer.
 */
const MIN_IOU_VS_NODE = 0.95;
const MIN_IOU_WASM_VS_WEBGPU = 0.99;
const MIN_CONFIDENCE = 0.4;

const PAGE_ENTRY = `
import { onnxWeb } from '@yolokit/backend-onnx/web';
import { createModel, YoloError } from '@yolokit/core';

async function adapterOf() {
  if (!navigator.gpu) return null;
  const adapter = await navigator.gpu.requestAdapter().catch(() => null);
  return adapter ? { architecture: adapter.info?.architecture ?? '', vendor: adapter.info?.vendor ?? '' } : null;
}

async function main() {
  const providers = new URL(location.href).searchParams.get('providers').split(',');
  const adapter = await adapterOf();
  try {
    const backend = onnxWeb({ executionProviders: providers, wasmPaths: location.origin + '/ort/' });
    const model = await createModel({ backend, model: '/models/yolov8n_fp32.onnx' });
    try {
      const result = await model.predict('/images/bus.jpg', { conf: 0.25 });
      return { ok: true, adapter, runtime: model.info.runtime, result: result.toJSON() };
    } finally {
      await model.dispose();
    }
  } catch (error) {
    return {
      ok: false,
      adapter,
      error: { name: error?.name, message: error?.message ?? String(error), code: error?.code, isYoloError: YoloError.isInstance(error) },
    };
  }
}

main().then(
  (report) => { window.__result = report; },
  (error) => { window.__result = { ok: false, error: { message: String(error) } }; },
);
`;

const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>yolokit onnxruntime-web</title></head>
<body><script type="module" src="/app.js"></script></body></html>`;

interface PageReport {
  ok: boolean;
  adapter: { architecture: string; vendor: string } | null;
  runtime?: string;
  result?: ResultJSON;
  error?: { name?: string; message: string; code?: string; isYoloError?: boolean };
}

/** What every provider that ran must show on bus.jpg, in image pixels. */
function expectBusDetections(run: PageRun<PageReport>, providers: string): ResultJSON {
  const report = run.report!;
  expect(report.ok, `page error: ${JSON.stringify(report.error)}\npage console errors:\n${run.errors.join('\n')}`).toBe(true);
  expect(report.runtime).toMatch(new RegExp(`^onnxruntime-web \\d+\\.\\d+\\.\\d+ \\(${providers}, \\d+ threads?\\)$`));
  const result = report.result!;
  expectBusJpgDetections(result, MIN_CONFIDENCE);
  // onnxruntime-web's .wasm came from the test's server.
  expect(run.requests.filter((path) => path.startsWith('/ort/') && path.endsWith('.wasm')).length).toBeGreaterThanOrEqual(1);
  expectCleanRun(run);
  return result;
}

/** Each confident box of `a` has a same-class box in `b` with IoU >= `min`, and the other way round. */
function expectSameBoxes(a: ResultJSON, b: ResultJSON, min: number, what: string): number {
  const matches = [...bestMatches(a.detections, b.detections, MIN_CONFIDENCE), ...bestMatches(b.detections, a.detections, MIN_CONFIDENCE)];
  const context = `${what}\n${describeDetections(a.detections)}\nvs\n${describeDetections(b.detections)}`;
  expect(matches.length, context).toBeGreaterThanOrEqual(8);
  for (const { detection, iou } of matches) expect(iou, `${detection.className} ${detection.confidence.toFixed(3)}: ${context}`).toBeGreaterThanOrEqual(min);
  return Math.min(...matches.map((m) => m.iou));
}

describeWithBrowser('@yolokit/backend-onnx/web in headless Chromium: yolov8n_fp32 on bus.jpg, wasm and webgpu', [MODEL, IMAGE], () => {
  let bundleDir: string;
  let bundledInputs: string[];
  let site: StaticSite;
  let browser: Browser;
  let webgpuBrowser: Browser;
  let nodeResult: ResultJSON;
  let wasmResult: ResultJSON | undefined;

  beforeAll(async () => {
    bundleDir = await mkdtemp(join(tmpdir(), 'yolokit-browser-onnx-web-'));
    bundledInputs = await bundlePage(PAGE_ENTRY, join(bundleDir, 'app.js'));
    // The onnxruntime-web that @yolokit/backend-onnx imports (it does not export its package.json: walk up from its entry).
    const require = createRequire(createRequire(import.meta.url).resolve('@yolokit/backend-onnx/package.json'));
    const ortDist = dirname(require.resolve('onnxruntime-web'));
    site = await serveStatic(
      { '/app.js': join(bundleDir, 'app.js'), '/models/': fixturePath('models'), '/images/': fixturePath('images'), '/ort/': ortDist },
      PAGE_HTML,
    );
    browser = await chromium.launch({ executablePath: chromiumPath, args: [...CHROMIUM_ARGS] });
    webgpuBrowser = await chromium.launch({ executablePath: chromiumPath, args: [...WEBGPU_CHROMIUM_ARGS], ignoreDefaultArgs: ['--headless'] });
    const model = await createModel({ backend: onnx(), model: fixturePath(MODEL) });
    try {
      nodeResult = (await model.predict(fixturePath(IMAGE), { conf: 0.25 })).toJSON();
    } finally {
      await model.dispose();
    }
  }, PAGE_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await webgpuBrowser?.close();
    await site?.close();
    if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
  });

  it('the page script is built from the browser entries, with onnxruntime-web and without onnxruntime-node or sharp', () => {
    expect(bundledInputs.some((input) => input.endsWith('packages/core/dist/index.browser.js')), bundledInputs.join('\n')).toBe(true);
    expect(bundledInputs.some((input) => input.endsWith('packages/backend-onnx/dist/web.js')), bundledInputs.join('\n')).toBe(true);
    expect(bundledInputs.some((input) => input.includes('onnxruntime-web/'))).toBe(true);
    expect(bundledInputs.filter((input) => /onnxruntime-node|sharp|packages\/core\/dist\/index\.js$/.test(input))).toEqual([]);
  });

  it(
    `wasm: a bus and at least 3 persons, the same boxes as onnxruntime-node (same class, IoU >= ${MIN_IOU_VS_NODE})`,
    async () => {
      const run = await runPage<PageReport>(browser, site, '/?providers=wasm', PAGE_TIMEOUT - 10_000);
      wasmResult = expectBusDetections(run, 'wasm');
      const worst = expectSameBoxes(wasmResult, nodeResult, MIN_IOU_VS_NODE, 'browser wasm vs node');
      console.info(`[browser-onnx-web wasm] ${run.report!.runtime}: worst IoU vs node ${worst.toFixed(4)}`);
    },
    PAGE_TIMEOUT,
  );

  it(
    `webgpu alone (no wasm fallback) on SwiftShader: the wasm boxes (IoU >= ${MIN_IOU_WASM_VS_WEBGPU}), confidences within 0.01`,
    async () => {
      const run = await runPage<PageReport>(webgpuBrowser, site, '/?providers=webgpu', PAGE_TIMEOUT - 10_000);
      // The page has a WebGPU adapter, and it is SwiftShader: what ran is WebGPU, on the CPU.
      expect(run.report!.adapter, JSON.stringify(run.report)).toMatchObject({ architecture: 'swiftshader' });
      const webgpu = expectBusDetections(run, 'webgpu');
      expect(wasmResult, 'the wasm page run above did not produce a result').toBeDefined();
      const worst = expectSameBoxes(webgpu, wasmResult!, MIN_IOU_WASM_VS_WEBGPU, 'webgpu vs wasm in the browser');
      for (const { detection } of bestMatches(webgpu.detections, wasmResult!.detections, MIN_CONFIDENCE)) {
        const twin = wasmResult!.detections
          .filter((d) => d.classId === detection.classId)
          .sort((a, b) => Math.abs(a.box[0] - detection.box[0]) + Math.abs(a.box[1] - detection.box[1]) - (Math.abs(b.box[0] - detection.box[0]) + Math.abs(b.box[1] - detection.box[1])))[0];
        expect(Math.abs(twin.confidence - detection.confidence), `${detection.className}`).toBeLessThanOrEqual(0.01);
      }
      console.info(`[browser-onnx-web webgpu on ${run.report!.adapter!.architecture}] ${run.report!.runtime}: worst IoU vs wasm ${worst.toFixed(4)}`);
    },
    PAGE_TIMEOUT,
  );

  for (const providers of ['webgpu', 'webgpu,wasm']) {
    it(
      `['${providers.split(',').join("', '")}'] in a Chromium without a WebGPU adapter: a typed BACKEND_UNAVAILABLE error, not a silent run on wasm`,
      async () => {
        const run = await runPage<PageReport>(browser, site, `/?providers=${providers}`, PAGE_TIMEOUT - 10_000);
        const report = run.report!;
        expect(report.adapter).toBeNull();
        expect(report.ok, `expected a rejection, got ${report.runtime}`).toBe(false);
        expect(report.error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', name: 'BackendUnavailableError', isYoloError: true });
        expect(report.error!.message).toBe(
          "execution provider 'webgpu' could not be started by onnxruntime-web in this browser: navigator.gpu.requestAdapter() gave no adapter. " +
            'Available providers: wasm, cpu. ' +
            "This browser has WebGPU (navigator.gpu) but gave no usable GPU adapter (no GPU, or WebGPU blocked for it); use ['wasm'] here, and list 'webgpu' only where navigator.gpu.requestAdapter() gives an adapter.",
        );
      },
      PAGE_TIMEOUT,
    );
  }
});
