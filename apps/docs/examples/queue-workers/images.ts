// Images by reference (a path or URL the workers can reach) or by value (the bytes travel inside the job).
import { readFile } from 'node:fs/promises';
import { YoloError } from '@yolokit/core';
import { createQueuePredictor } from '@yolokit/queue';

const redis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

// #region reference
const shared = await createQueuePredictor({ queue: 'detect', redis });
await shared.predict('/shared/images/bus.jpg'); // a path on storage every worker mounts at /shared
await shared.predict('https://images.example.com/bus.jpg'); // the worker downloads it (up to its maxImageBytes)
// #endregion reference

// #region value
// Workers without the producer's storage: read files here and send their bytes (8 MiB at most by default).
const remote = await createQueuePredictor({ queue: 'detect', redis, imageTransport: 'value', maxImageBytes: 4 * 1024 * 1024 });
await remote.predict('./photos/bus.jpg');
await remote.predict(await readFile('./photos/zidane.jpg')); // bytes always travel by value
try {
  await remote.predict(new Uint8Array(5 * 1024 * 1024));
} catch (error) {
  // ImageTooLargeError, code INVALID_OPTION, before anything is enqueued.
  if (YoloError.isInstance(error) && error.name === 'ImageTooLargeError') console.error(error.message);
}
// #endregion value

await Promise.all([shared.close(), remote.close()]);
