import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boxIou as iou, type DetectionJSON, type ResultJSON } from '@yolokit/core';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures } from './fixtures.js';

/** test/, where page scripts resolve their imports from. */
const testDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** Debian's Chromium (`.ci/run` installs it), or another one named by CHROMIUM_PATH. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The machine's own flags for Chromium: no sandbox as root, no GPU, no calls home. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * The machine's flags, plus a WebGPU adapter on SwiftShader, Chromium's software Vulkan (it needs the new
 * headless mode and the GPU process): WebGPU's kernels and shaders run for real, on the CPU. Launch with
 * `ignoreDefaultArgs: ['--headless']`, or playwright adds the old mode back.
 */
export const WEBGPU_CHROMIUM_ARGS: readonly string[] = [
  ...CHROMIUM_ARGS.filter((flag) => flag !== '--headless' && flag !== '--disable-gpu'),
  '--headless=new',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
];

/** What a plain static host sends for the files the browser tests serve. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.woff2': 'font/woff2',
  '.yaml': 'text/yaml',
  '.bin': 'application/octet-stream',
};

const isCI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * `describeWithFixtures` that also needs Chromium (and whatever `alsoMissing` names): where something is missing
 * it skips with a message naming it, except under CI, where that fails.
 */
export function describeWithBrowser(name: string, fixtures: readonly string[], body: () => void, alsoMissing: readonly string[] = []): void {
  const missing = [...(existsSync(chromiumPath) ? [] : [`Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`]), ...alsoMissing];
  if (missing.length === 0) {
    describeWithFixtures(name, [...fixtures], body);
    return;
  }
  const message = `missing ${missing.join('; ')}`;
  if (isCI) {
    describe(name, () => {
      it('has Chromium and what the test serves', () => {
        throw new Error(`${message} (CI installs Chromium and builds everything first: see .ci/run)`);
      });
    });
  } else {
    console.warn(`[yolokit tests] skipping "${name}": ${message}`);
    describe.skip(`${name} (skipped: ${message})`, body);
  }
}

/** A static host on a loopback port: `page` at `/`, and each route prefix served from its folder (or file). */
export interface StaticSite {
  readonly server: Server;
  readonly origin: string;
  /** Every path asked for, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Serves `page` and the `routes` (URL prefix → folder or file) as a plain static host would, no special headers. */
export async function serveStatic(routes: Readonly<Record<string, string>>, page: string): Promise<StaticSite> {
  const requests: string[] = [];
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    if (path === '/') {
      response.writeHead(200, { 'Content-Type': CONTENT_TYPES['.html'] }).end(page);
      return;
    }
    if (path === '/favicon.ico') {
      // Chromium asks for one on its own; a 404 would show up as a console error of the page.
      response.writeHead(204).end();
      return;
    }
    const prefix = Object.keys(routes).find((route) => path.startsWith(route));
    const root = prefix === undefined ? undefined : routes[prefix];
    const file = prefix === undefined || root === undefined ? undefined : normalize(join(root, path.slice(prefix.length)));
    if (file === undefined || root === undefined || (file !== root && !file.startsWith(root + sep))) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    await sendFile(response, file);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, requests, close: () => new Promise((done) => server.close(() => done())) };
}

/**
 * Serves the folder `root` (a built static site) as a plain static host would, no special headers: a folder
 * answers with its `index.html`, a path without an extension with its `.html` file (clean URLs).
 */
export async function serveFolder(root: string): Promise<StaticSite> {
  const requests: string[] = [];
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      response.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
    } catch {
      if (!extname(file)) file += '.html';
    }
    await sendFile(response, file);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, requests, close: () => new Promise((done) => server.close(() => done())) };
}

/** Answers with `file` and the content type a static host gives its extension, or 404 where there is none. */
export async function sendFile(response: ServerResponse, file: string): Promise<void> {
  try {
    const body = await readFile(file);
    response.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  }
}

/** What a test page reported (`window.__result`), and what the browser saw while it ran. */
export interface PageRun<Report> {
  report: Report | undefined;
  /** Console errors and uncaught page errors, for failure messages. */
  errors: string[];
  /** Paths asked of the test's site. */
  requests: string[];
  /** Anything asked elsewhere (the pages must work offline). */
  foreignRequests: string[];
  failedResponses: string[];
}

/** Opens `url` of `site` in a fresh browser context and waits until the page has put its report on `window.__result`. */
export async function runPage<Report>(browser: Browser, site: StaticSite, url: string, timeoutMs: number): Promise<PageRun<Report>> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const run: PageRun<Report> = { report: undefined, errors: [], requests: [], foreignRequests: [], failedResponses: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') run.errors.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => run.errors.push(`pageerror: ${error.message}`));
  page.on('request', (request) => {
    const requested = request.url();
    if (requested.startsWith(site.origin)) run.requests.push(new URL(requested).pathname);
    else if (!/^(data|blob):/.test(requested)) run.foreignRequests.push(requested);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) run.failedResponses.push(`${response.status()} ${response.url()}`);
  });
  try {
    await page.goto(`${site.origin}${url}`);
    await page.waitForFunction(() => (window as { __result?: unknown }).__result !== undefined, undefined, { timeout: timeoutMs });
    run.report = await page.evaluate(() => (window as unknown as { __result: Report }).__result);
  } catch (error) {
    throw new Error(`the page ${url} reported nothing: ${(error as Error).message}\npage errors:\n${run.errors.join('\n')}`, { cause: error });
  } finally {
    await context.close();
  }
  return run;
}

/** Bundles a page script (`entry`, resolved from test/) for the browser with esbuild; returns the files it took in. */
export async function bundlePage(entry: string, outfile: string): Promise<string[]> {
  const bundle = await build({
    stdin: { contents: entry, resolveDir: testDir, sourcefile: 'page.js', loader: 'js' },
    bundle: true,
    platform: 'browser',
    conditions: ['browser'],
    format: 'esm',
    target: 'es2022',
    outfile,
    logLevel: 'error',
    metafile: true,
  });
  return Object.keys(bundle.metafile.inputs).map((input) => input.split(sep).join('/'));
}

/** Box IoU for the browser tests: the result comparisons' own. */
export { iou };

/** For each detection of `from` with confidence >= `minConfidence`, the best same-class IoU among `to`. */
export function bestMatches(from: readonly DetectionJSON[], to: readonly DetectionJSON[], minConfidence: number): { detection: DetectionJSON; iou: number }[] {
  return from
    .filter((d) => d.confidence >= minConfidence)
    .map((detection) => ({
      detection,
      iou: Math.max(0, ...to.filter((other) => other.classId === detection.classId).map((other) => iou(detection.box, other.box))),
    }));
}

export function describeDetections(detections: readonly DetectionJSON[]): string {
  return detections.map((d) => `${d.className} ${d.confidence.toFixed(3)} [${d.box.map((v) => v.toFixed(1)).join(', ')}]`).join('; ');
}

/**
 * What a COCO model must find in bus.jpg (810×1080) at `minConfidence`, in original image pixels rather than
 * model-input pixels: a bus spanning most of the photo's width in its lower half, at least 3 persons as tall
 * boxes, every box inside the image and of some size.
 */
export function expectBusJpgDetections(result: ResultJSON, minConfidence: number): void {
  expect(result).toMatchObject({ width: 810, height: 1080 });
  const confident = result.detections.filter((d) => d.confidence >= minConfidence);
  const summary = describeDetections(confident);
  expect(confident.filter((d) => d.className === 'bus').length, summary).toBeGreaterThanOrEqual(1);
  expect(confident.filter((d) => d.className === 'person').length, summary).toBeGreaterThanOrEqual(3);
  for (const d of result.detections) {
    const [x1, y1, x2, y2] = d.box;
    expect(x1, summary).toBeGreaterThanOrEqual(0);
    expect(y1, summary).toBeGreaterThanOrEqual(0);
    expect(x2, summary).toBeLessThanOrEqual(810);
    expect(y2, summary).toBeLessThanOrEqual(1080);
    expect(x2 - x1, summary).toBeGreaterThan(1);
    expect(y2 - y1, summary).toBeGreaterThan(1);
  }
  const bus = confident.filter((d) => d.className === 'bus').sort((a, b) => b.confidence - a.confidence)[0];
  expect((bus.box[2] - bus.box[0]) / 810, summary).toBeGreaterThan(0.8);
  expect(bus.box[3], summary).toBeGreaterThan(640);
  for (const person of confident.filter((d) => d.className === 'person')) {
    expect(person.box[3] - person.box[1], summary).toBeGreaterThan(person.box[2] - person.box[0]);
  }
}

/** Offline and complete: everything came from the test's site, no response failed, nothing threw or logged an error. */
export function expectCleanRun(run: PageRun<unknown>): void {
  expect(run.foreignRequests).toEqual([]);
  expect(run.failedResponses).toEqual([]);
  expect(run.errors).toEqual([]);
}
