import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Backend, BackendSession, Float32Tensor, TensorLayout } from './backend.js';
import { YoloError } from './errors.js';
import { createModel } from './create-model.js';
import type { ImageInput } from './image-input.js';

/**
 * A fake session (a unit test of core's own seam): it records its input and answers with a fixed
 * YOLOv8-layout output holding one box at (cx 32, cy 32, w 20, h 10) in input pixels, class 1.
 */
function fakeBackend(layout: TensorLayout = 'NCHW', delayMs = 0) {
  const seen: Float32Tensor[] = [];
  const session: BackendSession = {
    inputs: [{ name: 'images', shape: layout === 'NCHW' ? [1, 3, 64, 64] : [1, 64, 64, 3] }],
    outputs: [{ name: 'output0', shape: [1, 6, 2] }],
    layout,
    metadata: { names: "{0: 'circle', 1: 'square'}", imgsz: '[64, 64]' },
    runtime: 'fake',
    async run(input) {
      seen.push({ data: input.data.slice(), dims: [...input.dims] });
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      // anchors: [box of class 1 scored 0.8], [box of class 0 scored 0.3]
      const data = Float32Array.from([32, 10, 32, 10, 20, 4, 10, 4, 0.1, 0.3, 0.8, 0.05]);
      return [{ data, dims: [1, 6, 2] }];
    },
    async dispose() {},
  };
  const backend: Backend = { name: 'fake', contractVersion: 1, load: async () => session };
  return { backend, seen };
}

function expectClose(actual: readonly number[], expected: readonly number[], digits: number): void {
  expect(actual).toHaveLength(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

/** A 320x160 solid RGB image (r 200, g 100, b 50). */
const solid = { data: new Uint8Array(320 * 160 * 3).map((_, i) => [200, 100, 50][i % 3]), width: 320, height: 160, channels: 3 as const };

describe('YoloModel.predict', () => {
  it('letterboxes, decodes and maps boxes back to original pixels', async () => {
    const { backend, seen } = fakeBackend();
    const model = await createModel({ backend, model: 'fake.onnx' });
    expect(model.info.imgsz).toEqual([64, 64]);
    const result = await model.predict(solid);
    expect([result.width, result.height]).toEqual([320, 160]);
    // r = 0.2, resized 64x32, top 16: [22, 27, 42, 37] → [110, 55, 210, 105]
    expect(result.detections).toHaveLength(2);
    const [first, second] = result.detections;
    expect(first.className).toBe('square');
    expect(first.classId).toBe(1);
    expect(first.confidence).toBeCloseTo(0.8, 6);
    expectClose(first.box, [110, 55, 210, 105], 4);
    expectClose(first.xywh, [160, 80, 100, 50], 4);
    expectClose(first.xyxyn, [110 / 320, 55 / 160, 210 / 320, 105 / 160], 6);
    expect(second.className).toBe('circle');
    // The tensor: NCHW, gray 114 padding above the image, the image's colour in the middle.
    const input = seen[0];
    expect(input.dims).toEqual([1, 3, 64, 64]);
    const at = (c: number, y: number, x: number) => input.data[c * 64 * 64 + y * 64 + x];
    expect(at(0, 0, 0)).toBeCloseTo(114 / 255, 6);
    expect(at(0, 15, 32)).toBeCloseTo(114 / 255, 6);
    expect(at(0, 32, 32)).toBeCloseTo(200 / 255, 2);
    expect(at(1, 32, 32)).toBeCloseTo(100 / 255, 2);
    expect(at(2, 32, 32)).toBeCloseTo(50 / 255, 2);
    expect(at(2, 63, 63)).toBeCloseTo(114 / 255, 6);
    expect(result.speed.inference).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(JSON.stringify(result))).toEqual({
      width: 320,
      height: 160,
      detections: [
        { box: first.box.map(Number), confidence: first.confidence, classId: 1, className: 'square' },
        { box: second.box.map(Number), confidence: second.confidence, classId: 0, className: 'circle' },
      ],
      speed: result.speed,
    });
  });

  it('reuses the input buffer of a finished run, and gives overlapping predictions buffers of their own', async () => {
    // Records the buffer object each run gets and the red value it holds while the run is in flight.
    const runs: { data: Float32Array; red: number }[] = [];
    let release: () => void = () => {};
    let gate: Promise<void> = Promise.resolve();
    const { backend } = fakeBackend();
    const session = await backend.load('fake.onnx');
    const run = session.run.bind(session);
    session.run = async (input) => {
      await gate;
      runs.push({ data: input.data, red: input.data[32 * 64 + 32] });
      return run(input);
    };
    const model = await createModel({ backend: { ...backend, load: async () => session }, model: 'fake.onnx' });
    const image = (red: number) => ({ ...solid, data: solid.data.map((v, i) => (i % 3 === 0 ? red : v)) });

    await model.predict(image(10));
    await model.predict(image(20));
    // One after the other: the second run got the first run's buffer back, rewritten with its own image.
    expect(runs[1].data).toBe(runs[0].data);
    expect([runs[0].red, runs[1].red].map((v) => Math.round(v * 255))).toEqual([10, 20]);

    // In flight together: each holds a buffer of its own while the other is being written.
    gate = new Promise((resolve) => (release = resolve));
    const both = Promise.all([model.predict(image(30)), model.predict(image(40))]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await both;
    expect(runs[2].data).not.toBe(runs[3].data);
    expect([runs[2].red, runs[3].red].map((v) => Math.round(v * 255)).sort()).toEqual([30, 40]);
  });

  it('feeds NHWC backends an NHWC tensor', async () => {
    const { backend, seen } = fakeBackend('NHWC');
    const model = await createModel({ backend, model: 'fake' });
    await model.predict(solid);
    expect(seen[0].dims).toEqual([1, 64, 64, 3]);
    expect(seen[0].data[(32 * 64 + 32) * 3]).toBeCloseTo(200 / 255, 2);
    expect(seen[0].data[0]).toBeCloseTo(114 / 255, 6);
  });

  it('keeps per-call options per call under concurrency', async () => {
    const { backend } = fakeBackend('NCHW', 5);
    const model = await createModel({ backend, model: 'fake', defaults: { conf: 0.2 } });
    const [all, strict, onlyCircles] = await Promise.all([
      model.predict(solid),
      model.predict(solid, { conf: 0.5 }),
      model.predict(solid, { classes: [0] }),
    ]);
    expect(all.detections.map((d) => d.classId)).toEqual([1, 0]);
    expect(strict.detections.map((d) => d.classId)).toEqual([1]);
    expect(onlyCircles.detections.map((d) => d.classId)).toEqual([0]);
  });

  it('rejects an imgsz that a fixed-size input cannot take', async () => {
    const { backend } = fakeBackend();
    const model = await createModel({ backend, model: 'fake' });
    await expect(model.predict(solid, { imgsz: 320 })).rejects.toMatchObject({ code: 'INVALID_OPTION', option: 'options.imgsz' });
  });

  it('honours an aborted signal', async () => {
    const { backend } = fakeBackend();
    const model = await createModel({ backend, model: 'fake' });
    await expect(model.predict(solid, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError', code: 'ABORTED' });
  });

  it('refuses to predict after dispose', async () => {
    const { backend } = fakeBackend();
    const model = await createModel({ backend, model: 'fake' });
    await model.dispose();
    await model.dispose();
    await expect(model.predict(solid)).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});

describe('bad images are typed errors', () => {
  async function codeOf(image: ImageInput) {
    const model = await createModel({ backend: fakeBackend().backend, model: 'fake' });
    try {
      await model.predict(image);
      return 'no error';
    } catch (error) {
      expect(YoloError.isInstance(error)).toBe(true);
      return (error as YoloError).code;
    }
  }

  it('zero bytes, text, truncated JPEG, missing file, tiny image, bad raw buffer', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#f00' } }).jpeg().toBuffer();
    expect(await codeOf(new Uint8Array(0))).toBe('IMAGE_UNREADABLE');
    expect(await codeOf(new TextEncoder().encode('this is not an image'))).toBe('IMAGE_UNREADABLE');
    expect(await codeOf(jpeg.subarray(0, jpeg.length / 2))).toBe('IMAGE_UNREADABLE');
    expect(await codeOf('/definitely/not/here.jpg')).toBe('IMAGE_UNREADABLE');
    const tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer();
    expect(await codeOf(tiny)).toBe('IMAGE_TOO_SMALL');
    expect(await codeOf({ data: new Uint8Array(10), width: 4, height: 4, channels: 3 })).toBe('IMAGE_UNREADABLE');
    expect(await codeOf(jpeg)).toBe('no error');
  });

  it('applies EXIF orientation and reports the oriented size', async () => {
    // A 60x20 image stored with orientation 6 (rotate 90°) is 20x60 once oriented.
    const rotated = await sharp({ create: { width: 60, height: 20, channels: 3, background: '#00f' } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const model = await createModel({ backend: fakeBackend().backend, model: 'fake' });
    const result = await model.predict(rotated);
    expect([result.width, result.height]).toEqual([20, 60]);
  });
});

describe('createModel validation', () => {
  it('names what is missing', async () => {
    await expect(createModel({ model: 'x' } as never)).rejects.toThrow('options.backend must be a Backend');
    await expect(createModel({ backend: fakeBackend().backend } as never)).rejects.toThrow('options.model is required');
    await expect(createModel({ backend: fakeBackend().backend, model: 'x', defaults: { conf: 3 } })).rejects.toThrow(
      'options.defaults.conf must be a number from 0 to 1, got 3',
    );
  });
});
