import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Detection, type ModelInfo, Result } from '@yolokit/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PredictorFactory } from './image-predictor.js';
import { cliVersion, runCli } from './run-cli.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'yolokit-run-cli-'));
  await writeFile(join(root, 'model.onnx'), 'x');
  await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 0, g: 0, b: 0 } } }).jpeg().toFile(join(root, 'dark.jpg'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const fakePredictor: PredictorFactory = async () => ({
  info: { backend: 'fake', runtime: 'fake', imgsz: [640, 640], metadata: { names: { 0: 'person' }, classCount: 1 } } as unknown as ModelInfo,
  concurrency: 1,
  predict: async () =>
    new Result({ width: 32, height: 24, detections: [new Detection([1, 1, 9, 9], 0.8, 0, 'person', 32, 24)], speed: { preprocess: 1, inference: 1, postprocess: 1 } }),
  close: async () => undefined,
});

async function run(args: string[]) {
  const out = { stdout: '', stderr: '' };
  const code = await runCli(args, {
    predictor: fakePredictor,
    io: { cwd: root, stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } },
  });
  return { code, ...out };
}

describe('runCli', () => {
  it('--help lists the predict command on stdout, exit 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: yolokit');
    expect(stdout).toContain('predict');
  });

  it('predict --help lists every flag', async () => {
    const { code, stdout } = await run(['predict', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--model', '--backend', '--conf', '--iou', '--max-det', '--classes', '--imgsz', '--agnostic', '--json', '--save', '--no-progress', '--verbose']) {
      expect(stdout).toContain(flag);
    }
  });

  it('--version prints the package version, exit 0', async () => {
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(cliVersion());
    expect(cliVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('without --model explains how to get a model, exit 2', async () => {
    const { code, stderr } = await run(['predict', 'dark.jpg']);
    expect(code).toBe(2);
    expect(stderr).toContain('error MODEL_REQUIRED: yolokit predict needs a model');
    expect(stderr).toContain('yolo export model=yolov8n.pt format=onnx');
    expect(stderr).toContain('--model yolov8n.onnx');
  });

  it.each([
    [['--conf', '2'], 'error INVALID_OPTION: --conf must be a number from 0 to 1, got 2'],
    [['--iou', 'x'], 'error INVALID_OPTION: --iou must be a number from 0 to 1, got "x"'],
    [['--max-det', '-3'], 'error INVALID_OPTION: --max-det must be an integer from 1 to 100000, got -3'],
    [['--classes', 'person'], 'error INVALID_OPTION: --classes must be comma-separated'],
    [['--imgsz', '0'], 'error INVALID_OPTION: --imgsz must be an integer from 32 to 8192'],
    [['--backend', 'tensorflow'], "error USAGE: option '--backend <name>' argument 'tensorflow' is invalid. Allowed choices are onnx, onnx-web, tfjs."],
    [['--frobnicate'], "error USAGE: unknown option '--frobnicate'"],
  ])('%j is a usage error naming the flag, exit 2, no stack trace', async (flags, message) => {
    const { code, stderr } = await run(['predict', '--model', 'model.onnx', ...flags, 'dark.jpg']);
    expect(code).toBe(2);
    expect(stderr.startsWith(message)).toBe(true);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--verbose adds the stack trace', async () => {
    const { code, stderr } = await run(['predict', '--verbose', '--model', 'missing.onnx', 'dark.jpg']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error MODEL_NOT_FOUND: model file missing\.onnx not found/);
    expect(stderr).toMatch(/\n\s+at /);
  });

  it('an unknown command suggests the right one, exit 2', async () => {
    const { code, stderr } = await run(['predcit']);
    expect(code).toBe(2);
    expect(stderr).toContain("error USAGE: unknown command 'predcit'");
    expect(stderr).toContain('Did you mean predict?');
  });

  it('runs predict through the predictor it is given, exit 0', async () => {
    const { code, stdout } = await run(['predict', '--model', 'model.onnx', '--json', 'out.json', 'dark.jpg']);
    expect(code).toBe(0);
    expect(stdout).toContain('dark.jpg 32x24: 1 person (3 ms)');
    const report = JSON.parse(await readFile(join(root, 'out.json'), 'utf8'));
    expect(report.results[0].detections).toEqual([{ box: [1, 1, 9, 9], confidence: 0.8, classId: 0, className: 'person' }]);
  });
});
