import { setMaxListeners } from 'node:events';
import { AbortError, type ImageInput, type Result } from '@yolokit/core';

/** Progress of a `predictMany` call. */
export interface PredictProgress {
  readonly completed: number;
  readonly total: number;
  /** Input index of the image that just finished. */
  readonly index: number;
  readonly result: Result;
}

/**
 * What every predictor's `predictMany` does: `lanes` loops submit the images in input order, each waiting for its
 * result before taking the next image, so that at most `lanes` are in flight; results in input order. The first
 * failure aborts the signal given to the other submissions and rejects the call with that failure.
 * @internal Shared with `@yolokit/queue`.
 */
export async function predictInLanes(
  images: Iterable<ImageInput>,
  lanes: number,
  submit: (image: ImageInput, index: number, signal: AbortSignal) => Promise<Result>,
  call: { readonly signal?: AbortSignal; readonly onProgress?: (progress: PredictProgress) => void } = {},
): Promise<Result[]> {
  const list = [...images];
  const results: Result[] = new Array(list.length);
  if (list.length === 0) return results;
  const stop = new AbortController();
  const signal = call.signal ? AbortSignal.any([stop.signal, call.signal]) : stop.signal;
  // One listener per task in flight on this internal signal is expected, not a leak.
  setMaxListeners(0, signal);
  let next = 0;
  let completed = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < list.length && !failure) {
      const index = next++;
      try {
        const result = await submit(list[index], index, signal);
        results[index] = result;
        completed += 1;
        call.onProgress?.({ completed, total: list.length, index, result });
      } catch (error) {
        if (!failure) {
          failure = { error };
          stop.abort(new AbortError('another image of this predictMany() call failed'));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, list.length)) }, lane));
  if (failure) throw failure.error;
  return results;
}
