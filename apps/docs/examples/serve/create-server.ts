// A server from a program: the same createPredictor options per model, then Fastify's listen and a graceful close.
import { onnxSpec } from '@yolokit/backend-onnx/spec';
import { createServer } from '@yolokit/serve';

const server = await createServer({
  models: [
    { strategy: 'threads', workers: 2, maxQueue: 64, model: { backend: onnxSpec(), model: 'yolov8n.onnx' } },
  ],
  requestTimeoutMs: 10_000,
  apiKey: process.env.YOLOKIT_API_KEY, // every route but /v2/health/* then needs it
  logger: true, // pino request logs, with the request id each answer carries
});
console.log(await server.listen({ host: '127.0.0.1', port: 8080 }));
process.once('SIGTERM', () => void server.close()); // in-flight requests finish, then the pools close
