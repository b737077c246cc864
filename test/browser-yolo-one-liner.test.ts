/**
 * The one-liner in a real headless Chromium: a page bundled from `yolo` of `@yolokit/backend-onnx/web` (browser
 * conditions, as an app's bundler builds it) loads yolokit's default shapes model and predicts a generated scene
 * served as a PNG. It runs onnxruntime-web on wasm, decodes with the canvas, and finds what the Node entry's
 * `yolo` (onnxruntime-node, sharp) finds on the same file. Needs no fixtures: the model ships in the repository.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { yolo } from '@yolokit/backend-onnx';
import type { ResultJSON } from '@yolokit/core';
import { defaultModelDir, defaultModelPath, generateScene } from '@yolokit/default-model';
import { type Browser, chromium } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bestMatches, bundlePage, CHROMIUM_ARGS, chromiumPath, describeWithBrowser, expectCleanRun, type PageRun, runPage, type StaticSite, serveStatic } from './support/browser.js';

const PAGE_TIMEOUT = 120_000;
const MIN_CONFIDENCE = 0.5;
/** Node decodes and letterboxes with sharp, the page with the canvas and JavaScript: boxes agree closely, not exactly. */
const MIN_IOU_VS_NODE = 0.9;

const PAGE_ENTRY = `
import { yolo } from '@yolokit/backend-onnx/web';

async function main() {
  try {
    const model = await yolo('/models/yolokit-shapes.onnx', { conf: ${MIN_CONFIDENCE}, runtime: { wasmPaths: location.origin + '/ort/' } });
    try {
      const result = await model.predict('/images/scene.png');
      return { ok: true, runtime: model.info.runtime, result: result.toJSON() };
    } finally {
      await model.dispose();
    }
  } catch (error) {
    return { ok: false, error: { message: error?.message ?? String(error), code: error?.code } };
  }
}
main().then((report) => { window.__result = report; }, (error) => { window.__result = { ok: false, error: { message: String(error) } }; });
`;

const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>yolokit yolo()</title></head>
<body><script type="module" src="/app.js"></script></body></html>`;

interface PageReport {
  ok: boolean;
  runtime?: string;
  result?: ResultJSON;
  error?: { message: string; code?: string };
}

describeWithBrowser('yolo() from @yolokit/backend-onnx/web in headless Chromium', [], () => {
  let dir: string;
  let bundledInputs: string[];
  let site: StaticSite;
  let browser: Browser;
  let nodeResult: ResultJSON;
  const scene = generateScene(11);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'yolokit-browser-yolo-'));
    bundledInputs = await bundlePage(PAGE_ENTRY, join(dir, 'app.js'));
    await writeFile(join(dir, 'scene.png'), await sharp(scene.data, { raw: { width: scene.width, height: scene.height, channels: 3 } }).png().toBuffer());
    const require = createRequire(createRequire(import.meta.url).resolve('@yolokit/backend-onnx/package.json'));
    site = await serveStatic(
      { '/app.js': join(dir, 'app.js'), '/models/': defaultModelDir(), '/images/': dir, '/ort/': dirname(require.resolve('onnxruntime-web')) },
      PAGE_HTML,
    );
    browser = await chromium.launch({ executablePath: chromiumPath, args: [...CHROMIUM_ARGS] });
    const model = await yolo(defaultModelPath('onnx'), { conf: MIN_CONFIDENCE });
    try {
      nodeResult = (await model.predict(join(dir, 'scene.png'))).toJSON();
    } finally {
      await model.dispose();
    }
  }, PAGE_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('bundles the web entry only: onnxruntime-web and core\'s browser build, no onnxruntime-node or sharp', () => {
    expect(bundledInputs.some((input) => input.endsWith('packages/backend-onnx/dist/web.js')), bundledInputs.join('\n')).toBe(true);
    expect(bundledInputs.some((input) => input.endsWith('packages/core/dist/index.browser.js')), bundledInputs.join('\n')).toBe(true);
    expect(bundledInputs.filter((input) => /onnxruntime-node|sharp/.test(input))).toEqual([]);
  });

  it('runs onnxruntime-web and finds the scene\'s shapes where the Node entry finds them', async () => {
    const run: PageRun<PageReport> = await runPage<PageReport>(browser, site, '/', PAGE_TIMEOUT - 10_000);
    const report = run.report!;
    expect(report.ok, `page error: ${JSON.stringify(report.error)}\n${run.errors.join('\n')}`).toBe(true);
    expect(report.runtime).toMatch(/^onnxruntime-web \d+\.\d+\.\d+ \(wasm, \d+ threads?\)$/);
    const browserResult = report.result!;
    const names = (result: ResultJSON) => result.detections.map((d) => d.className).sort();
    expect(names(browserResult)).toEqual(scene.objects.map((o) => o.className).sort());
    expect(names(browserResult)).toEqual(names(nodeResult));
    for (const { detection, iou } of bestMatches(browserResult.detections, nodeResult.detections, MIN_CONFIDENCE)) {
      expect(iou, detection.className).toBeGreaterThanOrEqual(MIN_IOU_VS_NODE);
    }
    expectCleanRun(run);
  }, PAGE_TIMEOUT);
});
