import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { npm, succeed } from './support/commands.js';
import { type RedisServer, redisServerBinary, startRedisServer } from './queue-support.js';
import { describeWithFixtures, fixturePath, repoRoot } from './support/fixtures.js';

/**
 * The packages as users get them: `npm pack` of every public package (packages/<name>/package.json without
 * "private"), installed from the tarballs into an empty folder outside the repository (the rest comes from the
 * npm registry), then used from there: a program, the bin, and each concurrency strategy.
 */

/** Folders under packages/ of the public packages. */
const packages = readdirSync(resolve(repoRoot, 'packages'))
  .filter((folder) => existsSync(resolve(repoRoot, 'packages', folder, 'package.json')))
  .filter((folder) => !JSON.parse(readFileSync(resolve(repoRoot, 'packages', folder, 'package.json'), 'utf8')).private)
  .sort();
const model = fixturePath('models/yolov8n_int8.onnx');
const bus = fixturePath('images/bus.jpg');

interface PackedFile {
  path: string;
  mode: number;
}

let work: string;
let app: string;
const packed = new Map<string, { filename: string; files: PackedFile[] }>();

describeWithFixtures('npm packages: packed, installed outside the repository, predicting', ['images/bus.jpg', 'models/yolov8n_int8.onnx'], () => {
  beforeAll(async () => {
    for (const name of packages) {
      if (!existsSync(resolve(repoRoot, 'packages', name, 'dist/index.js'))) {
        throw new Error(`packages/${name}/dist is missing: build first (npm run build)`);
      }
    }
    // realpath: on some systems the temp folder is a symlink, and module paths come back resolved.
    work = await realpath(await mkdtemp(join(tmpdir(), 'yolokit-packaging-')));
    const tarballs = join(work, 'tarballs');
    await mkdir(tarballs);
    for (const name of packages) {
      const { stdout } = await succeed(npm, ['pack', '--json', '--pack-destination', tarballs], resolve(repoRoot, 'packages', name));
      const [info] = JSON.parse(stdout) as { filename: string; files: PackedFile[] }[];
      packed.set(name, { filename: join(tarballs, info.filename), files: info.files });
    }
    app = join(work, 'app');
    await mkdir(app);
    // onnxruntime-node's install script would download CUDA binaries; the CPU ones ship in the package. A user's
    // project denies that script as the README says (allowScripts, which npm 11.19 honours without a warning).
    const allowScripts = { 'onnxruntime-node': false, sharp: true, protobufjs: true };
    await writeFile(join(app, 'package.json'), `${JSON.stringify({ name: 'yolokit-packaging-check', private: true, version: '0.0.0', allowScripts }, null, 2)}\n`);
    await writeFile(join(app, '.npmrc'), 'fund=false\naudit=false\n');
    // The runtime is an optional peer of @yolokit/backend-onnx: a Node user names it (the CLI also depends on it).
    await succeed(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', ...packages.map((name) => packed.get(name)!.filename), 'onnxruntime-node@~1.30.0'], app);
  }, 900_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('each tarball holds its ESM, CJS and type builds and no sources; the bin keeps its shebang', async () => {
    // The three of the first release and the ones made public since, at least (a package made private by
    // mistake would silently drop out of every check here).
    expect(packages).toEqual(expect.arrayContaining(['backend-onnx', 'backend-tfjs', 'cli', 'concurrency', 'core', 'default-model', 'queue', 'serve', 'stream']));
    for (const name of packages) {
      const paths = packed.get(name)!.files.map((f) => f.path);
      expect(paths).toContain('package.json');
      expect(paths).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']));
      expect(paths.filter((p) => p.startsWith('src/'))).toEqual([]);
    }
    // bin/yolokit.js is the committed shim that package.json's "bin" names; it runs dist/bin.js.
    expect(packed.get('cli')!.files.map((f) => f.path)).toEqual(expect.arrayContaining(['bin/yolokit.js', 'dist/bin.js', 'README.md']));
    for (const file of ['bin/yolokit.js', 'dist/bin.js']) {
      const installedBin = await readFile(join(app, 'node_modules/@yolokit/cli', file), 'utf8');
      expect(installedBin.startsWith('#!/usr/bin/env node\n')).toBe(true);
    }
  });

  it('an ESM program predicts bus.jpg through the installed library: 4 persons and 1 bus above 0.4', async () => {
    await writeFile(
      join(app, 'predict.mjs'),
      [
        "import { createModel } from '@yolokit/core';",
        "import { onnx } from '@yolokit/backend-onnx';",
        'const [modelPath, imagePath] = process.argv.slice(2);',
        'const model = await createModel({ backend: onnx(), model: modelPath });',
        'const result = await model.predict(imagePath, { conf: 0.4 });',
        'const counts = {};',
        'for (const d of result.detections) counts[d.className] = (counts[d.className] ?? 0) + 1;',
        'await model.dispose();',
        "const resolved = [import.meta.resolve('@yolokit/core'), import.meta.resolve('@yolokit/backend-onnx')];",
        'console.log(JSON.stringify({ width: result.width, height: result.height, counts, resolved }));',
      ].join('\n'),
    );
    const { stdout } = await succeed(process.execPath, ['predict.mjs', model, bus], app);
    const output = JSON.parse(stdout);
    expect(output.counts).toEqual({ person: 4, bus: 1 });
    expect([output.width, output.height]).toEqual([810, 1080]);
    // Loaded from the install, not from the repository.
    for (const url of output.resolved) expect(url.startsWith(`file://${app}/node_modules/`)).toBe(true);
  });

  it('sharp is an optional peer of core: a browser app installs without it, the CLI brings its own', async () => {
    const core = JSON.parse(await readFile(join(app, 'node_modules/@yolokit/core/package.json'), 'utf8'));
    expect(core.dependencies?.sharp).toBeUndefined();
    expect([core.peerDependencies.sharp, core.peerDependenciesMeta.sharp]).toEqual(['^0.34.5', { optional: true }]);
    // The CLI decodes images in Node: `npm install @yolokit/cli` alone must work, so it depends on sharp itself.
    const cli = JSON.parse(await readFile(join(app, 'node_modules/@yolokit/cli/package.json'), 'utf8'));
    expect(cli.dependencies.sharp).toBe('^0.34.5');
    // A browser app, as the README installs it: core, backend-onnx and onnxruntime-web; no libvips downloaded.
    const browserApp = join(work, 'browser-app');
    await mkdir(browserApp);
    await writeFile(join(browserApp, 'package.json'), `${JSON.stringify({ name: 'yolokit-browser-app', private: true, version: '0.0.0' }, null, 2)}\n`);
    const tarballs = ['core', 'backend-onnx'].map((name) => packed.get(name)!.filename);
    await succeed(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs, 'onnxruntime-web@~1.30.0'], browserApp);
    expect(existsSync(join(browserApp, 'node_modules/@yolokit/core/package.json'))).toBe(true);
    expect(existsSync(join(browserApp, 'node_modules/onnxruntime-web/package.json'))).toBe(true);
    expect(existsSync(join(browserApp, 'node_modules/sharp'))).toBe(false);
    expect(existsSync(join(browserApp, 'node_modules/onnxruntime-node'))).toBe(false);
  }, 300_000);

  it('a CommonJS program can require the three packages', async () => {
    await writeFile(
      join(app, 'require.cjs'),
      [
        "const core = require('@yolokit/core');",
        "const backend = require('@yolokit/backend-onnx');",
        "const cli = require('@yolokit/cli');",
        'console.log(JSON.stringify([typeof core.createModel, typeof backend.onnx, typeof cli.runCli, typeof cli.runPredict]));',
      ].join('\n'),
    );
    const { stdout } = await succeed(process.execPath, ['require.cjs'], app);
    expect(JSON.parse(stdout)).toEqual(['function', 'function', 'function', 'function']);
  });

  it('the installed yolokit bin predicts bus.jpg and writes the JSON report', async () => {
    const yolokit = join(app, 'node_modules/.bin/yolokit');
    // Run directly, not through node: the shebang and the executable bit are part of what is tested.
    const { stdout } = await succeed(yolokit, ['predict', '--model', model, '--conf', '0.4', '--json', 'out.json', bus], app);
    expect(stdout).toMatch(/bus\.jpg 810x1080: 4 person, 1 bus/);
    const report = JSON.parse(await readFile(join(app, 'out.json'), 'utf8'));
    expect(report.version).toBe(1);
    const counts: Record<string, number> = {};
    for (const d of report.results[0].detections) counts[d.className] = (counts[d.className] ?? 0) + 1;
    expect(counts).toEqual({ person: 4, bus: 1 });
    const version = await succeed(yolokit, ['--version'], app);
    const { version: expected } = JSON.parse(await readFile(resolve(repoRoot, 'packages/cli/package.json'), 'utf8'));
    expect(version.stdout.trim()).toBe(expected);
  });

  it('every strategy runs from the installed packages and gives the detections of one in-process model', async () => {
    // The queue strategy needs a Redis: a redis-server of the test's own on 127.0.0.1 (CI installs it).
    const strategies = ['locked', 'threads', 'processes', 'auto', 'queue'];
    if (!redisServerBinary()) {
      if (process.env.CI === 'true' || process.env.CI === '1') throw new Error('redis-server is not installed: CI requires it for the queue strategy');
      console.warn('[yolokit tests] packaging: the queue strategy is left out: redis-server is not installed (apt-get install redis-server)');
      strategies.pop();
    }
    const redis: RedisServer | undefined = strategies.includes('queue') ? await startRedisServer() : undefined;
    // The default model ships in @yolokit/default-model and its scenes are generated: no fixture, a small model.
    await writeFile(
      join(app, 'strategies.mjs'),
      [
        "import { onnx } from '@yolokit/backend-onnx';",
        "import { onnxSpec } from '@yolokit/backend-onnx/spec';",
        "import { createPredictor } from '@yolokit/concurrency';",
        "import { createModel } from '@yolokit/core';",
        "import { defaultModelPath, generateScene } from '@yolokit/default-model';",
        'const scenes = [0, 1, 2, 3].map((seed) => generateScene(seed));',
        'const summary = (results) => results.map((r) => r.detections.map((d) => [d.classId, ...d.box.map((v) => Math.round(v * 100) / 100)]));',
        "const local = await createModel({ backend: onnx({ intraOpNumThreads: 1 }), model: defaultModelPath('onnx') });",
        'const reference = [];',
        'for (const scene of scenes) reference.push(await local.predict(scene));',
        'await local.dispose();',
        'const out = { reference: summary(reference), strategies: {} };',
        "const model = { backend: onnxSpec(), model: defaultModelPath('onnx') };",
        'const [redis, ...strategies] = process.argv.slice(2);',
        'for (const strategy of strategies) {',
        "  const extra = strategy === 'auto' ? { auto: { images: scenes.slice(0, 2), rounds: 1, requests: 4 } } : strategy === 'locked' ? {} : { workers: 2 };",
        // The queue: this process's own queue worker (2 instances) takes the jobs from Redis; images go by value.
        "  const transfer = strategy === 'queue' ? { queue: { name: 'packaging', redis } } : { transferImages: false };",
        '  const predictor = await createPredictor({ strategy, model, ...extra, ...transfer });',
        '  try {',
        '    out.strategies[strategy] = { detections: summary(await predictor.predictMany(scenes)), workers: predictor.stats().workers.length };',
        '  } finally {',
        '    await predictor.close();',
        '  }',
        '}',
        "out.resolved = ['@yolokit/concurrency', '@yolokit/default-model', '@yolokit/backend-onnx/spec', ...(strategies.includes('queue') ? ['@yolokit/queue'] : [])].map((name) => import.meta.resolve(name));",
        'console.log(JSON.stringify(out));',
      ].join('\n'),
    );
    let stdout: string;
    try {
      ({ stdout } = await succeed(process.execPath, ['strategies.mjs', redis?.url ?? '', ...strategies], app));
    } finally {
      await redis?.stop();
    }
    const output = JSON.parse(stdout) as { reference: unknown[][]; strategies: Record<string, { detections: unknown[][]; workers: number }>; resolved: string[] };
    expect(output.reference.flat().length).toBeGreaterThanOrEqual(8);
    expect(Object.keys(output.strategies)).toEqual(strategies);
    for (const [strategy, { detections }] of Object.entries(output.strategies)) expect(detections, strategy).toEqual(output.reference);
    expect(output.strategies.locked.workers).toBe(1);
    expect(output.strategies.threads.workers).toBe(2);
    expect(output.strategies.processes.workers).toBe(2);
    expect(output.resolved).toHaveLength(strategies.includes('queue') ? 4 : 3);
    for (const url of output.resolved) expect(url.startsWith(`file://${app}/node_modules/`)).toBe(true);
  }, 300_000);
});
