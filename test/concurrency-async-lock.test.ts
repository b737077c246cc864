import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AsyncLock, LockTimeoutError, threadingLocked } from '@yolokit/concurrency';
import type { YoloError } from '@yolokit/core';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Compiles TypeScript using standard (TC39) decorators with TypeScript's own emitter, as a user's build would,
 * and imports it. (vitest's oxc transform only lowers legacy decorators, so the syntax cannot sit in this file.)
 */
async function compileDecorated<T>(body: string): Promise<T> {
  const concurrencyEntry = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('@yolokit/concurrency/package.json')), 'dist/index.js')).href;
  const source = `import { AsyncLock, threadingLocked } from ${JSON.stringify(concurrencyEntry)};\n${body}`;
  const { outputText, diagnostics } = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, experimentalDecorators: false },
    reportDiagnostics: true,
  });
  expect(diagnostics ?? []).toEqual([]);
  expect(outputText).not.toContain('@threadingLocked');
  const file = join(mkdtempSync(join(tmpdir(), 'yolokit-decorator-')), 'decorated.mjs');
  writeFileSync(file, outputText);
  return (await import(/* @vite-ignore */ pathToFileURL(file).href)) as T;
}

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A read-modify-write across an await: loses updates whenever two calls interleave. */
class Counter {
  value = 0;
  async increment(): Promise<number> {
    const seen = this.value;
    await tick(1);
    this.value = seen + 1;
    return this.value;
  }
}

describe('AsyncLock', () => {
  it('critical sections never interleave, across awaits', async () => {
    const lock = new AsyncLock();
    const log: string[] = [];
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        lock.run(async () => {
          log.push(`enter ${n}`);
          await tick(2);
          log.push(`leave ${n}`);
        }),
      ),
    );
    expect(log).toEqual(['enter 1', 'leave 1', 'enter 2', 'leave 2', 'enter 3', 'leave 3', 'enter 4', 'leave 4']);
  });

  it('grants in FIFO order and a release hands over directly: a late acquire() cannot barge in', async () => {
    const lock = new AsyncLock();
    const order: number[] = [];
    const release = await lock.acquire();
    const waiters = [1, 2, 3].map((n) =>
      lock.acquire().then((r) => {
        order.push(n);
        return r;
      }),
    );
    expect(lock.pending).toBe(3);
    release();
    // Between the release and waiter 1 running, someone new asks: it must queue behind 2 and 3.
    const late = lock.acquire().then((r) => {
      order.push(4);
      return r;
    });
    for (const w of [...waiters, late]) (await w)();
    expect(order).toEqual([1, 2, 3, 4]);
    expect(lock.locked).toBe(false);
  });

  it('a wait past timeoutMs rejects with LockTimeoutError (TIMEOUT) and leaves the queue; the holder is not interrupted', async () => {
    const lock = new AsyncLock();
    const release = await lock.acquire();
    const started = performance.now();
    const error = await lock.acquire({ timeoutMs: 30 }).catch((e: unknown) => e);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as YoloError).code).toBe('TIMEOUT');
    expect(lock.pending).toBe(0);
    expect(lock.locked).toBe(true);
    release();
    expect(lock.locked).toBe(false);
  });

  it('an AbortSignal cancels a wait (ABORTED); an already aborted signal rejects at once', async () => {
    const lock = new AsyncLock();
    const release = await lock.acquire();
    const controller = new AbortController();
    const waiting = lock.acquire({ signal: controller.signal });
    controller.abort(new Error('user left'));
    const error = (await waiting.catch((e: unknown) => e)) as YoloError;
    expect(error.code).toBe('ABORTED');
    expect(error.message).toContain('user left');
    expect(lock.pending).toBe(0);
    const pre = (await lock.acquire({ signal: AbortSignal.abort() }).catch((e: unknown) => e)) as YoloError;
    expect(pre.code).toBe('ABORTED');
    release();
  });

  it('run() releases when the body throws', async () => {
    const lock = new AsyncLock();
    await expect(lock.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(lock.locked).toBe(false);
    expect(await lock.run(() => 7)).toBe(7);
  });

  it('refuses a negative timeout with a precise message', async () => {
    await expect(new AsyncLock().acquire({ timeoutMs: -1 })).rejects.toThrow(
      'options.timeoutMs must be a non-negative number of milliseconds or Infinity, got -1',
    );
  });
});

describe('threadingLocked', () => {
  it('unlocked, the counter loses updates; wrapped, it counts every call', async () => {
    const plain = new Counter();
    await Promise.all(Array.from({ length: 10 }, () => plain.increment()));
    expect(plain.value).toBeLessThan(10);

    const counter = new Counter();
    const increment = threadingLocked(() => counter.increment());
    const seen = await Promise.all(Array.from({ length: 10 }, () => increment()));
    expect(counter.value).toBe(10);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('as a TC39 decorator (TypeScript 5 native, no experimentalDecorators): one lock per instance', async () => {
    const { LockedCounter, run } = await compileDecorated<{
      LockedCounter: new () => Counter;
      run: (a: Counter, b: Counter) => Promise<number>;
    }>(`
      export class LockedCounter {
        value = 0;
        @threadingLocked
        async increment() {
          const seen = this.value;
          await new Promise((resolve) => setTimeout(resolve, 1));
          this.value = seen + 1;
          return this.value;
        }
      }
      // Calls on a and b overlap (two locks); each object's own calls never interleave.
      export async function run(a, b) {
        let inside = 0, maxInside = 0;
        const track = async (c) => { inside++; maxInside = Math.max(maxInside, inside); await c.increment(); inside--; };
        await Promise.all([...Array.from({ length: 5 }, () => track(a)), ...Array.from({ length: 5 }, () => track(b))]);
        return maxInside;
      }
    `);
    const a = new LockedCounter();
    const b = new LockedCounter();
    const maxInside = await run(a, b);
    expect([a.value, b.value]).toEqual([5, 5]);
    expect(maxInside).toBeGreaterThan(1);
  });

  it('as a decorator factory with a shared lock and a timeout', async () => {
    const { Slow } = await compileDecorated<{ Slow: new () => { work(ms: number): Promise<string> } }>(`
      export const lock = new AsyncLock();
      export class Slow {
        @threadingLocked({ lock, timeoutMs: 20 })
        async work(ms) {
          await new Promise((resolve) => setTimeout(resolve, ms));
          return 'done';
        }
      }
    `);
    const first = new Slow().work(80);
    // Another instance, but the same shared lock: it waits, and gives up after 20 ms.
    const second = (await new Slow().work(1).catch((e: unknown) => e)) as YoloError;
    expect(second.code).toBe('TIMEOUT');
    expect(await first).toBe('done');
  });

  it('a wrapper-level signal cancels every waiting call', async () => {
    const controller = new AbortController();
    const slow = threadingLocked(async (ms: number) => tick(ms).then(() => ms), { signal: controller.signal });
    const running = slow(40);
    const waiting = [slow(1), slow(2)].map((p) => p.catch((e: YoloError) => e.code));
    await tick(5);
    controller.abort();
    expect(await Promise.all(waiting)).toEqual(['ABORTED', 'ABORTED']);
    expect(await running).toBe(40);
  });

  it('keeps `this` for wrapped functions', async () => {
    const target = {
      n: 3,
      get: threadingLocked(async function (this: { n: number }) {
        return this.n;
      }),
    };
    expect(await target.get()).toBe(3);
  });
});
