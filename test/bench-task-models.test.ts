/**
 * `yolokit bench` on an oriented-box and a classification model (issue 14): yolokit's own task models
 * (@yolokit/default-model, no fixture) on pictures generated here, the built bin as users run it. It measures
 * them like any model and reports the task's postprocess against inference. Kept short (one strategy, few
 * requests, one round); shapes and consistency are asserted, never timings.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generatePicture, generateRotatedScene, taskModelPath } from '@yolokit/default-model';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchJson } from '../packages/cli/src/bench/bench-json.js';
import { run } from './support/commands.js';
import { repoRoot } from './support/fixtures.js';

const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'yolokit-bench-tasks-'));
  for (const [folder, make] of [
    ['scenes', (seed: number) => generateRotatedScene(seed, { size: 320 })],
    ['pictures', (seed: number) => generatePicture(seed, { size: 128 })],
  ] as const) {
    await mkdir(join(work, folder));
    for (const seed of [1, 2, 3]) {
      const image = make(seed);
      await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(join(work, folder, `${seed}.png`));
    }
  }
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('yolokit bench: oriented-box and classification models', () => {
  for (const [task, folder, inputSize] of [
    ['obb', 'scenes', [160, 160]],
    ['classify', 'pictures', [64, 64]],
  ] as const) {
    it(`measures the ${task} shapes model and reports its postprocess against inference`, async () => {
      const json = join(work, `${task}.json`);
      if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (npx turbo run build --filter=@yolokit/cli)`);
      const bench = await run(
        process.execPath,
        [bin, 'bench', '--model', taskModelPath(task), '--images', join(work, folder), '--strategies', 'locked', '--concurrency', '1', '--requests', '12', '--rounds', '1', '--warmup', '2', '--json', json, '--no-progress'],
        work,
      );
      expect(bench.code, bench.stderr).toBe(0);
      const report = JSON.parse(await readFile(json, 'utf8')) as BenchJson;
      expect(report.model.task).toBe(task);
      expect(report.model.inputSize).toEqual(inputSize);
      expect(report.configurations.map((c) => c.strategy)).toEqual(['locked']);
      const stages = report.baselines.singleThread.stageMedianMs!;
      const post = report.summary.postprocess!;
      // The summary is the single-threaded instance's own medians, and its ratio is theirs.
      expect(post.task).toBe(task);
      expect(post.medianMs).toBe(stages.postprocess);
      expect(post.inferenceMedianMs).toBe(stages.inference);
      expect(post.ratioToInference).toBeCloseTo(stages.postprocess / stages.inference, 3);
      const percent = `${(post.ratioToInference * 100).toFixed(1)}%`;
      expect(bench.stdout).toContain(`${task} postprocess: ${post.medianMs.toFixed(2)} ms per image (median) = ${percent} of inference`);
      expect(bench.stdout).toContain(`(${task}, onnxruntime-node`);
    }, 180_000);
  }
});
