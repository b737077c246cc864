import { describe, expect, it } from 'vitest';
import { strategyPredictorFromFlags } from './strategy-predictor.js';

describe('strategyPredictorFromFlags', () => {
  it('accepts each strategy and, without --strategy, the flags that shape the default pool', () => {
    for (const strategy of ['locked', 'threads', 'processes', 'auto']) expect(() => strategyPredictorFromFlags({ strategy })).not.toThrow();
    expect(() => strategyPredictorFromFlags({ strategy: 'threads', workers: '2', threadsPerWorker: '1' })).not.toThrow();
    expect(() => strategyPredictorFromFlags({ workers: '2', threadsPerWorker: '1', allowOversubscribe: true })).not.toThrow();
  });

  it.each([
    [{ strategy: 'fast' }, '--strategy', `--strategy must be one of 'locked', 'threads', 'processes', 'auto', got "fast"`],
    [{ strategy: 'threads', workers: '0' }, '--workers', '--workers must be a positive integer, got "0"'],
    [{ strategy: 'threads', workers: '1.5' }, '--workers', '--workers must be a positive integer, got "1.5"'],
    [{ strategy: 'threads', threadsPerWorker: 'two' }, '--threads-per-worker', '--threads-per-worker must be a positive integer, got "two"'],
    [{ workers: 'many' }, '--workers', '--workers must be a positive integer, got "many"'],
    [{ strategy: 'auto', workers: '2' }, '--workers', '--workers does not apply to --strategy auto, which measures the splits of the cores and chooses one itself'],
    [{ strategy: 'auto', threadsPerWorker: '2' }, '--threads-per-worker', '--threads-per-worker does not apply to --strategy auto, which measures the splits of the cores and chooses one itself'],
    [{ strategy: 'locked', workers: '2' }, '--workers', '--workers applies to --strategy threads or processes; locked runs exactly one instance'],
  ])('%j → %s: %s', (flags, option, message) => {
    expect(() => strategyPredictorFromFlags(flags)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', option, message }));
  });
});
