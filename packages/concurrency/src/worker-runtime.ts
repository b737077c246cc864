/**
 * The part of a worker (thread or process) that is the same everywhere: build the model from its spec once,
 * run tasks, answer with plain data (results in their binary wire form). A task never throws out of here:
 * failures are replies, so a bad image rejects its own task and the worker stays healthy.
 * @internal
 */
import type { YoloModel } from '@yolokit/core';
import { loadModelFromSpec, type ModelSpec } from './model-spec.js';
import { fromWireImage, serializeError, type WireReply, type WireTask, type WorkerHello } from './wire.js';

export type LoadState = { readonly model: YoloModel; readonly hello: WorkerHello } | { readonly error: ReturnType<typeof serializeError> };

export async function loadForWorker(spec: ModelSpec): Promise<LoadState> {
  try {
    const model = await loadModelFromSpec(spec);
    return { model, hello: { info: model.info } };
  } catch (error) {
    return { error: serializeError(error) };
  }
}

export async function runWireTask(state: LoadState, task: WireTask, signal: AbortSignal | undefined): Promise<WireReply> {
  if ('error' in state) return { ok: false, error: state.error };
  try {
    const result = await state.model.predict(fromWireImage(task.image), { ...task.options, signal });
    return { ok: true, result: result.toWire('bytes') };
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}
