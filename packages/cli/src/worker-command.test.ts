import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { type WorkerCommandFlags, workerOptionsFromFlags } from './worker-command.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'yolokit-worker-command-'));
  await writeFile(join(root, 'model.onnx'), 'x');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const flags = (extra: Partial<WorkerCommandFlags> = {}): WorkerCommandFlags => ({
  queue: 'detect',
  redis: 'redis://127.0.0.1:6379',
  model: 'model.onnx',
  backend: 'onnx',
  strategy: 'threads',
  ...extra,
});

describe('yolokit worker flags', () => {
  it('map to the queue worker options: the model resolved against the working folder, numbers parsed', () => {
    expect(
      workerOptionsFromFlags(
        flags({ concurrency: '8', workers: '4', threadsPerWorker: '1', lockDuration: '4000', stalledInterval: '1000', shutdownTimeout: '3000', taskTimeout: '9000', maxImageBytes: '1000', prefix: 'p', name: 'gpu-1' }),
        root,
      ),
    ).toEqual({
      queue: 'detect',
      redis: 'redis://127.0.0.1:6379',
      model: { backend: { module: '@yolokit/backend-onnx', export: 'onnx', threadsOption: 'intraOpNumThreads' }, model: join(root, 'model.onnx') },
      strategy: 'threads',
      prefix: 'p',
      name: 'gpu-1',
      concurrency: 8,
      workers: 4,
      threadsPerWorker: 1,
      maxImageBytes: 1000,
      lockDurationMs: 4000,
      stalledIntervalMs: 1000,
      shutdownTimeoutMs: 3000,
      taskTimeoutMs: 9000,
    });
  });

  it('--backend tfjs with --strategy processes (tfjs-node is not safe in worker threads)', () => {
    const options = workerOptionsFromFlags(flags({ backend: 'tfjs', strategy: 'processes' }), root);
    expect(options.model.backend).toEqual({ module: '@yolokit/backend-tfjs', export: 'tfjs', threadsOption: null });
    expect(options.strategy).toBe('processes');
  });

  for (const [flag, key] of [
    ['--concurrency', 'concurrency'],
    ['--workers', 'workers'],
    ['--threads-per-worker', 'threadsPerWorker'],
    ['--max-image-bytes', 'maxImageBytes'],
    ['--lock-duration', 'lockDuration'],
    ['--stalled-interval', 'stalledInterval'],
    ['--shutdown-timeout', 'shutdownTimeout'],
    ['--task-timeout', 'taskTimeout'],
  ] as const) {
    it(`${flag} must be a positive integer`, () => {
      expect(() => workerOptionsFromFlags(flags({ [key]: '0' }), root)).toThrow(`${flag} must be a positive integer, got "0"`);
      expect(() => workerOptionsFromFlags(flags({ [key]: '2.5' }), root)).toThrow(`${flag} must be a positive integer, got "2.5"`);
    });
  }

  it('--allow-root (repeatable, resolved against the working folder), --allow-url and --allow-oversubscribe reach the worker', () => {
    const options = workerOptionsFromFlags(flags({ allowRoot: ['.', root], allowUrl: ['https://images.example.com/uploads/'], allowOversubscribe: true }), root);
    expect(options).toMatchObject({ allowRoots: [root, root], allowUrls: ['https://images.example.com/uploads/'], allowOversubscribe: true });
    expect(workerOptionsFromFlags(flags(), root)).not.toHaveProperty('allowRoots');
  });

  it('--allow-root must be an existing folder, --allow-url an absolute http(s) URL', () => {
    expect(() => workerOptionsFromFlags(flags({ allowRoot: ['nope'] }), root)).toThrow('--allow-root "nope" does not exist: give an existing folder whose files jobs may name');
    expect(() => workerOptionsFromFlags(flags({ allowRoot: ['model.onnx'] }), root)).toThrow('--allow-root "model.onnx" is not a folder');
    for (const prefix of ['images.example.com/', 'file:///srv/images/', 'ftp://example.com/']) {
      expect(() => workerOptionsFromFlags(flags({ allowUrl: [prefix] }), root)).toThrow(`--allow-url must be an absolute http: or https: URL prefix such as https://images.example.com/uploads/, got ${JSON.stringify(prefix)}`);
    }
  });

  it('--queue and --model are required', () => {
    expect(() => workerOptionsFromFlags(flags({ queue: undefined }), root)).toThrow('yolokit worker needs --queue <name>');
    expect(() => workerOptionsFromFlags(flags({ model: undefined }), root)).toThrow('yolokit worker needs --model <file>');
  });

  it('a model file that does not exist is MODEL_NOT_FOUND', () => {
    expect(() => workerOptionsFromFlags(flags({ model: 'nope.onnx' }), root)).toThrow(expect.objectContaining({ code: 'MODEL_NOT_FOUND' }));
  });
});

describe('yolokit worker through runCli', () => {
  async function run(args: string[]) {
    const out = { stdout: '', stderr: '' };
    const code = await runCli(args, { io: { cwd: root, stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } } });
    return { code, ...out };
  }

  it('is listed by --help, and worker --help lists every flag', async () => {
    expect((await run(['--help'])).stdout).toMatch(/worker .*serve a prediction queue/);
    const { code, stdout } = await run(['worker', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--queue', '--redis', '--model', '--backend', '--concurrency', '--strategy', '--workers', '--threads-per-worker', '--prefix', '--name', '--max-image-bytes', '--allow-root', '--allow-url', '--allow-oversubscribe', '--lock-duration', '--stalled-interval', '--shutdown-timeout', '--task-timeout']) {
      expect(stdout).toContain(flag);
    }
  });

  it('a wrong flag is a usage error (exit 2) and nothing starts', async () => {
    expect(await run(['worker', '--queue', 'q', '--model', 'model.onnx', '--workers', 'two'])).toMatchObject({ code: 2, stderr: 'error INVALID_OPTION: --workers must be a positive integer, got "two"\n' });
    const strategy = await run(['worker', '--queue', 'q', '--model', 'model.onnx', '--strategy', 'locked']);
    expect(strategy.code).toBe(2);
    expect(strategy.stderr).toMatch(/error USAGE: option '--strategy <name>' argument 'locked' is invalid/);
    expect((await run(['worker', '--model', 'model.onnx'])).code).toBe(2);
  });

  it('--workers over 4 threads per core is refused with the flags named (exit 2), unless --allow-oversubscribe', async () => {
    const { code, stderr } = await run(['worker', '--queue', 'q', '--model', 'model.onnx', '--workers', '10000']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error INVALID_OPTION: --workers × --threads-per-worker = 10000 × 1 = 10000 runtime threads, more than 4 per core .* give --allow-oversubscribe to run that many anyway\n$/);
  });

  it('a missing model file fails with MODEL_NOT_FOUND (exit 1)', async () => {
    const { code, stderr } = await run(['worker', '--queue', 'q', '--model', 'missing.onnx']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error MODEL_NOT_FOUND: model file missing\.onnx not found/);
  });
});
