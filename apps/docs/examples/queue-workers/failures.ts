// Dead letters, idempotent job ids and kept results.
import { createQueuePredictor } from '@yolokit/queue';

const predictor = await createQueuePredictor({ queue: 'detect', redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });

// #region idempotent
// A job id makes a call idempotent: while the job exists (waiting, running, or finished and kept for
// keepResults), calling again with its id enqueues nothing and returns that job's outcome.
const result = await predictor.predict('/shared/uploads/42.jpg', {}, { jobId: 'upload-42' });
const same = await predictor.predict('/shared/uploads/42.jpg', {}, { jobId: 'upload-42' }); // not run again
// A batch under a prefix: after a crash, run it again and only the missing images are predicted.
const batch = await predictor.predictMany(['/shared/a.jpg', '/shared/b.jpg'], {}, { jobIdPrefix: 'nightly-2026-11-22' });
console.log(result.detections.length === same.detections.length, batch.length, await predictor.result('upload-42'));
// #endregion idempotent

// #region dead-letters
for (const letter of await predictor.deadLetters({ limit: 20 })) {
  console.log(letter.jobId, letter.image, letter.attemptsMade, letter.error.code, letter.error.message);
}
// #endregion dead-letters

await predictor.close();
