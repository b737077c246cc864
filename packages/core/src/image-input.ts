import { formatBytes } from './bounded-read.js';
import { describeValue } from './describe-value.js';
import { ImageDecodeError } from './errors.js';
import type { LetterboxGeometry } from './letterbox.js';

/** Raw pixels, row-major, 8 bits per channel. */
export interface RawImage {
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  /** 3 for RGB, 4 for RGBA (alpha is ignored). */
  readonly channels: 3 | 4;
}

/**
 * An image to predict on: a file path or `file:` URL, encoded bytes (JPEG, PNG, WebP, AVIF, GIF, TIFF, ...),
 * or raw RGB/RGBA pixels.
 */
export type ImageInput = string | URL | Uint8Array | ArrayBuffer | RawImage;

/**
 * The instance type of the global class `Name` where the program's type library declares it (`lib: ["DOM"]`,
 * or `["WebWorker"]` for the classes a worker has), `never` where it does not. Type-only: a Node program without
 * the DOM library compiles against these declarations, and sees {@link BrowserImageInput} as {@link ImageInput}.
 */
type GlobalInstance<Name extends string> = typeof globalThis extends { readonly [K in Name]: { readonly prototype: infer T } } ? T : never;

/**
 * An image to predict on in a browser or web worker (the browser build's `createModel`, `yolo` of
 * `@yolokit/backend-onnx/web`, `CanvasImageDecoder`): an {@link ImageInput} (a string or `URL` is fetched), or
 * the browser's own image objects:
 *
 * - `ImageData`: its pixels as they are;
 * - `ImageBitmap`, `HTMLCanvasElement`, `OffscreenCanvas`: drawn at their size;
 * - `HTMLImageElement`: awaited (`decode()`) if still loading, at its natural size, with its embedded colour
 *   profile ignored as for encoded bytes;
 * - `VideoFrame`: at its display size, RGBA/RGBX/BGRA/BGRX frames copied byte for byte (`copyTo`), other formats
 *   (I420, NV12, ...) drawn, which converts them to RGB as the browser does.
 *
 * yolokit never closes what it is given: keep an `ImageBitmap` or `VideoFrame` open until `predict` settles,
 * then close it yourself. A closed one, a zero-size canvas and a broken `<img>` are `ImageDecodeError`s.
 * `HTMLImageElement` and `HTMLCanvasElement` exist only in a page; a worker has the others.
 */
export type BrowserImageInput =
  | ImageInput
  | GlobalInstance<'ImageData'>
  | GlobalInstance<'ImageBitmap'>
  | GlobalInstance<'HTMLImageElement'>
  | GlobalInstance<'HTMLCanvasElement'>
  | GlobalInstance<'OffscreenCanvas'>
  | GlobalInstance<'VideoFrame'>;

/** An image decoded, oriented and letterboxed: RGB, 8 bits, `targetHeight × targetWidth × 3`. */
export interface LetterboxedImage {
  readonly pixels: Uint8Array;
  readonly geometry: LetterboxGeometry;
}

/**
 * Decodes and letterboxes images. `@yolokit/core` uses sharp in Node; another environment (a browser) plugs
 * in its own.
 *
 * @typeParam TInput - the images it takes: a model's `predict` takes the same
 */
export interface ImageDecoder<TInput = ImageInput> {
  letterbox(image: TInput, target: { width: number; height: number }, options?: DecodeImageOptions): Promise<LetterboxedImage>;
  /**
   * The input of a classifier, Ultralytics' `classify_transforms(size)`: the short side resized to `size` and the
   * centre `size`×`size` cropped (see `classifyPixels`), as RGB bytes, with the crop as a geometry of negative
   * padding. Optional: a decoder without it cannot feed classify models (they say so with an error).
   */
  classifyCrop?(image: TInput, size: number, options?: DecodeImageOptions): Promise<LetterboxedImage>;
}

/** Options of {@link ImageDecoder.letterbox}. */
export interface DecodeImageOptions {
  readonly signal?: AbortSignal;
  /**
   * Most bytes to read for an image the decoder reads itself (a path, a `file:` URL, a URL it fetches); a
   * model passes its `maxImageBytes`. Bytes and raw pixels handed over by value are checked by the model
   * before they reach the decoder ({@link checkImageBytes}).
   *
   * @defaultValue {@link DEFAULT_MAX_IMAGE_BYTES}
   */
  readonly maxBytes?: number;
}

/**
 * Default byte limit of an image (`createModel`'s `maxImageBytes`): 256 MiB, as many bytes as the raw RGBA
 * pixels of a 64-megapixel frame (8000 × 8000 × 4), and some ten times the largest JPEG of a 100-megapixel
 * camera. Encoded files, downloads, bytes and raw pixels are all held to it, so it bounds what one image
 * can make a process hold before decoding.
 */
export const DEFAULT_MAX_IMAGE_BYTES = 256 * 1024 * 1024;

export function isRawImage(value: unknown): value is RawImage {
  return (
    typeof value === 'object' &&
    value !== null &&
    'data' in value &&
    'width' in value &&
    'height' in value &&
    'channels' in value
  );
}

/** A short description of an image input for error messages and results. */
export function describeImage(image: ImageInput): string {
  if (typeof image === 'string') return image;
  if (image instanceof URL) return image.href;
  if (image instanceof ArrayBuffer) return `<ArrayBuffer ${image.byteLength} bytes>`;
  if (image instanceof Uint8Array) return `<${image.constructor.name} ${image.byteLength} bytes>`;
  // describeValue: a width given as the string "640" reads `"640"`, not as the number it is not.
  if (isRawImage(image)) return `<raw ${describeValue(image.width)}x${describeValue(image.height)}x${describeValue(image.channels)}>`;
  return `<${typeof image}>`;
}

/** Rejects raw pixel buffers whose size does not match their declared shape. */
export function validateRawImage(image: RawImage): void {
  const { width, height, channels, data } = image;
  const where = describeImage(image);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ImageDecodeError(
      where,
      `raw image width and height must be positive integers (numbers), got width ${describeValue(width)} and height ${describeValue(height)}`,
    );
  }
  if (channels !== 3 && channels !== 4) {
    throw new ImageDecodeError(where, `raw image channels must be 3 (RGB) or 4 (RGBA), got ${describeValue(channels)}`);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw new ImageDecodeError(where, `raw image data must be a Uint8Array or Uint8ClampedArray, got ${describeValue(data)}`);
  }
  if (data.length !== width * height * channels) {
    throw new ImageDecodeError(
      where,
      `raw image data has ${data.length} bytes but ${width}x${height}x${channels} needs ${width * height * channels}`,
    );
  }
}

/** Smallest side, in pixels, of an image yolokit accepts. */
export const MIN_IMAGE_SIDE = 2;

export function checkImageSize(where: string, width: number, height: number): void {
  if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE) {
    throw new ImageDecodeError(
      where,
      `image ${where} is ${width}x${height} pixels; yolokit needs at least ${MIN_IMAGE_SIDE}x${MIN_IMAGE_SIDE} (nothing can be detected in less)`,
      { code: 'IMAGE_TOO_SMALL' },
    );
  }
}

/**
 * Refuses an image handed over by value (encoded bytes or raw pixels) larger than `maxBytes`, with an
 * `ImageDecodeError` (`IMAGE_UNREADABLE`) that gives its size. Paths and URLs are bounded by the decoder that
 * reads them ({@link DecodeImageOptions.maxBytes}).
 */
export function checkImageBytes(image: ImageInput, maxBytes: number): void {
  let size: number | undefined;
  if (image instanceof Uint8Array || image instanceof ArrayBuffer) size = image.byteLength;
  else if (isRawImage(image)) {
    validateRawImage(image);
    size = image.data.byteLength;
  }
  if (size !== undefined && size > maxBytes) {
    const where = describeImage(image);
    throw new ImageDecodeError(
      where,
      `image ${where} is ${formatBytes(size)}, more than the limit of ${formatBytes(maxBytes)}; raise createModel's maxImageBytes if it is a real image`,
    );
  }
}
