import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { AutoChoice, ModelSpec, Predictor } from '@yolokit/concurrency';
import { type Float32Tensor, InvalidOptionError, type ModelInfo, pixelsToTensor, type Result, SharpImageDecoder } from '@yolokit/core';
import { redactUrl } from '@yolokit/core/internal';
import { backendSpecOf } from '../backend-spec-of.js';
import { CliError } from '../cli-error.js';
import { expandSources } from '../expand-sources.js';
import { type BackendName, resolveModelPath } from '../image-predictor.js';
import type { CliIo } from '../run-predict.js';
import { BareRunPool } from './bare-run-pool.js';
import { type BenchInput, buildBenchJson, type MeasuredBareRun, type MeasuredConfiguration, type RoundRecord } from './bench-aggregate.js';
import type { BenchJson } from './bench-json.js';
import type { BenchOptions } from './bench-options.js';
import { type BenchSetup, type Parallelism, planSetups, setupLabel } from './bench-plan.js';
import { type BenchProgress, createBenchProgress } from './bench-progress.js';
import { renderMarkdown, renderText } from './bench-render.js';
import { driveLoad, EVENT_LOOP_RESOLUTION_MS, type LoadSample, type MeasureLimit, withSystemMetrics } from './measure.js';
import { benchRedisPlan, findRedisServer, type PrivateRedis, startPrivateRedis } from './private-redis.js';
import { machineInfo } from './process-metrics.js';
import { BENCH_QUEUE_PREFIX, importQueue, openQueueSetup, type QueueSetup, yolokitBin } from './queue-setup.js';

type Concurrency = typeof import('@yolokit/concurrency');

/** What the `queue` setups need: a Redis, the bin the workers run, a name for this run's queues. */
interface QueueContext {
  readonly redis: string;
  readonly bin: string;
  readonly runId: string;
}


/** How the thread-budget message names this command's settings. */
const BUDGET_FLAGS = { workers: '--workers', threadsPerWorker: '--threads-per-worker', override: '--allow-oversubscribe' } as const;

/** One thing opened per round: a baseline or a setup (measured at every concurrency). */
type Unit = { readonly kind: 'single' } | { readonly kind: 'bare'; readonly parallelism: Parallelism } | { readonly kind: 'setup'; readonly index: number; readonly setup: BenchSetup };

/**
 * `yolokit bench` as a function: measures every configuration and the baselines for `options.rounds` rounds
 * (the order rotated each round, so that a burst of load elsewhere does not always hit the same one), prints
 * the table, writes `--json`/`--markdown`, and returns the JSON document.
 *
 * Every setup is opened for its turn and closed after it (idle pools of other setups would hold memory and
 * runtime threads), warmed up with requests that are not counted, then measured at each concurrency.
 */
export async function runBench(options: BenchOptions, partialIo: Partial<CliIo> = {}): Promise<BenchJson> {
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), ...partialIo };
  const startedAt = performance.now();
  const createdAt = new Date().toISOString();
  const loadAtStart = loadavg()[0];

  const images = (await expandSources(options.images, io.cwd)).map((image) => resolve(io.cwd, image));
  const modelPath = resolveModelPath(options.model, io.cwd);
  const jsonFile = options.json === undefined || options.json === '-' ? undefined : resolve(io.cwd, options.json);
  const markdownFile = options.markdown === undefined ? undefined : resolve(io.cwd, options.markdown);
  for (const [file, flag] of [
    [jsonFile, '--json'],
    [markdownFile, '--markdown'],
  ] as const) {
    if (file) await mkdir(dirname(file), { recursive: true }).catch((error: unknown) => outputFailed(flag, file, error));
  }
  const concurrency = await importConcurrency();
  const cores = availableParallelism();
  const setups = planSetups(options, cores);
  // createPredictor's bound on runtime threads, for every setup (queue worker processes on this machine count
  // together) before anything runs, named by this command's flags; the setups are then opened with the check off.
  if (!options.allowOversubscribe) {
    for (const setup of setups) {
      if (setup.strategy !== 'auto') concurrency.checkThreadBudget(setup.workers, setup.threadsPerWorker, cores, BUDGET_FLAGS);
    }
  }
  const spec: ModelSpec = { backend: backendSpecOf(options.backend), model: modelPath };
  // Checked before anything is loaded: the queue's module (createPredictor loads it), its Redis and the bin its workers run.
  if (options.strategies.includes('queue')) await importQueue();
  const queuePlan = options.strategies.includes('queue')
    ? { bin: yolokitBin(), redis: benchRedisPlan(options.redis, options.redis === undefined ? findRedisServer() : undefined) }
    : undefined;
  const { info, tensor } = await probe(concurrency, spec, images[0]);

  const parallelisms = uniqueParallelisms([
    { workers: 1, threadsPerWorker: 1 },
    ...setups.filter((s) => s.strategy !== 'auto'),
    ...(setups.some((s) => s.strategy === 'auto') ? concurrency.autoCandidates(cores) : []),
  ]);
  const units: Unit[] = [
    { kind: 'single' },
    ...parallelisms.map((parallelism): Unit => ({ kind: 'bare', parallelism })),
    ...setups.map((setup, index): Unit => ({ kind: 'setup', index, setup })),
  ];
  const perRound = units.reduce((n, unit) => n + (unit.kind === 'setup' ? options.concurrency.length : 1), 0);
  const limit: MeasureLimit = options.requests !== undefined ? { requests: options.requests } : { durationMs: options.durationMs };
  const human = options.json === '-' ? io.stderr : io.stdout;
  if (options.progress) {
    const each = options.requests !== undefined ? `${options.requests} requests` : `${(options.durationMs ?? 0) / 1000} s`;
    io.stderr.write(`bench: ${perRound * options.rounds} measurements (${perRound} per round × ${options.rounds} rounds) of ${each} each, on ${images.length} images, ${cores} cores\n`);
  }
  const progress = await createBenchProgress(io.stderr, perRound * options.rounds, options.progress);
  let privateRedis: PrivateRedis | undefined;
  let queue: QueueContext | undefined;

  const single: RoundRecord[] = [];
  const bare = new Map<string, RoundRecord[]>(parallelisms.map((p) => [keyOf(p), []]));
  const measured = new Map<string, RoundRecord[]>();
  const chosen = new Map<number, Array<{ choice: AutoChoice; sweepMs: number }>>();
  const warmupOf = (workers: number): number => options.warmup ?? 2 * Math.max(1, workers);
  const roundLabel = (round: number): string => `round ${round + 1}/${options.rounds}`;
  const report = (label: string, record: RoundRecord, unit = 'images/s'): void => {
    const throughput = (record.completed * 1000) / record.wallMs;
    progress.measured(`${label}: ${throughput.toFixed(2)} ${unit}, event loop p99 ${record.system.eventLoopDelayP99Ms.toFixed(1)} ms`);
  };

  try {
    if (queuePlan) {
      let redis: string;
      if (queuePlan.redis.kind === 'private') {
        privateRedis = await startPrivateRedis(queuePlan.redis.binary);
        redis = privateRedis.url;
        progress.note(`queue: a private redis-server on ${redis} (pid ${privateRedis.pid}), stopped at the end`);
      } else {
        redis = queuePlan.redis.url;
      }
      queue = { redis, bin: queuePlan.bin, runId: `${process.pid}-${Date.now().toString(36)}` };
      // Fail before measuring anything when Redis cannot be reached (QueueConnectionError, BACKEND_UNAVAILABLE).
      await (await concurrency.createPredictor({ strategy: 'queue', queue: { name: `yolokit-bench-${queue.runId}-check`, redis, prefix: BENCH_QUEUE_PREFIX } })).close();
    }
    for (let round = 0; round < options.rounds; round++) {
      for (let i = 0; i < units.length; i++) {
        const unit = units[(i + round) % units.length];
        if (unit.kind === 'single') {
          const label = `${roundLabel(round)} single instance 1×1, 1 in flight`;
          progress.measuring(label);
          const record = await measureSingle(concurrency, spec, images, warmupOf(1), limit, round, progress);
          single.push(record);
          report(label, record);
        } else if (unit.kind === 'bare') {
          const label = `${roundLabel(round)} bare session.run ${keyOf(unit.parallelism).replace('x', '×')}`;
          progress.measuring(label);
          const record = await measureBare(concurrency, spec, unit.parallelism, tensor, warmupOf(unit.parallelism.workers), limit, round);
          bare.get(keyOf(unit.parallelism))!.push(record);
          report(label, record, 'runs/s');
        } else {
          await measureSetup({
            concurrency,
            spec,
            setup: unit.setup,
            queue: queue && { ...queue, name: `${queue.runId}-r${round + 1}-s${unit.index + 1}`, backend: options.backend, model: modelPath },
            images,
            levels: rotate(options.concurrency, round),
            warmupOf,
            limit,
            round,
            rounds: options.rounds,
            progress,
            onChoice: (choice, sweepMs) => {
              const list = chosen.get(unit.index) ?? [];
              list.push({ choice, sweepMs });
              chosen.set(unit.index, list);
              progress.note(`${roundLabel(round)} auto chose ${choice.strategy} ${choice.workers}×${choice.threadsPerWorker} in ${(sweepMs / 1000).toFixed(1)} s (${choice.measurements.map((m) => `${m.strategy} ${m.workers}×${m.threadsPerWorker} ${m.throughput.toFixed(2)}/s`).join(', ')})`);
            },
            onRecord: (setup, level, record) => {
              const key = `${unit.index}@${level}`;
              measured.set(key, [...(measured.get(key) ?? []), record]);
              report(`${roundLabel(round)} ${setupLabel(setup)}, ${level} in flight`, record);
            },
          });
        }
      }
    }
  } finally {
    progress.stop();
    await privateRedis?.stop();
  }

  const configurations: MeasuredConfiguration[] = [];
  setups.forEach((setup, index) => {
    const choices = chosen.get(index) ?? [];
    const picks = choices.map(({ choice }) => ({ strategy: choice.strategy, workers: choice.workers, threadsPerWorker: choice.threadsPerWorker }));
    const resolved = setup.strategy === 'auto' ? mostFrequent(picks) : setup;
    for (const level of options.concurrency) {
      const records = measured.get(`${index}@${level}`) ?? [];
      if (records.length === 0) continue;
      configurations.push({
        strategy: setup.strategy,
        concurrency: level,
        workers: resolved.workers,
        threadsPerWorker: resolved.threadsPerWorker,
        records,
        ...(setup.strategy === 'auto'
          ? {
              auto: {
                strategy: resolved.strategy,
                choices: picks,
                sweepMs: choices.map(({ sweepMs }) => Math.round(sweepMs)),
              },
            }
          : {}),
      });
    }
  });
  const bareRuns: MeasuredBareRun[] = parallelisms.map((p) => ({ ...p, records: bare.get(keyOf(p))! }));
  const input: BenchInput = {
    createdAt,
    command: commandOf(options),
    model: { path: options.model, backend: options.backend, runtime: info.runtime, inputSize: [...info.imgsz], task: info.task ?? null },
    images: { count: images.length, sources: [...options.images] },
    settings: {
      strategies: [...options.strategies],
      concurrency: [...options.concurrency],
      sweep: options.sweep,
      rounds: options.rounds,
      requests: options.requests ?? null,
      durationMs: options.durationMs ?? null,
      warmup: options.warmup ?? null,
      eventLoopResolutionMs: EVENT_LOOP_RESOLUTION_MS,
      ...(queuePlan ? { redis: queuePlan.redis.kind === 'private' ? 'private' : redactUrl(queuePlan.redis.url) } : {}),
    },
    machine: machineInfo(await runtimeVersions(info, queuePlan ? ['@yolokit/queue'] : [])),
    environment: { loadAverage: { start: loadAtStart, end: loadavg()[0] }, wallSeconds: Math.round((performance.now() - startedAt) / 100) / 10 },
    cores,
    singleThread: { strategy: 'single', concurrency: 1, workers: 1, threadsPerWorker: 1, records: single },
    bareRuns,
    configurations,
  };
  const json = buildBenchJson(input);

  human.write(renderText(json));
  if (options.json === '-') io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  else if (jsonFile) {
    await writeFile(jsonFile, `${JSON.stringify(json, null, 2)}\n`).catch((error: unknown) => outputFailed('--json', jsonFile, error));
    human.write(`results written to ${options.json}\n`);
  }
  if (markdownFile) {
    await writeFile(markdownFile, renderMarkdown(json)).catch((error: unknown) => outputFailed('--markdown', markdownFile, error));
    human.write(`table written to ${options.markdown}\n`);
  }
  return json;
}

async function importConcurrency(): Promise<Concurrency> {
  try {
    return await import('@yolokit/concurrency');
  } catch (error) {
    throw new InvalidOptionError('--strategies', `yolokit bench needs @yolokit/concurrency: npm install @yolokit/concurrency (${(error as Error).message})`);
  }
}

/** Loads the model once: its facts for the report, and the letterboxed tensor of the first image for the bare run. */
async function probe(concurrency: Concurrency, spec: ModelSpec, image: string): Promise<{ info: ModelInfo; tensor: Float32Tensor }> {
  const model = await concurrency.loadModelFromSpec(concurrency.withThreads(spec, 1));
  try {
    const [height, width] = model.info.imgsz;
    const { pixels } = await new SharpImageDecoder().letterbox(image, { width, height });
    return { info: model.info, tensor: pixelsToTensor(pixels, width, height, model.info.layout) };
  } finally {
    await model.dispose();
  }
}

/** One instance with one intra-op thread in this thread, one request at a time: the scaling baseline. */
async function measureSingle(
  concurrency: Concurrency,
  spec: ModelSpec,
  images: readonly string[],
  warmup: number,
  limit: MeasureLimit,
  round: number,
  progress: BenchProgress,
): Promise<RoundRecord> {
  const model = await concurrency.loadModelFromSpec(concurrency.withThreads(spec, 1));
  try {
    const predict = (image: string) => model.predict(image);
    if (warmup > 0) await driveLoad(predict, images, 1, { requests: warmup });
    const { value, system } = await withSystemMetrics([], () => driveLoad(predict, images, 1, limit, (n) => progress.request(n)));
    return recordOf(round, value, system);
  } finally {
    await model.dispose();
  }
}

/** The bare `session.run` baseline at one parallelism. */
async function measureBare(
  concurrency: Concurrency,
  spec: ModelSpec,
  parallelism: Parallelism,
  tensor: Float32Tensor,
  warmup: number,
  limit: MeasureLimit,
  round: number,
): Promise<RoundRecord> {
  const pool = await BareRunPool.open({ spec: concurrency.withThreads(spec, parallelism.threadsPerWorker), workers: parallelism.workers, tensor });
  try {
    if (warmup > 0) await pool.run({ requests: warmup });
    const { value, system } = await withSystemMetrics([], () => pool.run(limit));
    return { round, completed: value.completed, wallMs: value.wallMs, latencies: value.latencies, system };
  } finally {
    await pool.close();
  }
}

/** Opens one setup, warms it up, measures it at every concurrency level, closes it. */
async function measureSetup(config: {
  concurrency: Concurrency;
  spec: ModelSpec;
  setup: BenchSetup;
  /** For `queue`: where and under which name its workers serve. */
  queue: (QueueContext & { name: string; backend: BackendName; model: string }) | undefined;
  images: readonly string[];
  levels: readonly number[];
  warmupOf: (workers: number) => number;
  limit: MeasureLimit;
  round: number;
  rounds: number;
  progress: BenchProgress;
  onChoice: (choice: AutoChoice, sweepMs: number) => void;
  onRecord: (setup: BenchSetup, level: number, record: RoundRecord) => void;
}): Promise<void> {
  const { concurrency, spec, images, round, progress } = config;
  let setup = config.setup;
  // Every setup is a Predictor; the queue's also has the `yolokit worker` processes it starts and stops.
  let predictor: Predictor;
  let queueSetup: QueueSetup | undefined;
  if (setup.strategy === 'queue') {
    if (!config.queue) throw new Error('strategy queue without its Redis');
    queueSetup = await openQueueSetup({
      createPredictor: concurrency.createPredictor,
      redis: config.queue.redis,
      queue: `yolokit-bench-${config.queue.name}`,
      workers: setup.workers,
      threadsPerWorker: setup.threadsPerWorker,
      allowRoots: [...new Set(images.map((image) => dirname(image)))],
      model: config.queue.model,
      backend: config.queue.backend,
      bin: config.queue.bin,
    });
    const queue = queueSetup;
    progress.note(`round ${round + 1}/${config.rounds} ${setupLabel(setup)}: ${queue.workerPids.length} yolokit worker process${queue.workerPids.length === 1 ? '' : 'es'} ready on queue ${queue.queue} (pids ${queue.workerPids.join(', ')})`);
    predictor = queue.predictor;
  } else {
    if (setup.strategy === 'auto') {
      let choice: AutoChoice | undefined;
      const t0 = performance.now();
      predictor = await concurrency.createPredictor({
        strategy: 'auto',
        model: spec,
        maxQueue: Number.POSITIVE_INFINITY,
        auto: { images, onChoice: (c) => (choice = c) },
      });
      if (!choice) throw new Error('strategy auto reported no choice');
      config.onChoice(choice, performance.now() - t0);
      setup = { strategy: 'auto', workers: choice.workers, threadsPerWorker: choice.threadsPerWorker };
    } else {
      predictor = await concurrency.createPredictor({
        strategy: setup.strategy,
        model: spec,
        maxQueue: Number.POSITIVE_INFINITY,
        ...(setup.strategy === 'locked' ? {} : { workers: setup.workers }),
        threadsPerWorker: setup.threadsPerWorker,
        // Checked when the run started, against --allow-oversubscribe.
        allowOversubscribe: true,
      });
    }
  }
  const predict = (image: string): Promise<Result> => predictor.predict(image);
  const pids = (): number[] =>
    queueSetup?.pids() ??
    predictor
      .stats()
      .workers.filter((worker) => worker.kind === 'process')
      .map((worker) => worker.id);
  try {
    const warmup = config.warmupOf(setup.workers);
    if (warmup > 0) await driveLoad(predict, images, Math.max(1, setup.workers), { requests: warmup });
    for (const level of config.levels) {
      progress.measuring(`round ${round + 1}/${config.rounds} ${setupLabel(setup)}, ${level} in flight`);
      const { value, system } = await withSystemMetrics(pids(), () => driveLoad(predict, images, level, config.limit, (n) => progress.request(n)));
      config.onRecord(setup, level, recordOf(round, value, system));
    }
  } finally {
    await (queueSetup ?? predictor).close();
  }
}

function recordOf(round: number, load: LoadSample, system: RoundRecord['system']): RoundRecord {
  return { round, completed: load.completed, wallMs: load.wallMs, latencies: load.latencies, compute: load.compute, system };
}

function keyOf(p: Parallelism): string {
  return `${p.workers}x${p.threadsPerWorker}`;
}

function uniqueParallelisms(list: readonly Parallelism[]): Parallelism[] {
  const seen = new Map<string, Parallelism>();
  for (const p of list) if (!seen.has(keyOf(p))) seen.set(keyOf(p), { workers: p.workers, threadsPerWorker: p.threadsPerWorker });
  return [...seen.values()];
}

function rotate<T>(list: readonly T[], by: number): T[] {
  return list.map((_, i) => list[(i + by) % list.length]);
}

/** The most frequent choice of auto (the first seen among equals). */
function mostFrequent(list: ReadonlyArray<Parallelism & { strategy: string }>): Parallelism & { strategy: string } {
  const counts = new Map<string, { p: Parallelism & { strategy: string }; n: number }>();
  for (const p of list) {
    const key = `${p.strategy} ${keyOf(p)}`;
    const entry = counts.get(key) ?? { p, n: 0 };
    entry.n += 1;
    counts.set(key, entry);
  }
  let best: { p: Parallelism & { strategy: string }; n: number } | undefined;
  for (const entry of counts.values()) if (!best || entry.n > best.n) best = entry;
  return best?.p ?? { strategy: 'auto', workers: 0, threadsPerWorker: 0 };
}

/** The command line that reproduces this run (flags normalised). */
function commandOf(options: BenchOptions): string {
  const parts = [
    'yolokit bench',
    `--model ${options.model}`,
    `--backend ${options.backend}`,
    `--images ${options.images.join(' ')}`,
    `--strategies ${options.strategies.join(',')}`,
    `--concurrency ${options.concurrency.join(',')}`,
    ...(options.workers !== undefined ? [`--workers ${options.workers.join(',')}`] : []),
    ...(options.threadsPerWorker !== undefined ? [`--threads-per-worker ${options.threadsPerWorker}`] : []),
    options.requests !== undefined ? `--requests ${options.requests}` : `--duration ${(options.durationMs ?? 0) / 1000}s`,
    `--rounds ${options.rounds}`,
    ...(options.warmup !== undefined ? [`--warmup ${options.warmup}`] : []),
    ...(options.sweep ? ['--sweep'] : []),
    ...(options.redis !== undefined ? [`--redis ${redactUrl(options.redis)}`] : []),
  ];
  return parts.join(' ');
}

async function runtimeVersions(info: ModelInfo, more: readonly string[]): Promise<Record<string, string>> {
  const versions: Record<string, string> = { model: info.runtime };
  try {
    const sharp = ((await import('sharp')) as { default: { versions: Record<string, string | undefined> } }).default;
    if (sharp.versions.sharp) versions.sharp = sharp.versions.sharp;
    if (sharp.versions.vips) versions.libvips = sharp.versions.vips;
  } catch {
    // sharp is a dependency; without it predictions would have failed already.
  }
  const require = createRequire(import.meta.url);
  for (const name of ['@yolokit/cli', '@yolokit/core', '@yolokit/concurrency', ...more]) {
    try {
      versions[name] = (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
    } catch {
      // Not resolvable from here: left out.
    }
  }
  return versions;
}

function outputFailed(flag: string, file: string, error: unknown): never {
  throw new CliError('OUTPUT_FAILED', `cannot write ${flag} ${file}: ${(error as Error).message}`, { cause: error });
}
