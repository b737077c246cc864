import { fileURLToPath } from 'node:url';
import { ReadLimitError, readRegularFile } from './bounded-read.js';
import { BackendUnavailableError, ImageDecodeError, throwIfAborted, YoloError } from './errors.js';
import {
  checkImageBytes,
  checkImageSize,
  DEFAULT_MAX_IMAGE_BYTES,
  describeImage,
  type ImageDecoder,
  type ImageInput,
  isRawImage,
  type LetterboxedImage,
  type DecodeImageOptions,
  validateRawImage,
} from './image-input.js';
import { classifyPixels } from './classify-transform.js';
import { letterboxGeometry } from './letterbox.js';
import { placeInLetterbox } from './letterbox-pixels.js';

type Sharp = typeof import('sharp');
let sharpModule: Promise<Sharp> | undefined;

/** The sharp range core is built and tested against (its optional peer range). */
const SHARP_RANGE = '^0.34.5';

/** sharp is loaded on first use so that importing core costs nothing where sharp is not needed. */
function loadSharp(): Promise<Sharp> {
  if (!sharpModule) {
    sharpModule = importSharp(() => import('sharp'));
    // A failed import is not kept: install sharp, and the next image loads it without a restart.
    sharpModule.catch(() => {
      sharpModule = undefined;
    });
  }
  return sharpModule;
}

/**
 * Imports sharp with `load`; when it is not installed, rejects with a `BackendUnavailableError`
 * (`BACKEND_UNAVAILABLE`) naming the command that installs it. sharp is an optional peer dependency of core, as
 * the ONNX runtimes are of `@yolokit/backend-onnx`, so that a browser app does not download libvips: the first
 * image a Node program decodes is where a missing sharp shows. `load` is the seam the tests use.
 *
 * @internal
 */
export async function importSharp(load: () => Promise<unknown>): Promise<Sharp> {
  let module: unknown;
  try {
    module = await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /cannot find (package|module)/i.test(detail);
    const message = missing
      ? `sharp is not installed: @yolokit/core decodes images in Node with sharp, an optional peer dependency. Install it beside @yolokit/core: npm install sharp@${SHARP_RANGE} (${detail})`
      : `sharp is installed but could not be loaded: ${detail}`;
    throw new BackendUnavailableError(message, [], { cause: error });
  }
  return ((module as { default?: Sharp }).default ?? module) as Sharp;
}

/**
 * Decodes with sharp (libvips) in Node: EXIF orientation applied, alpha dropped, any colour space to sRGB,
 * embedded ICC profiles not applied (as OpenCV's imread, which Ultralytics reads with, does not apply them: the
 * model sees the pixels it was validated on; applying bus.jpg's profile moved pixels by up to 48 levels, and its
 * decode took 33 ms with the profile applied, 15 ms without),
 * resized with libvips' bilinear kernel (antialiased when shrinking, as PIL's bilinear is) in one native pipeline,
 * off the main thread, then placed in the gray letterbox.
 *
 * Why not OpenCV's non-antialiased INTER_LINEAR (which `letterboxPixels` implements)? Measured on the fixtures:
 * both land within 0.01 of the reference mAP at 640, but with OpenCV-linear yolov8n_int8 scores the partly
 * hidden fourth person of bus.jpg at 0.33 instead of above 0.4, and yolo11n at 320 drops further from its
 * reference (0.408 against 0.412 here, reference 0.429): the reference pipeline behaves like an antialiased
 * bilinear resize. libvips is also faster (JPEG shrink-on-load).
 */
export class SharpImageDecoder implements ImageDecoder {
  async letterbox(
    image: ImageInput,
    target: { width: number; height: number },
    options: DecodeImageOptions = {},
  ): Promise<LetterboxedImage> {
    const where = describeImage(image);
    const sharp = await loadSharp();
    const input = await readInput(image, where, options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES, options.signal);
    throwIfAborted(options.signal);
    try {
      const source = openImage(sharp, input, image);
      // Raw pixels come with their size and no orientation: no header to read.
      const metadata = isRawImage(image) ? { width: image.width, height: image.height, orientation: 1 } : await source.metadata();
      let width = metadata.width ?? 0;
      let height = metadata.height ?? 0;
      // EXIF orientations 5-8 swap the sides; `.rotate()` below applies the orientation.
      if ((metadata.orientation ?? 1) >= 5) [width, height] = [height, width];
      checkImageSize(where, width, height);
      const geometry = letterboxGeometry(width, height, target.width, target.height);
      const resized = await source
        .rotate()
        .removeAlpha()
        .toColourspace('srgb')
        .resize(geometry.resizedWidth, geometry.resizedHeight, { fit: 'fill', kernel: 'linear' })
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      const { info } = resized;
      if (info.width !== geometry.resizedWidth || info.height !== geometry.resizedHeight || info.channels !== 3) {
        throw new Error(`sharp produced ${info.width}x${info.height}x${info.channels}`);
      }
      // The gray border is added here rather than by libvips' extend(): the same bytes, about 1.5 ms less CPU
      // per 640×640 input (`node bench/predict-overhead.mjs`).
      const pixels = placeInLetterbox(new Uint8Array(resized.data.buffer, resized.data.byteOffset, resized.data.byteLength), geometry);
      return { pixels, geometry };
    } catch (error) {
      throw decodeFailure(where, error);
    }
  }

  /**
   * A classifier's input ({@link ImageDecoder.classifyCrop}): decoded by sharp at full size (EXIF orientation
   * applied, alpha dropped, sRGB, ICC profiles not applied, as for the letterbox), then resized and cropped in
   * JavaScript with PIL's arithmetic (`classifyPixels`), because Ultralytics resizes classifier inputs with PIL
   * and libvips' bilinear rounds differently.
   */
  async classifyCrop(image: ImageInput, size: number, options: DecodeImageOptions = {}): Promise<LetterboxedImage> {
    const where = describeImage(image);
    if (isRawImage(image)) {
      // No header, no orientation: the pixels are already what sharp would decode.
      checkImageBytes(image, options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES);
      checkImageSize(where, image.width, image.height);
      return classifyPixels(image, size);
    }
    const sharp = await loadSharp();
    const input = await readInput(image, where, options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES, options.signal);
    throwIfAborted(options.signal);
    let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
    try {
      decoded = await openImage(sharp, input, image).rotate().removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    } catch (error) {
      throw decodeFailure(where, error);
    }
    const { data, info } = decoded;
    checkImageSize(where, info.width, info.height);
    throwIfAborted(options.signal);
    return classifyPixels({ data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 3 }, size);
  }
}

/** A sharp pipeline on the input's bytes (or raw pixels, with their shape). */
function openImage(sharp: Sharp, input: Uint8Array, image: ImageInput) {
  const rawOptions = isRawImage(image) ? { raw: { width: image.width, height: image.height, channels: image.channels } } : {};
  return sharp(input as Buffer, { failOn: 'error', ignoreIcc: true, ...rawOptions });
}

/** What sharp's failure to decode an image becomes (typed errors pass through). */
function decodeFailure(where: string, error: unknown): YoloError {
  if (YoloError.isInstance(error)) return error;
  return new ImageDecodeError(
    where,
    `could not decode image ${where}: ${(error as Error).message}. Give a JPEG, PNG, WebP, AVIF, GIF or TIFF file, or raw RGB/RGBA pixels.`,
    { cause: error },
  );
}

async function readInput(image: ImageInput, where: string, maxBytes: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
  if (typeof image !== 'string' && !(image instanceof URL)) checkImageBytes(image, maxBytes);
  if (isRawImage(image)) {
    validateRawImage(image);
    return image.data instanceof Uint8Array ? image.data : new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  }
  if (image instanceof Uint8Array) return checkNotEmpty(image, where);
  if (image instanceof ArrayBuffer) return checkNotEmpty(new Uint8Array(image), where);
  if (typeof image === 'string' || image instanceof URL) {
    const path = image instanceof URL || image.startsWith('file:') ? fileURLToPath(image) : image;
    let bytes: Uint8Array;
    try {
      // Regular files only, at most maxBytes: a FIFO would hold a libuv thread until a writer came, and
      // /dev/zero would fill memory.
      bytes = await readRegularFile(path, { maxBytes, signal });
    } catch (error) {
      if (YoloError.isInstance(error)) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
      const hint = error instanceof ReadLimitError && error.reason === 'too-large' ? "; raise createModel's maxImageBytes if it is a real image" : '';
      throw new ImageDecodeError(where, `cannot read image ${where}: ${reason}${hint}`, { cause: error });
    }
    return checkNotEmpty(bytes, where);
  }
  throw new ImageDecodeError(
    where,
    `unsupported image input ${where}: give a file path, a file: URL, encoded bytes (Uint8Array/ArrayBuffer) or { data, width, height, channels }`,
  );
}

function checkNotEmpty(bytes: Uint8Array, where: string): Uint8Array {
  if (bytes.byteLength === 0) throw new ImageDecodeError(where, `image ${where} is empty (0 bytes)`);
  return bytes;
}
