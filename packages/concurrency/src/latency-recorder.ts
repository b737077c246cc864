/** Percentiles of a time, in milliseconds. */
export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/**
 * Keeps the most recent samples (a ring of fixed size) and reports nearest-rank percentiles of them.
 * @internal
 */
export class LatencyRecorder {
  readonly #samples: Float64Array;
  #count = 0;

  constructor(capacity = 8192) {
    this.#samples = new Float64Array(capacity);
  }

  record(milliseconds: number): void {
    this.#samples[this.#count % this.#samples.length] = milliseconds;
    this.#count += 1;
  }

  percentiles(): Percentiles {
    const n = Math.min(this.#count, this.#samples.length);
    if (n === 0) return { p50: 0, p90: 0, p99: 0 };
    const sorted = this.#samples.slice(0, n).sort();
    const at = (q: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
  }
}
