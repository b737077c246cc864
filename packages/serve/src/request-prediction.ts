import type { Predictor } from '@yolokit/concurrency';
import { AbortError, type ImageInput, type PredictOptions, type Result, YoloError } from '@yolokit/core';
import type { FastifyReply } from 'fastify';
import { HttpError } from './http-error.js';

/** What every prediction of a server shares: its deadline and the set of running requests (for shutdown). */
export interface PredictionContext {
  readonly requestTimeoutMs: number;
  /** Aborted all at once when a graceful shutdown runs out of time. */
  readonly running: Set<AbortController>;
}

/**
 * Runs one request's prediction with the request's lifetime: past `requestTimeoutMs` (counted from the start
 * of this call, queue wait included) it answers 504 `TIMEOUT`, and when the client goes away first the task is
 * aborted (a queued task leaves the queue, a running one is told to stop at its next stage). A full queue is
 * a 429 with `Retry-After`.
 */
export async function predictForRequest(
  context: PredictionContext,
  predictor: Predictor,
  image: ImageInput,
  options: PredictOptions,
  reply: FastifyReply,
  controller = new AbortController(),
): Promise<Result> {
  const { requestTimeoutMs } = context;
  let timedOut = false;
  const timer = Number.isFinite(requestTimeoutMs)
    ? setTimeout(() => {
        timedOut = true;
        controller.abort(new AbortError('the request timed out'));
      }, requestTimeoutMs)
    : undefined;
  // The response's 'close' before it has been written: the client disconnected.
  const onClose = (): void => {
    if (!reply.raw.writableEnded) controller.abort(new AbortError('the client closed the connection'));
  };
  reply.raw.once('close', onClose);
  context.running.add(controller);
  try {
    return await predictor.predict(image, options, { signal: controller.signal });
  } catch (error) {
    if (timedOut) {
      throw new HttpError(
        504,
        'TIMEOUT',
        `the prediction did not finish within the server's request timeout of ${requestTimeoutMs} ms (queue wait included); retry later`,
        { cause: error },
      );
    }
    if (YoloError.isInstance(error) && error.code === 'QUEUE_FULL') reply.header('retry-after', String(retryAfterSeconds(predictor)));
    throw error;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    reply.raw.off('close', onClose);
    context.running.delete(controller);
  }
}

/**
 * Seconds until the queue has room, estimated from the work ahead: tasks queued and running, over the tasks
 * that run at once, times the median run time (1 s before any task has finished). At least 1.
 */
export function retryAfterSeconds(predictor: Predictor): number {
  const stats = predictor.stats();
  const runMs = Number.isFinite(stats.runTimeMs.p50) && stats.runTimeMs.p50 > 0 ? stats.runTimeMs.p50 : 1000;
  const ahead = stats.queued + stats.inFlight;
  return Math.max(1, Math.ceil((ahead / Math.max(1, stats.concurrency)) * (runMs / 1000)));
}
