/**
 * Issue 15, finding 4: one dead worker lost a whole CLI run. `yolokit predict --strategy processes` on 64 images
 * with one worker SIGKILLed mid-run exited 1 with `error WORKER_DIED` and wrote no JSON, although 16 images were
 * done. Now the image whose worker died is predicted once more (a warning names it and the dead worker), its
 * JSON entry records the failed attempt under `retries`, and the JSON holds every image. An image whose worker
 * dies on both attempts is that image's failure: `WORKER_DIED` in its entry, the others reported, exit 1.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ImagePredictor, type PredictorFactory, runCli } from '@yolokit/cli';
import { WorkerDiedError } from '@yolokit/concurrency';
import { Detection, type ModelInfo, Result } from '@yolokit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath, repoRoot } from './support/fixtures.js';

const MODEL = 'models/yolov8n_int8.onnx';
const COCO = 'coco32/images';
const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');
const root = mkdtempSync(join(tmpdir(), 'yolokit-worker-death-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Entry {
  source: string;
  width?: number;
  height?: number;
  detections?: { box: number[]; classId: number; confidence: number }[];
  retries?: { code: string; message: string }[];
  error?: { code: string; message: string };
}

/** Children of `parent` that are process-pool workers, from /proc. */
function poolWorkers(parent: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
        return ppid === String(parent) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('process-worker');
      } catch {
        return false;
      }
    })
    .map(Number);
}

describeWithFixtures('yolokit predict --strategy processes: a worker SIGKILLed mid-run', [MODEL, COCO], () => {
  it('retries the image it was running, and writes the JSON of all 64 images', async () => {
    // 64 images: coco32 twice, as a-<name> and b-<name>, so that each image has a twin to compare with.
    const images = join(root, 'images');
    mkdirSync(images);
    for (const name of readdirSync(fixturePath(COCO))) {
      for (const prefix of ['a', 'b']) copyFileSync(join(fixturePath(COCO), name), join(images, `${prefix}-${name}`));
    }
    const json = join(root, 'report.json');
    const args = ['predict', '--model', fixturePath(MODEL), '--strategy', 'processes', '--workers', '2', '--no-progress', '--json', json, 'images'];
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed: number | undefined;
    let doneBeforeKill = 0;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      // A quarter of the way in (16 images reported), kill one of the two workers.
      const done = stdout.split('\n').filter((line) => line.startsWith('images/')).length;
      if (killed === undefined && done >= 16) {
        killed = poolWorkers(child.pid!)[0];
        doneBeforeKill = done;
        if (killed !== undefined) process.kill(killed, 'SIGKILL');
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((done) => child.on('close', done));

    expect(killed, `no pool worker found under the CLI (stdout: ${stdout})`).toBeGreaterThan(0);
    expect(doneBeforeKill).toBeLessThan(64);
    // The worker's image was predicted again: a warning names it and the dead worker.
    const warnings = stderr.split('\n').filter(Boolean);
    expect(warnings).toHaveLength(1);
    const warning = warnings[0].match(/^warning: (images\/[ab]-\d+\.jpg): the worker process (\d+) running it exited \(signal SIGKILL\); predicting it once more$/);
    expect(warning, stderr).not.toBeNull();
    expect(Number(warning![2])).toBe(killed);
    expect(code).toBe(0);

    // Every image is in the JSON, none failed; the retried one says so and matches its twin, predicted normally.
    const report = JSON.parse(readFileSync(json, 'utf8')) as { results: Entry[] };
    expect(report.results).toHaveLength(64);
    expect(report.results.filter((entry) => entry.error)).toEqual([]);
    const retried = report.results.filter((entry) => entry.retries);
    expect(retried.map((entry) => entry.source)).toEqual([warning![1]]);
    expect(retried[0].retries).toEqual([
      { code: 'WORKER_DIED', message: `the worker process ${killed} running it exited (signal SIGKILL) before answering; predicted again on another worker` },
    ]);
    const twinSource = retried[0].source.replace(/images\/([ab])-/, (_, prefix: string) => `images/${prefix === 'a' ? 'b' : 'a'}-`);
    const twin = report.results.find((entry) => entry.source === twinSource)!;
    expect(twin.retries).toBeUndefined();
    expect(retried[0].detections!.length).toBeGreaterThan(0);
    expect({ ...retried[0], source: twin.source, retries: undefined, speed: undefined }).toEqual({ ...twin, retries: undefined, speed: undefined });
    expect(stdout).toContain('64 images, ');
    expect(stdout).toContain(`results written to ${json}`);
  }, 600_000);
});

describe('yolokit predict: an image whose worker dies twice', () => {
  it('is reported as WORKER_DIED in its entry; the others are written, exit 1', async () => {
    const folder = join(root, 'fake');
    mkdirSync(folder, { recursive: true });
    for (const name of ['a.png', 'b.png', 'c.png', 'd.png']) writeFileSync(join(folder, name), 'the fake predictor does not read it');
    writeFileSync(join(folder, 'model.onnx'), 'the fake predictor does not read it');
    const attempts = new Map<string, number>();
    let nextPid = 1000;
    const info = {
      backend: 'fake',
      runtime: 'fake 0.0',
      layout: 'NCHW',
      inputs: [],
      outputs: [],
      imgsz: [640, 640],
      dynamicInput: false,
      metadata: { names: { 0: 'person' }, classCount: 1, task: 'detect' },
      task: 'detect',
    } as unknown as ModelInfo;
    // b.png kills its worker every time, c.png the first time only.
    const factory: PredictorFactory = async (): Promise<ImagePredictor> => ({
      info,
      concurrency: 2,
      async predict(input) {
        const image = input as string; // yolokit predict hands over file paths
        const name = image.split('/').pop()!;
        const attempt = (attempts.get(name) ?? 0) + 1;
        attempts.set(name, attempt);
        await new Promise((done) => setTimeout(done, 5));
        if (name === 'b.png' || (name === 'c.png' && attempt === 1)) throw new WorkerDiedError('process', nextPid++, 'signal SIGKILL');
        return new Result({ source: image, width: 64, height: 48, detections: [new Detection([1, 2, 30, 40], 0.9, 0, 'person', 64, 48)], speed: { preprocess: 1, inference: 2, postprocess: 3 } });
      },
      async close() {},
    });
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, cwd: folder };
    const code = await runCli(['predict', '--model', 'model.onnx', '--json', 'out.json', 'a.png', 'b.png', 'c.png', 'd.png'], { io, predictor: factory });

    expect(code).toBe(1);
    expect(Object.fromEntries(attempts)).toEqual({ 'a.png': 1, 'b.png': 2, 'c.png': 2, 'd.png': 1 });
    expect(existsSync(join(folder, 'out.json'))).toBe(true);
    const { results } = JSON.parse(readFileSync(join(folder, 'out.json'), 'utf8')) as { results: Entry[] };
    expect(results.map((entry) => [entry.source, entry.error?.code ?? 'ok', entry.retries?.length ?? 0])).toEqual([
      ['a.png', 'ok', 0],
      ['b.png', 'WORKER_DIED', 0],
      ['c.png', 'ok', 1],
      ['d.png', 'ok', 0],
    ]);
    const [b, c] = [results[1], results[2]];
    const pids = [b, c].map((entry) => JSON.stringify(entry).match(/process (\d+)/g));
    expect(b.error!.message).toMatch(
      /^the worker process \d+ running it exited \(signal SIGKILL\) before answering, on the second attempt too \(first the worker process \d+ running it exited \(signal SIGKILL\)\); the image itself may crash the runtime$/,
    );
    expect(Object.keys(b).sort()).toEqual(['error', 'source']);
    expect(c.retries![0]).toEqual({ code: 'WORKER_DIED', message: expect.stringMatching(/^the worker process \d+ running it exited \(signal SIGKILL\) before answering; predicted again on another worker$/) });
    expect(pids.flat()).toHaveLength(3);
    expect(stderr.split('\n').filter(Boolean).sort()).toEqual([
      expect.stringMatching(/^error WORKER_DIED: b\.png: the worker process \d+ running it exited \(signal SIGKILL\) before answering, on the second attempt too/),
      expect.stringMatching(/^warning: b\.png: the worker process \d+ running it exited \(signal SIGKILL\); predicting it once more$/),
      expect.stringMatching(/^warning: c\.png: the worker process \d+ running it exited \(signal SIGKILL\); predicting it once more$/),
    ]);
    expect(stdout).toContain('4 images (1 failed), 3 detections');
  });
});
