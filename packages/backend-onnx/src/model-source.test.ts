import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readRegularFile, YoloError } from '@yolokit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FileReader, readModelSource } from './model-source.js';

const nodeReadFile: FileReader = readRegularFile;

async function failure(promise: Promise<unknown>): Promise<YoloError & { source?: string; option?: string }> {
  try {
    await promise;
  } catch (error) {
    expect(YoloError.isInstance(error)).toBe(true);
    return error as YoloError;
  }
  throw new Error('expected a rejection');
}

describe('readModelSource', () => {
  let folder: string;
  let modelPath: string;
  let server: Server;
  let base: string;
  const content = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'yolokit-model-source-'));
    modelPath = join(folder, 'model.onnx');
    await writeFile(modelPath, content);
    server = createServer((request, response) => {
      if (request.url === '/model.onnx') response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(content);
      else response.writeHead(404, 'Not Found').end('no such thing');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(folder, { recursive: true, force: true });
  });

  it('reads a path, a file: URL string and a file: URL object to the same bytes', async () => {
    for (const source of [modelPath, pathToFileURL(modelPath).href, pathToFileURL(modelPath)]) {
      const model = await readModelSource(source, { readFile: nodeReadFile });
      expect(Array.from(model.bytes)).toEqual(Array.from(content));
      expect(model.source).toBe(typeof source === 'string' ? source : source.href);
    }
  });

  it('downloads http URLs (string and URL)', async () => {
    for (const source of [`${base}/model.onnx`, new URL(`${base}/model.onnx`)]) {
      const model = await readModelSource(source, { readFile: nodeReadFile });
      expect(model.bytes.byteLength).toBe(1000);
      expect(model.bytes[250]).toBe(content[250]);
    }
  });

  it('uses a Uint8Array as is (no copy) and views an ArrayBuffer or another typed array', async () => {
    const bytes = new Uint8Array(16);
    const given = await readModelSource(bytes);
    expect(given.bytes).toBe(bytes);
    expect(given.source).toBe('<Uint8Array 16 bytes>');
    const fromBuffer = await readModelSource(bytes.buffer);
    expect(fromBuffer.bytes.buffer).toBe(bytes.buffer);
    expect(fromBuffer.source).toBe('<ArrayBuffer 16 bytes>');
    const view = await readModelSource(new Int8Array(bytes.buffer, 4, 8) as unknown as Uint8Array);
    expect(view.bytes.byteOffset).toBe(4);
    expect(view.bytes.byteLength).toBe(8);
  });

  it('MODEL_NOT_FOUND for a missing absolute path, naming the path and what to do', async () => {
    const missing = join(folder, 'nope.onnx');
    const error = await failure(readModelSource(missing, { readFile: nodeReadFile }));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.source).toBe(missing);
    expect(error.message).toBe(
      `model file not found: ${missing}. Check the path, or export a model with Ultralytics (yolo export model=yolov8n.pt format=onnx) and pass the .onnx file.`,
    );
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('MODEL_NOT_FOUND for a missing relative path names the working directory it was resolved against', async () => {
    const error = await failure(readModelSource('models/nope.onnx', { readFile: nodeReadFile }));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toContain(`models/nope.onnx (relative paths are resolved against the working directory, ${process.cwd()})`);
  });

  it('MODEL_NOT_FOUND for a path through a file (ENOTDIR) and for HTTP 404 with the status', async () => {
    expect((await failure(readModelSource(join(modelPath, 'inner.onnx'), { readFile: nodeReadFile }))).code).toBe('MODEL_NOT_FOUND');
    const error = await failure(readModelSource(`${base}/missing.onnx`, { readFile: nodeReadFile }));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toBe(`could not download the model from ${base}/missing.onnx: HTTP 404 Not Found; check the URL`);
  });

  it('MODEL_NOT_FOUND when the server cannot be reached, with the network error as cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(readModelSource(`http://127.0.0.1:${port}/model.onnx`));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toMatch(new RegExp(`^could not download the model from http://127.0.0.1:${port}/model.onnx \\(fetch failed: .*ECONNREFUSED`));
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('MODEL_INVALID for a directory', async () => {
    const error = await failure(readModelSource(folder, { readFile: nodeReadFile }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toBe(`${folder} is a directory; pass the .onnx file itself`);
  });

  it('a file: URL without a file reader (a browser) says what to do instead', async () => {
    const error = await failure(readModelSource(pathToFileURL(modelPath)));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toMatch(/file: URLs can only be read in Node; in a browser serve the model over http\(s\) or pass its bytes$/);
  });

  it('rejects sources of the wrong type and empty strings with INVALID_OPTION', async () => {
    const wrong = await failure(readModelSource(42 as unknown as string));
    expect(wrong.code).toBe('INVALID_OPTION');
    expect(wrong.message).toBe('the model source must be a file path, a URL, a Uint8Array or an ArrayBuffer, got 42');
    expect((await failure(readModelSource({ path: 'a.onnx' } as unknown as string))).message).toBe(
      'the model source must be a file path, a URL, a Uint8Array or an ArrayBuffer, got {"path":"a.onnx"}',
    );
    expect((await failure(readModelSource('  '))).message).toBe('the model source is an empty string; pass a path, a URL or the model bytes');
  });

  it('treats a Windows drive path as a path, not a URL with scheme "c:"', async () => {
    const seen: (string | URL)[] = [];
    const reader: FileReader = async (path) => {
      seen.push(path);
      return new Uint8Array(1);
    };
    await readModelSource('C:\\models\\yolov8n.onnx', { readFile: reader });
    expect(seen).toEqual(['C:\\models\\yolov8n.onnx']);
  });

  it('rejects with ABORTED for an aborted signal, before and during a read', async () => {
    const before = await failure(readModelSource(modelPath, { readFile: nodeReadFile, signal: AbortSignal.abort() }));
    expect(before.code).toBe('ABORTED');
    const controller = new AbortController();
    const slow: FileReader = (_path, { signal }) =>
      new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    const pending = readModelSource(modelPath, { readFile: slow, signal: controller.signal });
    controller.abort(new Error('user gave up'));
    const during = await failure(pending);
    expect(during.code).toBe('ABORTED');
    expect(during.message).toBe(`loading ${modelPath} was aborted`);
    expect((during.cause as Error).message).toBe('user gave up');
  });
});
