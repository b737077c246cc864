import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumPath, describeWithBrowser, serveFolder, type StaticSite, WEBGPU_CHROMIUM_ARGS } from './support/browser.js';
import { fixturePath, repoRoot } from './support/fixtures.js';

/**
 * The docs site's live demo, end to end in a real headless Chromium: the built site (apps/docs/dist, built by
 * `turbo run build` before the tests) served on a loopback port, a real YOLO model and photo given through the
 * page's file inputs, YOLO run by onnxruntime-web in the page's Web Worker, and the boxes read back from the
 * page's DOM. Nothing is built here.
 */

const siteDir = resolve(repoRoot, 'apps/docs/dist');
/** Named in the root README; CI keeps artifacts/. */
const screenshotPath = resolve(repoRoot, 'artifacts/docs-demo.png');
const modelFixture = 'models/yolov8n_int8.onnx';
const imageFixture = 'images/bus.jpg';

/** Skips (with a message) where Chromium or the built site is missing, except under CI, where that fails. */
function describeWithBrowserAndSite(name: string, body: () => void): void {
  const site = existsSync(join(siteDir, 'demo.html')) ? [] : [`the built docs site at ${siteDir} (npm run build -w @yolokit/docs)`];
  describeWithBrowser(name, [modelFixture, imageFixture], body, site);
}

interface DrawnBox {
  className: string;
  confidence: number;
  /** The box's rectangle on screen, relative to the image's. */
  box: { x: number; y: number; width: number; height: number };
}

describeWithBrowserAndSite('docs site: live demo in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let site: StaticSite;
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];
  const failedResponses: string[] = [];

  beforeAll(async () => {
    site = await serveFolder(siteDir);
    browser = await chromium.launch({ executablePath: chromiumPath, args: [...CHROMIUM_ARGS] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) failedResponses.push(`${response.status()} ${response.url()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(site.origin) && !/^(data|blob):/.test(request.url())) foreignRequests.push(request.url());
    });
    await page.goto(`${site.origin}/demo.html`);
    await page.locator('.demo-model-input').waitFor({ state: 'attached' });
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('finds and draws a bus and at least 3 persons in bus.jpg with yolov8n_int8.onnx', async () => {
    await page.locator('.demo-model-input').setInputFiles(fixturePath(modelFixture));
    await page.locator('.demo-image-input').setInputFiles(fixturePath(imageFixture));
    await page.locator('.demo-status[data-state="done"], .demo-status[data-state="error"]').waitFor({ timeout: 120_000 });
    const state = await page.locator('.demo-status').getAttribute('data-state');
    const errors = (await page.locator('.demo-error').allTextContents()).join(' ');
    expect(state, `demo status: ${await page.locator('.demo-status').textContent()} ${errors}`).toBe('done');

    const drawn: DrawnBox[] = await page.locator('.demo-overlay g.detection').evaluateAll((groups) => {
      const image = document.querySelector('.demo-image')!.getBoundingClientRect();
      return groups.map((group) => {
        const rect = group.querySelector('rect.detection-box')!.getBoundingClientRect();
        return {
          className: group.getAttribute('data-class') ?? '',
          confidence: Number(group.getAttribute('data-confidence')),
          box: { x: rect.x - image.x, y: rect.y - image.y, width: rect.width, height: rect.height },
        };
      });
    });
    const image = await page.locator('.demo-image').evaluate((element: HTMLImageElement) => ({
      naturalWidth: element.naturalWidth,
      naturalHeight: element.naturalHeight,
      width: element.getBoundingClientRect().width,
      height: element.getBoundingClientRect().height,
    }));
    expect(image).toMatchObject({ naturalWidth: 810, naturalHeight: 1080 });
    expect(image.width).toBeGreaterThan(100);

    const persons = drawn.filter((d) => d.className === 'person');
    const buses = drawn.filter((d) => d.className === 'bus');
    expect(buses.length, `drawn: ${drawn.map((d) => d.className).join(', ')}`).toBeGreaterThanOrEqual(1);
    expect(persons.length, `drawn: ${drawn.map((d) => d.className).join(', ')}`).toBeGreaterThanOrEqual(3);
    // Drawn over the image: every box has a size on screen and lies within the displayed image (1 px slack).
    for (const d of drawn) {
      expect(d.confidence).toBeGreaterThanOrEqual(0.25);
      expect(d.box.width).toBeGreaterThan(1);
      expect(d.box.height).toBeGreaterThan(1);
      expect(d.box.x).toBeGreaterThanOrEqual(-1);
      expect(d.box.y).toBeGreaterThanOrEqual(-1);
      expect(d.box.x + d.box.width).toBeLessThanOrEqual(image.width + 1);
      expect(d.box.y + d.box.height).toBeLessThanOrEqual(image.height + 1);
    }
    // The bus spans most of the photo's width; each person is a tall box.
    const bus = buses.sort((a, b) => b.confidence - a.confidence)[0];
    expect(bus.box.width / image.width).toBeGreaterThan(0.6);
    for (const person of persons.sort((a, b) => b.confidence - a.confidence).slice(0, 3)) expect(person.box.height).toBeGreaterThan(person.box.width);

    // What the page says agrees with what it drew: the per-class summary, the table and the labels.
    expect(Number(await page.locator('.demo-summary li[data-class="person"]').getAttribute('data-count'))).toBe(persons.length);
    expect(Number(await page.locator('.demo-summary li[data-class="bus"]').getAttribute('data-count'))).toBe(buses.length);
    expect(await page.locator('.demo-detections tbody tr').count()).toBe(drawn.length);
    const labels = await page.locator('.demo-overlay g.detection text').allTextContents();
    expect(labels.filter((label) => /^person \d\.\d\d$/.test(label))).toHaveLength(persons.length);
    expect(labels.filter((label) => /^bus \d\.\d\d$/.test(label))).toHaveLength(buses.length);

    // Timings are shown, and the model ran on onnxruntime-web's WebAssembly (no GPU in this Chromium).
    for (const stage of ['preprocess', 'inference', 'postprocess', 'worker', 'round-trip']) {
      const text = (await page.locator(`.demo-timings td[data-stage="${stage}"]`).textContent()) ?? '';
      expect(text, stage).toMatch(/^\d+(\.\d)? ms$/);
    }
    expect(Number.parseFloat((await page.locator('.demo-timings td[data-stage="inference"]').textContent()) ?? '')).toBeGreaterThan(0);
    expect(await page.locator('.demo-runtime').textContent()).toMatch(/^onnxruntime-web \S+ \(wasm/);

    // Offline: onnxruntime-web's WebAssembly came from the site itself, and nothing was fetched elsewhere.
    // On WebAssembly alone the backend loads onnxruntime-web's WebAssembly-only build (14 MB), not the 28 MB
    // one with the WebGPU kernels.
    expect(site.requests).toContain('/ort/ort-wasm-simd-threaded.wasm');
    expect(site.requests.filter((path) => path.includes('jsep'))).toEqual([]);
    expect(foreignRequests).toEqual([]);
    expect(failedResponses).toEqual([]);
    expect(pageErrors).toEqual([]);

    await mkdir(dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });
  });

  it('says clearly when the image cannot be decoded', async () => {
    // The model file is no image: the worker's decoder refuses it.
    await page.locator('.demo-image-input').setInputFiles(fixturePath(modelFixture));
    const error = page.locator('.demo-error[data-code="IMAGE_UNREADABLE"]');
    await error.waitFor({ timeout: 60_000 });
    expect(await page.locator('.demo-status').getAttribute('data-state')).toBe('error');
    expect(await error.textContent()).toMatch(/This image cannot be read: yolov8n_int8\.onnx\..*JPEG, PNG, WebP or GIF/);
  });

  it('says clearly when the model is not a model it can use', async () => {
    // A photo given as the model.
    await page.locator('.demo-model-input').setInputFiles(fixturePath(imageFixture));
    const error = page.locator('.demo-error[data-code="MODEL_INVALID"]');
    await error.waitFor({ timeout: 60_000 });
    expect(await page.locator('.demo-status').getAttribute('data-state')).toBe('error');
    expect(await error.textContent()).toMatch(/This model cannot be used: bus\.jpg\..*exported to ONNX by Ultralytics/);
    expect(await page.locator('.demo-overlay g.detection').count()).toBe(0);
  });
});

describeWithBrowserAndSite('docs site: live demo on WebGPU (SwiftShader adapter) in headless Chromium', () => {
  let browser: Browser;
  let site: StaticSite;

  beforeAll(async () => {
    site = await serveFolder(siteDir);
    browser = await chromium.launch({ executablePath: chromiumPath, args: [...WEBGPU_CHROMIUM_ARGS], ignoreDefaultArgs: ['--headless'] });
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it("with the runtime set to WebGPU, runs on 'webgpu' (wasm for the int8 operators WebGPU lacks) and draws a bus and at least 3 persons", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${site.origin}/demo.html`);
    await page.locator('.demo-model-input').waitFor({ state: 'attached' });
    await page.locator('.demo-provider select').selectOption('webgpu');
    await page.locator('.demo-model-input').setInputFiles(fixturePath(modelFixture));
    await page.locator('.demo-image-input').setInputFiles(fixturePath(imageFixture));
    await page.locator('.demo-status[data-state="done"], .demo-status[data-state="error"]').waitFor({ timeout: 180_000 });
    const errors = (await page.locator('.demo-error').allTextContents()).join(' ');
    expect(await page.locator('.demo-status').getAttribute('data-state'), `${await page.locator('.demo-status').textContent()} ${errors}`).toBe('done');
    expect(await page.locator('.demo-runtime').textContent()).toMatch(/^onnxruntime-web \S+ \(webgpu, wasm, /);
    const classes = await page.locator('.demo-overlay g.detection').evaluateAll((groups) => groups.map((group) => group.getAttribute('data-class')));
    expect(classes.filter((c) => c === 'bus').length, classes.join(', ')).toBeGreaterThanOrEqual(1);
    expect(classes.filter((c) => c === 'person').length, classes.join(', ')).toBeGreaterThanOrEqual(3);
    expect(pageErrors).toEqual([]);
  }, 240_000);
});
