/**
 * Faults over HTTP: a worker process SIGKILLed under load (its request gets a clean 503 WORKER_DIED, or a retry on
 * another worker; nothing hangs; the worker is replaced; /v2/health/live keeps answering), and hostile input (a
 * decompression-bomb PNG, a 100 MB body, a 100 MB chunked body with no length): each its status and code, and
 * the server healthy afterwards.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32, deflateSync } from 'node:zlib';
import { onnxSpec } from '@yolokit/backend-onnx/spec';
import { createServer, type YoloServer } from '@yolokit/serve';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './queue-support.js';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';
import { call, scenePng, shapesSpec } from './support/serve-client.js';

/** A valid PNG of `side` × `side` 1-bit pixels, all black: ~100 kB that decode to `side`² pixels. */
function bombPng(side: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.byteLength);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([1, 0, 0, 0, 0], 8); // 1 bit, grayscale, deflate, no filter, no interlace
  const rows = Buffer.alloc(side * (1 + Math.ceil(side / 8))); // each row: filter byte 0, then zero bits
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

describe('serve: hostile input', () => {
  let server: YoloServer;
  let base: string;
  let png: Buffer;
  beforeAll(async () => {
    png = await scenePng(7401);
    server = await createServer({ models: [{ name: 'shapes', strategy: 'locked', offMainThread: true, model: shapesSpec() }] });
    base = await server.listen({ port: 0 });
  });
  afterAll(() => server?.close());

  it('refuses a decompression bomb (30000² pixels in a small PNG) with 422 IMAGE_UNREADABLE', async () => {
    const bomb = bombPng(30_000);
    expect(bomb.byteLength).toBeLessThan(1024 * 1024);
    const response = await call(`${base}/v1/predict`, { body: bomb, headers: { 'content-type': 'image/png' } });
    expect([response.status, response.json.code]).toEqual([422, 'IMAGE_UNREADABLE']);
    expect(response.json.message).toMatch(/pixel limit/i);
  });

  it('refuses 100 MB bodies with 413 BODY_TOO_LARGE, with and without a Content-Length', async () => {
    const huge = Buffer.alloc(100 * 1024 * 1024, 7);
    const declared = await call(`${base}/v1/predict`, { body: huge, headers: { 'content-type': 'image/jpeg' } });
    expect([declared.status, declared.json.code]).toEqual([413, 'BODY_TOO_LARGE']);
    // Chunked: the limit is enforced while the body streams in.
    async function* chunks() {
      for (let i = 0; i < 100; i++) yield huge.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024);
    }
    const streamed = await request(`${base}/v1/predict`, { method: 'POST', body: Readable.from(chunks()), headers: { 'content-type': 'image/jpeg' } }).then(
      async (response) => ({ status: response.statusCode, json: (await response.body.json()) as { code: string } }),
      (error: Error) => ({ status: 0, json: { code: `connection closed: ${error.message}` } }),
    );
    expect([streamed.status, streamed.json.code]).toEqual([413, 'BODY_TOO_LARGE']);
  });

  it('is healthy afterwards', async () => {
    expect((await call(`${base}/v2/health/live`)).status).toBe(200);
    const after = await call(`${base}/v1/predict`, { body: png, headers: { 'content-type': 'image/png' } });
    expect(after.status).toBe(200);
    expect(server.models.get('shapes')!.predictor.stats().workers).toHaveLength(1);
  });
});

describeWithFixtures('serve: a worker process killed under load', ['models/yolov8n_int8.onnx', 'coco32/images'], () => {
  let server: YoloServer;
  let base: string;
  let images: Buffer[];
  beforeAll(async () => {
    const folder = fixturePath('coco32/images');
    images = readdirSync(folder).sort().slice(0, 8).map((file) => readFileSync(join(folder, file)));
    const model = { backend: onnxSpec(), model: fixturePath('models/yolov8n_int8.onnx') };
    server = await createServer({
      models: [
        { name: 'plain', strategy: 'processes', workers: 2, threadsPerWorker: 1, model },
        { name: 'retrying', strategy: 'processes', workers: 2, threadsPerWorker: 1, retryOnWorkerDeath: true, model },
      ],
    });
    base = await server.listen({ port: 0 });
  });
  afterAll(() => server?.close());

  for (const name of ['plain', 'retrying']) {
    it(`${name}: every request answers (${name === 'plain' ? '200 or 503 WORKER_DIED' : '200, retried'}), the worker is replaced, liveness holds`, async () => {
      const predictor = server.models.get(name)!.predictor;
      const before = predictor.stats();
      const pids = before.workers.map((w) => w.id);
      const answers = Promise.all(
        images.map((image) => call(`${base}/v1/models/${name}/predict`, { body: image, headers: { 'content-type': 'image/jpeg' } })),
      );
      await until(() => predictor.stats().inFlight === 2);
      process.kill(pids[0], 'SIGKILL');
      const live: number[] = [];
      const settled = answers.then((all) => all);
      // Liveness is answered while the pool replaces its worker and the load drains.
      while (live.length < 3) live.push((await call(`${base}/v2/health/live`)).status);
      const all = await settled;
      expect(live).toEqual([200, 200, 200]);
      const after = predictor.stats();
      const died = (after.failures.WORKER_DIED ?? 0) - (before.failures.WORKER_DIED ?? 0);
      const retried = after.retried - before.retried;
      const statuses = all.map((a) => a.status);
      if (name === 'plain') {
        expect(statuses.filter((s) => s === 503)).toHaveLength(died);
        expect(all.filter((a) => a.status === 503).map((a) => a.json.code)).toEqual(Array(died).fill('WORKER_DIED'));
        expect(died).toBe(1);
      } else {
        expect(statuses).toEqual(Array(images.length).fill(200));
        expect(retried).toBe(1);
      }
      expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
      await until(() => predictor.stats().workers.length === 2);
      const now = predictor.stats().workers.map((w) => w.id);
      expect(now).not.toContain(pids[0]);
      expect(now).toContain(pids[1]);
      const metrics = (await call(`${base}/metrics`)).bytes.toString('utf8');
      expect(metrics).toContain(`yolokit_predictor_worker_deaths{model="${name}"} 1`);
    });
  }

  it('an idle worker process killed: /metrics counts the death, the worker is replaced, the next request answers as before', async () => {
    const predictor = server.models.get('plain')!.predictor;
    const deaths = async () => Number(/^yolokit_predictor_worker_deaths\{model="plain"\} (\d+)$/m.exec((await call(`${base}/metrics`)).bytes.toString('utf8'))?.[1]);
    const first = await call(`${base}/v1/models/plain/predict`, { body: images[0], headers: { 'content-type': 'image/jpeg' } });
    expect(first.status).toBe(200);
    await until(() => predictor.stats().inFlight === 0 && predictor.stats().workers.length === 2);
    const before = predictor.stats();
    const deathsBefore = await deaths();
    const victim = before.workers[0].id;
    process.kill(victim, 'SIGKILL');
    await until(() => predictor.stats().workers.length === 2 && !predictor.stats().workers.some((w) => w.id === victim));
    expect(await deaths()).toBe(deathsBefore + 1);
    // No task was on it: nothing failed or was retried.
    expect([predictor.stats().failures.WORKER_DIED ?? 0, predictor.stats().retried]).toEqual([before.failures.WORKER_DIED ?? 0, before.retried]);
    const again = await call(`${base}/v1/models/plain/predict`, { body: images[0], headers: { 'content-type': 'image/jpeg' } });
    expect(again.status).toBe(200);
    expect(again.json.detections).toEqual(first.json.detections);
  });
});
