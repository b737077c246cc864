import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeCommandFlags, serveOptionsFromFlags } from './serve-command.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'yolokit-serve-command-'));
  await writeFile(join(root, 'a.onnx'), 'x');
  await writeFile(join(root, 'b.onnx'), 'x');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const flags = (extra: Partial<ServeCommandFlags> = {}): ServeCommandFlags => ({
  model: ['a.onnx'],
  name: [],
  backend: 'onnx',
  strategy: 'threads',
  queue: [],
  redis: 'redis://127.0.0.1:6379',
  host: '127.0.0.1',
  port: '8080',
  allowUrlOrigin: [],
  logLevel: 'info',
  ...extra,
});

describe('yolokit serve flags', () => {
  it('map to createServer options: models by position with their names, numbers parsed, the key from the environment', () => {
    const options = serveOptionsFromFlags(
      flags({ model: ['a.onnx', 'b.onnx'], name: ['first'], strategy: 'processes', workers: '2', maxQueue: '8', allowUrlOrigin: ['https://img.example.com'], timeoutMs: '5000', port: '0' }),
      root,
      { YOLOKIT_API_KEY: 'from-the-environment' },
    );
    const backend = { module: '@yolokit/backend-onnx', export: 'onnx', threadsOption: 'intraOpNumThreads' };
    expect(options.listen).toEqual({ host: '127.0.0.1', port: 0 });
    expect(options.server).toEqual({
      models: [
        { name: 'first', strategy: 'processes', model: { backend, model: join(root, 'a.onnx') }, workers: 2, maxQueue: 8 },
        { strategy: 'processes', model: { backend, model: join(root, 'b.onnx') }, workers: 2, maxQueue: 8 },
      ],
      apiKey: 'from-the-environment',
      urlFetch: { allowedOrigins: ['https://img.example.com'] },
      requestTimeoutMs: 5000,
    });
    expect(serveOptionsFromFlags(flags({ strategy: 'locked', apiKey: 'given-on-the-line' }), root, { YOLOKIT_API_KEY: 'x' }).server).toMatchObject({
      models: [{ strategy: 'locked', offMainThread: true, maxQueue: 64 }],
      apiKey: 'given-on-the-line',
    });
  });

  it('--strategy queue: one producer model per --queue, named by --name or the queue, on --redis; no model loaded here', () => {
    const options = serveOptionsFromFlags(flags({ strategy: 'queue', model: [], queue: ['detect', 'seg'], name: ['yolov8n'], redis: 'redis://10.0.0.5:6380', maxQueue: '16' }), root);
    expect(options.server.models).toEqual([
      { name: 'yolov8n', strategy: 'queue', queue: { name: 'detect', redis: 'redis://10.0.0.5:6380' }, maxQueue: 16 },
      { name: 'seg', strategy: 'queue', queue: { name: 'seg', redis: 'redis://10.0.0.5:6380' }, maxQueue: 16 },
    ]);
  });

  it('refuse wrong flags with the flag named', () => {
    const cases: Array<[Partial<ServeCommandFlags>, string]> = [
      [{ model: [] }, 'yolokit serve needs --model <file>'],
      [{ name: ['x', 'y'] }, '--name was given 2 times for 1 --model'],
      [{ strategy: 'lambda' }, `--strategy must be one of 'locked', 'threads', 'processes', 'auto', 'queue', got "lambda"`],
      [{ strategy: 'queue', model: [] }, 'yolokit serve --strategy queue needs --queue <name>'],
      [{ strategy: 'queue', queue: ['q'] }, '--model does not apply to --strategy queue: the workers load the model'],
      [{ strategy: 'queue', queue: ['q'], model: [], workers: '2' }, '--workers does not apply to --strategy queue'],
      [{ queue: ['q'] }, '--queue applies to --strategy queue, got --strategy threads'],
      [{ strategy: 'queue', queue: ['q'], model: [], name: ['a', 'b'] }, '--name was given 2 times for 1 --queue'],
      [{ strategy: 'locked', workers: '2' }, '--workers applies to --strategy threads or processes; locked chooses its own'],
      [{ workers: '0' }, '--workers must be a positive integer, got "0"'],
      [{ maxQueue: 'many' }, '--max-queue must be a positive integer, got "many"'],
      [{ port: '70000' }, '--port must be an integer from 0 to 65535, got "70000"'],
      [{ model: ['missing.onnx'] }, 'model file missing.onnx not found'],
    ];
    for (const [extra, message] of cases) expect(() => serveOptionsFromFlags(flags(extra), root), message).toThrow(message);
  });
});
