// A queue worker as a library: the same as `yolokit worker`, inside your own program (to add metrics, say).
import { createQueueWorker } from '@yolokit/queue';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const worker = await createQueueWorker({
  queue: 'detect',
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  model: { backend: onnxSpec(), model: '/models/yolov8n.onnx' },
  strategy: 'threads', // or 'processes' (tfjs-node needs processes)
  workers: 4, // model instances on this machine
  concurrency: 8, // jobs held at once: one running per instance, one waiting behind it
  // Jobs come from whoever can write to the Redis: read paths only under this folder (nothing by default),
  // fetch URLs only under this prefix (none by default).
  allowRoots: ['/shared/images'],
  allowUrls: ['https://images.example.com/uploads/'],
  shutdownTimeoutMs: 30_000,
  onEvent: (event) => {
    if (event.type === 'job-failed') console.warn(`job ${event.jobId}: ${event.code} (${event.willRetry ? 'will retry' : 'dead-lettered'})`);
  },
});
console.log(`${worker.name} serves ${worker.queue} with ${worker.info.runtime}`);

// SIGTERM: finish held jobs (up to shutdownTimeoutMs), give the rest back to the queue, then exit.
process.once('SIGTERM', () => {
  void worker.close().then(() => console.log(worker.stats()));
});
