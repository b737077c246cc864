import { AbortError, InvalidOptionError } from '@yolokit/core';
import { LockTimeoutError } from './errors.js';

/** Options of one wait for an {@link AsyncLock}. */
export interface LockWaitOptions {
  /**
   * Give up waiting for the lock after this many milliseconds, with a `LockTimeoutError` (code `TIMEOUT`).
   * Bounds the wait only: a holder is never interrupted.
   * @defaultValue Infinity
   */
  readonly timeoutMs?: number;
  /** Give up waiting when this signal aborts, with an `AbortError` (code `ABORTED`). */
  readonly signal?: AbortSignal;
}

interface Waiter {
  grant: (release: () => void) => void;
  settled: boolean;
}

/**
 * A FIFO mutual-exclusion lock for async code: the Node.js counterpart of Python's `threading.Lock` as used by
 * Ultralytics' `ThreadingLocked`.
 *
 * **What it guarantees.** Between a successful {@link acquire} and the release, no other holder of the same lock
 * runs its critical section: critical sections never interleave, even across `await`s inside them. Waiters get
 * the lock strictly in the order they asked for it (a release hands the lock straight to the next waiter, so
 * no later caller can overtake). A waiter that times out or is aborted leaves the queue without ever holding
 * the lock.
 *
 * **What it is about in Node.** JavaScript on one thread never runs two pieces of bytecode at once, so the lock
 * does not protect against parallel execution: it protects state that lives across `await`s (a model's
 * per-call fields, TF.js's global engine and its graph executor, a native session that must not see a second
 * `run` before the first one resolves). It does nothing across threads or processes: each worker has its
 * own instance and needs no lock.
 *
 * @example
 * ```ts
 * import { AsyncLock } from '@yolokit/concurrency';
 * const lock = new AsyncLock();
 * const value = await lock.run(async () => {
 *   // critical section: no other lock.run() body runs until this one settles
 *   return 42;
 * }, { timeoutMs: 5_000 });
 * ```
 */
export class AsyncLock {
  #held = false;
  readonly #waiters: Waiter[] = [];

  /** Whether someone holds the lock now. */
  get locked(): boolean {
    return this.#held;
  }

  /** How many callers are waiting for the lock. */
  get pending(): number {
    return this.#waiters.length;
  }

  /**
   * Waits for the lock and resolves with its release function (idempotent). Always release in `finally`,
   * or use {@link run}.
   */
  acquire(options: LockWaitOptions = {}): Promise<() => void> {
    const { timeoutMs = Number.POSITIVE_INFINITY, signal } = options;
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new InvalidOptionError('options.timeoutMs', `options.timeoutMs must be a non-negative number of milliseconds or Infinity, got ${String(timeoutMs)}`));
    }
    if (signal?.aborted) return Promise.reject(abortErrorOf(signal));
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const leave = (error: Error): void => {
        if (waiter.settled) return;
        waiter.settled = true;
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        cleanup();
        reject(error);
      };
      const onAbort = (): void => leave(abortErrorOf(signal!));
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        settled: false,
        grant: (release) => {
          waiter.settled = true;
          cleanup();
          resolve(release);
        },
      };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => leave(new LockTimeoutError(timeoutMs)), timeoutMs);
    });
  }

  /** Runs `fn` while holding the lock and releases it however `fn` ends. */
  async run<T>(fn: () => T | Promise<T>, options?: LockWaitOptions): Promise<Awaited<T>> {
    const release = await this.acquire(options);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      // Hand over directly: the lock stays held, so nobody calling acquire() in between can barge in.
      if (next) next.grant(this.#releaser());
      else this.#held = false;
    };
  }
}

function abortErrorOf(signal: AbortSignal): AbortError {
  const reason = signal.reason;
  const detail = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : '';
  return new AbortError(`the wait for the lock was aborted${detail}`, { cause: reason });
}

/** Options of {@link threadingLocked}. */
export interface ThreadingLockedOptions extends LockWaitOptions {
  /**
   * The lock to use, to share one lock between several functions or objects.
   * @defaultValue a new lock per wrapped function; for the decorator, one per instance
   */
  readonly lock?: AsyncLock;
}

type AsyncMethod<This, Args extends unknown[], Return> = (this: This, ...args: Args) => Promise<Return>;

/**
 * Serialises calls of a function (or, as a TC39 decorator, of a method) through a FIFO {@link AsyncLock}: the
 * Node.js `ThreadingLocked`. Three forms:
 *
 * - `threadingLocked(fn, options?)` returns a locked wrapper of `fn` (one lock per wrapper unless `options.lock`).
 * - `@threadingLocked` on an async method locks per instance: calls on one object never interleave, calls on
 *   different objects run freely.
 * - `@threadingLocked({ timeoutMs, signal, lock })` the same with options.
 *
 * `timeoutMs` bounds each call's wait for the lock (`LockTimeoutError`, code `TIMEOUT`); `signal` cancels every
 * waiting call when it aborts (`AbortError`, code `ABORTED`). A call that holds the lock is never interrupted.
 *
 * @example
 * ```ts
 * import { threadingLocked } from '@yolokit/concurrency';
 *
 * class Counter {
 *   value = 0;
 *   @threadingLocked
 *   async increment(): Promise<number> {
 *     const seen = this.value;
 *     await new Promise((resolve) => setTimeout(resolve, 1));
 *     this.value = seen + 1; // no lost update: increments never interleave
 *     return this.value;
 *   }
 * }
 * const lockedFetch = threadingLocked(async (url: string) => (await fetch(url)).status, { timeoutMs: 10_000 });
 * ```
 */
export function threadingLocked<This, Args extends unknown[], Return>(
  method: AsyncMethod<This, Args, Return>,
  context: ClassMethodDecoratorContext<This, AsyncMethod<This, Args, Return>>,
): AsyncMethod<This, Args, Return>;
export function threadingLocked<Args extends unknown[], Return>(
  fn: (...args: Args) => Return | Promise<Return>,
  options?: ThreadingLockedOptions,
): (...args: Args) => Promise<Awaited<Return>>;
export function threadingLocked(
  options?: ThreadingLockedOptions,
): <This, Args extends unknown[], Return>(
  method: AsyncMethod<This, Args, Return>,
  context: ClassMethodDecoratorContext<This, AsyncMethod<This, Args, Return>>,
) => AsyncMethod<This, Args, Return>;
export function threadingLocked(first?: unknown, second?: unknown): unknown {
  if (typeof first === 'function') {
    if (isMethodContext(second)) return lockMethod(first as AsyncMethod<unknown, unknown[], unknown>, second, {});
    const options = checkOptions(second, 'threadingLocked(fn, options)');
    const lock = options.lock ?? new AsyncLock();
    const fn = first as (...args: unknown[]) => unknown;
    return function lockedFunction(this: unknown, ...args: unknown[]) {
      return lock.run(() => fn.apply(this, args), options);
    };
  }
  const options = checkOptions(first, 'threadingLocked(options)');
  return (method: AsyncMethod<unknown, unknown[], unknown>, context: ClassMethodDecoratorContext) => {
    if (!isMethodContext(context)) {
      throw new InvalidOptionError('decorator', `@threadingLocked decorates methods only, not a ${String((context as { kind?: unknown })?.kind)}`);
    }
    return lockMethod(method, context, options);
  };
}

function lockMethod(
  method: AsyncMethod<unknown, unknown[], unknown>,
  context: ClassMethodDecoratorContext,
  options: ThreadingLockedOptions,
): AsyncMethod<unknown, unknown[], unknown> {
  const locks = new WeakMap<object, AsyncLock>();
  const shared = options.lock;
  const lockFor = (self: unknown): AsyncLock => {
    if (shared) return shared;
    if (typeof self !== 'object' && typeof self !== 'function') return sharedFallback;
    let lock = locks.get(self as object);
    if (!lock) {
      lock = new AsyncLock();
      locks.set(self as object, lock);
    }
    return lock;
  };
  // A static method or a call with no receiver gets one lock for the method.
  const sharedFallback = new AsyncLock();
  const name = String(context.name);
  const locked = {
    [name](this: unknown, ...args: unknown[]) {
      return lockFor(this).run(() => method.apply(this, args), options);
    },
  }[name];
  return locked as AsyncMethod<unknown, unknown[], unknown>;
}

function isMethodContext(value: unknown): value is ClassMethodDecoratorContext {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'method';
}

function checkOptions(value: unknown, where: string): ThreadingLockedOptions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) {
    throw new InvalidOptionError('options', `${where}: options must be an object { timeoutMs?, signal?, lock? }, got ${String(value)}`);
  }
  const options = value as ThreadingLockedOptions;
  if (options.lock !== undefined && !(options.lock instanceof AsyncLock)) {
    throw new InvalidOptionError('options.lock', `${where}: options.lock must be an AsyncLock`);
  }
  if (options.timeoutMs !== undefined && (typeof options.timeoutMs !== 'number' || Number.isNaN(options.timeoutMs) || options.timeoutMs < 0)) {
    throw new InvalidOptionError('options.timeoutMs', `${where}: options.timeoutMs must be a non-negative number of milliseconds or Infinity, got ${String(options.timeoutMs)}`);
  }
  return options;
}
