import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { tfjs } from '@yolokit/backend-tfjs';
import { createModel, type ResultJSON } from '@yolokit/core';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  CHROMIUM_ARGS as BASE_CHROMIUM_ARGS,
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
 * @yolokit/backend-tfjs in a real headless Chromium: a small page script importing the browser entries of
 * @yolokit/core (dist/index.browser.js) and @yolokit/backend-tfjs (dist/browser.js) is bundled here with esbuild
 * for the browser, served on a loopback port with the COCO YOLOv8n TF.js export, bus.jpg and TF.js' .wasm files,
 * and run once per runtime (wasm, webgl). What the page reports (model.info.runtime, TF.js' active backend, the
 * result's JSON) is checked here, and the wasm boxes are compared with the Node pipeline's on the same model.
 */

const MODEL = 'models/yolov8n_coco_web_model';
const IMAGE = 'images/bus.jpg';
const FIXTURES = [`${MODEL}/model.json`, `${MODEL}/metadata.yaml`, IMAGE];
const PAGE_TIMEOUT = 180_000;
const WEBGPU_TIMEOUT = 360_000;

/**
 * The flags of docs-demo.test.ts (no sandbox as root, no GPU, no calls home). With --disable-gpu, Chromium still
 * offers WebGL through SwiftShader (ANGLE on its software Vulkan) on this machine; the last two flags ask for it
 * explicitly, so that WebGL stays available where a build would otherwise not fall back to it.
 */
const CHROMIUM_ARGS = [...BASE_CHROMIUM_ARGS, '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

/**
 * Box comparison with the Node pipeline (sharp's letterbox) against the browser's (letterboxPixels, OpenCV-style
 * bilinear in JavaScript): same model, same TF.js wasm kernels, slightly different input pixels. Measured on
 * bus.jpg (TF.js 4.22.0, Chromium 156): the worst same-class IoU of a box with confidence >= 0.4 was 0.983, the
 * person at the right edge, whose top edge moves 6 px (374.7 vs 381.0); confidences differ by up to 0.021 (the
 * half-hidden person at the left edge: 0.416 vs 0.395). webgl (SwiftShader) gave the wasm boxes to 0.1 px. 0.95
 * leaves margin over that; a wrong scale or padding offset when mapping boxes back lands far below it.
 */
const MIN_IOU = 0.95;
const MIN_CONFIDENCE = 0.4;

/** The page script, bundled at test time. Its report is put on `window.__result`. */
const PAGE_ENTRY = `
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { getBackend } from '@tensorflow/tfjs-core';
import { tfjs } from '@yolokit/backend-tfjs';
import { BackendUnavailableError, createModel, YoloError } from '@yolokit/core';

// TF.js' webgl backend draws on an OffscreenCanvas where there is one, else on a <canvas>; Chromium's
// --disable-webgl turns off only the latter, so both are probed.
function probeWebgl() {
  const canvases = [() => document.createElement('canvas')];
  if (typeof OffscreenCanvas !== 'undefined') canvases.unshift(() => new OffscreenCanvas(1, 1));
  for (const create of canvases) {
    for (const kind of ['webgl2', 'webgl']) {
      const gl = create().getContext(kind);
      if (!gl) continue;
      const info = gl.getExtension('WEBGL_debug_renderer_info');
      return { available: true, renderer: String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) };
    }
  }
  return { available: false, renderer: null };
}

async function main() {
  const runtime = new URL(location.href).searchParams.get('runtime');
  const webgl = probeWebgl();
  const adapter = navigator.gpu ? await navigator.gpu.requestAdapter().catch(() => null) : null;
  const webgpu = adapter ? { architecture: adapter.info?.architecture ?? '' } : null;
  try {
    const backend = tfjs({ runtime, wasmPaths: location.origin + '/tfjs-wasm/' });
    const model = await createModel({ backend, model: '/models/yolov8n_coco_web_model/' });
    try {
      const result = await model.predict('/images/bus.jpg', { conf: 0.25 });
      return { ok: true, webgl, webgpu, runtime: model.info.runtime, backend: model.info.backend, tfBackend: getBackend(), result: result.toJSON() };
    } finally {
      await model.dispose();
    }
  } catch (error) {
    return {
      ok: false,
      webgl,
      webgpu,
      error: {
        name: error?.name,
        message: error?.message ?? String(error),
        code: error?.code,
        available: error?.available,
        isYoloError: YoloError.isInstance(error),
        isBackendUnavailable: error instanceof BackendUnavailableError,
      },
    };
  }
}

main().then(
  (report) => { window.__result = report; },
  (error) => { window.__result = { ok: false, error: { message: String(error) } }; },
);
`;

const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>yolokit tfjs</title></head>
<body><script type="module" src="/app.js"></script></body></html>`;

interface PageReport {
  ok: boolean;
  webgpu?: { architecture: string } | null;
  webgl?: { available: boolean; renderer: string | null };
  runtime?: string;
  backend?: string;
  tfBackend?: string;
  result?: ResultJSON;
  error?: { name?: string; message: string; code?: string; available?: string[]; isYoloError?: boolean; isBackendUnavailable?: boolean };
}

/** What every runtime that ran must show on bus.jpg. */
function expectBusDetections(run: PageRun<PageReport>, runtime: string): ResultJSON {
  const report = run.report!;
  expect(report.ok, `page error: ${JSON.stringify(report.error)}\npage console errors:\n${run.errors.join('\n')}`).toBe(true);
  expect(report.backend).toBe('tfjs');
  expect(report.runtime).toMatch(new RegExp(`^tfjs \\d+\\.\\d+\\.\\d+ \\(${runtime}\\)$`));
  // The runtime named is the one TF.js actually ran on, in the page.
  expect(report.tfBackend).toBe(runtime);
  const result = report.result!;
  expectBusJpgDetections(result, MIN_CONFIDENCE);
  expectCleanRun(run);
  return result;
}

describeWithBrowser('@yolokit/backend-tfjs in headless Chromium: COCO YOLOv8n web model on bus.jpg', FIXTURES, () => {
  let bundleDir: string;
  /** The files esbuild bundled into the page script. */
  let bundledInputs: string[];
  let site: StaticSite;
  let browser: Browser;
  let nodeResult: ResultJSON;

  /** Opens the page in a fresh browser context (a fresh TF.js) and waits for its report. */
  const openPage = (runtime: string, on: Browser = browser, timeoutMs = PAGE_TIMEOUT - 10_000): Promise<PageRun<PageReport>> =>
    runPage<PageReport>(on, site, `/?runtime=${runtime}`, timeoutMs);

  beforeAll(async () => {
    bundleDir = await mkdtemp(join(tmpdir(), 'yolokit-browser-tfjs-'));
    bundledInputs = await bundlePage(PAGE_ENTRY, join(bundleDir, 'app.js'));
    const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    site = await serveStatic(
      {
        '/app.js': join(bundleDir, 'app.js'),
        '/models/yolov8n_coco_web_model/': fixturePath(MODEL),
        '/images/': fixturePath('images'),
        '/tfjs-wasm/': wasmDir,
      },
      PAGE_HTML,
    );
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });

    const model = await createModel({ backend: tfjs({ runtime: 'wasm' }), model: fixturePath(MODEL) });
    try {
      nodeResult = (await model.predict(fixturePath(IMAGE), { conf: 0.25 })).toJSON();
    } finally {
      await model.dispose();
    }
  }, PAGE_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
  });

  let wasmResult: ResultJSON | undefined;

  it('the page script is built from the browser entries of @yolokit/core and @yolokit/backend-tfjs', () => {
    const inputs = bundledInputs;
    expect(inputs.some((input) => input.endsWith('packages/core/dist/index.browser.js')), inputs.join('\n')).toBe(true);
    expect(inputs.some((input) => input.endsWith('packages/backend-tfjs/dist/browser.js')), inputs.join('\n')).toBe(true);
    // Not the Node entries, and nothing of sharp or tfjs-node.
    expect(inputs.filter((input) => /packages\/(core|backend-tfjs)\/dist\/index\.js$|sharp|tfjs-node/.test(input))).toEqual([]);
  });

  it(
    "runtime 'wasm': a bus and at least 3 persons, in image pixels, on tfjs (wasm) with the served .wasm files",
    async () => {
      const run = await openPage('wasm');
      wasmResult = expectBusDetections(run, 'wasm');
      // The .wasm binary came from options.wasmPaths on the test's server.
      expect(run.requests.filter((path) => path.startsWith('/tfjs-wasm/') && path.endsWith('.wasm')).length).toBeGreaterThanOrEqual(1);
      console.info(`[browser-tfjs wasm] ${run.report!.runtime}: ${describeDetections(wasmResult.detections)}`);
    },
    PAGE_TIMEOUT,
  );

  it(`wasm in the browser and wasm in Node find the same boxes (same class, IoU >= ${MIN_IOU})`, () => {
    expect(wasmResult, 'the wasm page run above did not produce a result').toBeDefined();
    const browserDetections = wasmResult!.detections;
    const forward = bestMatches(browserDetections, nodeResult.detections, MIN_CONFIDENCE);
    const backward = bestMatches(nodeResult.detections, browserDetections, MIN_CONFIDENCE);
    const context = `browser: ${describeDetections(browserDetections)}\nnode: ${describeDetections(nodeResult.detections)}`;
    // Both sides predicted with conf 0.25, so a box near 0.4 on one side (a person at the left edge scores about
    // 0.41 in one and 0.39 in the other) still has its counterpart on the other.
    expect(forward.length, context).toBeGreaterThanOrEqual(4);
    expect(backward.length, context).toBeGreaterThanOrEqual(4);
    for (const { detection, iou: best } of [...forward, ...backward]) {
      expect(best, `${detection.className} ${detection.confidence.toFixed(3)}\n${context}`).toBeGreaterThanOrEqual(MIN_IOU);
    }
    const worst = Math.min(...[...forward, ...backward].map((m) => m.iou));
    console.info(`[browser-tfjs wasm vs node] ${forward.length} boxes >= ${MIN_CONFIDENCE}, worst IoU ${worst.toFixed(4)}`);
  });

  it(
    "runtime 'webgl': the same detections where the page has WebGL, else a BACKEND_UNAVAILABLE rejection",
    async () => {
      const run = await openPage('webgl');
      const webgl = run.report!.webgl;
      expect(webgl, `the page did not report whether it has WebGL: ${JSON.stringify(run.report)}`).toBeDefined();
      if (webgl!.available) {
        const result = expectBusDetections(run, 'webgl');
        const matches = bestMatches(result.detections, nodeResult.detections, MIN_CONFIDENCE);
        for (const { detection, iou: best } of matches) {
          expect(best, `${detection.className} ${detection.confidence.toFixed(3)} vs node: ${describeDetections(nodeResult.detections)}`).toBeGreaterThanOrEqual(MIN_IOU);
        }
        const worst = Math.min(...matches.map((m) => m.iou));
        console.info(
          `[browser-tfjs webgl on ${webgl!.renderer}] ${run.report!.runtime}: ${describeDetections(result.detections)}; worst IoU vs node ${worst.toFixed(4)}`,
        );
      } else {
        expectWebglRejected(run);
        console.warn('[browser-tfjs webgl] this Chromium has no WebGL: checked that yolokit rejects webgl with BACKEND_UNAVAILABLE');
      }
    },
    PAGE_TIMEOUT,
  );

  it(
    "runtime 'webgl' in a Chromium without WebGL: BackendUnavailableError naming webgl and the runtimes available",
    async () => {
      // With --disable-gpu, no software rasterizer leaves no WebGL at all (--disable-webgl would still leave it
      // on OffscreenCanvas, which TF.js uses): the branch above for browsers without WebGL, checked for real.
      const noWebgl = await chromium.launch({ executablePath: chromiumPath, args: [...CHROMIUM_ARGS, '--disable-software-rasterizer'] });
      try {
        const run = await openPage('webgl', noWebgl);
        expect(run.report!.webgl?.available).toBe(false);
        expectWebglRejected(run);
      } finally {
        await noWebgl.close();
      }
    },
    PAGE_TIMEOUT,
  );

  it(
    "runtime 'webgpu' on Chromium's SwiftShader WebGPU adapter: the same detections as Node",
    async () => {
      const webgpuBrowser = await chromium.launch({ executablePath: chromiumPath, args: [...WEBGPU_CHROMIUM_ARGS], ignoreDefaultArgs: ['--headless'] });
      try {
        // SwiftShader compiles TF.js' WGSL shaders on the CPU: about 90 s on this machine.
        const run = await openPage('webgpu', webgpuBrowser, WEBGPU_TIMEOUT - 10_000);
        expect(run.report!.webgpu, JSON.stringify(run.report)).toMatchObject({ architecture: 'swiftshader' });
        const result = expectBusDetections(run, 'webgpu');
        const matches = bestMatches(result.detections, nodeResult.detections, MIN_CONFIDENCE);
        for (const { detection, iou: best } of matches) {
          expect(best, `${detection.className} ${detection.confidence.toFixed(3)} vs node: ${describeDetections(nodeResult.detections)}`).toBeGreaterThanOrEqual(MIN_IOU);
        }
        console.info(`[browser-tfjs webgpu] ${run.report!.runtime}: worst IoU vs node ${Math.min(...matches.map((m) => m.iou)).toFixed(4)}`);
      } finally {
        await webgpuBrowser.close();
      }
    },
    WEBGPU_TIMEOUT,
  );

  it(
    "runtime 'webgpu' in a Chromium with navigator.gpu but no adapter: BackendUnavailableError saying so, webgpu not offered",
    async () => {
      const run = await openPage('webgpu');
      const report = run.report!;
      expect(report.webgpu).toBeNull();
      expect(report.ok, `webgpu should have been rejected, got ${report.runtime}`).toBe(false);
      expect(report.error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', isYoloError: true, isBackendUnavailable: true });
      expect(report.error!.message).toBe(
        "TF.js runtime 'webgpu' is not available: this browser has WebGPU (navigator.gpu) but gave no GPU adapter " +
          "(no GPU, or WebGPU blocked for it). Use one of the runtimes available here (webgl, wasm, cpu) or runtime 'auto'.",
      );
      expect(report.error!.available).toEqual(['webgl', 'wasm', 'cpu']);
    },
    PAGE_TIMEOUT,
  );
});

/** yolokit's typed rejection of a forced webgl runtime in a page without WebGL. */
function expectWebglRejected(run: PageRun<PageReport>): void {
  const report = run.report!;
  expect(report.ok, `webgl should have been rejected, got ${report.runtime}; page console errors:\n${run.errors.join('\n')}`).toBe(false);
  expect(report.error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', name: 'BackendUnavailableError', isYoloError: true, isBackendUnavailable: true });
  expect(report.error!.message).toBe(
    "TF.js runtime 'webgl' is not available: the 'webgl' backend failed to initialise " +
      '(TF.js logged why with console.warn; is WebGL turned off or unavailable in this browser?). ' +
      "Use one of the runtimes available here (wasm, cpu) or runtime 'auto'.",
  );
  expect(report.error!.available).toEqual(['wasm', 'cpu']);
}
