/**
 * Issue 15, finding 7 (the model and image items): errors that named the wrong thing.
 *
 * Before: a 2 GiB sparse model file (`truncate -s 2G`) was `MODEL_NOT_FOUND` ("cannot be read (File size
 * (2147483648) is greater than 2 GiB); check that it exists"), though it exists and is simply too large; a raw
 * image whose width was the string "640" was reported as "got 640x480", which reads as two valid numbers.
 * Now the model is `MODEL_INVALID` with its size and the limit it broke, refused from `fstat` before a byte is
 * read, and raw image fields are shown with `describeValue` (strings quoted).
 *
 * (The third item of the finding, a slow image URL body timing out as INFERENCE_FAILED, is the queue worker's
 * download in packages/queue, outside these packages.)
 */
import { cp, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from '@yolokit/backend-onnx';
import { tfjs } from '@yolokit/backend-tfjs';
import { createModel, describeImage, type RawImage, YoloError, type YoloModel } from '@yolokit/core';
import { defaultModelPath } from '@yolokit/default-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TWO_GIB = 2 * 1024 ** 3;

async function rejection(promise: Promise<unknown>): Promise<YoloError & { source?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(YoloError.isInstance(error), `expected a YoloError, got ${String(error)}`).toBe(true);
  return error as YoloError & { source?: string };
}

describe('a 2 GiB sparse model file', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'yolokit-hardening-sparse-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('is MODEL_INVALID with its size and the limit, not MODEL_NOT_FOUND (onnx), and is not read', async () => {
    const path = join(folder, 'sparse.onnx');
    await writeFile(path, '');
    await truncate(path, TWO_GIB); // what `truncate -s 2G` does: a hole, no data blocks
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const error = await rejection(createModel({ backend: onnx(), model: path }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.source).toBe(path);
    expect(error.message).toBe(
      `model file ${path} is refused: it is 2147483648 bytes (2.0 GiB), more than the limit of 2147483647 bytes (2.0 GiB) ` +
        "(LoadOptions.maxBytes: createModel's maxModelBytes); raise it if this is really the model",
    );
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('as a TF.js weight shard is MODEL_INVALID with its size too', async () => {
    const modelFolder = join(folder, 'sparse_web_model');
    await cp(defaultModelPath('tfjs'), modelFolder, { recursive: true });
    await truncate(join(modelFolder, 'group1-shard1of1.bin'), TWO_GIB);
    const error = await rejection(createModel({ backend: tfjs({ runtime: 'cpu', warmup: false }), model: modelFolder }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('weight shard group1-shard1of1.bin: it is 2147483648 bytes (2.0 GiB), more than the limit of');
  });
});

describe('raw image fields of the wrong type are reported as what they are', () => {
  let model: YoloModel;
  beforeAll(async () => {
    model = await createModel({ backend: onnx(), model: defaultModelPath('onnx') });
  });
  afterAll(async () => {
    await model?.dispose();
  });

  it('a width given as the string "640" is reported as a string, not a number', async () => {
    const image = { data: new Uint8Array(640 * 480 * 3), width: '640', height: 480, channels: 3 } as unknown as RawImage;
    const error = await rejection(model.predict(image));
    expect(error.code).toBe('IMAGE_UNREADABLE');
    expect(error.source).toBe('<raw "640"x480x3>');
    expect(error.message).toBe('raw image width and height must be positive integers (numbers), got width "640" and height 480');
    expect(describeImage(image)).toBe('<raw "640"x480x3>');
  });

  it('channels given as a string and data that is not bytes are reported as such', async () => {
    const channels = { data: new Uint8Array(4 * 4 * 3), width: 4, height: 4, channels: '3' } as unknown as RawImage;
    expect((await rejection(model.predict(channels))).message).toBe('raw image channels must be 3 (RGB) or 4 (RGBA), got "3"');
    const data = { data: [1, 2, 3], width: 1, height: 1, channels: 3 } as unknown as RawImage;
    expect((await rejection(model.predict(data))).message).toBe('raw image data must be a Uint8Array or Uint8ClampedArray, got [1,2,3]');
  });
});
