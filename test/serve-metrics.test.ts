/**
 * `GET /metrics` of @yolokit/serve: Prometheus text with request counts by route and status, latency
 * histograms, each model's queue depth, in-flight tasks, workers, completions and failures by code, and the
 * process metrics (memory, event-loop delay) under the `yolokit_` prefix.
 */
import { createServer, type YoloServer } from '@yolokit/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './queue-support.js';
import { call, largeSceneJpeg, scenePng, shapesSpec } from './support/serve-client.js';

/** The value of one series in Prometheus' text format (`name{labels} value`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('serve: GET /metrics', () => {
  let server: YoloServer;
  let base: string;
  beforeAll(async () => {
    server = await createServer({ models: [{ name: 'shapes', strategy: 'locked', offMainThread: true, model: shapesSpec() }] });
    base = await server.listen({ port: 0 });
  });
  afterAll(() => server?.close());

  it('counts requests by route and status, and reports the model and the process', async () => {
    const png = await scenePng(7201);
    const image = { headers: { 'content-type': 'image/png' } };
    expect((await call(`${base}/v1/predict`, { ...image, body: png })).status).toBe(200);
    expect((await call(`${base}/v1/models/shapes/predict`, { ...image, body: png })).status).toBe(200);
    expect((await call(`${base}/v1/predict`, { body: 'text', headers: { 'content-type': 'image/jpeg' } })).status).toBe(422);
    expect((await call(`${base}/v1/predict`, { body: 'text', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await call(`${base}/no/such/route`)).status).toBe(404);

    const metrics = await call(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = metrics.bytes.toString('utf8');
    const requests = (route: string, status: number, method = 'POST') => sample(text, `yolokit_http_requests_total{method="${method}",route="${route}",status="${status}"}`);
    expect([requests('/v1/predict', 200), requests('/v1/models/:name/predict', 200), requests('/v1/predict', 422), requests('/v1/predict', 415)]).toEqual([1, 1, 1, 1]);
    expect(requests('unmatched', 404, 'GET')).toBe(1);
    expect(sample(text, 'yolokit_http_request_duration_seconds_count{method="POST",route="/v1/predict",status="200"}')).toBe(1);
    expect(sample(text, 'yolokit_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/v1/predict",status="200"}')).toBe(1);
    const model = (name: string) => sample(text, `yolokit_predictor_${name}{model="shapes"}`);
    expect([model('completed'), model('queue_depth'), model('in_flight'), model('workers'), model('worker_deaths')]).toEqual([2, 0, 0, 1, 0]);
    expect(sample(text, 'yolokit_predictor_failures{model="shapes",code="IMAGE_UNREADABLE"}')).toBe(1);
    expect(sample(text, 'yolokit_process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(text).toMatch(/^yolokit_nodejs_eventloop_lag_p99_seconds \d/m);
  });

  it('shows a running task as in flight and waiting ones as queued', async () => {
    // Four large JPEGs at once on one locked instance: one runs while the others wait, for as long as three
    // 4000x3000 decodes and inferences take, whatever the machine's speed (one request alone could finish before a
    // second one arrived).
    const images = await Promise.all([7202, 7203, 7204, 7205].map((seed) => largeSceneJpeg(seed)));
    const predictor = server.models.get('shapes')!.predictor;
    const answers = images.map((body) => call(`${base}/v1/predict`, { body, headers: { 'content-type': 'image/jpeg' } }));
    await until(() => predictor.stats().inFlight === 1 && predictor.stats().queued >= 1);
    const text = (await call(`${base}/metrics`)).bytes.toString('utf8');
    expect(sample(text, 'yolokit_predictor_in_flight{model="shapes"}')).toBe(1);
    expect(sample(text, 'yolokit_predictor_queue_depth{model="shapes"}')).toBeOneOf([1, 2, 3]);
    expect((await Promise.all(answers)).map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
  });

  it('serves its OpenAPI document at /openapi.json', async () => {
    const response = await call(`${base}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.json.openapi).toMatch(/^3\./);
    const paths = response.json.paths as Record<string, Record<string, { summary?: string }>>;
    expect(Object.keys(paths).sort()).toEqual(
      ['/metrics', '/v1/models/{name}/predict', '/v1/predict', '/v2', '/v2/health/live', '/v2/health/ready', '/v2/models/{name}', '/v2/models/{name}/infer', '/v2/models/{name}/ready'].sort(),
    );
    expect(paths['/v1/predict'].post.summary).toBe('Predict with the default model (the first one served)');
    const conf = (paths['/v1/predict'].post as unknown as { parameters: Array<{ name: string; in: string }> }).parameters.find((p) => p.name === 'conf');
    expect(conf?.in).toBe('query');
  });
});
