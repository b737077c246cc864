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

/** An image decoded, oriented and letterboxed: RGB, 8 bits, `targetHeight × targetWidth × 3`. */
export interface LetterboxedImage {
  readonly pixels: Uint8Array;
  readonly geometry: LetterboxGeometry;
}

/**
 * Decodes and letterboxes images. `@yolokit/core` uses sharp in Node; another environment (a browser) plugs
 * in its own.
 */
export interface ImageDecoder {
  letterbox(
    image: ImageInput,
    target: { width: number; height: number },
    options?: { signal?: AbortSignal },
  ): Promise<LetterboxedImage>;
}

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
  if (isRawImage(image)) return `<raw ${image.width}x${image.height}x${image.channels}>`;
  return `<${typeof image}>`;
}

/** Rejects raw pixel buffers whose size does not match their declared shape. */
export function validateRawImage(image: RawImage): void {
  const { width, height, channels, data } = image;
  const where = describeImage(image);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ImageDecodeError(where, `raw image width and height must be positive integers, got ${width}x${height}`);
  }
  if (channels !== 3 && channels !== 4) {
    throw new ImageDecodeError(where, `raw image channels must be 3 (RGB) or 4 (RGBA), got ${channels}`);
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
