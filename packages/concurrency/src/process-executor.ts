import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deserializeError, type ImageInput, type ModelInfo, Result, type SerializedYoloError, type YoloError } from '@yolokit/core';
import { PredictorClosedError, WorkerDiedError } from './errors.js';
import type { Executor, WorkerInfo } from './executor.js';
import type { ModelSpec } from './model-spec.js';
import type { ChildMessage, ParentMessage } from './process-worker.js';
import { toWireImage, type WireOptions } from './wire.js';

/** Where the built child entry is: beside this file in `dist/`. */
export function processWorkerPath(): string {
  return fileURLToPath(new URL('./process-worker.js', import.meta.url));
}

interface Pending {
  readonly id: number;
  readonly image: ImageInput;
  readonly options: WireOptions | undefined;
  readonly signal: AbortSignal;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
  onAbort?: () => void;
}

interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  state: 'starting' | 'ready' | 'exited';
  task: Pending | undefined;
  readonly exited: Promise<void>;
  /** Settles the start() wait of this child. */
  started: (error?: YoloError) => void;
}

/**
 * `processes`: one model instance per child process (`child_process.fork`, IPC with the structured-clone
 * serializer, so bytes and typed arrays cross without JSON). A child that dies is replaced; its task rejects
 * with `WorkerDiedError`; others are unaffected. A replacement whose model fails to load is not retried in a
 * loop: once no child is left, waiting tasks reject with the load error.
 * @internal
 */
export class ProcessExecutor implements Executor {
  readonly concurrency: number;
  readonly #spec: ModelSpec;
  readonly #children = new Set<Child>();
  readonly #waiting: Pending[] = [];
  #nextId = 1;
  #closing = false;
  #lastLoadError: YoloError | undefined;
  #info: ModelInfo | undefined;
  #deaths = 0;

  constructor(config: { spec: ModelSpec; workers: number }) {
    this.#spec = config.spec;
    this.concurrency = config.workers;
  }

  async start(): Promise<void> {
    const starts = Array.from({ length: this.concurrency }, () => this.#spawn());
    const results = await Promise.all(starts);
    const failure = results.find((error) => error !== undefined);
    if (failure) {
      await this.close('abort');
      throw failure;
    }
  }

  execute(image: ImageInput, options: WireOptions | undefined, signal: AbortSignal): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      if (this.#closing) {
        reject(new PredictorClosedError());
        return;
      }
      const pending: Pending = { id: this.#nextId++, image, options, signal, resolve, reject };
      pending.onAbort = () => {
        const index = this.#waiting.indexOf(pending);
        if (index >= 0) {
          this.#waiting.splice(index, 1);
          reject(signal.reason);
          return;
        }
        const child = [...this.#children].find((c) => c.task === pending);
        if (child) send(child, { type: 'cancel', id: pending.id });
      };
      signal.addEventListener('abort', pending.onAbort, { once: true });
      this.#waiting.push(pending);
      this.#pump();
    });
  }

  info(): ModelInfo | undefined {
    return this.#info;
  }

  workers(): WorkerInfo[] {
    return [...this.#children].filter((c) => c.state !== 'exited').map((c) => ({ kind: 'process', id: c.pid }));
  }

  workerDeaths(): number {
    return this.#deaths;
  }

  async close(mode: 'drain' | 'abort'): Promise<void> {
    this.#closing = true;
    for (const pending of this.#waiting.splice(0)) this.#settle(pending, new PredictorClosedError());
    const children = [...this.#children];
    for (const child of children) {
      if (child.state === 'exited') continue;
      if (mode === 'abort' || child.state === 'starting') child.process.kill('SIGKILL');
      // Graceful: the child disposes its model and exits; the IPC disconnect is the fallback signal.
      else send(child, { type: 'close' });
    }
    const forced = setTimeout(() => {
      for (const child of children) if (child.state !== 'exited') child.process.kill('SIGKILL');
    }, 5_000);
    await Promise.all(children.map((c) => c.exited));
    clearTimeout(forced);
  }

  #spawn(): Promise<YoloError | undefined> {
    const proc = fork(processWorkerPath(), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Debugger flags would make every child fight for the parent's inspector port.
      execArgv: process.execArgv.filter((arg) => !arg.startsWith('--inspect')),
    });
    let startedResolve!: (error?: YoloError) => void;
    const started = new Promise<YoloError | undefined>((resolve) => {
      startedResolve = resolve;
    });
    let exitedResolve!: () => void;
    const child: Child = {
      process: proc,
      pid: proc.pid ?? -1,
      state: 'starting',
      task: undefined,
      exited: new Promise<void>((resolve) => {
        exitedResolve = resolve;
      }),
      started: (error) => startedResolve(error),
    };
    this.#children.add(child);
    proc.on('message', (raw) => this.#onMessage(child, raw as ChildMessage));
    proc.once('error', (error) => {
      // fork() failed or the IPC channel broke; 'exit' may or may not follow.
      if (child.state === 'starting') child.started(new WorkerDiedError('process', child.pid, `could not start: ${error.message}`, { cause: error }));
    });
    proc.once('exit', (code, signal) => {
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      const wasStarting = child.state === 'starting';
      child.state = 'exited';
      this.#children.delete(child);
      exitedResolve();
      if (wasStarting) child.started(new WorkerDiedError('process', child.pid, `${how} while loading the model`));
      const task = child.task;
      child.task = undefined;
      if (task) this.#settle(task, new WorkerDiedError('process', child.pid, how));
      if (!this.#closing && !wasStarting) {
        // Counted whether it had a task or not: an idle child killed by the OOM killer is a restart too.
        this.#deaths += 1;
        // Replace it; a replacement that fails to load is reported through #lastLoadError.
        void this.#spawn().then((error) => {
          if (error) this.#lastLoadError = error;
          this.#pump();
        });
      }
      this.#pump();
    });
    send(child, { type: 'init', spec: this.#spec });
    return started;
  }

  #onMessage(child: Child, message: ChildMessage): void {
    switch (message.type) {
      case 'ready':
        this.#info ??= message.info;
        child.state = 'ready';
        this.#idle(child);
        child.started();
        this.#pump();
        break;
      case 'load-failed': {
        const error = deserializeError(message.error);
        this.#lastLoadError = error;
        child.started(error);
        child.process.kill('SIGKILL');
        break;
      }
      case 'reply': {
        const task = child.task;
        if (!task || task.id !== message.id) return;
        child.task = undefined;
        this.#idle(child);
        const reply = message.reply;
        this.#settle(task, reply.ok ? Result.fromWire(reply.result) : deserializeError(reply.error as SerializedYoloError));
        this.#pump();
        break;
      }
    }
  }

  #pump(): void {
    for (const child of this.#children) {
      if (this.#waiting.length === 0) return;
      if (child.state !== 'ready' || child.task) continue;
      const task = this.#waiting.shift()!;
      let wire: ReturnType<typeof toWireImage>;
      try {
        wire = toWireImage(task.image, false);
      } catch (error) {
        this.#settle(task, error);
        continue;
      }
      child.task = task;
      this.#busy(child);
      send(child, { type: 'predict', id: task.id, task: { image: wire.image, options: task.options } });
    }
    // Nobody left to run the waiting tasks and nobody coming: fail them instead of hanging.
    if (this.#waiting.length > 0 && this.#children.size === 0 && !this.#closing) {
      const error = this.#lastLoadError ?? new WorkerDiedError('process', 0, 'no worker process is left');
      for (const pending of this.#waiting.splice(0)) this.#settle(pending, error);
    }
  }

  #settle(pending: Pending, outcome: Result | unknown): void {
    if (pending.onAbort) pending.signal.removeEventListener('abort', pending.onAbort);
    if (outcome instanceof Result) pending.resolve(outcome);
    else pending.reject(outcome);
  }

  /** An idle child must not keep the parent's event loop alive (a forgotten close() should not hang an app). */
  #idle(child: Child): void {
    child.process.unref();
    (child.process.channel as { unref?: () => void } | undefined)?.unref?.();
  }

  #busy(child: Child): void {
    child.process.ref();
    (child.process.channel as { ref?: () => void } | undefined)?.ref?.();
  }
}

function send(child: Child, message: ParentMessage): void {
  if (child.state === 'exited' || !child.process.connected) return;
  child.process.send(message, (error) => {
    // A send that fails means the child is gone; its 'exit' handler settles the task.
    if (error) child.process.kill('SIGKILL');
  });
}
