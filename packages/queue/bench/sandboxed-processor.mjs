// A BullMQ sandboxed processor for bench/processor-choice.mjs: BullMQ runs this file in its own child process
// (or worker thread) per concurrency slot; the model loads on the first job, in each of them.
import { loadModelFromSpec } from '@yolokit/concurrency';

const spec = JSON.parse(process.env.YOLOKIT_BENCH_SPEC);
let model;

export default async function predict(job) {
  model ??= loadModelFromSpec(spec);
  const started = performance.now();
  const result = await (await model).predict(job.data.image.path, job.data.options);
  return { v: 1, result: result.toJSON(), worker: `sandbox-${process.pid}`, runMs: performance.now() - started, attemptsMade: job.attemptsMade, attemptsStarted: 1 };
}
