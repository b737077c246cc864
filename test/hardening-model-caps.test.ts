/**
 * Issue 15, finding 6 (the model's part): no caps where a model file can take the machine.
 *
 * Before: a model declaring a 100000 × 100000 input loaded, and its first prediction had sharp resize to that
 * size (900 MB of memory after 27 s, and climbing); a model URL was downloaded with no deadline (a server that
 * trickles its body held the load forever) and no size limit (the whole body was buffered: 870 MB after
 * 20 s of a 3 GB answer). Now the input a model declares is held to the bound of `imgsz` (8192 a side) when
 * the model is created, and model downloads keep to `timeoutMs` and `maxBytes` (`createModel`'s
 * `modelTimeoutMs` and `maxModelBytes`), both enforced while the body streams in.
 *
 * The HTTP servers here listen on 127.0.0.1 and are started by the test; nothing else is contacted.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from '@yolokit/backend-onnx';
import { tfjs } from '@yolokit/backend-tfjs';
import {
  type Backend,
  BACKEND_CONTRACT_VERSION,
  type BackendSession,
  createModel,
  DEFAULT_MAX_MODEL_BYTES,
  DEFAULT_MODEL_TIMEOUT_MS,
  MAX_INPUT_SIDE,
  resolveLoadOptions,
  type TensorLayout,
  YoloError,
} from '@yolokit/core';
import { defaultModelPath } from '@yolokit/default-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityOnnxModel } from './support/identity-onnx.js';

const DEADLINE_MS = 20_000;

async function rejection(promise: Promise<unknown>, ms = DEADLINE_MS): Promise<YoloError> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms);
  });
  const outcome = await Promise.race([promise.then(() => 'resolved' as const, (error: unknown) => ({ error })), deadline]);
  clearTimeout(timer);
  expect(outcome, 'expected a rejection').not.toBe('resolved');
  expect(outcome, `still pending after ${ms} ms`).not.toBe('pending');
  const { error } = outcome as { error: unknown };
  expect(YoloError.isInstance(error), `expected a YoloError, got ${String(error)}`).toBe(true);
  return error as YoloError;
}

/** A backend whose session declares `shape` for its input, and counts disposals. */
function declaringBackend(shape: number[], layout: TensorLayout, metadata: Record<string, unknown> = {}) {
  const state = { disposed: 0 };
  const session: BackendSession = {
    inputs: [{ name: 'images', shape }],
    outputs: [{ name: 'output0', shape: [1, 84, 8400] }],
    layout,
    metadata,
    runtime: 'declaring 0.0.0',
    run: async () => {
      throw new Error('never run');
    },
    dispose: async () => {
      state.disposed++;
    },
  };
  const backend: Backend = { name: 'declaring', contractVersion: BACKEND_CONTRACT_VERSION, load: async () => session };
  return { backend, state };
}

describe("the model's declared input is held to the bound of imgsz", () => {
  it('an ONNX model declaring a 100000 × 100000 input is refused when created, as MODEL_INVALID, without allocating it', async () => {
    const bytes = identityOnnxModel([1, 3, 100_000, 100_000], { names: "{0: 'thing'}" });
    const before = process.memoryUsage().rss;
    const error = await rejection(createModel({ backend: onnx(), model: bytes }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toBe(
      `model <Uint8Array ${bytes.byteLength} bytes> is refused: its input 'images' is declared as 1x3x100000x100000, an input of 100000x100000 pixels ` +
        '(120000000000 bytes (111.8 GiB) as float32), above 8192, the largest input side yolokit accepts (the same bound as imgsz). ' +
        'Re-export the model with imgsz 8192 or less.',
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('the bound is the one imgsz has: 8192 a side is accepted, 8193 refused (fixed NCHW and NHWC inputs)', async () => {
    expect(MAX_INPUT_SIDE).toBe(8192);
    const accepted = declaringBackend([1, 3, 8192, 8192], 'NCHW');
    const model = await createModel({ backend: accepted.backend, model: 'declared.onnx' });
    expect(model.info.imgsz).toEqual([8192, 8192]);
    await model.dispose();

    for (const [shape, layout] of [
      [[1, 3, 8193, 640], 'NCHW'],
      [[1, 640, 8193, 3], 'NHWC'],
    ] as const) {
      const refused = declaringBackend([...shape], layout);
      const error = await rejection(createModel({ backend: refused.backend, model: 'declared.onnx' }));
      expect(error.code).toBe('MODEL_INVALID');
      expect(error.message).toContain(`is declared as ${shape.join('x')}`);
      expect(error.message).toContain('above 8192');
      // The session loaded for nothing is released.
      expect(refused.state.disposed).toBe(1);
    }
    const imgsz = await rejection(createModel({ backend: onnx(), model: defaultModelPath('onnx'), defaults: { imgsz: 8193 } }));
    expect(imgsz.message).toMatch(/must be an integer from 32 to 8192/);
  });

  it('a dynamic input whose metadata gives imgsz 100000 is refused too', async () => {
    const { backend, state } = declaringBackend([1, 3, -1, -1], 'NCHW', { imgsz: '[100000, 100000]' });
    const error = await rejection(createModel({ backend, model: 'dynamic.onnx' }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('its metadata gives imgsz 100000x100000');
    expect(state.disposed).toBe(1);
  });

  it('a TF.js model declaring a 100000 × 100000 input is refused before its warm-up allocates one', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'yolokit-hardening-caps-'));
    try {
      const modelFolder = join(folder, 'huge_web_model');
      await cp(defaultModelPath('tfjs'), modelFolder, { recursive: true });
      const json = JSON.parse(await readFile(join(modelFolder, 'model.json'), 'utf8'));
      const huge = { dim: [{ size: '1' }, { size: '100000' }, { size: '100000' }, { size: '3' }] };
      json.signature.inputs.images.tensorShape = huge;
      for (const node of json.modelTopology.node) if (node.op === 'Placeholder') node.attr.shape.shape = huge;
      await writeFile(join(modelFolder, 'model.json'), JSON.stringify(json));
      const error = await rejection(createModel({ backend: tfjs({ runtime: 'cpu' }), model: modelFolder }));
      expect(error.code).toBe('MODEL_INVALID');
      expect(error.message).toContain('is declared as 1x100000x100000x3');
      expect(error.message).toContain('above 8192, the largest input side yolokit accepts');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('model downloads keep to timeoutMs and maxBytes while streaming', () => {
  let server: Server;
  let base: string;
  let onnxBytes: Uint8Array;
  /** Bytes each request's body had been sent when its connection closed. */
  const sent = new Map<string, number>();
  const open = new Set<ServerResponse>();

  function track(request: IncomingMessage, response: ServerResponse, written: () => number): void {
    open.add(response);
    request.socket.on('close', () => {
      open.delete(response);
      sent.set(request.url ?? '', written());
    });
  }

  /** Writes `chunk` forever (or until `limit` bytes), as fast as the client takes it. */
  function endless(request: IncomingMessage, response: ServerResponse, headers: Record<string, string | number> = {}): void {
    let written = 0;
    track(request, response, () => written);
    response.writeHead(200, { 'content-type': 'application/octet-stream', ...headers });
    const chunk = Buffer.alloc(64 * 1024, 7);
    const pump = () => {
      while (!response.destroyed && written < 1024 ** 3) {
        written += chunk.byteLength;
        if (!response.write(chunk)) return void response.once('drain', pump);
      }
    };
    pump();
  }

  /** Sends the first bytes, then one byte a second. */
  function trickle(request: IncomingMessage, response: ServerResponse): void {
    let written = 16;
    track(request, response, () => written);
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    response.write(Buffer.alloc(16));
    const timer = setInterval(() => {
      written++;
      response.write(Buffer.alloc(1));
    }, 1000);
    response.on('close', () => clearInterval(timer));
  }

  beforeAll(async () => {
    onnxBytes = await readFile(defaultModelPath('onnx'));
    const tfjsFolder = defaultModelPath('tfjs');
    server = createServer(async (request, response) => {
      const url = request.url ?? '';
      if (url === '/slow.onnx' || url === '/slow_web_model/model.json') return trickle(request, response);
      if (url === '/endless.onnx') return endless(request, response);
      if (url === '/declared.onnx') return endless(request, response, { 'content-length': 50 * 1024 ** 2 });
      if (url === '/model.onnx') return void response.writeHead(200).end(onnxBytes);
      if (url.startsWith('/endless_web_model/')) {
        // A real model.json and metadata.yaml, and a weight shard that never ends.
        if (url.endsWith('.bin')) return endless(request, response);
        return void response.writeHead(200).end(await readFile(join(tfjsFolder, url.slice('/endless_web_model/'.length))));
      }
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const response of open) response.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Waits until the server has seen the connection for `path` close. */
  async function closedAfter(path: string): Promise<number> {
    for (let i = 0; i < 100 && !sent.has(path); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent.has(path), `the download of ${path} was never cancelled`).toBe(true);
    return sent.get(path) as number;
  }

  it('defaults: 2 GiB − 1 byte and 5 minutes', () => {
    expect(DEFAULT_MAX_MODEL_BYTES).toBe(2_147_483_647);
    expect(DEFAULT_MODEL_TIMEOUT_MS).toBe(300_000);
    expect(resolveLoadOptions(undefined)).toEqual({ signal: undefined, maxBytes: 2_147_483_647, timeoutMs: 300_000 });
  });

  it('a model URL whose body trickles times out after timeoutMs as MODEL_NOT_FOUND saying so (onnx)', async () => {
    const started = performance.now();
    const error = await rejection(createModel({ backend: onnx(), model: `${base}/slow.onnx`, modelTimeoutMs: 1500 }));
    const elapsed = performance.now() - started;
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toBe(
      `could not download the model from ${base}/slow.onnx: it timed out: the download did not finish within 1500 ms ` +
        "(LoadOptions.timeoutMs: createModel's modelTimeoutMs); check the network, or raise the limit for a large model on a slow link",
    );
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(10_000);
    await closedAfter('/slow.onnx');
  });

  it('a model URL whose body never ends is cut off at maxBytes, not buffered, as MODEL_INVALID (onnx)', async () => {
    const limit = 1024 ** 2;
    const error = await rejection(createModel({ backend: onnx(), model: `${base}/endless.onnx`, maxModelBytes: limit }));
    expect(error.code).toBe('MODEL_INVALID');
    const stopped = new RegExp(`^the model at ${base}/endless.onnx is refused: the download was stopped at (\\d+) bytes \\(.+?\\), more than the limit of 1048576 bytes \\(1\\.0 MiB\\)`).exec(error.message);
    expect(stopped, error.message).not.toBeNull();
    // Stopped by the chunk that crossed the limit (undici hands over up to 64 KiB or so at a time).
    expect(Number(stopped?.[1])).toBeGreaterThan(limit);
    expect(Number(stopped?.[1])).toBeLessThan(limit + 1024 ** 2);
    // What the server got out before the client hung up: the limit and what sat in socket buffers, not 1 GiB.
    expect(await closedAfter('/endless.onnx')).toBeLessThan(16 * limit);
  });

  it('a Content-Length over maxBytes is refused before the body is read', async () => {
    const error = await rejection(createModel({ backend: onnx(), model: `${base}/declared.onnx`, maxModelBytes: 1024 ** 2 }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('its Content-Length is 52428800 bytes (50.0 MiB), more than the limit of 1048576 bytes (1.0 MiB)');
    expect(await closedAfter('/declared.onnx')).toBeLessThan(16 * 1024 ** 2);
  });

  it('a model within both limits still downloads and loads', async () => {
    const model = await createModel({ backend: onnx(), model: `${base}/model.onnx`, maxModelBytes: onnxBytes.byteLength, modelTimeoutMs: 60_000 });
    expect(model.info.imgsz).toEqual([160, 160]);
    await model.dispose();
  });

  it('TF.js: a trickling model.json times out, an endless weight shard is cut off', async () => {
    const slow = await rejection(createModel({ backend: tfjs({ runtime: 'cpu', warmup: false }), model: `${base}/slow_web_model/`, modelTimeoutMs: 1500 }));
    expect(slow.code).toBe('MODEL_NOT_FOUND');
    expect(slow.message).toContain('model.json: it timed out: the download did not finish within 1500 ms');

    const limit = 2 * 1024 ** 2;
    const endless = await rejection(createModel({ backend: tfjs({ runtime: 'cpu', warmup: false }), model: `${base}/endless_web_model/`, maxModelBytes: limit }));
    expect(endless.code).toBe('MODEL_INVALID');
    expect(endless.message).toMatch(/weight shard group1-shard1of1\.bin: the download was stopped at \d+ bytes/);
    expect(await closedAfter('/endless_web_model/group1-shard1of1.bin')).toBeLessThan(16 * limit);
  });

  it('backends validate LoadOptions themselves', async () => {
    const error = await rejection(onnx().load(`${base}/model.onnx`, { timeoutMs: 0 }));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toBe('options.timeoutMs must be an integer from 1 to 2147483647, got 0');
    const tfjsError = await rejection(tfjs({ runtime: 'cpu' }).load(`${base}/endless_web_model/`, { maxBytes: -1 }));
    expect(tfjsError.message).toBe('options.maxBytes must be a positive integer, got -1');
  });
});
