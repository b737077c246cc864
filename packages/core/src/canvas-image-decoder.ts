import { type FetchedBytes, fetchWithLimits, formatBytes, ReadLimitError } from './bounded-read.js';
import { ImageDecodeError, throwIfAborted, YoloError } from './errors.js';
import {
  type BrowserImageInput,
  checkImageBytes,
  checkImageSize,
  DEFAULT_MAX_IMAGE_BYTES,
  describeImage,
  type ImageDecoder,
  type ImageInput,
  isRawImage,
  type LetterboxedImage,
  type DecodeImageOptions,
  type RawImage,
  validateRawImage,
} from './image-input.js';
import { classifyPixels } from './classify-transform.js';
import { letterboxPixels } from './letterbox-pixels.js';

/**
 * Decodes in browsers and web workers: encoded bytes and URLs through `createImageBitmap` and an
 * `OffscreenCanvas` (EXIF orientation applied by the browser), raw pixels or an `ImageData` as they are, and the
 * browser's image objects ({@link BrowserImageInput}) drawn onto an `OffscreenCanvas` (RGB `VideoFrame`s copied);
 * the letterbox is {@link letterboxPixels}, OpenCV's bilinear resize in plain JavaScript. It never closes an
 * `ImageBitmap` or `VideoFrame` it is given: the caller does, once the call settles.
 */
export class CanvasImageDecoder implements ImageDecoder<BrowserImageInput> {
  async letterbox(image: BrowserImageInput, target: { width: number; height: number }, options: DecodeImageOptions = {}): Promise<LetterboxedImage> {
    const where = describeBrowserImage(image);
    const raw = await this.decode(image, where, options.signal, options.maxBytes);
    throwIfAborted(options.signal);
    checkImageSize(where, raw.width, raw.height);
    return letterboxPixels(raw, target.width, target.height);
  }

  /**
   * A classifier's input ({@link ImageDecoder.classifyCrop}): the decoded pixels resized and centre-cropped with
   * PIL's arithmetic (`classifyPixels`), the same bytes as in Node for the same pixels.
   */
  async classifyCrop(image: BrowserImageInput, size: number, options: DecodeImageOptions = {}): Promise<LetterboxedImage> {
    const where = describeBrowserImage(image);
    const raw = await this.decode(image, where, options.signal, options.maxBytes);
    throwIfAborted(options.signal);
    checkImageSize(where, raw.width, raw.height);
    return classifyPixels(raw, size);
  }

  /**
   * Decodes any supported input to raw RGBA/RGB pixels; `maxBytes` bounds downloads, bytes, raw pixels and the
   * RGBA pixels of an image object (width × height × 4).
   */
  async decode(image: BrowserImageInput, where: string, signal?: AbortSignal, maxBytes = DEFAULT_MAX_IMAGE_BYTES): Promise<RawImage> {
    throwIfAborted(signal);
    checkImageBytes(image as ImageInput, maxBytes);
    if (isRawImage(image)) {
      validateRawImage(image);
      return image;
    }
    if (isGlobalInstance<ImageData>(image, 'ImageData')) {
      checkPixelBytes(where, image.width, image.height, maxBytes);
      return { data: image.data, width: image.width, height: image.height, channels: 4 };
    }
    const drawable = drawableOf(image);
    if (drawable) return decodeDrawable(drawable, where, signal, maxBytes);
    let blob: Blob;
    if (typeof image === 'string' || image instanceof URL) {
      let fetched: FetchedBytes;
      try {
        // The byte limit is enforced while the body streams in, not after it is buffered.
        fetched = await fetchWithLimits(image, { maxBytes, signal });
      } catch (error) {
        const hint = error instanceof ReadLimitError ? "; raise createModel's maxImageBytes if it is a real image" : '';
        throw new ImageDecodeError(where, `cannot fetch image ${where}: ${(error as Error).message}${hint}`, { cause: error });
      }
      if (!fetched.ok) throw new ImageDecodeError(where, `cannot fetch image ${where}: HTTP ${fetched.status}`);
      blob = new Blob([fetched.bytes as BlobPart]);
    } else if (image instanceof Uint8Array || image instanceof ArrayBuffer) {
      if (image.byteLength === 0) throw new ImageDecodeError(where, `image ${where} is empty (0 bytes)`);
      blob = new Blob([image as BlobPart]);
    } else {
      throw new ImageDecodeError(where, `unsupported image input ${where}: ${ACCEPTED}`);
    }
    try {
      // Embedded ICC profiles are not applied, as in Node (see SharpImageDecoder): Ultralytics reads with cv2.imread.
      const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none' });
      try {
        return drawPixels(bitmap, bitmap.width, bitmap.height);
      } finally {
        bitmap.close();
      }
    } catch (error) {
      if (YoloError.isInstance(error)) throw error;
      throw new ImageDecodeError(where, `could not decode image ${where}: ${(error as Error).message}. Give a JPEG, PNG, WebP or GIF.`, {
        cause: error,
      });
    }
  }
}

const ACCEPTED =
  'give a URL, encoded bytes, raw pixels, an ImageData, ImageBitmap, HTMLImageElement, HTMLCanvasElement, OffscreenCanvas or VideoFrame';

/** The image objects drawn onto a canvas, by kind. */
type Drawable =
  | { kind: 'ImageBitmap'; source: ImageBitmap }
  | { kind: 'HTMLImageElement'; source: HTMLImageElement }
  | { kind: 'HTMLCanvasElement'; source: HTMLCanvasElement }
  | { kind: 'OffscreenCanvas'; source: OffscreenCanvas }
  | { kind: 'VideoFrame'; source: VideoFrame };

const DRAWABLE_KINDS = ['ImageBitmap', 'HTMLImageElement', 'HTMLCanvasElement', 'OffscreenCanvas', 'VideoFrame'] as const;

/** `value instanceof globalThis[name]`; false where the runtime has no such class (a worker has no HTMLImageElement). */
function isGlobalInstance<T>(value: unknown, name: string): value is T {
  const kind = (globalThis as Record<string, unknown>)[name];
  return typeof kind === 'function' && value instanceof kind;
}

function drawableOf(image: unknown): Drawable | undefined {
  const kind = DRAWABLE_KINDS.find((name) => isGlobalInstance(image, name));
  return kind === undefined ? undefined : ({ kind, source: image } as Drawable);
}

/** `VideoFrame` formats whose bytes are RGBA in some order: copied as they are rather than drawn. */
const RGB_FRAME_FORMATS: ReadonlySet<string> = new Set(['RGBA', 'RGBX', 'BGRA', 'BGRX']);

async function decodeDrawable(drawable: Drawable, where: string, signal: AbortSignal | undefined, maxBytes: number): Promise<RawImage> {
  const { width, height } = await sizeOf(drawable, where, signal);
  throwIfAborted(signal);
  checkImageSize(where, width, height);
  checkPixelBytes(where, width, height, maxBytes);
  try {
    if (drawable.kind === 'VideoFrame') {
      const frame = drawable.source;
      const rect = frame.visibleRect;
      if (frame.format && RGB_FRAME_FORMATS.has(frame.format) && rect && rect.width === width && rect.height === height) {
        return await copyRgbFrame(frame, width, height, signal);
      }
    }
    if (drawable.kind === 'HTMLImageElement') {
      // An <img> is decoded for display, with its ICC profile applied; this decodes it again without, as bytes are.
      const bitmap = await createImageBitmap(drawable.source, { colorSpaceConversion: 'none' });
      try {
        return drawPixels(bitmap, width, height);
      } finally {
        bitmap.close();
      }
    }
    return drawPixels(drawable.source, width, height);
  } catch (error) {
    if (YoloError.isInstance(error)) throw error;
    const name = (error as Error).name;
    const hint =
      name === 'SecurityError'
        ? ': it is cross-origin without CORS (serve it with Access-Control-Allow-Origin and give the <img> crossorigin="anonymous")'
        : drawable.kind === 'VideoFrame' || drawable.kind === 'ImageBitmap'
          ? ` (closed while it was read? keep it open until predict() settles)`
          : '';
    throw new ImageDecodeError(where, `could not read the pixels of ${where}: ${name}: ${(error as Error).message}${hint}`, { cause: error });
  }
}

/**
 * The size an image object is read at: an `<img>`'s natural size once loaded, a frame's display size. A closed
 * `ImageBitmap` or `VideoFrame` reads 0×0 (neither can be made empty), so 0 means closed for them.
 */
async function sizeOf(drawable: Drawable, where: string, signal: AbortSignal | undefined): Promise<{ width: number; height: number }> {
  switch (drawable.kind) {
    case 'ImageBitmap': {
      const { width, height } = drawable.source;
      if (width === 0 || height === 0) {
        throw new ImageDecodeError(where, `${where} is closed (close() was called or it was transferred): keep it open until predict() settles, then close it`);
      }
      return { width, height };
    }
    case 'VideoFrame': {
      const { displayWidth: width, displayHeight: height } = drawable.source;
      if (width === 0 || height === 0) {
        throw new ImageDecodeError(where, `${where} is closed (close() was called or it was transferred): keep it open until predict() settles, then close it`);
      }
      return { width, height };
    }
    case 'HTMLImageElement': {
      const img = drawable.source;
      if (!img.complete || img.naturalWidth === 0) {
        try {
          await abortable(img.decode(), signal);
        } catch (error) {
          if (YoloError.isInstance(error)) throw error;
          throw new ImageDecodeError(
            where,
            `${where} has no image: ${(error as Error).message} (its src is missing, failed to load or is not an image)`,
            { cause: error },
          );
        }
      }
      return { width: img.naturalWidth, height: img.naturalHeight };
    }
    default:
      return { width: drawable.source.width, height: drawable.source.height };
  }
}

/** `source` drawn at `width`×`height` on an `OffscreenCanvas`, read back as RGBA. */
function drawPixels(source: CanvasImageSource, width: number, height: number): RawImage {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('no 2d context');
  context.drawImage(source, 0, 0, width, height);
  const { data } = context.getImageData(0, 0, width, height);
  return { data, width, height, channels: 4 };
}

/** An RGBA/RGBX/BGRA/BGRX frame's visible pixels, byte for byte (BGR swapped to RGB); alpha is ignored later. */
async function copyRgbFrame(frame: VideoFrame, width: number, height: number, signal: AbortSignal | undefined): Promise<RawImage> {
  const data = new Uint8Array(width * height * 4);
  await frame.copyTo(data, { layout: [{ offset: 0, stride: width * 4 }] });
  throwIfAborted(signal);
  if (frame.format === 'BGRA' || frame.format === 'BGRX') {
    for (let i = 0; i < data.length; i += 4) {
      const blue = data[i];
      data[i] = data[i + 2];
      data[i + 2] = blue;
    }
  }
  return { data, width, height, channels: 4 };
}

/** Refuses an image object whose RGBA pixels would exceed `maxBytes`, as raw pixels of that size are refused. */
function checkPixelBytes(where: string, width: number, height: number, maxBytes: number): void {
  const size = width * height * 4;
  if (size > maxBytes) {
    throw new ImageDecodeError(
      where,
      `image ${where} is ${width}x${height} pixels, ${formatBytes(size)} as RGBA, more than the limit of ${formatBytes(maxBytes)}; raise createModel's maxImageBytes if it is a real image`,
    );
  }
}

/** `promise`, or an `AbortError` as soon as `signal` aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      try {
        throwIfAborted(signal);
      } catch (error) {
        reject(error);
      }
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Longest `src` a message quotes: a `data:` URL can be megabytes. */
const MAX_SRC_CHARS = 120;

/** {@link describeImage}, with the browser's image objects named by class and size (an `<img>` by its `src`). */
function describeBrowserImage(image: BrowserImageInput): string {
  if (isGlobalInstance<ImageData>(image, 'ImageData')) return `<ImageData ${image.width}x${image.height}>`;
  const drawable = drawableOf(image);
  if (!drawable) return describeImage(image as ImageInput);
  switch (drawable.kind) {
    case 'HTMLImageElement': {
      const src = drawable.source.currentSrc || drawable.source.src;
      if (!src) return '<HTMLImageElement without src>';
      return `<HTMLImageElement ${src.length > MAX_SRC_CHARS ? `${src.slice(0, MAX_SRC_CHARS)}...` : src}>`;
    }
    case 'VideoFrame':
      return `<VideoFrame ${drawable.source.displayWidth}x${drawable.source.displayHeight}${drawable.source.format ? ` ${drawable.source.format}` : ''}>`;
    default:
      return `<${drawable.kind} ${drawable.source.width}x${drawable.source.height}>`;
  }
}
