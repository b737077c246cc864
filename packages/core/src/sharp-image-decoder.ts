import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ImageDecodeError, throwIfAborted, YoloError } from './errors.js';
import {
  checkImageSize,
  describeImage,
  type ImageDecoder,
  type ImageInput,
  isRawImage,
  type LetterboxedImage,
  validateRawImage,
} from './image-input.js';
import { letterboxPixels } from './letterbox-pixels.js';

type Sharp = typeof import('sharp');
let sharpModule: Promise<Sharp> | undefined;

/** sharp is loaded on first use so that importing core costs nothing where sharp is not needed. */
function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp').then((module) => ((module as { default?: Sharp }).default ?? module) as Sharp);
  return sharpModule;
}

/**
 * Decodes with sharp (libvips) in Node, off the main thread: EXIF orientation applied, alpha dropped, any
 * colour space to sRGB. Letterboxes with {@link letterboxPixels}, OpenCV's bilinear resize.
 */
export class SharpImageDecoder implements ImageDecoder {
  async letterbox(
    image: ImageInput,
    target: { width: number; height: number },
    options: { signal?: AbortSignal } = {},
  ): Promise<LetterboxedImage> {
    const where = describeImage(image);
    const sharp = await loadSharp();
    const input = await readInput(image, where);
    throwIfAborted(options.signal);
    try {
      const rawOptions = isRawImage(image)
        ? { raw: { width: image.width, height: image.height, channels: image.channels } }
        : {};
      // sharp decodes (any format, EXIF orientation, any colour space to sRGB 8-bit); the resize is OpenCV's
      // INTER_LINEAR in JavaScript, as Ultralytics resizes. libvips' own resize antialiases and, for JPEGs
      // shrunk by 2 or more, decodes at reduced size: both shift pixels enough to cost mAP at small imgsz.
      const decoded = await sharp(input as Buffer, { failOn: 'error', ...rawOptions })
        .rotate()
        .removeAlpha()
        .toColourspace('srgb')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      const { width, height, channels } = decoded.info;
      checkImageSize(where, width, height);
      if (channels !== 3) throw new Error(`sharp decoded ${channels} channels, expected 3`);
      const data = new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
      return letterboxPixels({ data, width, height, channels: 3 }, target.width, target.height);
    } catch (error) {
      if (YoloError.isInstance(error)) throw error;
      throw new ImageDecodeError(
        where,
        `could not decode image ${where}: ${(error as Error).message}. Give a JPEG, PNG, WebP, AVIF, GIF or TIFF file, or raw RGB/RGBA pixels.`,
        { cause: error },
      );
    }
  }
}

async function readInput(image: ImageInput, where: string): Promise<Uint8Array> {
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
      bytes = await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
      throw new ImageDecodeError(where, `cannot read image ${where}: ${reason}`, { cause: error });
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
