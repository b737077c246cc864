/**
 * `POST /v1/predict` of @yolokit/serve over real HTTP (undici against a server on 127.0.0.1): the image as raw
 * bytes, multipart and a URL of an allowed origin give the library's own result; options; every error status
 * with its code; a full queue (429 + Retry-After), the request timeout (504) and a client that goes away (its
 * queued task is aborted).
 */
import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onnx } from '@yolokit/backend-onnx';
import { createModel, type ResultJSON, type YoloModel } from '@yolokit/core';
import { DEFAULT_MODEL_PREDICT_DEFAULTS, defaultModelPath } from '@yolokit/default-model';
import { createServer, type YoloServer } from '@yolokit/serve';
import { FormData, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './queue-support.js';
import { call, largeSceneJpeg, scenePng, shapesSpec, withoutSpeed } from './support/serve-client.js';

describe('serve: POST /v1/predict', () => {
  let server: YoloServer;
  let base: string;
  let reference: YoloModel;
  let imageServer: Server;
  let imageOrigin: string;
  let png: Buffer;
  let big: Buffer;

  beforeAll(async () => {
    png = await scenePng(7001);
    // Large enough that decoding and letterboxing it keeps the one worker busy while other requests arrive.
    big = await largeSceneJpeg(7002);
    reference = await createModel({ backend: onnx(), model: defaultModelPath(), defaults: DEFAULT_MODEL_PREDICT_DEFAULTS });
    imageServer = createHttpServer((request, response) => {
      if (request.url === '/scene.png') response.writeHead(200, { 'content-type': 'image/png' }).end(png);
      else response.writeHead(404).end();
    });
    imageServer.listen(0, '127.0.0.1');
    await once(imageServer, 'listening');
    imageOrigin = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}`;
    server = await createServer({
      models: [
        { name: 'shapes', strategy: 'locked', offMainThread: true, model: shapesSpec() },
        // One slot and no waiting room: a second request while one runs is refused with 429.
        { name: 'tight', strategy: 'locked', offMainThread: true, maxQueue: 0, model: shapesSpec() },
        // One slot and room to wait: a request can be queued, then abandoned.
        { name: 'queued', strategy: 'locked', offMainThread: true, maxQueue: 4, model: shapesSpec() },
      ],
      maxBodyBytes: 8 * 1024 * 1024,
      urlFetch: { allowedOrigins: [imageOrigin] },
    });
    base = await server.listen({ port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await reference?.dispose();
    imageServer?.close();
  });

  const expected = async (options = {}): Promise<ResultJSON> => withoutSpeed((await reference.predict(new Uint8Array(png), options)).toJSON()) as ResultJSON;

  it('answers a raw PNG body with the library result, the model name and the request id', async () => {
    const response = await call(`${base}/v1/predict`, { body: png, headers: { 'content-type': 'image/png', 'x-request-id': 'req-abc.1' } });
    expect(response.status).toBe(200);
    const { model, requestId, ...result } = response.json;
    expect(model).toBe('shapes');
    expect(requestId).toBe('req-abc.1');
    expect(response.headers['x-request-id']).toBe('req-abc.1');
    expect(withoutSpeed(result)).toEqual(await expected());
    expect(result.detections.length).toBeGreaterThanOrEqual(1);
  });

  it('takes the image as multipart and as a URL of an allowed origin, with the same detections', async () => {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'scene.png');
    const multipart = await fetch(`${base}/v1/models/shapes/predict`, { method: 'POST', body: form });
    expect(multipart.status).toBe(200);
    const byUrl = await call(`${base}/v1/predict`, { body: JSON.stringify({ url: `${imageOrigin}/scene.png`, conf: 0.5 }), headers: { 'content-type': 'application/json' } });
    expect(byUrl.status).toBe(200);
    expect(withoutSpeed((await multipart.json()) as ResultJSON).detections).toEqual((await expected()).detections);
    expect(withoutSpeed(byUrl.json).detections).toEqual((await expected({ conf: 0.5 })).detections);
  });

  it('applies query options, validated by the library (400 INVALID_OPTION)', async () => {
    const post = (query: string) => call(`${base}/v1/predict?${query}`, { body: png, headers: { 'content-type': 'image/png' } });
    const filtered = await post('conf=0.6&classes=0,2&maxDet=2');
    expect(filtered.status).toBe(200);
    expect(filtered.json.detections).toEqual((await expected({ conf: 0.6, classes: [0, 2], maxDet: 2 })).detections);
    for (const [query, option] of [
      ['conf=2', 'query.conf'],
      ['conf=abc', 'query.conf'],
      ['maxDet=0', 'query.maxDet'],
      ['classes=-1', 'query.classes'],
      ['imgsz=7', 'query.imgsz'],
      ['colour=red', 'query.colour'],
    ]) {
      const response = await post(query);
      expect([response.status, response.json.code], query).toEqual([400, 'INVALID_OPTION']);
      expect(response.json.message).toContain(option);
    }
  });

  it('answers every refusal with its status and code', async () => {
    const cases: Array<[string, Parameters<typeof call>[1], number, string]> = [
      ['text body', { body: 'hello', headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['text claiming image/jpeg', { body: 'not a jpeg at all', headers: { 'content-type': 'image/jpeg' } }, 422, 'IMAGE_UNREADABLE'],
      ['empty body', { body: Buffer.alloc(0), headers: { 'content-type': 'image/png' } }, 400, 'BAD_REQUEST'],
      ['body over maxBodyBytes', { body: Buffer.alloc(9 * 1024 * 1024, 1), headers: { 'content-type': 'image/png' } }, 413, 'BODY_TOO_LARGE'],
      ['url of another origin', { body: JSON.stringify({ url: 'http://127.0.0.2:9/x.png' }), headers: { 'content-type': 'application/json' } }, 403, 'URL_NOT_ALLOWED'],
      ['a path, not a url', { body: JSON.stringify({ url: '/etc/passwd' }), headers: { 'content-type': 'application/json' } }, 400, 'BAD_REQUEST'],
      ['malformed JSON', { body: '{"url":', headers: { 'content-type': 'application/json' } }, 400, 'BAD_REQUEST'],
    ];
    for (const [what, init, status, code] of cases) {
      const response = await call(`${base}/v1/predict`, init);
      expect([response.status, response.json?.code], what).toEqual([status, code]);
      expect(typeof response.json.message, what).toBe('string');
    }
    const unknown = await call(`${base}/v1/models/nope/predict`, { body: png, headers: { 'content-type': 'image/png' } });
    expect([unknown.status, unknown.json.code]).toEqual([404, 'MODEL_NOT_FOUND']);
    const healthy = await call(`${base}/v1/predict`, { body: png, headers: { 'content-type': 'image/png' } });
    expect(healthy.status).toBe(200);
  });

  it('answers 429 with Retry-After when the model queue is full', async () => {
    const tight = server.models.get('tight')!.predictor;
    const first = call(`${base}/v1/models/tight/predict`, { body: big, headers: { 'content-type': 'image/jpeg' } });
    await until(() => tight.stats().inFlight === 1);
    const second = await call(`${base}/v1/models/tight/predict`, { body: png, headers: { 'content-type': 'image/png' } });
    expect([second.status, second.json.code]).toEqual([429, 'QUEUE_FULL']);
    expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await first).status).toBe(200);
  });

  it('aborts the queued task of a client that goes away', async () => {
    const queued = server.models.get('queued')!.predictor;
    const before = queued.stats();
    const first = call(`${base}/v1/models/queued/predict`, { body: big, headers: { 'content-type': 'image/jpeg' } });
    await until(() => queued.stats().inFlight === 1);
    const controller = new AbortController();
    const abandoned = call(`${base}/v1/models/queued/predict`, { body: png, headers: { 'content-type': 'image/png' }, signal: controller.signal }).catch((error: Error) => error.name);
    await until(() => queued.stats().queued === 1);
    controller.abort();
    expect(await abandoned).toBe('AbortError');
    await until(() => queued.stats().queued === 0);
    expect((await first).status).toBe(200);
    const after = queued.stats();
    expect(after.completed - before.completed).toBe(1);
    expect((after.failures.ABORTED ?? 0) - (before.failures.ABORTED ?? 0)).toBe(1);
  });

  it('answers 504 TIMEOUT past requestTimeoutMs, and 403 for a URL when fetching is off', async () => {
    const server = await createServer({ models: [{ strategy: 'locked', offMainThread: true, model: shapesSpec() }], requestTimeoutMs: 1 });
    try {
      const base = await server.listen({ port: 0 });
      expect([...server.models.keys()]).toEqual(['yolokit-shapes']);
      const slow = await call(`${base}/v1/predict`, { body: big, headers: { 'content-type': 'image/jpeg' } });
      expect([slow.status, slow.json.code]).toEqual([504, 'TIMEOUT']);
      const url = await call(`${base}/v1/predict`, { body: JSON.stringify({ url: 'http://127.0.0.1:9/x.png' }), headers: { 'content-type': 'application/json' } });
      expect([url.status, url.json.code]).toEqual([403, 'URL_NOT_ALLOWED']);
    } finally {
      await server.close();
    }
  });
});
