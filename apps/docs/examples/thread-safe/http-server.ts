// A detection service: worker threads keep the event loop free; a full queue and a slow task get HTTP answers.
import { createServer } from 'node:http';
import { createPredictor } from '@yolokit/concurrency';
import { YoloError } from '@yolokit/core';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const predictor = await createPredictor({
  strategy: 'threads',
  model: { backend: onnxSpec(), model: '/models/yolov8n.onnx' },
  maxQueue: 64,
  taskTimeoutMs: 5_000,
});

const STATUS: Partial<Record<YoloError['code'], number>> = {
  IMAGE_UNREADABLE: 400,
  IMAGE_TOO_SMALL: 400,
  INVALID_OPTION: 400,
  QUEUE_FULL: 503, // shed load instead of queueing without bound
  TIMEOUT: 504,
  ABORTED: 499,
};

const server = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const client = new AbortController();
  response.on('close', () => client.abort()); // the client went away: stop its task
  try {
    const result = await predictor.predict(new Uint8Array(Buffer.concat(chunks)), { conf: 0.4 }, { signal: client.signal });
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result.toJSON()));
  } catch (error) {
    const status = YoloError.isInstance(error) ? (STATUS[error.code] ?? 500) : 500;
    response.writeHead(status, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : String(error));
  }
});
server.listen(8080, '127.0.0.1');

process.once('SIGTERM', () => {
  server.close();
  void predictor.close(); // finish what was accepted, then stop the workers
});
