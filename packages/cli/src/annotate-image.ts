import { writeFile } from 'node:fs/promises';
import { boxDrawer } from './box-drawer.js';
import type { DrawableResult, Drawer } from './drawer.js';
import { keypointDrawer } from './keypoint-drawer.js';
import { maskDrawer } from './mask-drawer.js';
import { orientedBoxDrawer } from './oriented-box-drawer.js';
import { topClassesDrawer } from './top-classes-drawer.js';

type Sharp = typeof import('sharp');
let sharpModule: Promise<Sharp> | undefined;

/** sharp is loaded on first use: a run without `--save` never pays for it here. */
function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp').then((module) => ((module as { default?: Sharp }).default ?? module) as Sharp);
  return sharpModule;
}

/**
 * The drawers of an annotated image, in drawing order, as Ultralytics' `Results.plot` layers them: masks under
 * the boxes (upright or oriented) and labels, keypoints and skeletons on top, a classifier's top classes. Each
 * draws only what a result has, so one list serves every task.
 */
export const DEFAULT_DRAWERS: readonly Drawer[] = Object.freeze([maskDrawer, boxDrawer, orientedBoxDrawer, keypointDrawer, topClassesDrawer]);

/** Options of {@link annotateImage}. */
export interface AnnotateOptions {
  /**
   * What to draw, in order.
   * @defaultValue {@link DEFAULT_DRAWERS}: masks, then boxes (upright, then oriented) and labels, then keypoints, then top classes
   */
  readonly drawers?: readonly Drawer[];
}

/** Formats sharp can write, by the format it reports for an input. */
const WRITABLE: Readonly<Record<string, 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif'>> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  tiff: 'tiff',
  // sharp reports AVIF files as `heif`; its prebuilt libvips writes AVIF.
  heif: 'avif',
};

/**
 * Draws a result on the image at `source` and writes it to `output` in the source's own format (EXIF
 * orientation applied, as results are in oriented pixels): translucent masks, boxes (turned for oriented
 * boxes) with labels, keypoints and skeletons, a classifier's top classes, whichever the result has. A format sharp cannot write (SVG, PDF, ...) is written as PNG with
 * `.png` appended to the name. Returns the path written.
 *
 * `result` is a `Result` or its JSON (`result.toJSON()`, an entry of the `--json` report).
 *
 * @example
 * ```ts
 * import { annotateImage } from '@yolokit/cli';
 * import type { Result } from '@yolokit/core';
 * declare const result: Result;
 * await annotateImage('bus.jpg', result, 'annotated/bus.jpg');
 * ```
 */
export async function annotateImage(source: string, result: DrawableResult, output: string, options: AnnotateOptions = {}): Promise<string> {
  const sharp = await loadSharp();
  const { format: inputFormat } = await sharp(source).metadata();
  const format = WRITABLE[inputFormat ?? ''] ?? 'png';
  const path = WRITABLE[inputFormat ?? ''] ? output : `${output}.png`;
  const layers = (options.drawers ?? DEFAULT_DRAWERS).flatMap((drawer) => drawer.layers(result));
  let image = sharp(source, { failOn: 'error' }).rotate();
  if (layers.length > 0) image = image.composite(layers.map((layer) => ({ ...layer })));
  const bytes = await image.toFormat(format, format === 'jpeg' ? { quality: 90 } : {}).toBuffer();
  await writeFile(path, bytes);
  return path;
}
