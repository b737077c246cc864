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
  it('runs the default model through each strategy and reaches mAP50 ≥ 0.9 on held-out scenes', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'yolokit-demo-'));
    const { stdout } = await run(process.execPath, [bin, 'demo', '--scenes', '60', '--out', 'out'], { cwd, timeout: 180_000 });
    const rows = [...stdout.matchAll(/^(locked|threads|processes)\s+(\d+) worker\(s\): ([\d.]+) images\/s, mAP50 ([\d.]+), mAP50-95 ([\d.]+)$/gm)];
    expect(rows.map((r) => r[1])).toEqual(['locked', 'threads', 'processes']);
    for (const row of rows) {
      expect(Number(row[3])).toBeGreaterThan(0);
      expect(Number(row[4])).toBeGreaterThanOrEqual(0.9);
      expect(Number(row[5])).toBeGreaterThanOrEqual(0.7);
    }
    // Every strategy computes the same detections, so the same mAP.
    expect(new Set(rows.map((r) => `${r[4]} ${r[5]}`)).size).toBe(1);
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
