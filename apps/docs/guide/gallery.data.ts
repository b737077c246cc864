/**
 * Build-time data of the task pages' galleries: public/gallery/gallery.json, written by
 * scripts/generate-gallery.mjs (run by `npm run build` and `npm run dev` before VitePress) from the fixtures.
 * Where the fixtures were missing, the file says why and holds no entries; the pages then say so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ResultJSON } from '@yolokit/core';
import { defineLoader } from 'vitepress';

export interface GalleryEntry {
  readonly task: 'detect' | 'segment' | 'pose' | 'obb' | 'classify';
  /** The fixture's file name, and what a reader's own export of that model is called. */
  readonly model: string;
  readonly exportedAs: string;
  readonly image: string;
  /** The annotated image, under /gallery/. */
  readonly file: string;
  /** The prediction options (a classifier takes no `iou`). */
  readonly options: { readonly conf: number; readonly iou?: number; readonly agnostic?: boolean };
  readonly runtime: string;
  readonly imgsz: readonly [number, number];
  /** `4 person, 1 bus`; a classifier's top class, `ring 1.00`. */
  readonly summary: string;
  /** `result.toJSON()` (with `segments` for segmentation). */
  readonly json: ResultJSON;
}

export interface GalleryData {
  /** Why there is no gallery, when there is none. */
  readonly skipped: string | undefined;
  readonly entries: readonly GalleryEntry[];
}

declare const data: GalleryData;
export { data };

const file = fileURLToPath(new URL('../public/gallery/gallery.json', import.meta.url));

export default defineLoader({
  watch: ['../public/gallery/gallery.json'],
  load(): GalleryData {
    if (!existsSync(file)) return { skipped: 'scripts/generate-gallery.mjs has not run (npm run build runs it)', entries: [] };
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { skipped?: string; entries?: GalleryEntry[] };
    return { skipped: parsed.skipped, entries: parsed.entries ?? [] };
  },
});
