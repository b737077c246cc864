/**
 * Where the demo writes a classifier's top classes on the image: as Ultralytics' `Results.plot` does (ultralytics
 * 8.4, `engine/results.py`) and `yolokit predict --save` draws it (`topClassesSvg` in `@yolokit/cli`): one line
 * per class, `name 0.91`, most probable first, white on a translucent gray box whose corner is
 * `round(0.03 × height)` pixels in from the top-left, text 1.8% of the image's mean side (at least 11 px).
 */
import type { ClassScore } from '@yolokit/core';

/** One line of the list, in image pixels: its text and where its baseline starts. */
export interface TopClassLine {
  readonly classId: number;
  readonly text: string;
  readonly x: number;
  readonly y: number;
}

/** The list's box and lines in image pixels, and the font size. */
export interface TopClassesOverlay {
  readonly box: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  readonly fontSize: number;
  readonly lines: readonly TopClassLine[];
}

/** The layout of `top` on an image `width × height`; `undefined` when there is nothing to list. */
export function topClassesOverlay(width: number, height: number, top: readonly ClassScore[]): TopClassesOverlay | undefined {
  if (top.length === 0) return undefined;
  // The CLI's labelStyleFor and textWidth: nothing measures text here, 0.6 em per character fits sans-serif fonts.
  const fontSize = Math.max(Math.round(((width + height) / 2) * 0.018), 11);
  const pad = Math.max(Math.round(fontSize * 0.25), 2);
  const at = Math.round(height * 0.03);
  const texts = top.map((c) => `${c.className} ${c.confidence.toFixed(2)}`);
  const boxWidth = Math.max(...texts.map((text) => Math.ceil(text.length * fontSize * 0.6) + 2 * pad));
  const lineHeight = fontSize + pad;
  return {
    box: { x: at, y: at, width: boxWidth, height: texts.length * lineHeight + pad },
    fontSize,
    lines: texts.map((text, i) => ({ classId: top[i].classId, text, x: at + pad, y: at + pad + i * lineHeight + fontSize * 0.82 })),
  };
}
