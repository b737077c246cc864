/**
 * `yolokit worker` as a program: with `--strategy processes` its model instances are child processes (counted in
 * /proc) that leave with it; without Redis it exits 1 with BACKEND_UNAVAILABLE; the docs' `yolokit worker`
 * lines use only flags it has.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createQueuePredictor } from '@yolokit/queue';
import type { Result } from '@yolokit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/fixtures.js';
import {
  cliBin,
  defaultModelSpec,
  describeWithRedis,
  differences,
  directResults,
  type RedisServer,
  spawnWorker,
  startRedisServer,
  writeScenes,
} from './queue-support.js';

/** Child processes of `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('yolokit worker in the docs', () => {
  it("the guide's `yolokit worker` lines use only flags the command has", () => {
    const help = spawnSync(process.execPath, [cliBin, 'worker', '--help'], { encoding: 'utf8' }).stdout;
    const known = new Set(help.match(/--[a-z][a-z-]*/g));
    const pages = [join(repoRoot, 'apps/docs/guide/queue-workers.md'), join(repoRoot, 'packages/queue/README.md')];
    const lines = pages.flatMap((page) => readFileSync(page, 'utf8').match(/^(?:npx )?yolokit worker .*$/gm) ?? []);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      for (const flag of line.match(/(?<=[\s[])--[a-z][a-z-]*/g) ?? []) expect(known.has(flag), `${line} uses ${flag}`).toBe(true);
    }
  });
});

describeWithRedis('yolokit worker as a program', () => {
  let redis: RedisServer;
  let scenes: Awaited<ReturnType<typeof writeScenes>>;
  let reference: Result[];

  beforeAll(async () => {
    redis = await startRedisServer();
    scenes = await writeScenes(4);
    reference = await directResults(scenes.paths);
  }, 120_000);

  afterAll(async () => {
    await redis?.stop();
    if (scenes) rmSync(scenes.dir, { recursive: true, force: true });
  });

  it('--strategy processes --workers 2: two model processes serve the queue and leave with the worker', async () => {
    const model = defaultModelSpec().model as string;
    const worker = await spawnWorker(['--queue', 'cli-processes', '--redis', redis.url, '--model', model, '--strategy', 'processes', '--workers', '2', '--name', 'cli-test', '--allow-root', scenes.dir]);
    expect(worker.name).toBe('cli-test');
    expect(worker.output.stdout).toMatch(/ready: queue cli-processes at redis:\/\/127\.0\.0\.1:\d+, model .*yolokit-shapes\.onnx \(onnxruntime-node .*\), processes × 2, 4 jobs at once/);
    const children = childrenOf(worker.pid);
    expect(children).toHaveLength(2);
    const predictor = await createQueuePredictor({ queue: 'cli-processes', redis: redis.url });
    expect(await predictor.workers()).toMatchObject([{ name: 'cli-test', strategy: 'processes', workers: 2, concurrency: 4, pid: worker.pid }]);
    const results = await predictor.predictMany(scenes.paths);
    expect(results.flatMap((result, i) => differences(result, reference[i]))).toEqual([]);
    await predictor.close();
    worker.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.output.stdout).toMatch(/worker cli-test stopped: 4 completed, 0 failed attempts, 0 returned to the queue/);
    for (const pid of children) expect(() => process.kill(pid, 0)).toThrow();
    // A stopped worker withdraws its announcement.
    const after = await createQueuePredictor({ queue: 'cli-processes', redis: redis.url });
    expect(await after.workers()).toEqual([]);
    await after.close();
  }, 120_000);

  it('without Redis: exit 1 after the connect timeout, BACKEND_UNAVAILABLE naming the server with its password hidden', async () => {
    const model = defaultModelSpec().model as string;
    const run = spawnSync(process.execPath, [cliBin, 'worker', '--queue', 'q', '--redis', 'redis://:hunter2@127.0.0.1:1', '--model', model], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^error BACKEND_UNAVAILABLE: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 has been unreachable for 10000 ms while the worker started/);
    expect(run.stderr).not.toContain('hunter2');
  }, 90_000);
});
