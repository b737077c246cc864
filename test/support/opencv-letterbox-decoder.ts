import { readFile } from 'node:fs/promises';
import { type ImageDecoder, letterboxPixels } from '@yolokit/core';
import sharp from 'sharp';

/**
 * An image decoder that letterboxes with core's `letterboxPixels` (OpenCV's `INTER_LINEAR`, the resize of
 * Ultralytics' `LetterBox` and of core's browser decoder) instead of libvips' antialiased bilinear, which
 * `SharpImageDecoder` uses in Node. Decoding is `SharpImageDecoder`'s: EXIF orientation applied, alpha
 * dropped, embedded ICC profiles not applied. For file paths only (what the accuracy tests give it).
 */
export function opencvLetterboxDecoder(): ImageDecoder {
  return {
    async letterbox(image, target) {
      if (typeof image !== 'string') throw new TypeError('opencvLetterboxDecoder reads file paths only');
      const { data, info } = await sharp(await readFile(image), { failOn: 'error', ignoreIcc: true })
        .rotate()
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 3) throw new Error(`${image}: decoded to ${info.channels} channels, expected 3`);
      return letterboxPixels({ data, width: info.width, height: info.height, channels: 3 }, target.width, target.height);
    },
  };
}
