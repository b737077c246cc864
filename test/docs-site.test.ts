import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/fixtures.js';

/**
 * The docs site cannot drift from the code: its TypeScript samples are files (type-checked by the docs
 * package's `typecheck`), never code pasted into pages; its shell samples use only flags the CLI has; and the
 * built site (apps/docs/dist, built by `turbo run build`) has every page, the API reference of every package
 * entry, onnxruntime-web's WebAssembly, and a comparison page that shows exactly the committed measurements.
 */

const docsRoot = resolve(repoRoot, 'apps/docs');
const siteDir = join(docsRoot, 'dist');
const isCI = process.env.CI === 'true' || process.env.CI === '1';

/** The site's Markdown pages (generated API pages and READMEs excluded). */
function pages(folder = docsRoot): string[] {
  const found: string[] = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (['node_modules', 'dist', 'api', '.vitepress', 'examples', 'bench-results'].includes(name)) continue;
    if (statSync(path).isDirectory()) found.push(...pages(path));
    else if (name.endsWith('.md') && name !== 'README.md') found.push(path);
  }
  return found.sort();
}

function filesUnder(folder: string, extension: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(extension))
    .map((name) => join(folder, name))
    .sort();
}

const SNIPPET = /^<<<\s+@\/(\S+?\.ts)(?:#(\S+))?\s*$/gm;

describe('docs sources: samples are compiled files, not pasted code', () => {
  const markdown = pages().map((path) => ({ path: relative(docsRoot, path), text: readFileSync(path, 'utf8') }));

  it('finds the guides', () => {
    expect(markdown.map((page) => page.path)).toEqual(
      expect.arrayContaining([
        'guide/getting-started.md',
        'guide/detect.md',
        'guide/segment.md',
        'guide/pose.md',
        'guide/obb.md',
        'guide/classify.md',
        'guide/thread-safe-inference.md',
        'guide/write-a-backend.md',
        'compare.md',
        'demo.md',
      ]),
    );
  });

  it('has no TypeScript or JavaScript code block written into a page', () => {
    for (const page of markdown) {
      const pasted = [...page.text.matchAll(/^```(ts|typescript|js|javascript|mjs|tsx)\b/gm)].map((match) => match[0]);
      expect(pasted, `${page.path} has inline code blocks; put the sample under apps/docs/examples/ and include it with <<<`).toEqual([]);
    }
  });

  it('includes only sample files and regions that exist', () => {
    let includes = 0;
    for (const page of markdown) {
      for (const [, file, region] of page.text.matchAll(SNIPPET)) {
        includes += 1;
        const path = resolve(docsRoot, file);
        expect(existsSync(path), `${page.path} includes ${file}, which does not exist`).toBe(true);
        if (region) expect(readFileSync(path, 'utf8'), `${page.path} includes ${file}#${region}`).toContain(`// #region ${region}\n`);
      }
    }
    expect(includes).toBeGreaterThanOrEqual(25);
  });

  it('shows every sample under examples/ on some page (no sample left unchecked by a reader)', () => {
    const included = new Set(markdown.flatMap((page) => [...page.text.matchAll(SNIPPET)].map(([, file]) => resolve(docsRoot, file))));
    const orphans = filesUnder(join(docsRoot, 'examples'), '.ts').filter((file) => !included.has(file));
    expect(orphans.map((file) => relative(docsRoot, file))).toEqual([]);
  });

  it("draws the demo in the CLI's colours (the demo keeps a copy: the CLI's package is Node-only)", async () => {
    const cli = await import('@yolokit/cli');
    const demo = await import('../apps/docs/src/demo/palette.js');
    expect(demo.PALETTE).toEqual(cli.PALETTE);
    expect(demo.LIMB_COLOURS).toEqual(cli.LIMB_COLOURS);
    expect(demo.KEYPOINT_COLOURS).toEqual(cli.KEYPOINT_COLOURS);
    expect(demo.TOP_CLASSES_BACKGROUND).toBe(cli.TOP_CLASSES_BACKGROUND);
  });

  it('uses only `yolokit predict` flags that the CLI has', () => {
    const bin = join(repoRoot, 'packages/cli/dist/bin.js');
    expect(existsSync(bin), 'the CLI is built (turbo builds it before the tests)').toBe(true);
    const help = spawnSync(process.execPath, [bin, 'predict', '--help'], { encoding: 'utf8' }).stdout;
    const known = new Set(help.match(/--[a-z][a-z-]*/g));
    const commands = markdown.flatMap((page) => [...page.text.matchAll(/^(?:npx )?yolokit predict (.*)$/gm)].map(([line]) => ({ page: page.path, line })));
    expect(commands.length).toBeGreaterThanOrEqual(2);
    for (const { page, line } of commands) {
      for (const flag of line.match(/(?<=\s)--[a-z][a-z-]*/g) ?? []) expect(known.has(flag), `${page}: ${line} uses ${flag}`).toBe(true);
    }
  });
});

/** The tests of the built site: skipped (with a message) where it is not built, except under CI. */
function describeBuiltSite(name: string, body: () => void): void {
  if (existsSync(join(siteDir, 'index.html'))) {
    describe(name, body);
  } else if (isCI) {
    describe(name, () => {
      it('has the built site', () => {
        throw new Error(`no built docs site at ${siteDir}: CI must run npm run build (turbo builds apps/docs) before the tests`);
      });
    });
  } else {
    console.warn(`[yolokit tests] skipping "${name}": no built docs site at ${siteDir} (npm run build -w @yolokit/docs)`);
    describe.skip(name, body);
  }
}

describeBuiltSite('docs site: the built output', () => {
  const html = (path: string): string => readFileSync(join(siteDir, path), 'utf8');

  it('has every page', () => {
    for (const page of [
      'index.html',
      'guide/getting-started.html',
      'guide/detect.html',
      'guide/segment.html',
      'guide/pose.html',
      'guide/obb.html',
      'guide/classify.html',
      'guide/thread-safe-inference.html',
      'guide/write-a-backend.html',
      'compare.html',
      'demo.html',
      'api/index.html',
    ]) {
      expect(existsSync(join(siteDir, page)), page).toBe(true);
    }
  });

  it('renders the included samples into the guides', () => {
    expect(html('guide/getting-started.html')).toContain('createModel');
    expect(html('guide/thread-safe-inference.html')).toContain('threadingLocked');
    expect(html('guide/thread-safe-inference.html')).toContain('StatefulDemoModel');
    // The contract page shows core's own source of the contract, and the suite's check ids from core.
    const backendPage = html('guide/write-a-backend.html');
    expect(backendPage).toContain('BACKEND_CONTRACT_VERSION');
    expect(backendPage).toContain('<code>run-concurrent</code>');
    expect(backendPage).toContain('<code>load-aborted</code>');
  });

  it('has an API reference page for every public entry of every package', () => {
    for (const folder of readdirSync(join(repoRoot, 'packages'))) {
      const manifestPath = join(repoRoot, 'packages', folder, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; private?: boolean; exports?: Record<string, unknown>; bin?: Record<string, string> };
      if (manifest.private) continue;
      for (const subpath of Object.keys(manifest.exports ?? {})) {
        if (subpath === './package.json' || subpath === './internal' || (subpath === './bin' && manifest.bin)) continue;
        const page = join('api', manifest.name.replace(/^@yolokit\//, ''), subpath === '.' ? '' : subpath.slice(2), 'index.html');
        expect(existsSync(join(siteDir, page)), `${manifest.name}${subpath === '.' ? '' : subpath.slice(1)} -> ${page}`).toBe(true);
      }
    }
    // Generated from TSDoc: a documented function carries its own words.
    expect(html('api/core/functions/createModel.html')).toContain('Loads a model');
  });

  it('shows a gallery per task drawn by the build from the fixtures (or says why not, outside CI)', async () => {
    const galleryFile = join(siteDir, 'gallery/gallery.json');
    expect(existsSync(galleryFile), 'the build writes gallery/gallery.json (scripts/generate-gallery.mjs)').toBe(true);
    const gallery = JSON.parse(readFileSync(galleryFile, 'utf8')) as {
      skipped?: string;
      entries: {
        task: string;
        file: string;
        image: string;
        summary: string;
        json: { task?: string; width: number; height: number; detections: { obb?: unknown; corners?: unknown }[]; top5?: { className: string }[] };
      }[];
    };
    // yolokit's own OBB and classification models on generated images need no fixture: always drawn.
    const sharp = (await import('sharp')).default;
    for (const task of ['obb', 'classify']) {
      const entries = gallery.entries.filter((entry) => entry.task === task);
      expect(entries, task).toHaveLength(2);
      const page = html(`guide/${task}.html`);
      expect(page).toContain(`data-task="${task}" data-images="2"`);
      for (const entry of entries) {
        const { width, height } = await sharp(join(siteDir, 'gallery', entry.file)).metadata();
        expect([width, height]).toEqual([entry.json.width, entry.json.height]);
        expect(page).toContain(`/gallery/${entry.file}`);
        expect(entry.json.task).toBe(task);
        if (task === 'obb') {
          expect(entry.json.detections.length).toBeGreaterThanOrEqual(3);
          for (const d of entry.json.detections) expect(d).toMatchObject({ obb: expect.any(Object), corners: expect.any(Array) });
        } else {
          expect(entry.json.detections).toEqual([]);
          expect(entry.summary).toMatch(new RegExp(`^${entry.json.top5![0].className} \\d\\.\\d\\d$`));
        }
      }
    }
    if (gallery.skipped) {
      expect(isCI, `CI must draw the gallery: ${gallery.skipped}`).toBe(false);
      for (const task of ['detect', 'segment', 'pose']) expect(html(`guide/${task}.html`)).toContain('task-gallery-empty');
      return;
    }
    for (const task of ['detect', 'segment', 'pose']) {
      const entries = gallery.entries.filter((entry) => entry.task === task);
      expect(entries.map((entry) => entry.image).sort(), task).toEqual(['bus.jpg', 'zidane.jpg']);
      const page = html(`guide/${task}.html`);
      expect(page).toContain(`data-task="${task}" data-images="2"`);
      for (const entry of entries) {
        // An annotated photo of the photo's size, and the JSON of the very result drawn.
        const { width, height } = await sharp(join(siteDir, 'gallery', entry.file)).metadata();
        expect([width, height]).toEqual([entry.json.width, entry.json.height]);
        expect(page).toContain(`/gallery/${entry.file}`);
        expect(entry.json.task).toBe(task === 'detect' ? undefined : task);
        expect(entry.json.detections.length).toBeGreaterThan(0);
      }
    }
    const segment = gallery.entries.find((entry) => entry.task === 'segment' && entry.image === 'bus.jpg')!;
    expect(segment.summary).toMatch(/\bbus\b/);
    expect(segment.json.detections[0]).toMatchObject({ mask: { size: [1080, 810], counts: expect.any(String) }, segments: expect.any(Array) });
    const pose = gallery.entries.find((entry) => entry.task === 'pose' && entry.image === 'zidane.jpg')!;
    expect(pose.json.detections).toHaveLength(2);
    expect(pose.json.detections[0]).toMatchObject({ keypoints: expect.any(Array) });
  });

  it('serves onnxruntime-web WebAssembly from the site itself, the very files of the installed package', () => {
    const ortDist = join(repoRoot, 'node_modules/onnxruntime-web/dist');
    const served = readdirSync(join(siteDir, 'ort')).sort();
    // The WebAssembly-only build's files (the demo on wasm) and the full build's (the demo on WebGPU).
    expect(served).toEqual(
      expect.arrayContaining(['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm']),
    );
    for (const file of served) expect(readFileSync(join(siteDir, 'ort', file)).equals(readFileSync(join(ortDist, file))), file).toBe(true);
    // No second, bundler-hashed copy of the 28 MB WebAssembly.
    expect(readdirSync(join(siteDir, 'assets')).filter((file) => file.endsWith('.wasm'))).toEqual([]);
  });

  it('compares strategies from the committed bench files only', () => {
    const committed = readdirSync(join(docsRoot, 'bench-results')).filter((file) => file.endsWith('.json'));
    const page = html('compare.html');
    if (committed.length === 0) {
      expect(page).toContain('data-state="empty"');
      expect(page).toContain('No measurements yet');
      expect(page).not.toContain('data-chart=');
    } else {
      expect(page).toContain('data-state="measured"');
      expect(page).toContain('data-chart="Throughput"');
      // The newest run is shown first: its configuration count is one of the committed files'.
      const counts = committed.map((file) => {
        const report = JSON.parse(readFileSync(join(docsRoot, 'bench-results', file), 'utf8')) as { configurations?: unknown[]; results?: unknown[] };
        return (report.configurations ?? report.results ?? []).length;
      });
      expect(counts).toContain(Number(page.match(/data-configurations="(\d+)"/)?.[1]));
      const shown = committed
        .map((file) => JSON.parse(readFileSync(join(docsRoot, 'bench-results', file), 'utf8')) as CommittedBench)
        .find((report) => (report.configurations ?? report.results ?? []).length === Number(page.match(/data-configurations="(\d+)"/)?.[1]));
      expectBestPerStrategy(page, shown!);
    }
  });

  it("shows yolokit serve under load from the committed serve-load JSON (issue 17)", () => {
    const folder = join(docsRoot, 'bench-results', 'serve');
    const files = existsSync(folder) ? readdirSync(folder).filter((file) => file.endsWith('.json')) : [];
    const page = html('compare.html');
    if (files.length === 0) {
      expect(page).toContain('data-serve-state="empty"');
      return;
    }
    const reports = files.map((file) => JSON.parse(readFileSync(join(folder, file), 'utf8')) as ServeLoadJson);
    const newest = reports.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    expect(page).toContain('data-serve-state="measured"');
    // Each connection level's row carries its HTTP ÷ in-process ratio as the JSON has it.
    for (const level of newest.throughput) {
      const row = new RegExp(`<tr data-connections="${level.connections}"[^>]*>(?:<td[^>]*>[^<]*</td>){3}<td class="serve-ratio"[^>]*>([\\d.]+)</td>`).exec(page);
      expect(row?.[1], `${level.connections} connections`).toBe(level.ratio.toFixed(3));
    }
    for (const [code, count] of Object.entries(newest.overload.statusCodes)) expect(page).toMatch(new RegExp(`data-status="${code}"[^>]*>${count} × ${code}<`));
    expect(page).toContain(newest.memory.rssMiB.join(' → '));
  });
});

/** The fields of a committed serve-load file that the compare page's "Over HTTP" section shows. */
interface ServeLoadJson {
  createdAt: string;
  throughput: { connections: number; ratio: number }[];
  overload: { statusCodes: Record<string, number> };
  memory: { rssMiB: number[] };
}

/** The fields of a committed bench file that the compare page's lead table and model line come from. */
interface CommittedBench {
  model?: { path?: string; file?: string; sha256?: string };
  configurations?: { strategy: string; workers: number; threadsPerWorker: number; concurrency: number; throughput: number }[];
  results?: CommittedBench['configurations'];
}

/**
 * The compare page leads with one row per strategy, its highest-throughput setup as the JSON has it (fastest
 * first), draws one line per strategy, and names the model by file name and checksum, never by the recording
 * machine's path.
 */
function expectBestPerStrategy(page: string, report: CommittedBench): void {
  const configurations = report.configurations ?? report.results ?? [];
  const best = new Map<string, (typeof configurations)[number]>();
  for (const c of configurations) if (!best.has(c.strategy) || c.throughput > best.get(c.strategy)!.throughput) best.set(c.strategy, c);
  const expected = [...best.values()].sort((a, b) => b.throughput - a.throughput);
  const table = page.slice(page.indexOf('class="compare-best-table"'), page.indexOf('</table>', page.indexOf('class="compare-best-table"')));
  const rows = [...table.matchAll(/<tr data-strategy="([^"]+)"[^>]*><td[^>]*>[^<]*<\/td><td[^>]*>(\d+) × (\d+)<\/td><td[^>]*>(\d+)<\/td><td[^>]*>([\d.]+)<\/td>/g)].map((m) => [
    m[1],
    Number(m[2]),
    Number(m[3]),
    Number(m[4]),
    m[5],
  ]);
  expect(rows).toEqual(expected.map((c) => [c.strategy, c.workers, c.threadsPerWorker, c.concurrency, c.throughput.toFixed(2)]));
  // One line per strategy in every chart, not one per setup.
  const counts = [...page.matchAll(/data-series-count="(\d+)"/g)].map((m) => Number(m[1]));
  expect(counts.length).toBeGreaterThanOrEqual(4);
  for (const count of counts) expect(count).toBe(best.size);
  const file = report.model?.file ?? report.model?.path?.split('/').pop();
  // Vue adds its scoped-style attribute to each element, after the class.
  expect(page).toMatch(new RegExp(`<code class="compare-model"[^>]*>${file?.replaceAll('.', '\\.')}</code>`));
  if (report.model?.sha256) expect(page).toMatch(new RegExp(`<code class="compare-sha256"[^>]*>${report.model.sha256}</code>`));
  if (report.model?.path?.includes('/')) expect(page).not.toContain(report.model.path);
}

