import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { tfjs } from '@yolokit/backend-tfjs';
import { type Float32Tensor, ModelLoadError, parseUltralyticsMetadata, YoloError } from '@yolokit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyGraphModel } from '../packages/backend-tfjs/test-support/tiny-graph-model.js';

const backend = tfjs({ runtime: 'wasm' });
let root: string;
let server: Server;
let baseUrl: string;
const requests: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'yolokit-tfjs-loading-'));
  await writeTinyGraphModel(join(root, 'tiny'));
  server = createServer(async (request, response) => {
    requests.push(request.url ?? '');
    const file = normalize(join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)));
    try {
      if (!file.startsWith(root)) throw new Error('outside');
      const body = await readFile(file);
      response.writeHead(200).end(body);
    } catch {
      response.writeHead(404, 'Not Found').end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (root) await rm(root, { recursive: true, force: true });
});

function input(dims: readonly number[], value: (i: number) => number): Float32Tensor {
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = value(i);
  return { data, dims };
}

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<YoloError> {
  try {
    await promise;
  } catch (error) {
    expect(YoloError.isInstance(error), `a YoloError, got ${String(error)}`).toBe(true);
    return error as YoloError;
  }
  throw new Error('expected a rejection');
}

/** A copy of the tiny model in its own folder, damaged by `damage`. */
async function damagedCopy(name: string, damage: (folder: string) => Promise<void>, options = {}): Promise<string> {
  const folder = await writeTinyGraphModel(join(root, name), options);
  await damage(folder);
  return folder;
}

describe('TF.js backend: where a model is loaded from', () => {
  const expectTiny = async (source: string | URL) => {
    const session = await backend.load(source);
    try {
      expect(session.inputs).toEqual([{ name: 'x', shape: [1, 8, 8, 3] }]);
      expect(session.outputs).toEqual([{ name: 'Identity', shape: [1, 8, 8, 3] }]);
      expect(parseUltralyticsMetadata(session.metadata).names).toEqual({ 0: 'cat', 1: "kid's bike" });
      const [output] = await session.run(input([1, 8, 8, 3], () => 0.5));
      expect([...output.data.slice(0, 3)]).toEqual([0.5, 1, 1.5]); // x * [1, 2, 3]
    } finally {
      await session.dispose();
    }
  };

  it('a folder path', () => expectTiny(join(root, 'tiny')));
  it('a folder path with a trailing slash', () => expectTiny(`${join(root, 'tiny')}/`));
  it('the path of model.json', () => expectTiny(join(root, 'tiny', 'model.json')));
  it('a file: URL object and string', async () => {
    await expectTiny(pathToFileURL(join(root, 'tiny')));
    await expectTiny(pathToFileURL(join(root, 'tiny', 'model.json')).href);
  });

  it('an http URL of the folder, with or without a trailing slash, or of model.json, reading metadata.yaml beside it', async () => {
    requests.length = 0;
    await expectTiny(`${baseUrl}/tiny/`);
    await expectTiny(`${baseUrl}/tiny`);
    await expectTiny(new URL(`${baseUrl}/tiny/model.json`));
    expect(requests.filter((url) => url === '/tiny/metadata.yaml')).toHaveLength(3);
    expect(requests.filter((url) => url === '/tiny/group1-shard1of1.bin')).toHaveLength(3);
  });

  it('an http URL that answers 404 is MODEL_NOT_FOUND, naming the status', async () => {
    const error = await rejection(backend.load(`${baseUrl}/nothing-here/`));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toContain(`${baseUrl}/nothing-here/model.json answered HTTP 404`);
  });

  it('an http model whose shard is missing is MODEL_INVALID', async () => {
    await damagedCopy('http-no-shard', (folder) => rm(join(folder, 'group1-shard1of1.bin')));
    const error = await rejection(backend.load(`${baseUrl}/http-no-shard/`));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('weight shard group1-shard1of1.bin, listed in model.json, is missing');
  });
});

describe('TF.js backend: metadata.yaml', () => {
  it('a model without metadata.yaml loads with empty metadata', async () => {
    const session = await backend.load(await writeTinyGraphModel(join(root, 'no-metadata'), { metadataYaml: null }));
    expect(session.metadata).toEqual({});
    await session.dispose();
  });

  it('is parsed by a YAML library: quoting, nesting and numeric keys as Ultralytics writes them', async () => {
    const yaml = "names:\n  0: 'a: b'\n  1: \"it's\"\n  2: '20'\nimgsz: [320, 256]\nargs:\n  half: false\n";
    const session = await backend.load(await writeTinyGraphModel(join(root, 'yaml'), { metadataYaml: yaml }));
    expect(session.metadata).toEqual({ names: { 0: 'a: b', 1: "it's", 2: '20' }, imgsz: [320, 256], args: { half: false } });
    expect(parseUltralyticsMetadata(session.metadata).imgsz).toEqual([320, 256]);
    await session.dispose();
  });

  it('a metadata.yaml that is not YAML is MODEL_INVALID, the parser error chained', async () => {
    const folder = await writeTinyGraphModel(join(root, 'bad-yaml'), { metadataYaml: 'names: [unclosed\n  - : :' });
    const error = await rejection(backend.load(folder));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('metadata.yaml beside');
    expect(error.message).toContain('is not valid YAML');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('a metadata.yaml that is not a mapping is MODEL_INVALID', async () => {
    const folder = await writeTinyGraphModel(join(root, 'scalar-yaml'), { metadataYaml: '- just\n- a list\n' });
    const error = await rejection(backend.load(folder));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('must be a YAML mapping');
  });
});

describe('TF.js backend: broken and missing models', () => {
  it('a folder that does not exist is MODEL_NOT_FOUND, with the path and the ENOENT cause', async () => {
    const missing = join(root, 'does-not-exist');
    const error = await rejection(backend.load(missing));
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect((error as ModelLoadError).source).toBe(missing);
    expect(error.message).toContain(`no TF.js model at ${missing}: the path does not exist`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('a folder without model.json is MODEL_INVALID', async () => {
    const folder = await damagedCopy('no-model-json', (f) => rm(join(f, 'model.json')));
    const error = await rejection(backend.load(folder));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toBe(
      `not a TF.js graph model: ${join(folder, 'model.json')} does not exist (an export folder holds model.json, its weight shards and metadata.yaml)`,
    );
  });

  it('a model.json that is not JSON is MODEL_INVALID, the parser error chained', async () => {
    const folder = await damagedCopy('not-json', (f) => writeFile(join(f, 'model.json'), '{"format": "graph-model", '));
    const error = await rejection(backend.load(folder));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('is not JSON');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('an ONNX file given as model.json is MODEL_INVALID', async () => {
    const file = join(root, 'model.onnx');
    await writeFile(file, new Uint8Array([8, 7, 18, 4, 0x6f, 0x6e, 0x6e, 0x78]));
    expect((await rejection(backend.load(file))).code).toBe('MODEL_INVALID');
  });

  it('a layers-model is MODEL_INVALID, saying that graph models are expected', async () => {
    const folder = await damagedCopy('layers', async (f) => {
      const json = JSON.parse(await readFile(join(f, 'model.json'), 'utf8'));
      await writeFile(join(f, 'model.json'), JSON.stringify({ ...json, format: 'layers-model' }));
    });
    const error = await rejection(backend.load(folder));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain("its format is 'layers-model'; yolokit runs graph models");
  });

  it('a model.json without modelTopology.node or weightsManifest is MODEL_INVALID', async () => {
    const noNodes = await damagedCopy('no-nodes', async (f) => writeFile(join(f, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [] })));
    expect((await rejection(backend.load(noNodes))).message).toContain('has no modelTopology.node list');
    const noManifest = await damagedCopy('no-manifest', async (f) => {
      const json = JSON.parse(await readFile(join(f, 'model.json'), 'utf8'));
      await writeFile(join(f, 'model.json'), JSON.stringify({ ...json, weightsManifest: [{ paths: 'x.bin' }] }));
    });
    expect((await rejection(backend.load(noManifest))).message).toContain('has no valid weightsManifest');
  });

  it('a missing weight shard is MODEL_INVALID, naming the shard, the ENOENT chained', async () => {
    const folder = await damagedCopy('no-shard', (f) => rm(join(f, 'group1-shard1of1.bin')));
    const error = await rejection(backend.load(folder));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('weight shard group1-shard1of1.bin, listed in model.json, is missing');
    expect(((error.cause as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('a truncated weight shard is MODEL_INVALID, with the byte counts, and creates no tensor', async () => {
    const folder = await damagedCopy('short-shard', (f) => truncate(join(f, 'group1-shard1of1.bin'), 8));
    const before = tf.memory().numTensors;
    const error = await rejection(backend.load(folder));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain("its weight shards hold 8 bytes but model.json's weightsManifest needs 12");
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an op TF.js does not know is MODEL_INVALID, and the weights already decoded are freed', async () => {
    const folder = await writeTinyGraphModel(join(root, 'unknown-op'), { kind: 'unsupported-op' });
    const before = tf.memory().numTensors;
    const error = await rejection(backend.load(folder));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('YoloKitNoSuchOp');
    expect(error.cause).toBeInstanceOf(Error);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bytes are MODEL_INVALID: a TF.js model is a folder', async () => {
    const error = await rejection(backend.load(new Uint8Array(16)));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('a TF.js graph model is a folder');
  });

  it('an aborted signal rejects with ABORTED before reading anything', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user cancelled'));
    const error = await rejection(backend.load(join(root, 'tiny'), { signal: controller.signal }));
    expect(error.code).toBe('ABORTED');
    expect(error.message).toBe('the operation was aborted: user cancelled');
  });
});

describe('TF.js backend: graphs and shapes', () => {
  it('a graph with a dynamic-shape op runs with executeAsync; int32 outputs come back as float32, shapes -1', async () => {
    const session = await backend.load(await writeTinyGraphModel(join(root, 'where'), { kind: 'where' }));
    expect(session.outputs).toEqual([{ name: 'Identity', shape: [-1, -1] }]);
    const before = tf.memory().numTensors;
    // Two bright values: at (0, 0, 0, 1) and (0, 7, 7, 2).
    const bright = new Set([1, 8 * 8 * 3 - 1]);
    const [output] = await session.run(input([1, 8, 8, 3], (i) => (bright.has(i) ? 0.9 : 0.1)));
    expect(output.dims).toEqual([2, 4]);
    expect(output.data).toBeInstanceOf(Float32Array);
    expect([...output.data]).toEqual([0, 0, 0, 1, 0, 7, 7, 2]);
    expect(tf.memory().numTensors).toBe(before);
    await session.dispose();
  });

  it('a dynamic input is reported with -1 and runs at any size; output dims that follow it are -1', async () => {
    const session = await backend.load(await writeTinyGraphModel(join(root, 'dynamic'), { inputShape: [-1, -1, -1, 3] }));
    expect(session.inputs).toEqual([{ name: 'x', shape: [-1, -1, -1, 3] }]);
    expect(session.outputs).toEqual([{ name: 'Identity', shape: [-1, -1, -1, 3] }]);
    for (const [h, w] of [
      [8, 8],
      [16, 24],
    ]) {
      const [output] = await session.run(input([1, h, w, 3], () => 1));
      expect(output.dims).toEqual([1, h, w, 3]);
    }
    await session.dispose();
  });

  it('without warm-up, output shapes are unknown ([]) until the first run', async () => {
    const session = await tfjs({ runtime: 'wasm', warmup: false }).load(join(root, 'tiny'));
    expect(session.outputs).toEqual([{ name: 'Identity', shape: [] }]);
    await session.run(input([1, 8, 8, 3], () => 0));
    expect(session.outputs).toEqual([{ name: 'Identity', shape: [1, 8, 8, 3] }]);
    await session.dispose();
  });

  it('dispose() lets the calls queued before it finish, refuses later ones, then frees every tensor', async () => {
    const before = tf.memory().numTensors;
    const session = await backend.load(join(root, 'tiny'));
    expect(tf.memory().numTensors).toBe(before + 1); // the one weight, `scale`
    const queued = [1, 2, 3].map((value) => session.run(input([1, 8, 8, 3], () => value)));
    const disposed = session.dispose();
    const late = session.run(input([1, 8, 8, 3], () => 4)).then(
      () => 'resolved',
      (error) => error.code,
    );
    const outputs = await Promise.all(queued);
    expect(outputs.map(([output]) => output.data[2])).toEqual([3, 6, 9]);
    expect(await late).toBe('DISPOSED');
    await disposed;
    expect(tf.memory().numTensors).toBe(before);
  });

  it('never returns the caller’s input array, even from a pass-through graph', async () => {
    for (const runtime of ['cpu', 'wasm'] as const) {
      const session = await tfjs({ runtime }).load(await writeTinyGraphModel(join(root, `identity-${runtime}`), { kind: 'identity' }));
      const x = input([1, 8, 8, 3], (i) => i / 192);
      const [output] = await session.run(x);
      expect(output.data.buffer).not.toBe(x.data.buffer);
      expect(output.data).toEqual(x.data);
      x.data.fill(7);
      expect(output.data[1]).toBeCloseTo(1 / 192, 6);
      await session.dispose();
    }
  });
});
