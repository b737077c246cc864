/**
 * Entry of a `threads` worker (run by piscina). The model is built from the spec in `workerData` as soon as the
 * thread starts and kept for the thread's life, so it is warm when the first task arrives.
 * @internal
 */
import { threadId, workerData } from 'node:worker_threads';
import type { ModelSpec } from './model-spec.js';
import { withTransfers } from './thread-reply.js';
import type { WireReply, WireTask, WorkerHello } from './wire.js';
import { type LoadState, loadForWorker, runWireTask } from './worker-runtime.js';

export type ThreadRequest =
  | { readonly type: 'hello' }
  | {
      /**
       * Dispose this thread's model. Sent once per worker at a graceful close: each dispose request holds its
       * thread until all `count` of them have arrived (`barrier[0]` counts arrivals), so piscina cannot hand
       * two to one thread.
       */
      readonly type: 'dispose';
      readonly barrier: Int32Array;
      readonly count: number;
    }
  | {
      readonly type: 'predict';
      readonly task: WireTask;
      /**
       * Shared with the main thread: `[0]` becomes 1 to cancel the task, `[1]` receives this thread's id so the
       * main thread can name a worker that dies.
       */
      readonly control: Int32Array;
    };

export type ThreadReply =
  | WireReply
  | { readonly ok: true; readonly hello: WorkerHello & { readonly threadId: number } }
  | { readonly ok: true; readonly disposed: true };

const spec = (workerData as { spec: ModelSpec }).spec;
const ready: Promise<LoadState> = loadForWorker(spec);

type WaitAsync = (array: Int32Array, index: number, value: number) => { async: boolean; value: Promise<string> | string };

export default async function handle(request: ThreadRequest): Promise<ThreadReply> {
  const state = await ready;
  if (request.type === 'dispose') {
    Atomics.add(request.barrier, 0, 1);
    Atomics.notify(request.barrier, 0);
    const deadline = Date.now() + 2_000;
    for (let seen = Atomics.load(request.barrier, 0); seen < request.count && Date.now() < deadline; seen = Atomics.load(request.barrier, 0)) {
      // Blocking on purpose: this thread must not take another request until every thread holds one.
      Atomics.wait(request.barrier, 0, seen, 50);
    }
    if ('model' in state) await state.model.dispose();
    return { ok: true, disposed: true };
  }
  if (request.type === 'hello') {
    if ('error' in state) return { ok: false, error: state.error };
    return { ok: true, hello: { ...state.hello, threadId } };
  }
  const { control } = request;
  Atomics.store(control, 1, threadId);
  const controller = new AbortController();
  // Wakes when the main thread stores 1 (cancel) or when we store 2 below (done); it never blocks the thread.
  const waited = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync(control, 0, 0);
  const onWake = (): void => {
    if (Atomics.load(control, 0) === 1) controller.abort(new Error('cancelled by the caller'));
  };
  if (waited.async) void (waited.value as Promise<string>).then(onWake);
  else onWake();
  try {
    return withTransfers(await runWireTask(state, request.task, controller.signal));
  } finally {
    if (Atomics.compareExchange(control, 0, 0, 2) === 0) Atomics.notify(control, 0);
  }
}
