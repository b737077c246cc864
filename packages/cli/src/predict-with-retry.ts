import { type Result, YoloError } from '@yolokit/core';

/** A failed attempt as the report records it. */
export interface AttemptReport {
  readonly code: string;
  readonly message: string;
}

/** How {@link predictWithRetry} ended: a result (perhaps after a retry), or a second worker death. */
export type RetriedPrediction =
  | { readonly result: Result; readonly retries: readonly AttemptReport[] }
  | { readonly failure: AttemptReport; readonly retries: readonly AttemptReport[] };

/**
 * Runs `predict`, and once more when the worker thread or process running it died (`WORKER_DIED`: a crash, an
 * OOM kill, a SIGKILL): the pool has replaced it, and losing a whole run to one dead worker (and with it every
 * result, as `yolokit predict --strategy processes` did) is worse than one repeated prediction. Not twice: a
 * second death suggests the image itself kills its worker, and is that image's failure. Any other error is
 * thrown as it is.
 *
 * The CLI retries rather than the pool (`retryOnWorkerDeath`) so that the report can say which image was
 * retried and which worker died.
 *
 * @param onRetry - told of the first death, before the second attempt
 */
export async function predictWithRetry(predict: () => Promise<Result>, onRetry: (death: AttemptReport) => void): Promise<RetriedPrediction> {
  let firstDeath: string;
  try {
    return { result: await predict(), retries: [] };
  } catch (error) {
    const death = describeDeath(error);
    if (!death) throw error;
    firstDeath = death;
    onRetry({ code: 'WORKER_DIED', message: death });
  }
  const retries = [{ code: 'WORKER_DIED', message: `${firstDeath} before answering; predicted again on another worker` }];
  try {
    return { result: await predict(), retries };
  } catch (error) {
    const death = describeDeath(error);
    if (!death) throw error;
    const message = `${death} before answering, on the second attempt too (first ${firstDeath}); the image itself may crash the runtime`;
    return { failure: { code: 'WORKER_DIED', message }, retries };
  }
}

/** `the worker process 1234 running it exited (signal SIGKILL)` for a worker death, else `undefined`. */
function describeDeath(error: unknown): string | undefined {
  if (!YoloError.isInstance(error) || error.code !== 'WORKER_DIED') return undefined;
  const { workerKind, workerId, exit } = error as YoloError & { workerKind?: string; workerId?: number; exit?: string };
  return workerKind && workerId !== undefined ? `the worker ${workerKind} ${workerId} running it exited (${exit ?? 'unknown'})` : error.message;
}
