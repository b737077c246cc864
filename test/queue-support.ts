/**
 * Helpers of the queue tests (test/queue-*.test.ts): a private redis-server, started on a free loopback port
 * with persistence off and stopped (or restarted) by the test that owns it, never a shared instance; where
 * redis-server is not installed the queue tests are skipped with a message, except under CI (`CI=true`), where
 * that is a failure. And `yolokit worker` processes from the built CLI, reference results, an image server.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadModelFromSpec, type ModelSpec } from '@yolokit/concurrency';
import type { BackendSpec, ImageInput, PredictOptions, RawImage, Result } from '@yolokit/core';
import type { QueuePredictor } from '@yolokit/queue';
import { defaultModelPath, generateScene } from '@yolokit/default-model';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { describe, it } from 'vitest';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

/** The result comparison of every equivalence test, re-exported for the queue tests. */
export { differences } from './support/result-differences.js';

const isCI = process.env.CI === 'true' || process.env.CI === '1';

/** The path of redis-server, or undefined. */
export function redisServerBinary(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `describe` for tests that need redis-server: skipped with a message without it, a failure under CI. */
export function describeWithRedis(name: string, body: () => void): void {
  if (redisServerBinary()) {
    describe(name, body);
    return;
  }
  const message = 'redis-server is not installed (apt-get install redis-server; CI installs it through .ci/apt-deps.sh)';
  if (isCI) {
    describe(name, () => {
      it('has redis-server', () => {
        throw new Error(`${message}: CI requires it`);
      });
    });
  } else {
    console.warn(`[yolokit tests] skipping "${name}": ${message}`);
    describe.skip(`${name} (skipped: ${message})`, body);
  }
}

/** Kills `child` if this process exits first (a test run that is interrupted), so no server or worker outlives it. */
function killOnExit(child: ChildProcess): void {
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** The running server's pid (changes on restart). */
  readonly pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). Idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (nothing persisted). */
  start(): Promise<void>;
}

/** Starts `redis-server --port <free port> --bind 127.0.0.1 --save '' --appendonly no`, then `extraArgs`. */
export async function startRedisServer(extraArgs: readonly string[] = []): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port} within 10 s:\n${output}`)), 10_000);
      proc.stdout!.on('data', (chunk: Buffer) => {
        output += chunk;
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}) on port ${port}:\n${output}`));
      });
    });
    proc.stdout!.resume();
    proc.stderr!.resume();
    killOnExit(proc);
    child = proc;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid ?? 0;
    },
    async stop() {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
    start,
  };
}

/** The built CLI (turbo builds it before the tests). */
export const cliBin = new URL('../packages/cli/dist/bin.js', import.meta.url).pathname;

export interface WorkerProcess {
  readonly pid: number;
  /** The name it printed on its ready line. */
  readonly name: string;
  readonly output: { stdout: string; stderr: string };
  /** Resolves when it has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `yolokit worker ...args` and resolves once it printed its ready line (rejects if it exits first). */
export async function spawnWorker(args: readonly string[], timeoutMs = 60_000): Promise<WorkerProcess> {
  const proc = spawn(process.execPath, [cliBin, 'worker', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(proc);
  const output = { stdout: '', stderr: '' };
  proc.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk));
  proc.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const name = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`yolokit worker not ready within ${timeoutMs} ms:\n${output.stdout}\n${output.stderr}`)), timeoutMs);
    const onData = (): void => {
      const match = /^worker (\S+) ready:/m.exec(output.stdout);
      if (match) {
        clearTimeout(timer);
        proc.stdout!.off('data', onData);
        resolve(match[1]);
      }
    };
    proc.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`yolokit worker exited (${code ?? signal}) before it was ready:\n${output.stdout}\n${output.stderr}`));
    });
  });
  return { pid: proc.pid!, name, output, exited, kill: (signal) => proc.kill(signal) };
}

/**
 * What the 500-prediction queue tests run: a redis-server of their own, two `yolokit worker` processes on one
 * queue (one process of one thread each, two jobs at once, plus the test's own flags), and the producer the test
 * makes. `stop()`, for `afterAll`, leaves nothing running, whatever the test got to.
 */
export class QueueRig {
  redis: RedisServer | undefined;
  readonly workers: WorkerProcess[] = [];
  /** The producer, once the test makes one; aborted by `stop()` unless the test closed it and cleared this. */
  predictor: QueuePredictor | undefined;

  /** Starts the redis-server and the two workers of `queue`, which serve `model` with `extraFlags`. */
  async start(queue: string, model: string, extraFlags: readonly string[] = []): Promise<{ redis: RedisServer; workers: WorkerProcess[] }> {
    const redis = await startRedisServer();
    this.redis = redis;
    const args = ['--queue', queue, '--redis', redis.url, '--model', model, '--workers', '1', '--threads-per-worker', '1', '--concurrency', '2', ...extraFlags];
    const started = await Promise.allSettled([spawnWorker(args), spawnWorker(args)]);
    for (const worker of started) if (worker.status === 'fulfilled') this.workers.push(worker.value);
    const failed = started.find((worker) => worker.status === 'rejected');
    if (failed) throw failed.reason;
    return { redis, workers: this.workers };
  }

  async stop(): Promise<void> {
    await this.predictor?.close({ abort: true });
    for (const worker of this.workers) worker.kill('SIGKILL');
    await Promise.all(this.workers.map((worker) => worker.exited));
    await this.redis?.stop();
  }
}

/** Waits until `condition()` holds, polling every 20 ms; throws after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Prediction options of the evidence tests: each task carries one of these. */
export const VARIANTS: readonly PredictOptions[] = [{}, { conf: 0.5 }, { conf: 0.3, classes: [0, 2, 56], agnostic: true, maxDet: 10 }];

/** Task `i` of an evidence run over `images`: which image, which options, and in which form it travels. */
export function evidenceTask(i: number, images: readonly string[]): { imageIndex: number; variant: number; input: ImageInput; form: 'path' | 'file-url' | 'bytes' } {
  const imageIndex = (i * 7) % images.length;
  const variant = i % VARIANTS.length;
  const path = images[imageIndex];
  const form = (['path', 'file-url', 'bytes'] as const)[Math.floor(i / VARIANTS.length) % 3];
  const input = form === 'path' ? path : form === 'file-url' ? pathToFileURL(path) : new Uint8Array(readFileSync(path));
  return { imageIndex, variant, input, form };
}

/** One instance, one intra-op thread, one call at a time: `reference[image][variant]`, the ground truth. */
export async function sequentialReference(model: string, images: readonly string[]): Promise<Result[][]> {
  const instance = await loadModelFromSpec({ backend: onnxSpec({ intraOpNumThreads: 1 }), model });
  try {
    const reference: Result[][] = [];
    for (const image of images) {
      const row: Result[] = [];
      for (const options of VARIANTS) row.push(await instance.predict(image, options));
      reference.push(row);
    }
    return reference;
  } finally {
    await instance.dispose();
  }
}

/** The jpg files of a fixture folder, sorted, as absolute paths. */
export function imagesIn(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.jpg'))
    .sort()
    .map((name) => join(folder, name));
}

/**
 * Counts `completed` events per job id straight from Redis (a QueueEvents reader of its own, independent of the
 * producer under test), so "exactly once" is counted where BullMQ records it. `start` reads the whole event
 * stream (BullMQ keeps the last 10 000 events), `now` only what comes next.
 */
export async function countCompletions(
  url: string,
  queue: string,
  from: 'now' | 'start' = 'now',
): Promise<{ counts: Map<string, number>; close: () => Promise<void> }> {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  const [seconds, micros] = await connection.time();
  const lastEventId = from === 'start' ? '0-0' : `${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)}-0`;
  const events = new QueueEvents(queue, { connection, prefix: 'yolokit', lastEventId });
  events.on('error', () => {});
  await events.waitUntilReady();
  const counts = new Map<string, number>();
  events.on('completed', ({ jobId }) => counts.set(jobId, (counts.get(jobId) ?? 0) + 1));
  return {
    counts,
    close: async () => {
      await events.close();
      connection.disconnect();
    },
  };
}

/** An HTTP server of images for URL jobs, with routes that fail or stall on purpose; it logs every request. */
export interface ImageServer {
  readonly url: string;
  /** Request paths with their arrival times (ms, performance.now()). */
  readonly requests: Array<{ path: string; at: number }>;
  close(): Promise<void>;
}

/**
 * Serves `images[name]` at `/ok/<name>`; `/flaky/<k>/<name>` answers 503 to its first k requests, then the
 * image; `/down/<name>` always 503; `/missing` 404; `/slow/<ms>/<name>` waits before answering. Query strings
 * are ignored (they make distinct job URLs of one route).
 */
export async function startImageServer(images: Readonly<Record<string, Uint8Array>>): Promise<ImageServer> {
  const requests: Array<{ path: string; at: number }> = [];
  const seen = new Map<string, number>();
  const server = createHttpServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    requests.push({ path, at: performance.now() });
    const count = (seen.get(path) ?? 0) + 1;
    seen.set(path, count);
    const parts = path.split('/').filter(Boolean);
    const send = (name: string | undefined): void => {
      const body = name === undefined ? undefined : images[name];
      if (!body) {
        response.writeHead(404).end('not found');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.byteLength }).end(body);
    };
    if (parts[0] === 'ok') send(parts[1]);
    else if (parts[0] === 'flaky' && count <= Number(parts[1])) response.writeHead(503).end('try later');
    else if (parts[0] === 'flaky') send(parts[2]);
    else if (parts[0] === 'down') response.writeHead(503).end('down');
    else if (parts[0] === 'slow') {
      const timer = setTimeout(() => send(parts[2]), Number(parts[1]));
      response.on('close', () => clearTimeout(timer));
    } else response.writeHead(404).end('not found');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => {});
    },
  };
}

/** The default model (tiny, 160 px) as a model spec: for tests where speed matters more than the model. */
export function defaultModelSpec(backend: BackendSpec = onnxSpec()): ModelSpec {
  return { backend: { ...backend, options: { intraOpNumThreads: 1, ...(backend.options as object | undefined) } }, model: defaultModelPath() };
}

/** Generated scenes (seeds 0..count-1) as PNG files in a new temporary folder, with their bytes and pixels. */
export async function writeScenes(count: number): Promise<{ dir: string; paths: string[]; png: Uint8Array[]; raw: RawImage[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'yolokit-queue-scenes-'));
  const paths: string[] = [];
  const png: Uint8Array[] = [];
  const raw: RawImage[] = [];
  for (let seed = 0; seed < count; seed++) {
    const scene = generateScene(seed);
    const bytes = new Uint8Array(await sharp(Buffer.from(scene.data), { raw: { width: scene.width, height: scene.height, channels: scene.channels } }).png().toBuffer());
    const path = join(dir, `scene-${seed}.png`);
    writeFileSync(path, bytes);
    paths.push(path);
    png.push(bytes);
    raw.push({ data: scene.data, width: scene.width, height: scene.height, channels: scene.channels });
  }
  return { dir, paths, png, raw };
}

/** Direct predictions of one default-model instance, one after another: the reference. */
export async function directResults(images: readonly ImageInput[], options?: PredictOptions): Promise<Result[]> {
  const model = await loadModelFromSpec(defaultModelSpec());
  try {
    const results: Result[] = [];
    for (const image of images) results.push(await model.predict(image, options));
    return results;
  } finally {
    await model.dispose();
  }
}
