// Four sources on one pool of two processes: detection on any worker, each stream's tracker here, in frame order.
import { onnxSpec } from '@yolokit/backend-onnx/spec';
import { createPredictor } from '@yolokit/concurrency';
import { track, VideoSourceError, VideoTimeoutError } from '@yolokit/stream';

const predictor = await createPredictor({
  strategy: 'processes',
  workers: 2,
  retryOnWorkerDeath: true, // a worker that dies: its frames are predicted again, the order holds
  model: { backend: onnxSpec(), model: 'yolov8n.onnx' },
});

const sources = ['entrance.mp4', 'yard.mp4', 'rtsp://10.0.0.7/live', '/dev/video0'];
const outcomes = await Promise.allSettled(
  sources.map(async (source) => {
    for await (const frame of track(predictor, source, { video: { timeoutMs: 10_000 } })) {
      const ids = frame.tracks?.map((t) => `${t.trackId}:${t.detection.className}`).join(' ');
      console.log(`${source} #${frame.frame} (${frame.dropped} dropped) ${ids}`);
    }
  }),
);
// A source that fails ends its own stream with a typed error; the others went on.
for (const [i, outcome] of outcomes.entries()) {
  if (outcome.status === 'rejected') {
    const error = outcome.reason;
    const why = error instanceof VideoTimeoutError ? 'silent' : error instanceof VideoSourceError ? error.reason : 'failed';
    console.error(`${sources[i]}: ${why}: ${error.message}`);
  }
}
await predictor.close();
