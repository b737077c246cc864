import { readdir, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { CliError } from './cli-error.js';

/** File extensions taken from folders and globs (compared case-insensitively). Files named explicitly are always taken. */
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze(['.jpg', '.jpeg', '.png', '.webp', '.avif', '.gif', '.tif', '.tiff']);

/**
 * Turns `yolokit predict`'s SOURCE arguments into the list of images to process, in order:
 *
 * - an existing file is taken as it is, whatever its extension (a bad one fails as that image's error);
 * - a folder contributes the image files directly inside it (not sub-folders), sorted by name;
 * - a glob (`images/*.jpg`, `photos/**\/*.{jpg,png}`) contributes the image files it matches, sorted;
 * - a path that does not exist and is no glob is kept, so that it is reported as that image's error.
 *
 * A folder or glob that yields no image is an error ({@link CliError} `NO_IMAGES`), as is an empty list.
 * An image reached twice is kept once, at its first place. Paths keep the form they were given in
 * (relative stays relative, to `cwd`).
 *
 * @example
 * ```ts
 * import { expandSources } from '@yolokit/cli';
 * const images = await expandSources(['photos/', 'extra/*.png', 'bus.jpg']);
 * ```
 */
export async function expandSources(sources: readonly string[], cwd: string = process.cwd()): Promise<string[]> {
  if (sources.length === 0) {
    throw new CliError('NO_IMAGES', 'no images given: name image files, folders or globs after the flags, such as: yolokit predict --model yolov8n.onnx images/');
  }
  const images: string[] = [];
  const seen = new Set<string>();
  const add = (path: string) => {
    const key = resolve(cwd, path);
    if (seen.has(key)) return;
    seen.add(key);
    images.push(path);
  };
  for (const source of sources) {
    const stats = await stat(resolve(cwd, source)).catch(() => undefined);
    if (stats?.isDirectory()) {
      const entries = await readdir(resolve(cwd, source), { withFileTypes: true });
      const names = entries
        .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && isImageName(entry.name))
        .map((entry) => entry.name)
        .sort(byCodePoint);
      if (names.length === 0) {
        throw new CliError('NO_IMAGES', `folder ${source} has no image files (${IMAGE_EXTENSIONS.join(', ')})`);
      }
      for (const name of names) add(join(source, name));
    } else if (stats || !isDynamicPattern(source)) {
      add(source);
    } else {
      const matches = (await glob(source, { cwd, absolute: isAbsolute(source), onlyFiles: true, expandDirectories: false }))
        .filter(isImageName)
        .sort(byCodePoint);
      if (matches.length === 0) throw new CliError('NO_IMAGES', `${source} matched no image files (${IMAGE_EXTENSIONS.join(', ')})`);
      for (const match of matches) add(match);
    }
  }
  return images;
}

function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

/** Locale-independent order, so that a run lists the same images in the same order on every machine. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
