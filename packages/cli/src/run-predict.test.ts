import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  COCO_KEYPOINT_SKELETON,
  Detection,
  ImageDecodeError,
  InvalidOptionError,
  Keypoints,
  Mask,
  type ModelInfo,
  type PredictOptions,
  Result,
  type SupportedTask,
  UnsupportedOutputError,
} from '@yolokit/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import type { ImagePredictor, ModelSpec, PredictorFactory } from './image-predictor.js';
import { isImageError, REPORT_VERSION } from './predict-report.js';
import { type CliOutput, runPredict } from './run-predict.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'yolokit-run-predict-'));
  for (const model of ['model.onnx', 'seg.onnx', 'pose.onnx']) await writeFile(join(root, model), 'not really a model: the fake predictor never reads it');
  for (const name of ['a.png', 'b.png', 'c.png', 'd.png']) {
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toFile(join(root, name));
  }
  await writeFile(join(root, 'bad.png'), 'text, not an image');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const info: ModelInfo = {
  backend: 'fake',
  runtime: 'fake 0.0',
  layout: 'NCHW',
  inputs: [{ name: 'images', shape: [1, 3, 640, 640] }],
  outputs: [{ name: 'output0', shape: [1, 84, 8400] }],
  imgsz: [640, 640],
  dynamicInput: false,
  metadata: { names: { 0: 'person', 1: 'dog' }, classCount: 2, imgsz: [640, 640], stride: 32, task: 'detect', end2end: false, description: 'fake', version: '8.4.0', kptShape: undefined },
  task: 'detect',
};

/** A predictor that answers from the file name: `bad*` fails to decode, others get one person and one dog. */
function fakePredictor(options: { concurrency?: number; fail?: (image: string) => Error | undefined; calls?: PredictOptions[] } = {}) {
  const state = { closed: false, spec: undefined as ModelSpec | undefined, inFlight: 0, maxInFlight: 0 };
  const factory: PredictorFactory = async (spec) => {
    state.spec = spec;
    const predictor: ImagePredictor = {
      info,
      concurrency: options.concurrency ?? 1,
      async predict(input, callOptions) {
        const image = input as string; // yolokit predict hands over file paths
        options.calls?.push(callOptions);
        state.inFlight++;
        state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
        // Later images finish first, so that order is really tested.
        await new Promise((done) => setTimeout(done, image.includes('a.png') ? 30 : 5));
        state.inFlight--;
        const failure = options.fail?.(image);
        if (failure) throw failure;
        if (image.includes('bad')) throw new ImageDecodeError(image, `could not decode image ${image}: unsupported image format`);
        return new Result({
          source: image,
          width: 64,
          height: 48,
          detections: [new Detection([1, 2, 30, 40], 0.9, 0, 'person', 64, 48), new Detection([30, 10, 60, 40], 0.6, 1, 'dog', 64, 48)],
          speed: { preprocess: 1, inference: 2, postprocess: 3 },
        });
      },
      async close() {
        state.closed = true;
      },
    };
    return predictor;
  };
  return { factory, state };
}

function sink(isTTY = false): CliOutput & { text: string } {
  return {
    text: '',
    isTTY,
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

describe('runPredict', () => {
  it('reports every image in input order, writes the JSON report and closes the predictor', async () => {
    const { factory, state } = fakePredictor({ concurrency: 3 });
    const stdout = sink();
    const stderr = sink();
    const outcome = await runPredict({
      model: 'model.onnx',
      sources: ['.'],
      predict: { conf: 0.5 },
      json: 'out/report.json',
      predictor: factory,
      io: { stdout, stderr, cwd: root },
    });
    expect(state.spec).toEqual({ backend: 'onnx', model: join(root, 'model.onnx') });
    expect(state.maxInFlight).toBe(3);
    expect(state.closed).toBe(true);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.report.results.map((r) => r.source)).toEqual(['a.png', 'b.png', 'bad.png', 'c.png', 'd.png']);
    const written = JSON.parse(await readFile(join(root, 'out/report.json'), 'utf8'));
    expect(written).toEqual(JSON.parse(JSON.stringify(outcome.report)));
    expect(written.version).toBe(REPORT_VERSION);
    expect(Object.keys(written)).toEqual(['version', 'model', 'results']);
    expect(written.model.names).toEqual({ 0: 'person', 1: 'dog' });
    expect(Object.keys(written.results[0])).toEqual(['source', 'width', 'height', 'detections', 'speed']);
    expect(written.results[0].detections[0]).toEqual({ box: [1, 2, 30, 40], confidence: 0.9, classId: 0, className: 'person' });
    expect(written.results[2]).toEqual({
      source: 'bad.png',
      error: { code: 'IMAGE_UNREADABLE', message: expect.stringContaining('could not decode image bad.png') },
    });
    expect(stdout.text.split('\n').slice(0, 5)).toEqual([
      'model model.onnx: fake 0.0, input 640x640',
      'a.png 64x48: 1 person, 1 dog (6 ms)',
      'b.png 64x48: 1 person, 1 dog (6 ms)',
      'c.png 64x48: 1 person, 1 dog (6 ms)',
      'd.png 64x48: 1 person, 1 dog (6 ms)',
    ]);
    expect(stdout.text).toContain('5 images (1 failed), 8 detections');
    expect(stdout.text).toContain('results written to out/report.json');
    expect(stderr.text).toBe('error IMAGE_UNREADABLE: could not decode image bad.png: unsupported image format\n');
  });

  it('passes the validated options to every call', async () => {
    const calls: PredictOptions[] = [];
    const { factory } = fakePredictor({ calls });
    await runPredict({ model: 'model.onnx', sources: ['a.png'], predict: { conf: 0.4, classes: [0] }, predictor: factory, io: { stdout: sink(), stderr: sink(), cwd: root } });
    expect(calls).toEqual([{ conf: 0.4, iou: 0.7, maxDet: 300, classes: [0], agnostic: false, imgsz: undefined, retinaMasks: false }]);
  });

  it('with --json - writes the report to stdout and the summary to stderr', async () => {
    const { factory } = fakePredictor();
    const stdout = sink();
    const stderr = sink();
    const outcome = await runPredict({ model: 'model.onnx', sources: ['a.png'], json: '-', predictor: factory, io: { stdout, stderr, cwd: root } });
    expect(outcome.exitCode).toBe(0);
    expect(JSON.parse(stdout.text)).toEqual(JSON.parse(JSON.stringify(outcome.report)));
    expect(stderr.text).toMatch(/^model model\.onnx: fake 0\.0, input 640x640\na\.png 64x48: 1 person, 1 dog/);
  });

  it('writes annotated copies under the same names, renaming a clash', async () => {
    const { factory } = fakePredictor();
    const stderr = sink();
    await mkdir(join(root, 'sub'), { recursive: true });
    await copyFile(join(root, 'b.png'), join(root, 'sub/a.png'));
    await runPredict({
      model: 'model.onnx',
      sources: ['a.png', join(root, 'a.png'), 'b.png', 'sub/a.png'],
      save: 'annotated',
      predictor: factory,
      io: { stdout: sink(), stderr, cwd: root },
    });
    // The same file given twice is one image; sub/a.png cannot take a.png's name.
    expect((await readdir(join(root, 'annotated'))).sort()).toEqual(['a-2.png', 'a.png', 'b.png']);
    expect(stderr.text).toBe('warning: a.png is already taken in the --save folder; writing a-2.png\n');
    const original = await sharp(join(root, 'a.png')).raw().toBuffer();
    const annotated = await sharp(join(root, 'annotated/a.png')).raw().toBuffer({ resolveWithObject: true });
    expect([annotated.info.width, annotated.info.height]).toEqual([64, 48]);
    expect(annotated.data.equals(original)).toBe(false);
  });

  it('stops the run on an error that would fail every image, and still closes the predictor', async () => {
    const { factory, state } = fakePredictor({ fail: () => new UnsupportedOutputError([1, 7], 'output [1, 7] matches no layout') });
    const error = await runPredict({ model: 'model.onnx', sources: ['a.png', 'b.png'], predictor: factory, io: { stdout: sink(), stderr: sink(), cwd: root } }).catch((e: unknown) => e);
    expect((error as UnsupportedOutputError).code).toBe('MODEL_OUTPUT_UNSUPPORTED');
    expect(state.closed).toBe(true);
  });

  it("names the flag when the model rejects an option (a fixed input and --imgsz)", async () => {
    const { factory } = fakePredictor({
      fail: () => new InvalidOptionError('options.imgsz', 'options.imgsz 320x320 does not fit this model: its input is fixed at 640x640'),
    });
    const error = await runPredict({ model: 'model.onnx', sources: ['a.png'], predictor: factory, io: { stdout: sink(), stderr: sink(), cwd: root } }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('--imgsz 320x320 does not fit this model: its input is fixed at 640x640');
  });

  it('checks options, sources and the model file before loading anything', async () => {
    const { factory, state } = fakePredictor();
    const io = { stdout: sink(), stderr: sink(), cwd: root };
    await expect(runPredict({ model: 'model.onnx', sources: ['a.png'], predict: { conf: 2 }, predictor: factory, io })).rejects.toThrow(
      '--conf must be a number from 0 to 1, got 2',
    );
    await expect(runPredict({ model: 'model.onnx', sources: ['*.gif'], predictor: factory, io })).rejects.toBeInstanceOf(CliError);
    await expect(runPredict({ model: 'nope.onnx', sources: ['a.png'], predictor: factory, io })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    await expect(runPredict({ model: '', sources: ['a.png'], predictor: factory, io })).rejects.toMatchObject({ code: 'MODEL_REQUIRED' });
    expect(state.spec).toBeUndefined();
  });

  it('holds the summary back from a terminal while the progress bar runs there', async () => {
    const { factory } = fakePredictor();
    const stdout = sink(true);
    const stderr = Object.assign(sink(true), { columns: 80, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    const outcome = await runPredict({ model: 'model.onnx', sources: ['a.png', 'b.png', 'c.png', 'd.png'], predictor: factory, io: { stdout, stderr, cwd: root } });
    expect(outcome.report.results.filter((r) => !isImageError(r))).toHaveLength(4);
    expect(stdout.text.split('\n').slice(0, 2)).toEqual(['model model.onnx: fake 0.0, input 640x640', 'a.png 64x48: 1 person, 1 dog (6 ms)']);
  });
});

/** A predictor of a segmentation or pose model: one person per image, with a mask (a 10×8 block) or keypoints. */
function taskPredictor(task: SupportedTask, calls: PredictOptions[] = []): PredictorFactory {
  return async () => ({
    info: { ...info, task, metadata: { ...info.metadata, task, kptShape: task === 'pose' ? [17, 3] : undefined } },
    concurrency: 1,
    async predict(input, options) {
      const image = input as string;
      calls.push(options);
      const extras =
        task === 'segment'
          ? { mask: Mask.fromBitmap(new Uint8Array(80).fill(1), 64, 48, [5, 6, 10, 8]) }
          : { keypoints: Keypoints.fromJSON(Array.from({ length: 17 }, (_, k) => [10 + k, 20, k < 12 ? 0.9 : 0.2])) };
      return new Result({
        source: image,
        width: 64,
        height: 48,
        task,
        ...(task === 'pose' ? { skeleton: COCO_KEYPOINT_SKELETON } : {}),
        detections: [new Detection([4, 5, 16, 15], 0.9, 0, 'person', 64, 48, extras)],
        speed: { preprocess: 1, inference: 2, postprocess: 3 },
      });
    },
    async close() {},
  });
}

describe('runPredict with segmentation and pose models', () => {
  it('segment: names the task, counts masks, writes each mask as RLE and, with --segments, its polygon', async () => {
    const stdout = sink();
    const calls: PredictOptions[] = [];
    const outcome = await runPredict({
      model: 'seg.onnx',
      sources: ['a.png'],
      predict: { retinaMasks: true },
      json: 'seg.json',
      segments: true,
      predictor: taskPredictor('segment', calls),
      io: { stdout, stderr: sink(), cwd: root },
    });
    expect(calls[0].retinaMasks).toBe(true);
    expect(stdout.text.split('\n').slice(0, 2)).toEqual(['model seg.onnx: segment, fake 0.0, input 640x640', 'a.png 64x48: 1 person; 1 mask (6 ms)']);
    const written = JSON.parse(await readFile(join(root, 'seg.json'), 'utf8'));
    expect(written).toEqual(JSON.parse(JSON.stringify(outcome.report)));
    expect(Object.keys(written.results[0])).toEqual(['source', 'task', 'width', 'height', 'detections', 'speed']);
    const [detection] = written.results[0].detections;
    expect(Object.keys(detection)).toEqual(['box', 'confidence', 'classId', 'className', 'mask', 'segments']);
    expect(detection.mask.size).toEqual([48, 64]);
    expect(Mask.fromRle(detection.mask).area).toBe(80);
    expect(detection.segments).toEqual([[5, 6], [5, 13], [14, 13], [14, 6]]);
  });

  it('segment without --segments: the mask only', async () => {
    const outcome = await runPredict({ model: 'seg.onnx', sources: ['a.png'], predictor: taskPredictor('segment'), io: { stdout: sink(), stderr: sink(), cwd: root } });
    const [entry] = outcome.report.results;
    expect(isImageError(entry) ? [] : Object.keys(entry.detections[0])).toEqual(['box', 'confidence', 'classId', 'className', 'mask']);
  });

  it('pose: counts poses and visible keypoints, writes keypoints and the skeleton', async () => {
    const stdout = sink();
    const outcome = await runPredict({ model: 'pose.onnx', sources: ['a.png'], json: '-', predictor: taskPredictor('pose'), io: { stdout, stderr: stdout, cwd: root } });
    expect(stdout.text).toContain('a.png 64x48: 1 person; 1 pose, 12/17 keypoints visible (6 ms)');
    const [entry] = outcome.report.results;
    if (isImageError(entry)) throw new Error('expected a result');
    expect(Object.keys(entry)).toEqual(['source', 'task', 'width', 'height', 'detections', 'skeleton', 'speed']);
    expect(entry.detections[0].keypoints).toHaveLength(17);
    expect(entry.detections[0].keypoints?.[0]).toEqual([10, 20, expect.closeTo(0.9, 6)]);
    expect(entry.skeleton).toEqual(COCO_KEYPOINT_SKELETON.map(([a, b]) => [a, b]));
    expect(outcome.report.model.kptShape).toEqual([17, 3]);
  });

  it('--save draws the mask: the annotated copy differs inside it', async () => {
    await runPredict({ model: 'seg.onnx', sources: ['c.png'], save: 'seg-annotated', predictor: taskPredictor('segment'), io: { stdout: sink(), stderr: sink(), cwd: root } });
    const { data, info: image } = await sharp(join(root, 'seg-annotated/c.png')).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [...data.subarray((y * image.width + x) * image.channels, (y * image.width + x) * image.channels + 3)];
    expect(at(9, 10)).not.toEqual([90, 90, 90]); // inside the mask
    expect(at(40, 30)).toEqual([90, 90, 90]); // far from it
  });

  it('rejects --segments and --retina-masks on a model of another task, before any image', async () => {
    const calls: PredictOptions[] = [];
    const io = { stdout: sink(), stderr: sink(), cwd: root };
    await expect(
      runPredict({ model: 'pose.onnx', sources: ['a.png'], json: '-', segments: true, predictor: taskPredictor('pose', calls), io }),
    ).rejects.toThrow('--segments applies to segmentation models only; pose.onnx is a pose model');
    await expect(runPredict({ model: 'model.onnx', sources: ['a.png'], predict: { retinaMasks: true }, predictor: fakePredictor().factory, io })).rejects.toThrow(
      '--retina-masks applies to segmentation models only; model.onnx is a detect model',
    );
    expect(calls).toEqual([]);
    await expect(runPredict({ model: 'seg.onnx', sources: ['a.png'], segments: true, predictor: taskPredictor('segment'), io })).rejects.toThrow(
      '--segments adds mask polygons to the --json report',
    );
  });
});
