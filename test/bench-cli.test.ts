/**
 * `yolokit bench` end to end, as users run it (the built bin, a real model): the configurations it measures,
 * the baselines, progress on stderr, the table, and a JSON file of the documented schema that the docs site
 * reads. Kept short (few requests, one round); it asserts shapes and sane values, never timings.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { autoCandidates } from '@yolokit/concurrency';
import { defaultModelPath } from '@yolokit/default-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchReport } from '../apps/docs/src/bench/bench-report.js';
import type { BenchJson } from '../packages/cli/src/bench/bench-json.js';
import { describeWithFixtures, fixturePath, repoRoot } from './support/fixtures.js';

const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');
const MODEL = 'models/yolov8n_int8.onnx';
const IMAGES = 'images';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function yolokit(args: readonly string[], cwd: string): Promise<Run> {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (npx tsup in packages/cli)`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'yolokit-bench-test-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('yolokit bench: the command line', () => {
  it('is listed in --help, with its flags', async () => {
    const top = await yolokit(['--help'], work);
    expect(top.stdout).toMatch(/^\s+bench\b/m);
    const help = await yolokit(['bench', '--help'], work);
    expect(help.code).toBe(0);
    for (const flag of ['--model', '--backend', '--images', '--strategies', '--concurrency', '--workers', '--threads-per-worker', '--duration', '--requests', '--sweep', '--json', '--markdown', '--rounds']) {
      expect(help.stdout).toContain(flag);
    }
  });

  it('refuses wrong flags before loading anything: exit 2 and the flag named', async () => {
    const noModel = await yolokit(['bench', '--images', 'x.jpg'], work);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toContain('error INVALID_OPTION: yolokit bench needs a model: --model <file.onnx>');
    const both = await yolokit(['bench', '--model', 'm.onnx', '--images', 'x.jpg', '--duration', '5s', '--requests', '3'], work);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--duration and --requests exclude each other');
    const strategy = await yolokit(['bench', '--model', 'm.onnx', '--images', 'x.jpg', '--strategies', 'threads,fast'], work);
    expect(strategy.code).toBe(2);
    expect(strategy.stderr).toContain('--strategies must list names from locked, threads, processes, auto, queue, got "fast"');
  });

  it('refuses more than 4 runtime threads per core before measuring anything, unless --allow-oversubscribe (issue 15)', async () => {
    await writeFile(join(work, 'x.png'), 'not read: the run stops before');
    const cores = availableParallelism();
    const workers = String(4 * cores + 1);
    const run = await yolokit(['bench', '--model', defaultModelPath(), '--images', 'x.png', '--strategies', 'threads', '--workers', workers, '--threads-per-worker', '1'], work);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error INVALID_OPTION: --workers × --threads-per-worker = ${workers} × 1 = ${workers} runtime threads, more than 4 per core (${4 * cores} on this machine's ${cores} core${cores === 1 ? '' : 's'}); lower them (one thread per core is fastest), or give --allow-oversubscribe to run that many anyway`,
    );
    expect(run.stderr).not.toContain('bench [');
  });
});

describeWithFixtures('yolokit bench: a short real run', [MODEL, IMAGES], () => {
  let run: Run;
  let json: BenchJson;
  let markdown: string;
  const cores = availableParallelism();
  const concurrency = [1, 2];

  beforeAll(async () => {
    run = await yolokit(
      [
        'bench',
        '--model', fixturePath(MODEL),
        '--images', fixturePath(IMAGES),
        '--strategies', 'locked,threads,processes,auto',
        '--concurrency', concurrency.join(','),
        '--sweep',
        '--requests', '3',
        '--rounds', '1',
        '--warmup', '1',
        '--json', 'out/bench.json',
        '--markdown', 'out/bench.md',
      ],
      work,
    );
    if (run.code !== 0) throw new Error(`yolokit bench failed (${run.code}):\n${run.stderr}`);
    json = JSON.parse(await readFile(join(work, 'out/bench.json'), 'utf8'));
    markdown = await readFile(join(work, 'out/bench.md'), 'utf8');
  }, 300_000);

  it('writes the versioned schema with the machine it ran on', () => {
    expect(json.schema).toBe('yolokit.bench');
    expect(json.version).toBe(1);
    expect(Date.parse(json.createdAt)).not.toBeNaN();
    expect(json.machine.cpu).toMatchObject({ model: cpus()[0].model.trim(), cores: cpus().length, availableParallelism: cores });
    expect(json.machine.memoryBytes).toBe(totalmem());
    expect(json.machine.os.platform).toBe(process.platform);
    expect(json.machine.node).toBe(process.version);
    expect(json.machine.runtimes.model).toMatch(/^onnxruntime-node \d/);
    expect(json.machine.runtimes.libvips).toMatch(/^\d/);
    expect(json.model).toMatchObject({ backend: 'onnx', inputSize: [640, 640] });
    expect(json.images.count).toBe(2);
    expect(json.settings).toMatchObject({ requests: 3, durationMs: null, rounds: 1, sweep: true, concurrency });
  });

  it('measures every strategy × split that fits the cores × concurrency, and auto once per concurrency', () => {
    const expected = new Set<string>();
    for (const c of concurrency) {
      for (let t = 1; t <= cores; t++) expected.add(`locked 1×${t} @${c}`);
      for (const strategy of ['threads', 'processes']) {
        for (let w = 1; w <= cores; w++) for (let t = 1; w * t <= cores; t++) expected.add(`${strategy} ${w}×${t} @${c}`);
      }
    }
    const { configurations } = json;
    const named = configurations.filter((c) => c.strategy !== 'auto').map((c) => `${c.strategy} ${c.workers}×${c.threadsPerWorker} @${c.concurrency}`);
    expect(new Set(named)).toEqual(expected);
    expect(named).toHaveLength(expected.size);
    const autos = configurations.filter((c) => c.strategy === 'auto');
    expect(autos.map((c) => c.concurrency).sort()).toEqual(concurrency);
    expect(autos[0].auto?.choices).toHaveLength(1);
  });

  it('auto runs a configuration of its sweep', () => {
    const candidates = autoCandidates(cores).map((c) => `${c.workers}×${c.threadsPerWorker}`);
    for (const c of json.configurations.filter((c) => c.strategy === 'auto')) {
      expect(candidates).toContain(`${c.workers}×${c.threadsPerWorker}`);
      expect(['threads', 'processes']).toContain(c.auto?.strategy);
      expect(c.auto?.choices).toEqual([{ strategy: c.auto?.strategy, workers: c.workers, threadsPerWorker: c.threadsPerWorker }]);
      expect(c.auto?.sweepMs[0]).toBeGreaterThan(0);
    }
    const auto = json.summary.auto;
    expect(auto).toBeDefined();
    expect(candidates).toContain(`${auto?.workers}×${auto?.threadsPerWorker}`);
    expect(auto?.ratioToBest).toBeGreaterThan(0);
  });

  it('reports sane values per configuration, best first', () => {
    const { configurations } = json;
    configurations.forEach((c, index) => {
      expect(c.rank).toBe(index + 1);
      if (index > 0) expect(c.throughput).toBeLessThanOrEqual(configurations[index - 1].throughput);
      expect(c.throughput).toBeGreaterThan(0);
      expect(c.requests).toBe(3);
      expect(c.throughputRounds).toHaveLength(1);
      const { p50, p90, p95, p99 } = c.latencyMs;
      expect(p50).toBeGreaterThan(0);
      expect(p50 <= p90 && p90 <= p95 && p95 <= p99).toBe(true);
      // The model's stages add up, and a request never takes less than its compute.
      expect(c.computeMs.inference).toBeGreaterThan(0);
      expect(c.computeMs.total).toBeCloseTo(c.computeMs.preprocess + c.computeMs.inference + c.computeMs.postprocess, 2);
      expect(c.waitMs.p50).toBeGreaterThanOrEqual(0);
      expect(c.eventLoopDelayP99Ms).toBeGreaterThanOrEqual(0);
      expect(c.peakRssBytes).toBeGreaterThan(50 * 2 ** 20);
      expect(c.peakRssBytes).toBeLessThan(totalmem());
      expect(c.cpu.busyCores).toBeGreaterThan(0);
      expect(c.cpu.msPerImage).toBeGreaterThan(0);
      expect(c.ratios.singleThread).toBeCloseTo(c.throughput / json.baselines.singleThread.throughput, 2);
      expect(c.ratios.bareRun).toBeGreaterThan(0);
    });
    // Child processes count in the peak: a process pool holds the bench's own process and each worker.
    const processes = configurations.filter((c) => c.strategy === 'processes');
    for (const c of processes) expect(c.peakRssBytes).toBeGreaterThan((1 + c.workers) * 50 * 2 ** 20);
  });

  it('measures both baselines: bare session.run at every parallelism used, one single-threaded instance', () => {
    const bare = json.baselines.bareRunByParallelism.map((b) => `${b.workers}×${b.threadsPerWorker}`);
    const used = new Set(json.configurations.map((c) => `${c.workers}×${c.threadsPerWorker}`));
    for (const p of used) expect(bare).toContain(p);
    expect(bare).toContain('1×1');
    for (const b of json.baselines.bareRunByParallelism) expect(b.throughput).toBeGreaterThan(0);
    expect(json.baselines.bareRun.throughput).toBeGreaterThan(0);
    expect(`${json.baselines.bareRun.workers}×${json.baselines.bareRun.threadsPerWorker}`).toBe(`${json.summary.best.workers}×${json.summary.best.threadsPerWorker}`);
    expect(json.baselines.singleThread).toMatchObject({ workers: 1, threadsPerWorker: 1, concurrency: 1 });
    expect(json.baselines.singleThread.throughput).toBeGreaterThan(0);
    expect(json.summary.sdkOverhead.ratio).toBeGreaterThan(0);
    expect(json.summary.scaling.ratio).toBeGreaterThan(0);
    expect(Object.keys(json.summary.eventLoopDelayP99MsAtFullLoad).sort()).toEqual(['auto', 'locked', 'processes', 'threads']);
  });

  it('reports progress on stderr, one line per measurement, and prints the table on stdout', () => {
    const total = Number(/bench: (\d+) measurements/.exec(run.stderr)?.[1]);
    // locked 1×1..1×cores, threads and processes every split, auto.
    const setups = cores + 2 * sweepCount(cores) + 1;
    expect(total).toBe(setups * concurrency.length + 1 + json.baselines.bareRunByParallelism.length);
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('bench ['));
    expect(lines).toHaveLength(total);
    expect(lines.at(-1)).toContain(`[${total}/${total}]`);
    expect(run.stderr).toMatch(/bench round 1\/1 auto chose (threads|processes) \d+×\d+/);
    expect(run.stdout).toContain('best: ');
    expect(run.stdout).toContain('× a bare session.run');
    expect(run.stdout).toContain('event-loop delay p99 at full load');
    expect(markdown).toContain('| # | setup | in flight | images/s |');
    for (const c of json.configurations) expect(markdown).toContain(`${c.strategy} ${c.workers}×${c.threadsPerWorker}`);
  });

  it('is read by the docs site as it is', () => {
    const report = parseBenchReport(json, 'bench.json');
    expect(report.configurations).toHaveLength(json.configurations.length);
    expect(report.baselines.bareRun).toBe(json.baselines.bareRun.throughput);
    expect(report.baselines.singleThread).toBe(json.baselines.singleThread.throughput);
    expect(report.machine['cpu.model']).toBe(json.machine.cpu.model);
  });
});

/** Splits of `cores` into workers × threads with a product of at most `cores`. */
function sweepCount(cores: number): number {
  let n = 0;
  for (let w = 1; w <= cores; w++) n += Math.floor(cores / w);
  return n;
}
