import { availableParallelism } from 'node:os';
import { InvalidOptionError } from '@yolokit/core';

/**
 * Runtime threads (workers × intra-op threads per worker) allowed per core unless oversubscription is asked for.
 * Beyond one per core, inference only gets slower; 4 leaves room for experiments (`yolokit bench --workers
 * 1,2,3`) while a typo such as `workers: 10000` is refused before anything starts (without the bound it took 51
 * processes and 2.3 GB in 13 s on this project's 2-core machine, and kept climbing).
 */
export const THREADS_PER_CORE_LIMIT = 4;

/** How {@link checkThreadBudget} names the two settings and the override in its message. */
export interface ThreadBudgetNames {
  readonly workers: string;
  readonly threadsPerWorker: string;
  /** What to give to run more anyway, such as `allowOversubscribe: true` or `--allow-oversubscribe`. */
  readonly override: string;
}

/** The names of `createPredictor`'s options. */
const OPTION_NAMES: ThreadBudgetNames = {
  workers: 'options.workers',
  threadsPerWorker: 'options.threadsPerWorker',
  override: 'options.allowOversubscribe: true',
};

/**
 * Throws `InvalidOptionError` (code `INVALID_OPTION`) when `workers × threadsPerWorker` is more than
 * {@link THREADS_PER_CORE_LIMIT} × `cores`, naming both settings, the limit and the override. `createPredictor`
 * calls it unless `allowOversubscribe` is set; a command line calls it with its own flag names.
 *
 * Where one of the two is left to its default, pass 1: the defaults (`floor(cores / the other)`, at least 1)
 * never push a product over the limit on their own, so the given one alone decides.
 *
 * @param cores - the cores to count against @defaultValue `os.availableParallelism()`
 * @param names - how the message names the settings @defaultValue `createPredictor`'s option names
 * @example
 * ```ts
 * import { checkThreadBudget } from '@yolokit/concurrency';
 * checkThreadBudget(4, 2, 2); // fine: 8 threads on 2 cores
 * checkThreadBudget(10_000, 1, 2); // throws: options.workers × options.threadsPerWorker = 10000 × 1 = 10000 ...
 * ```
 */
export function checkThreadBudget(workers: number, threadsPerWorker: number, cores = availableParallelism(), names: ThreadBudgetNames = OPTION_NAMES): void {
  const limit = THREADS_PER_CORE_LIMIT * cores;
  const threads = workers * threadsPerWorker;
  if (threads <= limit) return;
  // Name the setting that was raised: the one above 1, the workers when both are.
  const option = workers > 1 || threadsPerWorker === 1 ? names.workers : names.threadsPerWorker;
  throw new InvalidOptionError(
    option,
    `${names.workers} × ${names.threadsPerWorker} = ${workers} × ${threadsPerWorker} = ${threads} runtime threads, more than ` +
      `${THREADS_PER_CORE_LIMIT} per core (${limit} on this machine's ${cores} core${cores === 1 ? '' : 's'}); ` +
      `lower them (one thread per core is fastest), or give ${names.override} to run that many anyway`,
  );
}
