import { onnxSpec } from '@yolokit/backend-onnx/spec';
import type { ModelSpec } from '@yolokit/concurrency';
import { DEFAULT_MODEL_PREDICT_DEFAULTS, defaultModelPath, generateScene } from '@yolokit/default-model';
import sharp from 'sharp';
import { request } from 'undici';

/** The default shapes model as a spec (no fixture needed), with its recommended defaults. */
export const shapesSpec = (): ModelSpec => ({
  backend: onnxSpec(),
  model: defaultModelPath(),
  defaults: DEFAULT_MODEL_PREDICT_DEFAULTS,
});

/** A scene of the default model's generator, as PNG bytes (`size`: width × height). */
export async function scenePng(seed: number, size?: { width: number; height: number }): Promise<Buffer> {
  const scene = generateScene(seed, size ? { size } : {});
  return sharp(scene.data, { raw: { width: scene.width, height: scene.height, channels: 3 } }).png().toBuffer();
}

/** A large scene as JPEG: seconds of decoding and letterboxing for one worker, in a body of a few MB. */
export async function largeSceneJpeg(seed: number): Promise<Buffer> {
  const scene = generateScene(seed, { size: { width: 4000, height: 3000 } });
  return sharp(scene.data, { raw: { width: scene.width, height: scene.height, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
}

/** Whatever JSON the server sent: the tests assert on its fields. */
// biome-ignore lint/suspicious/noExplicitAny: an answer's shape is what the tests check, not what they assume.
type Json = any;

/** One HTTP request with undici; the body read as JSON when it is JSON, else as bytes. */
export async function call(
  url: string,
  init: { method?: 'GET' | 'POST'; body?: Buffer | string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: Json; bytes: Buffer }> {
  const response = await request(url, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), body: init.body, headers: init.headers, signal: init.signal });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  const type = String(response.headers['content-type'] ?? '');
  return { status: response.statusCode, headers: response.headers, json: type.startsWith('application/json') ? JSON.parse(bytes.toString('utf8')) : undefined, bytes };
}

/** A result's JSON without its timings (which differ between any two runs). */
export function withoutSpeed<T extends { speed?: unknown }>(json: T): Omit<T, 'speed'> {
  const { speed: _speed, ...rest } = json;
  return rest;
}
