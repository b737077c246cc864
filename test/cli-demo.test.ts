import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/fixtures.js';

const run = promisify(execFile);
const bin = join(repoRoot, 'packages/cli/dist/bin.js');

// Needs nothing from ../shared: the fresh-clone, offline path of the README.
describe('yolokit demo', () => {
  it('runs the default model through each strategy: the same mAP ≥ 0.9, and images/s measured after a warm-up on photos', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'yolokit-demo-'));
    const { stdout } = await run(process.execPath, [bin, 'demo', '--scenes', '60', '--speed-images', '16', '--out', 'out'], { cwd, timeout: 180_000 });
    expect(stdout).toMatch(/^yolokit demo: 60 generated scenes \(seeds 0\.\.59, \d+ objects\), model yolokit-shapes\.onnx \(sha256 [0-9a-f]{16}…, 160x160 input\), \d+ cores$/m);
    const setup = String.raw`(\d+) (?:instance|workers?|process(?:es)?) × (\d+) threads?\s+`;
    const accuracy = [...stdout.matchAll(new RegExp(String.raw`^(locked|threads|processes)\s+${setup}mAP50 ([\d.]+), mAP50-95 ([\d.]+)$`, 'gm'))];
    expect(accuracy.map((r) => r[1])).toEqual(['locked', 'threads', 'processes']);
    const cores = Number(/, (\d+) cores$/m.exec(stdout)?.[1]);
    // locked: one instance with an intra-op thread per core; the pools: one single-threaded worker per core.
    expect(accuracy.map((r) => [Number(r[2]), Number(r[3])])).toEqual([
      [1, cores],
      [cores, 1],
      [cores, 1],
    ]);
    for (const row of accuracy) {
      expect(Number(row[4])).toBeGreaterThanOrEqual(0.9);
      expect(Number(row[5])).toBeGreaterThanOrEqual(0.7);
    }
    // Every strategy computes the same detections, so the same mAP.
    expect(new Set(accuracy.map((r) => `${r[4]} ${r[5]}`)).size).toBe(1);
    // The speed table: the photo workload, after a warm-up, each pool's ratio to locked as its own two figures give it.
    expect(stdout).toContain('speed: 16 scenes as 960x960 JPEG bytes, decoded and letterboxed where they are predicted, as photos are; after a warm-up (start-up and model loads excluded)');
    const speed = [...stdout.matchAll(new RegExp(String.raw`^(locked|threads|processes)\s+${setup}([\d.]+) images/s(?: \(([\d.]+)× locked\))?$`, 'gm'))];
    expect(speed.map((r) => r[1])).toEqual(['locked', 'threads', 'processes']);
    expect(speed[0][5]).toBeUndefined();
    const locked = Number(speed[0][4]);
    for (const row of speed.slice(1)) expect(Number(row[5])).toBeCloseTo(Number(row[4]) / locked, 1);
    // What the numbers mean is printed with them.
    expect(stdout).toMatch(/^what they mean: whole predictions per second with every instance warm \(starting workers and loading the model excluded\)$/m);
    expect(stdout).toMatch(/^ {2}a raw scene costs [\d.]+ ms \(inference [\d.]+ ms\): on this tiny model a pool's hand-over of each image/m);
    expect(stdout).toMatch(/^ {2}scene-0: found .+; truth .+$/m);
    for (let seed = 0; seed < 6; seed++) expect(existsSync(join(cwd, 'out', `scene-${seed}-annotated.png`))).toBe(true);
    const annotated = await sharp(join(cwd, 'out', 'scene-0-annotated.png')).metadata();
    expect([annotated.width, annotated.height]).toEqual([160, 160]);
  }, 240_000);

  it('rejects an unknown strategy with exit 2 and the flag named', async () => {
    const error = await run(process.execPath, [bin, 'demo', '--strategies', 'locked,fast']).catch((e: { code: number; stderr: string }) => e);
    expect((error as { code: number }).code).toBe(2);
    expect((error as { stderr: string }).stderr).toContain('error INVALID_OPTION: --strategies must list names from locked, threads, processes, got "fast"');
  });

  it('predict without --model points to the demo', async () => {
    const error = await run(process.execPath, [bin, 'predict', 'bus.jpg']).catch((e: { code: number; stderr: string }) => e);
    expect((error as { code: number }).code).toBe(2);
    expect((error as { stderr: string }).stderr).toMatch(/yolo export model=yolov8n\.pt format=onnx[\s\S]*yolokit demo/);
  });
});
