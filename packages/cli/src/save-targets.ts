import { basename, extname, join } from 'node:path';

/**
 * Where `--save DIR` writes each image's annotated copy, in input order: `DIR/<file name>`, and for a second
 * image of the same name (from another folder) `DIR/<name>-2<ext>`, with a warning. Planned before the run, so
 * that the names do not depend on which image finishes first and can be checked against the inputs:
 * `['a/bus.jpg', 'b/bus.jpg']` into `/out` are `['/out/bus.jpg', '/out/bus-2.jpg']`.
 */
export function planSaveTargets(images: readonly string[], saveDir: string, warn: (line: string) => void): string[] {
  const used = new Set<string>();
  return images.map((image) => {
    const path = join(saveDir, basename(image));
    const extension = extname(path);
    let candidate = path;
    for (let n = 2; used.has(candidate); n++) candidate = `${path.slice(0, path.length - extension.length)}-${n}${extension}`;
    if (candidate !== path) warn(`warning: ${basename(path)} is already taken in the --save folder; writing ${basename(candidate)}`);
    used.add(candidate);
    return candidate;
  });
}
