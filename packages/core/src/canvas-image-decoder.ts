import { type FetchedBytes, fetchWithLimits, ReadLimitError } from './bounded-read.js';
import { ImageDecodeError, throwIfAborted, YoloError } from './errors.js';
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
  type RawImage,
  validateRawImage,
} from './image-input.js';
import { classifyPixels } from './classify-transform.js';
import { letterboxPixels } from './letterbox-pixels.js';

/**
 * Decodes in browsers and web workers: encoded bytes and URLs through `createImageBitmap` and an
 * `OffscreenCanvas` (EXIF orientation applied by the browser), raw pixels or an `ImageData` as they are; the
 * letterbox is {@link letterboxPixels}, OpenCV's bilinear resize in plain JavaScript.
 */
export class CanvasImageDecoder implements ImageDecoder {
  async letterbox(
    image: ImageInput | ImageData,
    target: { width: number; height: number },
    options: DecodeImageOptions = {},
  ): Promise<LetterboxedImage> {
    const where = describeImage(image as ImageInput);
    const raw = await this.decode(image, where, options.signal, options.maxBytes);
    throwIfAborted(options.signal);
    checkImageSize(where, raw.width, raw.height);
    return letterboxPixels(raw, target.width, target.height);
  }

  /**
   * A classifier's input ({@link ImageDecoder.classifyCrop}): the decoded pixels resized and centre-cropped with
   * PIL's arithmetic (`classifyPixels`), the same bytes as in Node for the same pixels.
   */
  async classifyCrop(image: ImageInput | ImageData, size: number, options: DecodeImageOptions = {}): Promise<LetterboxedImage> {
    const where = describeImage(image as ImageInput);
    const raw = await this.decode(image, where, options.signal, options.maxBytes);
    throwIfAborted(options.signal);
    checkImageSize(where, raw.width, raw.height);
    return classifyPixels(raw, size);
  }

  /** Decodes any supported input to raw RGBA/RGB pixels; `maxBytes` bounds downloads, bytes and raw pixels. */
  async decode(image: ImageInput | ImageData, where: string, signal?: AbortSignal, maxBytes = DEFAULT_MAX_IMAGE_BYTES): Promise<RawImage> {
    if (!(typeof ImageData !== 'undefined' && image instanceof ImageData)) checkImageBytes(image as ImageInput, maxBytes);
    if (isRawImage(image)) {
      validateRawImage(image);
      return image;
    }
    if (typeof ImageData !== 'undefined' && image instanceof ImageData) {
      return { data: image.data, width: image.width, height: image.height, channels: 4 };
    }
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
      throw new ImageDecodeError(where, `unsupported image input ${where}: give a URL, encoded bytes, an ImageData or raw pixels`);
    }
    try {
      // Embedded ICC profiles are not applied, as in Node (see SharpImageDecoder): Ultralytics reads with cv2.imread.
      const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none' });
      try {
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const context = canvas.getContext('2d', { willReadFrequently: true });
        if (!context) throw new Error('no 2d context');
        context.drawImage(bitmap, 0, 0);
        const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
        return { data, width: bitmap.width, height: bitmap.height, channels: 4 };
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
