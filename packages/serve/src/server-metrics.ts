import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ServerState } from './server-state.js';

/**
 * `GET /metrics` in Prometheus' text format, from a registry of this server's own (two servers in one process
 * never mix their counts): requests by route and status, their latency, each model's queue depth, in-flight
 * tasks, workers and worker deaths, and prom-client's default process metrics (memory, CPU, event-loop delay,
 * GC) under the `yolokit_` prefix.
 * @internal
 */
export function registerMetrics(app: FastifyInstance, state: ServerState): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'yolokit_' });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'yolokit_http_requests_total', help: 'HTTP requests answered, by method, route and status', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'yolokit_http_request_duration_seconds',
    help: 'Time from a request to its answer, by method, route and status',
    labelNames,
    // From a cached small model (~10 ms) to a queue near its timeout.
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const perModel = (name: string, help: string, read: (stats: ReturnType<ServerState['defaultModel']['predictor']['stats']>) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['model'],
      registers: [registry],
      collect() {
        for (const model of state.models.values()) this.set({ model: model.name }, read(model.predictor.stats()));
      },
    });
  perModel('yolokit_predictor_queue_depth', 'Tasks waiting for a worker', (s) => s.queued);
  perModel('yolokit_predictor_in_flight', 'Tasks a worker is running', (s) => s.inFlight);
  perModel('yolokit_predictor_workers', 'Worker threads or processes running the model now', (s) => s.workers.length);
  perModel('yolokit_predictor_completed', 'Predictions completed since start', (s) => s.completed);
  // The pools replace a dead worker at once. Idle deaths count too (an OOM kill between requests); a death under
  // a task also shows as a retry or a WORKER_DIED failure.
  perModel('yolokit_predictor_worker_deaths', 'Worker threads or processes that died since start, idle or busy (each was replaced)', (s) => s.workerDeaths);
  new Gauge({
    name: 'yolokit_predictor_failures',
    help: 'Failed predictions since start, by error code',
    labelNames: ['model', 'code'],
    registers: [registry],
    collect() {
      for (const model of state.models.values()) {
        for (const [code, count] of Object.entries(model.predictor.stats().failures)) this.set({ model: model.name, code }, count ?? 0);
      }
    },
  });
  // One counter and one histogram child per (method, route, status), made once: prom-client otherwise hashes the
  // label object on every call, on the main thread that the inference workers share the cores with.
  const series = new Map<string, { readonly count: Counter.Internal; readonly time: Histogram.Internal<(typeof labelNames)[number]> }>();
  app.addHook('onResponse', (request, reply, done) => {
    // The route's pattern, not its URL: model names and garbage paths must not create new series.
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let children = series.get(key);
    if (children === undefined) {
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      children = { count: requests.labels(labels), time: duration.labels(labels) };
      series.set(key, children);
    }
    children.count.inc();
    children.time.observe(reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['Operations'] } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  return registry;
}
