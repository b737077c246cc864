/**
 * `yolokit serve --strategy queue` (issue 17): the server as a producer only, two `yolokit worker` processes
 * on a real redis-server doing the inference. REST and Open Inference Protocol answers equal the in-process
 * results of the same images and options (boxes within 1e-4, same classes, same counts), the OIP metadata
 * comes from the workers' model, and /metrics counts the requests by route and status.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Result, type ResultJSON } from '@yolokit/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliBin, describeWithRedis, differences, imagesIn, QueueRig, sequentialReference, until, VARIANTS } from './queue-support.js';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';
import { call } from './support/serve-client.js';

const MODEL = 'models/yolov8n_int8.onnx';
const COCO = 'coco32/images';
const QUEUE = 'serve-queue';
const IMAGES = 6;

/** VARIANTS as a query string: numbers as text, lists comma-separated. */
const query = (options: Record<string, unknown>): string =>
  new URLSearchParams(Object.entries(options).map(([key, value]) => [key, Array.isArray(value) ? value.join(',') : String(value)])).toString();

/** The library's result of an answer's JSON (without the server's model and request id). */
const resultOf = (json: ResultJSON & { model?: string; requestId?: string }): Result => {
  const { model: _model, requestId: _requestId, ...result } = json;
  return Result.fromJSON(result as ResultJSON);
};

describeWithFixtures('serve: --strategy queue, the server a producer for yolokit worker processes', [MODEL, COCO], () => {
  describeWithRedis('with a local redis-server', () => {
    const rig = new QueueRig();
    let server: ChildProcess | undefined;
    let output = '';
    let base: string;
    let images: string[];
    let reference: Result[][];

    beforeAll(async () => {
      images = imagesIn(fixturePath(COCO)).slice(0, IMAGES);
      reference = await sequentialReference(fixturePath(MODEL), images);
      const { redis } = await rig.start(QUEUE, fixturePath(MODEL));
      server = spawn(
        process.execPath,
        [cliBin, 'serve', '--strategy', 'queue', '--queue', QUEUE, '--redis', redis.url, '--name', 'yolov8n', '--port', '0', '--log-level', 'warn'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      server.stdout!.on('data', (chunk) => (output += chunk));
      server.stderr!.on('data', (chunk) => (output += chunk));
      await until(() => /listening on (\S+):/.test(output) || server!.exitCode !== null, 60_000, 'yolokit serve listening');
      const match = /yolokit serve listening on (\S+): yolov8n \(queue\)/.exec(output);
      if (!match) throw new Error(`yolokit serve did not start:\n${output}`);
      base = match[1];
    }, 300_000);

    afterAll(async () => {
      if (server && server.exitCode === null) {
        const exited = new Promise((resolve) => server!.once('exit', resolve));
        server.kill('SIGTERM');
        await exited;
      }
      await rig.stop();
    });

    it('answers /v1/predict and OIP infer as the in-process model does; /metrics counts the requests', async () => {
      // Every image at once, each with one of the option variants (by query string): the workers share them out.
      const answers = await Promise.all(
        images.map((image, i) =>
          call(`${base}/v1/predict?${query(VARIANTS[i % VARIANTS.length] as Record<string, unknown>)}`, {
            body: readFileSync(image),
            headers: { 'content-type': 'image/jpeg', 'x-request-id': `q-${i}` },
          }),
        ),
      );
      expect(answers.map((a) => [a.status, a.json.model, a.json.requestId])).toEqual(images.map((_, i) => [200, 'yolov8n', `q-${i}`]));
      for (const [i, answer] of answers.entries()) {
        expect(differences(resultOf(answer.json), reference[i][i % VARIANTS.length]), basename(images[i])).toEqual([]);
      }
      expect(answers.reduce((n, a) => n + a.json.detections.length, 0)).toBe(reference.reduce((n, row, i) => n + row[i % VARIANTS.length].detections.length, 0));

      // The model's metadata comes from the workers (the server loaded no model).
      const metadata = await call(`${base}/v2/models/yolov8n`);
      expect(metadata.status).toBe(200);
      expect(metadata.json.parameters.names['0']).toBe('person');

      for (const i of [0, 1]) {
        const infer = await call(`${base}/v2/models/yolov8n/infer`, {
          body: JSON.stringify({ id: `oip-${i}`, parameters: { conf: 0.5 }, inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [readFileSync(images[i]).toString('base64')] }] }),
          headers: { 'content-type': 'application/json' },
        });
        expect([infer.status, infer.json.model_name, infer.json.id]).toEqual([200, 'yolov8n', `oip-${i}`]);
        const byName = Object.fromEntries(infer.json.outputs.map((o: { name: string }) => [o.name, o]));
        const expected = reference[i][1]; // VARIANTS[1] is { conf: 0.5 }
        expect(byName.class_ids.data).toEqual(expected.detections.map((d) => d.classId));
        expect(differences(resultOf(JSON.parse(byName.result.data[0])), expected)).toEqual([]);
      }

      const text = (await call(`${base}/metrics`)).bytes.toString('utf8');
      const sample = (name: string) => Number(new RegExp(`^${name.replace(/[{}()[\]|.*+?^$\\]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
      expect([
        sample('yolokit_http_requests_total{method="POST",route="/v1/predict",status="200"}'),
        sample('yolokit_http_requests_total{method="POST",route="/v2/models/:name/infer",status="200"}'),
        sample('yolokit_predictor_completed{model="yolov8n"}'),
        sample('yolokit_predictor_queue_depth{model="yolov8n"}'),
        sample('yolokit_predictor_in_flight{model="yolov8n"}'),
      ]).toEqual([IMAGES, 2, IMAGES + 2, 0, 0]);
    }, 180_000);
  });
});
