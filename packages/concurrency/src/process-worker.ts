/**
 * Entry of a `processes` worker (a child started with `child_process.fork`, advanced serialization). Builds its
 * own model from the spec sent in the `init` message, runs one task at a time as the parent sends them, and
 * exits when the parent disconnects (so it never outlives the parent, even if the parent is killed).
 * @internal
 */
import type { ModelInfo, SerializedYoloError } from '@yolokit/core';
import type { ModelSpec } from './model-spec.js';
import type { WireReply, WireTask } from './wire.js';
import { type LoadState, loadForWorker, runWireTask } from './worker-runtime.js';

export type ParentMessage =
  | { readonly type: 'init'; readonly spec: ModelSpec }
  | { readonly type: 'predict'; readonly id: number; readonly task: WireTask }
  | { readonly type: 'cancel'; readonly id: number }
  | { readonly type: 'close' };

export type ChildMessage =
  | { readonly type: 'ready'; readonly info: ModelInfo }
  | { readonly type: 'load-failed'; readonly error: SerializedYoloError }
  | { readonly type: 'reply'; readonly id: number; readonly reply: WireReply };

let state: LoadState | undefined;
const running = new Map<number, AbortController>();

function send(message: ChildMessage): void {
  process.send?.(message);
}

process.on('message', (raw) => {
  const message = raw as ParentMessage;
  switch (message.type) {
    case 'init':
      void loadForWorker(message.spec).then((loaded) => {
        state = loaded;
        if ('error' in loaded) send({ type: 'load-failed', error: loaded.error });
        else send({ type: 'ready', ...loaded.hello });
      });
      break;
    case 'predict': {
      const controller = new AbortController();
      running.set(message.id, controller);
      const current = state;
      const reply: Promise<WireReply> = current
        ? runWireTask(current, message.task, controller.signal)
        : Promise.resolve({ ok: false, error: { name: 'YoloError', code: 'INFERENCE_FAILED', message: 'the worker got a task before its model was loaded' } });
      void reply.then((r) => {
        running.delete(message.id);
        send({ type: 'reply', id: message.id, reply: r });
      });
      break;
    }
    case 'cancel':
      running.get(message.id)?.abort(new Error('cancelled by the caller'));
      break;
    case 'close':
      void closeAndExit();
      break;
  }
});

process.on('disconnect', () => {
  void closeAndExit();
});

let closing = false;
async function closeAndExit(): Promise<void> {
  if (closing) return;
  closing = true;
  try {
    if (state && 'model' in state) await state.model.dispose();
  } finally {
    process.exit(0);
  }
}
