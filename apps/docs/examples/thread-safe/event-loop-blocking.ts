// How long the event loop stalls while predictions run, in this thread vs. in a worker thread.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createPredictor, type PredictorOptions } from '@yolokit/concurrency';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const spec = { backend: onnxSpec(), model: 'yolov8n.onnx' } as const;

async function eventLoopDelayP99(options: Omit<PredictorOptions, 'model'>): Promise<number> {
  const predictor = await createPredictor({ ...options, model: spec });
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  await predictor.predictMany(Array.from({ length: 8 }, () => 'bus.jpg'));
  histogram.disable();
  await predictor.close();
  return histogram.percentile(99) / 1e6; // nanoseconds to milliseconds
}

// onnxruntime-node's session.run is synchronous native work: the whole inference blocks the thread it runs on.
console.log('locked, in this thread:', await eventLoopDelayP99({ strategy: 'locked' }), 'ms');
console.log('locked, off the main thread:', await eventLoopDelayP99({ strategy: 'locked', offMainThread: true }), 'ms');
console.log('threads:', await eventLoopDelayP99({ strategy: 'threads' }), 'ms');
