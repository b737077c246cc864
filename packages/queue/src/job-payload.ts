/**
 * What a prediction job carries through Redis, and what its worker returns: plain JSON (BullMQ stores job data
 * and return values as JSON), versioned so that producers and workers of different releases can tell.
 * @internal
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageTransport, WireOptions } from '@yolokit/concurrency';
import {
  describeImage,
  ImageDecodeError,
  type ImageInput,
  InvalidOptionError,
  isRawImage,
  ReadLimitError,
  Result,
  type ResultJSON,
  type ResultWire,
  readRegularFile,
} from '@yolokit/core';
import { ImageTooLargeError } from './errors.js';
import type { FetchImageLimits, SourcePolicy } from './source-policy.js';

/** The BullMQ job name of a prediction. */
export const JOB_NAME = 'predict';
/** Version of {@link JobPayload} and {@link JobReturn}. */
export const PAYLOAD_VERSION = 1;

export type JobImage =
  /** By reference: a path on storage the workers share (absolute once the producer has resolved it). */
  | { readonly kind: 'path'; readonly path: string }
  /** By reference: a `file:`, `http:` or `https:` URL. */
  | { readonly kind: 'url'; readonly href: string }
  /**
   * By value: encoded image bytes (JPEG, PNG, ...), base64. Once the job failed for good the worker replaces
   * `base64` with `''` and records the size in `droppedBytes`, so dead letters do not keep images in Redis.
   */
  | { readonly kind: 'bytes'; readonly base64: string; readonly droppedBytes?: number }
  /** By value: raw RGB/RGBA pixels, base64 (dropped as for `bytes`). */
  | {
      readonly kind: 'raw';
      readonly base64: string;
      readonly width: number;
      readonly height: number;
      readonly channels: 3 | 4;
      readonly droppedBytes?: number;
    };

/** Prediction options as they travel in a job: everything but the AbortSignal. */
export type { WireOptions };

export interface JobPayload {
  readonly v: typeof PAYLOAD_VERSION;
  readonly image: JobImage;
  readonly options?: WireOptions;
}

export interface JobReturn {
  readonly v: typeof PAYLOAD_VERSION;
  /**
   * The result in `Result.toWire('base64')` form: for detection the same fields as its JSON form; masks as
   * `{ imageWidth, imageHeight, rect, bits }` with the crop's packed bits in base64 and keypoints as
   * `{ data, dims }`, never arrays of mask numbers. Producers also read the JSON form (`Result.toJSON()`, masks
   * as COCO RLE), which a worker written elsewhere may return.
   */
  readonly result: ResultWire | ResultJSON;
  /** The name of the worker that ran it. */
  readonly worker: string;
  /** Milliseconds the worker spent on it (image fetch and decode included). */
  readonly runMs: number;
  /** Failed attempts before this one (BullMQ's `attemptsMade` when it started). */
  readonly attemptsMade: number;
  /** Times the job was started, this one included (a dead or stopping worker's start counts, unlike in `attemptsMade`). */
  readonly attemptsStarted: number;
}

/** How images that are paths or `file:` URLs travel (the type is `@yolokit/concurrency`'s, shared with `createPredictor`). */
export type { ImageTransport };

/** The producer's half: an image as a job's `image` field. Enforces `maxImageBytes` on everything sent by value. */
export async function toJobImage(image: ImageInput, transport: ImageTransport, maxImageBytes: number): Promise<JobImage> {
  if (typeof image === 'string' || image instanceof URL) {
    // Strings that are URLs count as URLs (core reads `file:` strings so; http(s) ones only workers fetch).
    const href = image instanceof URL ? image.href : /^(file|https?):/.test(image) ? image : undefined;
    if (href !== undefined && !href.startsWith('file:')) {
      if (href.startsWith('http:') || href.startsWith('https:')) return { kind: 'url', href };
      throw new ImageDecodeError(href, `unsupported image URL ${href}: give a file: URL, an http(s): URL the workers can fetch, a path, or the bytes`);
    }
    if (transport === 'reference') {
      // Workers run elsewhere, with another working directory: a relative path means this process's.
      if (href !== undefined) return { kind: 'url', href };
      return { kind: 'path', path: isAbsolute(image as string) ? (image as string) : resolve(image as string) };
    }
    const path = href !== undefined ? fileURLToPath(href) : (image as string);
    let bytes: Uint8Array;
    try {
      // Regular files only, never more than the limit: a FIFO or /dev/zero given by mistake fails here.
      bytes = await readRegularFile(path, { maxBytes: maxImageBytes });
    } catch (error) {
      if (error instanceof ReadLimitError && error.reason === 'too-large') throw new ImageTooLargeError(error.size ?? maxImageBytes + 1, maxImageBytes, `image ${path}`);
      throw new ImageDecodeError(path, `cannot read image ${path} to send it by value: ${(error as Error).message}`, { cause: error });
    }
    return { kind: 'bytes', base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  }
  if (image instanceof Uint8Array || image instanceof ArrayBuffer) {
    const view = image instanceof ArrayBuffer ? new Uint8Array(image) : image;
    if (view.byteLength > maxImageBytes) throw new ImageTooLargeError(view.byteLength, maxImageBytes, `the image's bytes (${describeImage(image)})`);
    return { kind: 'bytes', base64: Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64') };
  }
  if (isRawImage(image) && (image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray)) {
    const { data, width, height, channels } = image;
    if (data.byteLength > maxImageBytes) throw new ImageTooLargeError(data.byteLength, maxImageBytes, `the raw image ${width}x${height}x${channels}`);
    return { kind: 'raw', base64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'), width, height, channels };
  }
  throw new ImageDecodeError(
    describeImage(image),
    `unsupported image input ${describeImage(image)}: give a file path, a file: or http(s): URL, encoded bytes (Uint8Array/ArrayBuffer) or { data, width, height, channels }`,
  );
}

/** The producer's half: the result a worker returned, in either form {@link JobReturn.result} allows. */
export function resultOfJobReturn(result: ResultWire | ResultJSON): Result {
  const isJson = result.detections.some((d) => (d.mask !== undefined && 'counts' in d.mask) || Array.isArray(d.keypoints));
  return isJson ? Result.fromJSON(result as ResultJSON) : Result.fromWire(result as ResultWire);
}

/** What `Result.source` is for this input when predicted directly, so queued results carry the same. */
export function sourceOf(image: ImageInput): string | undefined {
  return typeof image === 'string' ? image : image instanceof URL ? image.href : undefined;
}

/** Base64 length of `bytes` bytes. */
const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3);

/** The worker's half: checks job data from Redis (any producer may have written it). Throws `InvalidOptionError`. */
export function parsePayload(data: unknown, maxImageBytes: number): JobPayload {
  const bad = (why: string): InvalidOptionError =>
    new InvalidOptionError('job.data', `the job's data is not a yolokit prediction (version ${PAYLOAD_VERSION}): ${why}`);
  if (typeof data !== 'object' || data === null) throw bad('not an object');
  const { v, image, options } = data as Record<string, unknown>;
  if (v !== PAYLOAD_VERSION) throw bad(`version ${JSON.stringify(v)}; this worker reads version ${PAYLOAD_VERSION}`);
  if (typeof image !== 'object' || image === null) throw bad('no image');
  const i = image as Record<string, unknown>;
  switch (i.kind) {
    case 'path':
      if (typeof i.path !== 'string' || i.path === '') throw bad('image.path is not a path');
      break;
    case 'url':
      if (typeof i.href !== 'string' || !/^(file|https?):/.test(i.href)) throw bad('image.href is not a file: or http(s): URL');
      break;
    case 'bytes':
    case 'raw':
      if (typeof i.base64 !== 'string') throw bad('image.base64 is not a string');
      // Checked before decoding, so an oversized job costs no allocation here.
      if (i.base64.length > base64Length(maxImageBytes)) {
        throw new ImageTooLargeError(decodedLength(i.base64), maxImageBytes, "the job's image");
      }
      break;
    default:
      throw bad(`unknown image kind ${JSON.stringify(i.kind)}`);
  }
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw bad('options is not an object');
  return data as JobPayload;
}

/**
 * The worker's half: the job's image as an `ImageInput`. Paths and `file:` URLs only under the worker's allowed
 * roots (passed on as their real path), http(s) URLs only under its allowed prefixes (downloaded here, up to
 * `maxImageBytes`); anything else is `SourceNotAllowedError`. Bytes and raw pixels are always accepted.
 */
export async function fromJobImage(image: JobImage, policy: SourcePolicy, limits: FetchImageLimits): Promise<ImageInput> {
  switch (image.kind) {
    case 'path':
      return policy.checkPath(image.path);
    case 'url':
      if (image.href.startsWith('file:')) return policy.checkPath(image.href);
      return policy.fetchImage(image.href, limits);
    case 'bytes': {
      const bytes = Buffer.from(image.base64, 'base64');
      if (bytes.byteLength > limits.maxImageBytes) throw new ImageTooLargeError(bytes.byteLength, limits.maxImageBytes, "the job's image");
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    case 'raw': {
      const bytes = Buffer.from(image.base64, 'base64');
      return { data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), width: image.width, height: image.height, channels: image.channels };
    }
  }
}

/** `payload` with its by-value image's bytes left out (their size kept in `droppedBytes`). */
export function withoutImageBytes(payload: JobPayload): JobPayload {
  const { image } = payload;
  if (image.kind !== 'bytes' && image.kind !== 'raw') return payload;
  return { ...payload, image: { ...image, base64: '', droppedBytes: decodedLength(image.base64) } };
}

/** How a dead letter describes its image: the path or URL, or the size of what was sent by value. */
export function describeJobImage(image: JobImage | undefined): string {
  if (!image) return '?';
  if (image.kind === 'path') return image.path;
  if (image.kind === 'url') return image.href;
  return image.droppedBytes === undefined ? `<${image.kind} ${decodedLength(image.base64)} bytes>` : `<${image.kind} ${image.droppedBytes} bytes, dropped from Redis>`;
}

/** How many bytes `base64` decodes to, without decoding it. */
export function decodedLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.floor((base64.length * 3) / 4) - padding;
}
