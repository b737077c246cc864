/**
 * Issue 16: the queue's producer is a `Predictor`, so a program that takes a `Predictor` takes the queue as it
 * takes the other strategies. These assertions are checked by the type checker (`npm run typecheck` of the tests,
 * in CI); at run time they only run.
 */
import type { createPredictor, PredictCallOptions, PredictManyOptions, Predictor, PredictorStats, PredictProgress, Strategy } from '@yolokit/concurrency';
import type { createQueuePredictor, JobError, QueuePredictor, QueuePredictorStats } from '@yolokit/queue';
import type { ModelLoadError, YoloError } from '@yolokit/core';
import { describe, expectTypeOf, it } from 'vitest';

describe('QueuePredictor is a Predictor', () => {
  it('assignable both as the interface and as what createQueuePredictor resolves with', () => {
    expectTypeOf<QueuePredictor>().toExtend<Predictor>();
    expectTypeOf<Awaited<ReturnType<typeof createQueuePredictor>>>().toExtend<Predictor>();
    // createPredictor({ strategy: 'queue' }) resolves with a Predictor like every other strategy.
    expectTypeOf<Parameters<typeof createPredictor>[0]['strategy']>().toEqualTypeOf<Strategy | 'auto'>();
    expectTypeOf<'queue'>().toExtend<Strategy>();
    expectTypeOf<Awaited<ReturnType<typeof createPredictor>>>().toEqualTypeOf<Predictor>();
    // The check is not vacuous: something with the queue's name and none of the methods is no Predictor.
    expectTypeOf<{ readonly strategy: 'queue' }>().not.toExtend<Predictor>();
  });

  it('same calls: predict, predictMany, stats, close, with the shared option types accepted', () => {
    expectTypeOf<QueuePredictor['predict']>().parameter(2).toExtend<PredictCallOptions | undefined>();
    expectTypeOf<PredictCallOptions>().toExtend<NonNullable<Parameters<QueuePredictor['predict']>[2]>>();
    expectTypeOf<PredictManyOptions>().toExtend<NonNullable<Parameters<QueuePredictor['predictMany']>[2]>>();
    expectTypeOf<NonNullable<Parameters<QueuePredictor['predictMany']>[2]>['onProgress']>().toEqualTypeOf<((progress: PredictProgress) => void) | undefined>();
    expectTypeOf<ReturnType<QueuePredictor['close']>>().toEqualTypeOf<Promise<void>>();
    expectTypeOf<QueuePredictor['strategy']>().toEqualTypeOf<'queue'>();
  });

  it('stats: every predictor statistic, and the queue own', () => {
    expectTypeOf<QueuePredictorStats>().toExtend<PredictorStats>();
    expectTypeOf<QueuePredictorStats['strategy']>().toEqualTypeOf<'queue'>();
    expectTypeOf<QueuePredictorStats['latencyMs']>().toEqualTypeOf<PredictorStats['runTimeMs']>();
  });

  it("a failed job's error is its own class with the job's typed fields", () => {
    expectTypeOf<JobError<ModelLoadError>['source']>().toEqualTypeOf<string>();
    expectTypeOf<JobError['jobId']>().toEqualTypeOf<string>();
    expectTypeOf<JobError['attemptsMade']>().toEqualTypeOf<number>();
    expectTypeOf<JobError>().toExtend<YoloError>();
  });
});
