/**
 * `yolokit bench --strategies queue`: the built bin drives the queue strategy through a real redis-server, with
 * `yolokit worker` processes it starts and stops itself, beside a pool strategy. Kept short (few requests, one
 * round); it asserts the JSON's shape and sane values, that worker processes count in memory, and that nothing
 * it started (workers, a private redis-server) outlives it; never timings.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchReport } from '../apps/docs/src/bench/bench-report.js';
import type { BenchConfigurationJson, BenchJson } from '../packages/cli/src/bench/bench-json.js';
import { describeWithRedis, type RedisServer, startRedisServer } from './queue-support.js';
import { describeWithFixtures, fixturePath, repoRoot } from './support/fixtures.js';

const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');
const MODEL = 'models/yolov8n_int8.onnx';
const IMAGES = 'images';
const MIB = 2 ** 20;

interface Run {
  pid: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

function yolokit(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (npx turbo run build --filter=@yolokit/cli)`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ pid: child.pid as number, code, stdout, stderr }));
  });
}

/** Whether a process with this pid runs (signal 0 checks without sending anything); a zombie, dead but not yet reaped, does not. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls `condition` every 100 ms until it holds; fails with `describe()` after `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A `yolokit bench` run in the background, to be killed: its process, its stderr so far, and how it exited. */
function startBench(args: readonly string[]): { bench: ChildProcess; stderr: () => string; exited: Promise<NodeJS.Signals | null> } {
  const bench = spawn(process.execPath, [bin, 'bench', ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  bench.stderr!.on('data', (chunk) => (stderr += chunk));
  bench.stdout!.resume();
  const exited = new Promise<NodeJS.Signals | null>((done) => bench.once('exit', (_code, signal) => done(signal)));
  return { bench, stderr: () => stderr, exited };
}

/** Pids of running processes whose command line contains `text`. */
function processesWith(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').includes(text)) pids.push(Number(entry));
    } catch {
      // Gone since the listing.
    }
  }
  return pids;
}

/** The `yolokit worker` processes a bench reported on stderr: pids and queue per setup. */
function reportedWorkers(stderr: string): Array<{ setup: string; queue: string; pids: number[] }> {
  return [...stderr.matchAll(/^bench round \d+\/\d+ (queue \d+×\d+): \d+ yolokit worker process(?:es)? ready on queue (\S+) \(pids ([\d, ]+)\)$/gm)].map((match) => ({
    setup: match[1],
    queue: match[2],
    pids: match[3].split(', ').map(Number),
  }));
}

function saneConfiguration(c: BenchConfigurationJson, requests: number): void {
  expect(c.throughput).toBeGreaterThan(0);
  expect(c.requests).toBe(requests);
  expect(c.throughputRounds).toHaveLength(1);
  const { p50, p90, p95, p99 } = c.latencyMs;
  expect(p50).toBeGreaterThan(0);
  expect(p50 <= p90 && p90 <= p95 && p95 <= p99).toBe(true);
  expect(c.computeMs.inference).toBeGreaterThan(0);
  expect(c.waitMs.p50).toBeGreaterThanOrEqual(0);
  expect(c.cpu.busyCores).toBeGreaterThan(0);
  expect(c.peakRssBytes).toBeLessThan(totalmem());
  expect(c.ratios.singleThread).toBeGreaterThan(0);
  expect(c.ratios.bareRun).toBeGreaterThan(0);
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'yolokit-bench-queue-test-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('yolokit bench --strategies queue: the command line', () => {
  it('lists queue and --redis in --help', async () => {
    const help = await yolokit(['bench', '--help'], work);
    expect(help.code).toBe(0);
    // commander wraps the help to the terminal's width.
    expect(help.stdout).toMatch(/locked,\s+threads,\s+processes,\s+auto,\s+queue/);
    expect(help.stdout).toContain('--redis <url>');
  });

  it("the docs' `yolokit bench` lines use only flags the command has", async () => {
    const help = (await yolokit(['bench', '--help'], work)).stdout;
    const known = new Set(help.match(/--[a-z][a-z-]*/g));
    const pages = ['apps/docs/guide/queue-workers.md', 'packages/cli/README.md'].map((page) => join(repoRoot, page));
    const lines = pages.flatMap((page) => readFileSync(page, 'utf8').match(/^(?:npx )?yolokit bench .*$/gm) ?? []);
    expect(lines.filter((line) => line.includes('--strategies queue')).length).toBeGreaterThanOrEqual(4);
    for (const line of lines) {
      for (const flag of line.match(/(?<=\s)--[a-z][a-z-]*/g) ?? []) expect(known.has(flag), `${line} uses ${flag}`).toBe(true);
    }
  });

  it('refuses --redis without queue, before loading anything', async () => {
    const run = await yolokit(['bench', '--model', 'm.onnx', '--images', 'x.jpg', '--strategies', 'threads', '--redis', 'redis://127.0.0.1:6379'], work);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error INVALID_OPTION: --redis is the Redis of --strategies queue, which is not listed (--strategies threads)');
  });
});

describeWithFixtures('yolokit bench --strategies queue: no Redis to use', [MODEL, IMAGES], () => {
  it('refuses with exit 2, naming --redis, before loading anything', async () => {
    const run = await yolokit(
      ['bench', '--model', fixturePath(MODEL), '--images', fixturePath(IMAGES), '--strategies', 'queue', '--requests', '2', '--rounds', '1'],
      work,
      { ...process.env, PATH: '' },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error INVALID_OPTION: --strategies queue needs a Redis: --redis redis://host:port, or redis-server on the PATH to start a private one (apt-get install redis-server); neither was found',
    );
    expect(run.stderr).not.toContain('measurements');
  });

  it('fails with BACKEND_UNAVAILABLE before measuring anything when --redis cannot be reached, password hidden', async () => {
    // Port 1: nothing listens there; the producer gives up after its 10 s connect timeout.
    const run = await yolokit(
      ['bench', '--model', fixturePath(MODEL), '--images', fixturePath(IMAGES), '--strategies', 'queue', '--redis', 'redis://:secret@127.0.0.1:1', '--requests', '2', '--rounds', '1'],
      work,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error BACKEND_UNAVAILABLE: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 has been unreachable/m);
    expect(run.stderr).not.toContain('secret');
    expect(run.stderr).not.toMatch(/^bench \[/m);
    expect(processesWith(`yolokit-bench-${run.pid}-`)).toEqual([]);
  });
});

describeWithFixtures('yolokit bench --strategies queue: a short real run', [MODEL, IMAGES], () => {
  describeWithRedis('through a given Redis (--redis), beside processes', () => {
    let redis: RedisServer;
    let run: Run;
    let json: BenchJson;
    let markdown: string;
    const workerCounts = [1, 2];
    const requests = 8;

    beforeAll(async () => {
      redis = await startRedisServer();
      run = await yolokit(
        [
          'bench',
          '--model', fixturePath(MODEL),
          '--images', fixturePath(IMAGES),
          '--strategies', 'queue,processes',
          '--redis', redis.url,
          '--workers', workerCounts.join(','),
          '--threads-per-worker', '1',
          '--concurrency', '2',
          '--requests', String(requests),
          '--rounds', '1',
          '--warmup', '1',
          '--json', 'out/queue.json',
          '--markdown', 'out/queue.md',
        ],
        work,
      );
      if (run.code !== 0) throw new Error(`yolokit bench failed (${run.code}):\n${run.stderr}`);
      json = JSON.parse(await readFile(join(work, 'out/queue.json'), 'utf8'));
      markdown = await readFile(join(work, 'out/queue.md'), 'utf8');
    }, 300_000);
    afterAll(async () => {
      await redis?.stop();
    });

    it('measures queue for each worker count asked, beside processes, with sane values', () => {
      const queue = json.configurations.filter((c) => c.strategy === 'queue');
      expect(queue.map((c) => `${c.workers}×${c.threadsPerWorker} @${c.concurrency}`).sort()).toEqual(['1×1 @2', '2×1 @2']);
      const processes = json.configurations.filter((c) => c.strategy === 'processes');
      expect(processes.map((c) => `${c.workers}×${c.threadsPerWorker}`).sort()).toEqual(['1×1', '2×1']);
      for (const c of json.configurations) saneConfiguration(c, requests);
      expect(json.configurations.map((c) => c.rank)).toEqual(json.configurations.map((_, index) => index + 1));
      expect(json.settings).toMatchObject({ strategies: ['queue', 'processes'], redis: redis.url, requests, rounds: 1 });
      expect(json.command).toContain(`--strategies queue,processes`);
      expect(json.command).toContain(`--workers 1,2`);
      expect(json.command).toContain(`--redis ${redis.url}`);
      expect(json.machine.runtimes['@yolokit/queue']).toMatch(/^\d/);
      expect(Object.keys(json.summary.eventLoopDelayP99MsAtFullLoad).sort()).toEqual(['processes', 'queue']);
    });

    it("counts the worker processes' memory: more than the producer's own, growing with the workers", () => {
      const queue = new Map(json.configurations.filter((c) => c.strategy === 'queue').map((c) => [c.workers, c]));
      for (const [workers, c] of queue) expect(c.peakRssBytes).toBeGreaterThan((1 + workers) * 50 * MIB);
      // The producer holds no model: a second worker process (a runtime and a model of its own) shows.
      expect(queue.get(2)!.peakRssBytes).toBeGreaterThan(queue.get(1)!.peakRssBytes + 50 * MIB);
    });

    it('ran each setup on its own queue with its own worker processes, all gone after the bench', () => {
      const reported = reportedWorkers(run.stderr);
      expect(reported.map((r) => r.setup).sort()).toEqual(['queue 1×1', 'queue 2×1']);
      expect(new Set(reported.map((r) => r.queue)).size).toBe(reported.length);
      for (const r of reported) {
        expect(r.queue).toMatch(new RegExp(`^yolokit-bench-${run.pid}-`));
        expect(r.pids).toHaveLength(Number(/queue (\d+)×/.exec(r.setup)![1]));
        for (const pid of r.pids) expect(alive(pid)).toBe(false);
      }
      expect(processesWith(`yolokit-bench-${run.pid}-`)).toEqual([]);
    });

    it('prints queue in the table and the markdown, and the docs site reads the JSON', () => {
      expect(run.stdout).toContain('queue 2×1');
      expect(run.stdout).toContain(`through Redis at ${redis.url}`);
      expect(markdown).toContain('| # | setup | in flight | images/s |');
      for (const c of json.configurations) expect(markdown).toContain(`${c.strategy} ${c.workers}×${c.threadsPerWorker}`);
      expect(parseBenchReport(json, 'queue.json').configurations).toHaveLength(json.configurations.length);
    });
  });

  describeWithRedis('through a private redis-server (no --redis)', () => {
    let run: Run;
    let json: BenchJson;

    beforeAll(async () => {
      run = await yolokit(
        [
          'bench',
          '--model', fixturePath(MODEL),
          '--images', fixturePath(IMAGES),
          '--strategies', 'queue',
          '--workers', '1',
          '--threads-per-worker', '1',
          '--concurrency', '2',
          '--requests', '4',
          '--rounds', '1',
          '--warmup', '1',
          '--json', '-',
        ],
        work,
      );
      if (run.code !== 0) throw new Error(`yolokit bench failed (${run.code}):\n${run.stderr}`);
      json = JSON.parse(run.stdout);
    }, 300_000);

    it('starts redis-server for the run, measures through it, and stops it and the workers', () => {
      const started = /^bench queue: a private redis-server on (redis:\/\/127\.0\.0\.1:\d+) \(pid (\d+)\), stopped at the end$/m.exec(run.stderr);
      expect(started).not.toBeNull();
      expect(alive(Number(started![2]))).toBe(false);
      expect(json.settings.redis).toBe('private');
      expect(json.command).not.toContain('--redis');
      const [queue] = json.configurations;
      expect(json.configurations).toHaveLength(1);
      expect(queue).toMatchObject({ strategy: 'queue', workers: 1, threadsPerWorker: 1, concurrency: 2 });
      saneConfiguration(queue, 4);
      const reported = reportedWorkers(run.stderr);
      expect(reported).toHaveLength(1);
      for (const pid of reported[0].pids) expect(alive(pid)).toBe(false);
      expect(processesWith(`yolokit-bench-${run.pid}-`)).toEqual([]);
    });
  });

  describeWithRedis('a bench killed with SIGKILL', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedisServer();
    }, 60_000);
    afterAll(async () => {
      await redis?.stop();
    });

    it('cannot clean up, yet its yolokit worker processes stop: their IPC lifeline to the bench closes', async () => {
      const { bench, stderr, exited } = startBench([
        '--model', fixturePath(MODEL),
        '--images', fixturePath(IMAGES),
        '--strategies', 'queue',
        '--redis', redis.url,
        '--workers', '2',
        '--threads-per-worker', '1',
        '--concurrency', '2',
        // Long enough to be killed mid-measurement (the baselines run first, 15 s each).
        '--duration', '15s',
        '--rounds', '1',
        '--warmup', '1',
      ]);
      try {
        await until(() => reportedWorkers(stderr()).length > 0, 180_000, () => `no worker became ready:\n${stderr()}`);
        const [{ pids }] = reportedWorkers(stderr());
        expect(pids).toHaveLength(2);
        for (const pid of pids) expect(alive(pid)).toBe(true);

        bench.kill('SIGKILL');
        expect(await exited).toBe('SIGKILL');
        // Each worker finishes or returns its held jobs (the shutdown timeout bounds it) and exits by itself.
        await until(() => pids.every((pid) => !alive(pid)), 90_000, () => `still running: ${pids.filter(alive).join(', ')}`);
        expect(processesWith(`yolokit-bench-${bench.pid}-`)).toEqual([]);
      } finally {
        // Whatever failed above, nothing this test started outlives it.
        if (bench.exitCode === null && bench.signalCode === null) bench.kill('SIGKILL');
        for (const { pids } of reportedWorkers(stderr())) for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
      }
    }, 300_000);
  });

  describeWithRedis('a bench killed with SIGKILL while it runs a private redis-server', () => {
    it('takes the redis-server along: the kernel kills it when the bench dies (setpriv --pdeathsig)', async () => {
      // No --redis: the bench starts its own redis-server.
      const { bench, stderr, exited } = startBench([
        '--model', fixturePath(MODEL),
        '--images', fixturePath(IMAGES),
        '--strategies', 'queue',
        '--workers', '1',
        '--threads-per-worker', '1',
        '--concurrency', '1',
        '--duration', '15s',
        '--rounds', '1',
        '--warmup', '1',
      ]);
      const redisPid = (): number | undefined => {
        const started = /^bench queue: a private redis-server on redis:\/\/127\.0\.0\.1:\d+ \(pid (\d+)\)/m.exec(stderr());
        return started ? Number(started[1]) : undefined;
      };
      try {
        await until(() => redisPid() !== undefined, 180_000, () => `no private redis-server was reported:\n${stderr()}`);
        const pid = redisPid()!;
        expect(alive(pid)).toBe(true);
        bench.kill('SIGKILL');
        expect(await exited).toBe('SIGKILL');
        await until(() => !alive(pid), 10_000, () => `redis-server ${pid} still runs after its bench was killed`);
      } finally {
        if (bench.exitCode === null && bench.signalCode === null) bench.kill('SIGKILL');
        const pid = redisPid();
        if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
        for (const { pids } of reportedWorkers(stderr())) for (const worker of pids.filter(alive)) process.kill(worker, 'SIGKILL');
      }
    }, 300_000);
  });
});
