import type { ImageInput, RawImage, Result } from '@yolokit/core';
import { HttpError } from './http-error.js';

/**
 * The Open Inference Protocol's tensors (KServe v2 REST, https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol)
 * and its binary tensor data extension: after a JSON header of `Inference-Header-Content-Length` bytes, each
 * binary tensor's bytes in order, little-endian, row-major; a BYTES element is a 4-byte little-endian length
 * followed by its bytes.
 */

/** `$request_input`. */
export interface InferInput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly datatype: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly data?: unknown;
}

/** `$inference_request`. */
export interface InferRequest {
  readonly id?: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly inputs: readonly InferInput[];
  readonly outputs?: readonly { readonly name: string; readonly parameters?: Readonly<Record<string, unknown>> }[];
}

/** `$response_output`, with its data as bytes (binary) or as JSON. */
export interface OutputTensor {
  readonly name: string;
  readonly datatype: 'FP32' | 'INT32' | 'BYTES';
  readonly shape: number[];
  readonly json: number[] | string[];
  readonly bytes: Uint8Array;
}

/** The outputs every model answers with: its detections as tensors, and the whole result JSON. */
export const OUTPUT_NAMES = ['boxes', 'scores', 'class_ids', 'result'] as const;

const bad = (message: string): HttpError => new HttpError(400, 'BAD_REQUEST', message);

/** Parses the body of an infer request: JSON, or with `Inference-Header-Content-Length`, JSON then binary tensors. */
export function parseInferBody(body: unknown, headerLength: string | undefined): { request: InferRequest; binary: Uint8Array | undefined } {
  if (headerLength !== undefined) {
    if (!Buffer.isBuffer(body)) throw bad('Inference-Header-Content-Length needs the body as bytes (Content-Type: application/octet-stream)');
    const length = Number(headerLength);
    if (!/^\d+$/.test(headerLength) || length > body.byteLength) {
      throw bad(`Inference-Header-Content-Length is ${JSON.stringify(headerLength)}, not a length within the ${body.byteLength}-byte body`);
    }
    return { request: checkRequest(parseJson(body.subarray(0, length).toString('utf8'))), binary: body.subarray(length) };
  }
  if (Buffer.isBuffer(body)) return { request: checkRequest(parseJson(body.toString('utf8'))), binary: undefined };
  return { request: checkRequest(body), binary: undefined };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw bad(`the inference request is not valid JSON: ${(error as Error).message}`);
  }
}

function checkRequest(value: unknown): InferRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('the inference request must be a JSON object { inputs: [...] }');
  const { inputs, outputs, parameters, id } = value as Record<string, unknown>;
  if (id !== undefined && typeof id !== 'string') throw bad('"id" must be a string');
  if (parameters !== undefined && (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters))) throw bad('"parameters" must be an object');
  if (!Array.isArray(inputs) || inputs.length !== 1) {
    throw bad(`"inputs" must hold exactly one tensor, the image (BYTES [1] encoded, or UINT8 [height, width, 3] pixels); got ${Array.isArray(inputs) ? `${inputs.length} tensors` : typeof inputs}`);
  }
  for (const input of inputs as unknown[]) {
    const { name, shape, datatype } = (input ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || typeof datatype !== 'string' || !Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw bad('each input needs "name" (string), "datatype" (string) and "shape" (array of non-negative integers)');
    }
  }
  if (outputs !== undefined) {
    if (!Array.isArray(outputs) || outputs.some((o) => typeof o?.name !== 'string' || !(OUTPUT_NAMES as readonly string[]).includes(o.name))) {
      throw bad(`"outputs" must name outputs of this model: ${OUTPUT_NAMES.join(', ')}`);
    }
  }
  return value as InferRequest;
}

/** The image of the request's one input: BYTES `[1]` (an encoded image) or UINT8 `[h, w, 3]` / `[1, h, w, 3]` pixels. */
export function imageFromInput(input: InferInput, binary: Uint8Array | undefined): ImageInput {
  const binarySize = input.parameters?.binary_data_size;
  let raw: Uint8Array | undefined;
  if (binarySize !== undefined) {
    if (!binary || typeof binarySize !== 'number' || !Number.isSafeInteger(binarySize) || binarySize < 0 || binarySize > binary.byteLength) {
      throw bad(`input ${input.name}: binary_data_size ${JSON.stringify(binarySize)} does not fit the ${binary?.byteLength ?? 0} binary bytes after the header`);
    }
    raw = binary.subarray(0, binarySize);
  }
  const count = input.shape.reduce((a, b) => a * b, 1);
  if (input.datatype === 'BYTES') {
    if (count !== 1) throw bad(`input ${input.name}: BYTES must have shape [1] (one encoded image), got [${input.shape.join(', ')}]`);
    if (raw) {
      if (raw.byteLength < 4) throw bad(`input ${input.name}: a binary BYTES element starts with its 4-byte length`);
      const length = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(0, true);
      if (length !== raw.byteLength - 4) throw bad(`input ${input.name}: the BYTES element says ${length} bytes, but ${raw.byteLength - 4} follow`);
      return raw.subarray(4);
    }
    const data = input.data;
    const element = Array.isArray(data) ? data.flat(3) : [];
    if (element.length !== 1 || typeof element[0] !== 'string') throw bad(`input ${input.name}: BYTES data must be one base64 string (the encoded image)`);
    const bytes = Buffer.from(element[0], 'base64');
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  if (input.datatype === 'UINT8') {
    const dims = input.shape.length === 4 && input.shape[0] === 1 ? input.shape.slice(1) : input.shape;
    if (dims.length !== 3 || (dims[2] !== 3 && dims[2] !== 4)) {
      throw bad(`input ${input.name}: UINT8 pixels must have shape [height, width, 3|4] or [1, height, width, 3|4], got [${input.shape.join(', ')}]`);
    }
    let pixels: Uint8Array;
    if (raw) pixels = raw;
    else {
      const flat = Array.isArray(input.data) ? input.data.flat(4) : [];
      if (!flat.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) throw bad(`input ${input.name}: UINT8 data must be integers from 0 to 255`);
      pixels = Uint8Array.from(flat as number[]);
    }
    if (pixels.byteLength !== count) throw bad(`input ${input.name}: shape [${input.shape.join(', ')}] needs ${count} values, got ${pixels.byteLength}`);
    return { data: pixels, width: dims[1], height: dims[0], channels: dims[2] as 3 | 4 } satisfies RawImage;
  }
  throw bad(`input ${input.name}: datatype must be BYTES (an encoded image) or UINT8 (pixels), got ${JSON.stringify(input.datatype)}`);
}

/** The result as OIP output tensors: `boxes` FP32 [n, 4] (x1, y1, x2, y2 pixels), `scores` FP32 [n], `class_ids` INT32 [n], `result` BYTES [1] (the result JSON). */
export function outputTensors(result: Result, json: object): OutputTensor[] {
  const n = result.detections.length;
  const boxes = new Float32Array(n * 4);
  const scores = new Float32Array(n);
  const classIds = new Int32Array(n);
  result.detections.forEach((d, i) => {
    boxes.set(d.box, i * 4);
    scores[i] = d.confidence;
    classIds[i] = d.classId;
  });
  const text = JSON.stringify(json);
  const textBytes = Buffer.from(text, 'utf8');
  const element = new Uint8Array(4 + textBytes.byteLength);
  new DataView(element.buffer).setUint32(0, textBytes.byteLength, true);
  element.set(textBytes, 4);
  const asBytes = (array: Float32Array | Int32Array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  return [
    { name: 'boxes', datatype: 'FP32', shape: [n, 4], json: Array.from(boxes), bytes: asBytes(boxes) },
    { name: 'scores', datatype: 'FP32', shape: [n], json: Array.from(scores), bytes: asBytes(scores) },
    { name: 'class_ids', datatype: 'INT32', shape: [n], json: Array.from(classIds), bytes: asBytes(classIds) },
    { name: 'result', datatype: 'BYTES', shape: [1], json: [text], bytes: element },
  ];
}
