import { describe, expect, it } from 'vitest';
import { strategyPredictorFromFlags } from './strategy-predictor.js';

describe('strategyPredictorFromFlags', () => {
  it('is undefined without --strategy (one model in this process)', () => {
    expect(strategyPredictorFromFlags({})).toBeUndefined();
  });

  it('returns a factory for each strategy', () => {
    for (const strategy of ['locked', 'threads', 'processes']) expect(typeof strategyPredictorFromFlags({ strategy })).toBe('function');
    expect(typeof strategyPredictorFromFlags({ strategy: 'threads', workers: '2', threadsPerWorker: '1' })).toBe('function');
  });

  it.each([
    [{ strategy: 'fast' }, '--strategy', '--strategy must be one of locked, threads, processes, got "fast"'],
    [{ strategy: 'threads', workers: '0' }, '--workers', '--workers must be a positive integer, got "0"'],
    [{ strategy: 'threads', workers: '1.5' }, '--workers', '--workers must be a positive integer, got "1.5"'],
    [{ strategy: 'threads', threadsPerWorker: 'two' }, '--threads-per-worker', '--threads-per-worker must be a positive integer, got "two"'],
    [{ workers: '2' }, '--workers', '--workers needs --strategy (locked, threads, processes)'],
    [{ threadsPerWorker: '2' }, '--threads-per-worker', '--threads-per-worker needs --strategy (locked, threads, processes)'],
    [{ allowOversubscribe: true }, '--allow-oversubscribe', '--allow-oversubscribe needs --strategy (locked, threads, processes)'],
    [{ strategy: 'locked', workers: '2' }, '--workers', '--workers applies to --strategy threads or processes; locked runs exactly one instance'],
  ])('%j → %s: %s', (flags, option, message) => {
    expect(() => strategyPredictorFromFlags(flags)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', option, message }));
  });
});
