/**
 * The Open Inference Protocol (KServe v2 REST) of @yolokit/serve over real HTTP: health, server and model
 * metadata, infer with JSON tensors and with the binary tensor data extension (an encoded image as BYTES, raw
 * pixels as UINT8), answers checked against the protocol's JSON schema and against the library's own results;
 * two models served at once with their own strategies; malformed requests refused with their codes.
 */
import { readFileSync } from 'node:fs';
import { onnx } from '@yolokit/backend-onnx';
import { onnxSpec } from '@yolokit/backend-onnx/spec';
import { createModel, type Result, type YoloModel } from '@yolokit/core';
import { DEFAULT_MODEL_PREDICT_DEFAULTS, defaultModelPath, generateScene } from '@yolokit/default-model';
import { createServer, type YoloServer } from '@yolokit/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';
import { oipSchemaErrors, splitBinaryResponse } from './support/oip-schema.js';
import { call, scenePng, shapesSpec, withoutSpeed } from './support/serve-client.js';

/** A request body with the binary extension: JSON header, then each binary input's bytes. */
function binaryRequest(header: object, ...tensors: Uint8Array[]): { body: Buffer; headers: Record<string, string> } {
  const json = Buffer.from(JSON.stringify(header));
  return {
    body: Buffer.concat([json, ...tensors]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(json.byteLength) },
  };
}

/** One BYTES element as the binary extension carries it: a 4-byte little-endian length, then the bytes. */
function bytesElement(bytes: Uint8Array): Uint8Array {
  const element = new Uint8Array(4 + bytes.byteLength);
  new DataView(element.buffer).setUint32(0, bytes.byteLength, true);
  element.set(bytes, 4);
  return element;
}

/** The detections of a result as the three OIP tensors carry them (float32 boxes and scores). */
function asTensors(result: Result) {
  return {
    boxes: Array.from(Float32Array.from(result.detections.flatMap((d) => [...d.box]))),
    scores: Array.from(Float32Array.from(result.detections.map((d) => d.confidence))),
    classIds: result.detections.map((d) => d.classId),
  };
}

describe('serve: Open Inference Protocol (KServe v2 REST)', () => {
  let server: YoloServer;
  let base: string;
  let reference: YoloModel;
  let png: Buffer;

  beforeAll(async () => {
    png = await scenePng(7101);
    reference = await createModel({ backend: onnx(), model: defaultModelPath(), defaults: DEFAULT_MODEL_PREDICT_DEFAULTS });
    server = await createServer({
      models: [
        { name: 'shapes', strategy: 'locked', offMainThread: true, model: shapesSpec() },
        { name: 'shapes-processes', strategy: 'processes', workers: 1, model: shapesSpec() },
      ],
    });
    base = await server.listen({ port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await reference?.dispose();
  });

  it('answers health, server metadata, model metadata and readiness in the protocol schema', async () => {
    const live = await call(`${base}/v2/health/live`);
    const ready = await call(`${base}/v2/health/ready`);
    const serverMetadata = await call(`${base}/v2`);
    expect([live.status, oipSchemaErrors('server_live_response', live.json), live.json.live]).toEqual([200, [], true]);
    expect([ready.status, oipSchemaErrors('server_ready_response', ready.json), ready.json.ready]).toEqual([200, [], true]);
    expect(oipSchemaErrors('server_metadata_response', serverMetadata.json)).toEqual([]);
    expect(serverMetadata.json.extensions).toContain('binary_tensor_data');
    for (const [name, strategy] of [['shapes', 'locked'], ['shapes-processes', 'processes']]) {
      const metadata = await call(`${base}/v2/models/${name}`);
      expect(oipSchemaErrors('metadata_model_response', metadata.json)).toEqual([]);
      expect(metadata.json.name).toBe(name);
      expect(metadata.json.inputs).toEqual([{ name: 'image', datatype: 'BYTES', shape: [1] }]);
      expect(metadata.json.outputs.map((o: { name: string }) => o.name)).toEqual(['boxes', 'scores', 'class_ids', 'result']);
      expect(metadata.json.parameters.strategy).toBe(strategy);
      expect(metadata.json.parameters.names).toEqual(reference.info.metadata.names);
      const modelReady = await call(`${base}/v2/models/${name}/ready`);
      expect([modelReady.status, oipSchemaErrors('model_ready_response', modelReady.json), modelReady.json.ready]).toEqual([200, [], true]);
    }
    const unknown = await call(`${base}/v2/models/nope`);
    expect([unknown.status, unknown.json.code, oipSchemaErrors('error_response', unknown.json)]).toEqual([404, 'MODEL_NOT_FOUND', []]);
  });

  it('infers from a base64 BYTES input in JSON, on either model, as the library does', async () => {
    const expected = await reference.predict(new Uint8Array(png), { conf: 0.4 });
    for (const name of ['shapes', 'shapes-processes']) {
      const response = await call(`${base}/v2/models/${name}/infer`, {
        body: JSON.stringify({ id: 'r1', parameters: { conf: 0.4 }, inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [png.toString('base64')] }] }),
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(200);
      expect(oipSchemaErrors('inference_response', response.json)).toEqual([]);
      expect([response.json.model_name, response.json.id]).toEqual([name, 'r1']);
      const byName = Object.fromEntries(response.json.outputs.map((o: { name: string }) => [o.name, o]));
      const n = expected.detections.length;
      expect(byName.boxes.shape).toEqual([n, 4]);
      expect({ boxes: byName.boxes.data, scores: byName.scores.data, classIds: byName.class_ids.data }).toEqual(asTensors(expected));
      const { model, requestId, ...result } = JSON.parse(byName.result.data[0]);
      expect(model).toBe(name);
      expect(requestId).toBe(response.headers['x-request-id']);
      expect(withoutSpeed(result)).toEqual(withoutSpeed(expected.toJSON()));
    }
  });

  it('speaks the binary tensor data extension: a binary BYTES image in, binary tensors out', async () => {
    const expected = await reference.predict(new Uint8Array(png));
    const request = binaryRequest(
      {
        inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: png.byteLength + 4 } }],
        outputs: [{ name: 'boxes', parameters: { binary_data: true } }, { name: 'class_ids', parameters: { binary_data: true } }, { name: 'scores' }],
      },
      bytesElement(png),
    );
    const response = await call(`${base}/v2/models/shapes/infer`, { body: request.body, headers: request.headers });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/octet-stream');
    const { header, tensors } = splitBinaryResponse(response.bytes, Number(response.headers['inference-header-content-length']));
    expect(oipSchemaErrors('inference_response', header)).toEqual([]);
    expect(header.outputs.map((o) => o.name)).toEqual(['boxes', 'class_ids', 'scores']);
    const boxes = tensors.get('boxes')!;
    const classIds = tensors.get('class_ids')!;
    expect({
      boxes: Array.from(new Float32Array(boxes.buffer.slice(boxes.byteOffset, boxes.byteOffset + boxes.byteLength))),
      classIds: Array.from(new Int32Array(classIds.buffer.slice(classIds.byteOffset, classIds.byteOffset + classIds.byteLength))),
      scores: header.outputs[2].data,
    }).toEqual(asTensors(expected));
  });

  it('takes raw pixels as a binary UINT8 [h, w, 3] tensor', async () => {
    const scene = generateScene(7102);
    const expected = await reference.predict({ data: scene.data, width: scene.width, height: scene.height, channels: 3 });
    const request = binaryRequest(
      { inputs: [{ name: 'image', datatype: 'UINT8', shape: [scene.height, scene.width, 3], parameters: { binary_data_size: scene.data.byteLength } }] },
      scene.data,
    );
    const response = await call(`${base}/v2/models/shapes/infer`, { body: request.body, headers: request.headers });
    expect(response.status).toBe(200);
    const byName = Object.fromEntries(response.json.outputs.map((o: { name: string }) => [o.name, o]));
    expect({ boxes: byName.boxes.data, scores: byName.scores.data, classIds: byName.class_ids.data }).toEqual(asTensors(expected));
  });

  it('refuses malformed requests with 400 and a code, and keeps serving', async () => {
    const json = (body: string) => ({ body, headers: { 'content-type': 'application/json' } });
    const image = { name: 'image', datatype: 'BYTES', shape: [1], data: [png.toString('base64')] };
    const cases: Array<[string, { body: Buffer | string; headers: Record<string, string> }, string]> = [
      ['not JSON', json('{"inputs": ['), 'BAD_REQUEST'],
      ['no inputs', json('{}'), 'BAD_REQUEST'],
      ['two inputs', json(JSON.stringify({ inputs: [image, image] })), 'BAD_REQUEST'],
      ['FP32 input', json(JSON.stringify({ inputs: [{ ...image, datatype: 'FP32' }] })), 'BAD_REQUEST'],
      ['shape without the bytes', json(JSON.stringify({ inputs: [{ name: 'image', datatype: 'UINT8', shape: [4, 4, 3], data: [1, 2, 3] }] })), 'BAD_REQUEST'],
      ['unknown output', json(JSON.stringify({ inputs: [image], outputs: [{ name: 'masks' }] })), 'BAD_REQUEST'],
      ['absurd conf', json(JSON.stringify({ inputs: [image], parameters: { conf: 1e9 } })), 'INVALID_OPTION'],
      ['header longer than the body', { body: Buffer.from('{}'), headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': '99' } }, 'BAD_REQUEST'],
      [
        'binary size past the end',
        binaryRequest({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 1000 } }] }, bytesElement(png.subarray(0, 10))),
        'BAD_REQUEST',
      ],
    ];
    for (const [what, init, code] of cases) {
      const response = await call(`${base}/v2/models/shapes/infer`, init);
      expect([response.status, response.json?.code, oipSchemaErrors('error_response', response.json)], what).toEqual([400, code, []]);
    }
    const after = await call(`${base}/v2/models/shapes/infer`, json(JSON.stringify({ inputs: [image] })));
    expect(after.status).toBe(200);
  });
});

describeWithFixtures('serve: OIP with yolov8n_int8 on bus.jpg', ['models/yolov8n_int8.onnx', 'images/bus.jpg'], () => {
  it('answers the library detections through a threads pool, by the file name', async () => {
    const spec = { backend: onnxSpec(), model: fixturePath('models/yolov8n_int8.onnx') };
    const bus = readFileSync(fixturePath('images/bus.jpg'));
    const model = await createModel({ backend: onnx(), model: spec.model });
    const server = await createServer({ models: [{ strategy: 'threads', workers: 1, model: spec }] });
    try {
      const base = await server.listen({ port: 0 });
      const expected = await model.predict(new Uint8Array(bus));
      const response = await call(`${base}/v2/models/yolov8n_int8/infer`, {
        body: JSON.stringify({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [bus.toString('base64')] }] }),
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(200);
      const byName = Object.fromEntries(response.json.outputs.map((o: { name: string }) => [o.name, o]));
      expect({ boxes: byName.boxes.data, scores: byName.scores.data, classIds: byName.class_ids.data }).toEqual(asTensors(expected));
      expect(expected.detections.map((d) => d.className)).toContain('bus');
    } finally {
      await server.close();
      await model.dispose();
    }
  });
});
