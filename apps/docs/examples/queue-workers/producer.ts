// The producer: the Predictor API of @yolokit/concurrency, with the predictions running on queue workers.
import { YoloError } from '@yolokit/core';
import { createQueuePredictor } from '@yolokit/queue';

const predictor = await createQueuePredictor({
  queue: 'detect',
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  attempts: 3, // transient failures are retried...
  backoff: { type: 'exponential', delayMs: 1_000 }, // ...after 1 s, then 2 s
  taskTimeoutMs: 60_000,
});
try {
  // Paths travel by reference: the workers read /shared/... from storage they mount at the same place
  // (and were started with --allow-root /shared/images).
  const result = await predictor.predict('/shared/images/bus.jpg', { conf: 0.4 });
  console.log(result.detections.map((d) => d.className));

  const all = await predictor.predictMany(['/shared/images/a.jpg', '/shared/images/b.jpg'], {}, {
    onProgress: ({ completed, total }) => console.log(`${completed}/${total}`),
  });
  console.log(all.length, predictor.stats().latencyMs);
} catch (error) {
  if (YoloError.isInstance(error)) console.error(error.code, error.message); // the worker's typed error, rebuilt here
  throw error;
} finally {
  await predictor.close(); // waits for what it submitted; { abort: true } withdraws it instead
}
