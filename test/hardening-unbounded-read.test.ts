/**
 * Issue 15, finding 2: a FIFO or a device as an image or model path jams the pool.
 *
 * Before: `readFile` opened a FIFO and waited for a writer, holding one of libuv's four threadpool threads
 * forever (four such images and nothing else in the process could read a file); `/dev/zero` was read until
 * memory ran out (1 GB in 10 s here); bytes and raw pixels had no byte limit at all. Now paths are opened
 * with `O_NONBLOCK`, checked with `fstat` on the opened descriptor (regular files only) and read with a byte
 * limit, the same limit (`createModel`'s `maxImageBytes`) for paths, `file:` URLs, bytes and raw pixels;
 * model files keep to `maxModelBytes` (`LoadOptions.maxBytes`) the same way.
 *
 * Every FIFO probe is raced against a deadline and its FIFO opened for writing afterwards, so that on code
 * that blocks the test fails instead of hanging, and the blocked thread is let go.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { cp, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { onnx } from '@yolokit/backend-onnx';
import { tfjs } from '@yolokit/backend-tfjs';
import { createModel, DEFAULT_MAX_IMAGE_BYTES, type ImageInput, readRegularFile, ReadLimitError, YoloError, type YoloModel } from '@yolokit/core';
import { defaultModelPath, generateScene } from '@yolokit/default-model';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DEADLINE_MS = 15_000;
const isLinux = process.platform === 'linux';

let folder: string;
let model: YoloModel;
let pngPath: string;
let pngBytes: Uint8Array;

async function mkfifo(name: string): Promise<string> {
  const path = join(folder, name);
  execFileSync('mkfifo', [path]);
  return path;
}

/**
 * Opens the FIFO for writing and closes it: a reader blocked in open() gets end-of-file and its thread back.
 * Synchronously, on this thread: when readers hold every threadpool thread, an async open() would queue
 * behind them forever.
 */
async function releaseFifo(path: string): Promise<void> {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // ENXIO: nobody is reading it, which is what the fixed code leaves.
  }
}

type Outcome = { settled: true; error?: unknown; value?: unknown } | { settled: false };

/** How `promise` ends within `ms`, never hanging the test. */
async function within(promise: Promise<unknown>, ms = DEADLINE_MS): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false }), ms);
  });
  try {
    return await Promise.race([promise.then((value) => ({ settled: true as const, value }), (error) => ({ settled: true as const, error })), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function yoloError(outcome: Outcome): YoloError {
  expect(outcome.settled, 'the call was still pending at the deadline (blocked)').toBe(true);
  const error = (outcome as { error?: unknown }).error;
  expect(YoloError.isInstance(error), `expected a YoloError, got ${String(error)}`).toBe(true);
  return error as YoloError;
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'yolokit-hardening-read-'));
  const scene = generateScene(3);
  pngBytes = new Uint8Array(await sharp(scene.data, { raw: { width: scene.width, height: scene.height, channels: 3 } }).png().toBuffer());
  pngPath = join(folder, 'scene.png');
  await writeFile(pngPath, pngBytes);
  model = await createModel({ backend: onnx(), model: defaultModelPath('onnx') });
  // Warm up sharp and onnxruntime so that memory measured later is the probe's own.
  await model.predict(pngPath);
});

afterAll(async () => {
  await model?.dispose();
  await rm(folder, { recursive: true, force: true });
});

describe.runIf(isLinux)('a FIFO as an image or model path', () => {
  it('an image path naming a FIFO is refused at once as IMAGE_UNREADABLE, not read', async () => {
    const fifo = await mkfifo('frame.jpg');
    const started = performance.now();
    const outcome = await within(model.predict(fifo));
    await releaseFifo(fifo);
    const error = yoloError(outcome);
    expect(error.code).toBe('IMAGE_UNREADABLE');
    expect(error.message).toBe(`cannot read image ${fifo}: it is a FIFO (named pipe), not a regular file; only regular files are read`);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('four FIFOs at once leave the threadpool free: a real image predicted after them still completes', async () => {
    const fifos = await Promise.all([1, 2, 3, 4].map((i) => mkfifo(`jam-${i}.jpg`)));
    const jams = fifos.map((fifo) => within(model.predict(pathToFileURL(fifo))));
    const after = await within(model.predict(pngPath), 10_000);
    const outcomes = await Promise.all(jams);
    await Promise.all(fifos.map(releaseFifo));
    expect(after.settled, 'a regular image after four FIFOs never completed: the libuv threadpool was jammed').toBe(true);
    expect((after as { error?: unknown }).error).toBeUndefined();
    for (const outcome of outcomes) expect(yoloError(outcome).message).toMatch(/it is a FIFO \(named pipe\), not a regular file/);
  });

  it('a model path naming a FIFO is refused as MODEL_INVALID (onnx)', async () => {
    const fifo = await mkfifo('model.onnx');
    const outcome = await within(createModel({ backend: onnx(), model: fifo }));
    await releaseFifo(fifo);
    const error = yoloError(outcome);
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toMatch(new RegExp(`^model file ${fifo} is refused: it is a FIFO \\(named pipe\\), not a regular file`));
  });

  it('a TF.js model.json that is a FIFO is refused as MODEL_INVALID (tfjs)', async () => {
    const tfjsFolder = join(folder, 'fifo_web_model');
    await cp(defaultModelPath('tfjs'), tfjsFolder, { recursive: true });
    await rm(join(tfjsFolder, 'model.json'));
    const fifo = join(tfjsFolder, 'model.json');
    execFileSync('mkfifo', [fifo]);
    const outcome = await within(createModel({ backend: tfjs({ runtime: 'cpu', warmup: false }), model: tfjsFolder }));
    await releaseFifo(fifo);
    const error = yoloError(outcome);
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toMatch(/model\.json: it is a FIFO \(named pipe\), not a regular file/);
  });
});

describe.runIf(isLinux)('a device as an image or model path', () => {
  async function refusedWithoutGrowth(call: () => Promise<unknown>): Promise<YoloError> {
    const before = process.memoryUsage().rss;
    const outcome = await within(call(), 5_000);
    const grown = process.memoryUsage().rss - before;
    const error = yoloError(outcome);
    // Reading /dev/zero grew memory by about 100 MB a second; refusing it costs nothing measurable.
    expect(grown).toBeLessThan(64 * 1024 * 1024);
    return error;
  }

  it('/dev/zero as an image is refused as IMAGE_UNREADABLE without reading it', async () => {
    const error = await refusedWithoutGrowth(() => model.predict('/dev/zero'));
    expect(error.code).toBe('IMAGE_UNREADABLE');
    expect(error.message).toBe('cannot read image /dev/zero: it is a character device, not a regular file; only regular files are read');
  });

  it('/dev/zero as a model is refused as MODEL_INVALID without reading it', async () => {
    const error = await refusedWithoutGrowth(() => createModel({ backend: onnx(), model: 'file:///dev/zero' }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toMatch(/^model file file:\/\/\/dev\/zero is refused: it is a character device, not a regular file/);
  });
});

describe('one byte limit for every way an image is handed over', () => {
  let small: YoloModel;
  let limit: number;
  let scene: ReturnType<typeof generateScene>;

  beforeAll(async () => {
    limit = pngBytes.byteLength - 1;
    scene = generateScene(5);
    small = await createModel({ backend: onnx(), model: defaultModelPath('onnx'), maxImageBytes: limit });
  });
  afterAll(async () => {
    await small?.dispose();
  });

  const cases: [string, () => ImageInput, string][] = [
    ['a path', () => pngPath, 'path'],
    ['a file: URL', () => pathToFileURL(pngPath), 'url'],
    ['a file: URL string', () => pathToFileURL(pngPath).href, 'url'],
    ['a Uint8Array', () => pngBytes, 'bytes'],
    ['an ArrayBuffer', () => pngBytes.slice().buffer, 'bytes'],
  ];
  for (const [what, input, kind] of cases) {
    it(`${what} one byte over maxImageBytes is refused as IMAGE_UNREADABLE with its size`, async () => {
      const error = yoloError(await within(small.predict(input())));
      expect(error.code).toBe('IMAGE_UNREADABLE');
      const size = `${pngBytes.byteLength} bytes`;
      expect(error.message).toContain(kind === 'path' || kind === 'url' ? `it is ${size}` : `is ${size}`);
      expect(error.message).toContain(`more than the limit of ${limit} bytes`);
      expect(error.message).toContain("raise createModel's maxImageBytes");
    });
  }

  it('raw pixels over maxImageBytes are refused with their size', async () => {
    const tight = await createModel({ backend: onnx(), model: defaultModelPath('onnx'), maxImageBytes: scene.data.byteLength - 1 });
    try {
      const error = yoloError(await within(tight.predict(scene)));
      expect(error.code).toBe('IMAGE_UNREADABLE');
      expect(error.message).toContain(`is ${scene.data.byteLength} bytes`);
      expect(error.message).toContain(`more than the limit of ${scene.data.byteLength - 1} bytes`);
    } finally {
      await tight.dispose();
    }
  });

  it('an image exactly at the limit is predicted, from a path and from bytes', async () => {
    const exact = await createModel({ backend: onnx(), model: defaultModelPath('onnx'), maxImageBytes: pngBytes.byteLength });
    try {
      const fromPath = await exact.predict(pngPath);
      const fromBytes = await exact.predict(pngBytes);
      expect([fromPath.width, fromPath.height]).toEqual([scene.width, scene.height]);
      expect(fromBytes.detections.map((d) => d.className)).toEqual(fromPath.detections.map((d) => d.className));
    } finally {
      await exact.dispose();
    }
  });

  it('the default limit is 256 MiB', () => {
    expect(DEFAULT_MAX_IMAGE_BYTES).toBe(268_435_456);
  });

  it('maxImageBytes, maxModelBytes and modelTimeoutMs are validated with precise messages', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ maxImageBytes: 0 }, 'options.maxImageBytes must be a positive integer, got 0'],
      [{ maxImageBytes: '100' }, 'options.maxImageBytes must be a positive integer, got "100"'],
      [{ maxModelBytes: 1.5 }, 'options.maxModelBytes must be a positive integer, got 1.5'],
      [{ modelTimeoutMs: 2 ** 31 }, 'options.modelTimeoutMs must be an integer from 1 to 2147483647, got 2147483648'],
    ];
    for (const [options, message] of cases) {
      const error = yoloError(await within(createModel({ backend: onnx(), model: defaultModelPath('onnx'), ...options })));
      expect(error.code).toBe('INVALID_OPTION');
      expect(error.message).toBe(message);
    }
  });
});

describe('model files keep to maxModelBytes', () => {
  it('an ONNX file over the limit is MODEL_INVALID with its size, from a path and from bytes', async () => {
    const path = defaultModelPath('onnx');
    const { size } = await stat(path);
    const fromPath = yoloError(await within(createModel({ backend: onnx(), model: path, maxModelBytes: size - 1 })));
    expect(fromPath.code).toBe('MODEL_INVALID');
    expect(fromPath.message).toContain(`it is ${size} bytes`);
    expect(fromPath.message).toContain(`more than the limit of ${size - 1} bytes`);
    const bytes = await readRegularFile(path, { maxBytes: size });
    const fromBytes = yoloError(await within(createModel({ backend: onnx(), model: bytes, maxModelBytes: size - 1 })));
    expect(fromBytes.code).toBe('MODEL_INVALID');
    expect(fromBytes.message).toContain(`is ${size} bytes`);
    const exact = await createModel({ backend: onnx(), model: path, maxModelBytes: size });
    await exact.dispose();
  });

  it("a TF.js model's files together over the limit are MODEL_INVALID", async () => {
    const folderPath = defaultModelPath('tfjs');
    const json = (await stat(join(folderPath, 'model.json'))).size;
    const shard = (await stat(join(folderPath, 'group1-shard1of1.bin'))).size;
    // model.json fits, the shard does not fit in what is left.
    const error = yoloError(await within(createModel({ backend: tfjs({ runtime: 'cpu', warmup: false }), model: folderPath, maxModelBytes: json + shard - 1 })));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain(`weight shard group1-shard1of1.bin: it is ${shard} bytes`);
    expect(error.message).toContain('for all the model');
  });
});

describe('readRegularFile', () => {
  it('reads a regular file and refuses a larger one with a ReadLimitError', async () => {
    expect(await readRegularFile(pngPath, { maxBytes: pngBytes.byteLength })).toEqual(pngBytes);
    const error = await readRegularFile(pngPath, { maxBytes: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadLimitError);
    expect((error as ReadLimitError).reason).toBe('too-large');
    expect((error as ReadLimitError).size).toBe(pngBytes.byteLength);
  });

  it.runIf(isLinux)('reads a file whose size fstat reports as 0 (/proc) up to the limit only', async () => {
    const status = await readRegularFile('/proc/self/status', { maxBytes: 1 << 20 });
    expect(new TextDecoder().decode(status)).toMatch(/^Name:/);
    const error = await readRegularFile('/proc/self/status', { maxBytes: 16 }).catch((e: unknown) => e);
    expect((error as ReadLimitError).reason).toBe('too-large');
    expect((error as ReadLimitError).size).toBe(17);
  });
});
