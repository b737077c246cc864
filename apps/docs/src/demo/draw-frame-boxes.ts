/**
 * The webcam mode's drawer: a frame's boxes and labels on a canvas of the frame's size laid over the `<video>`,
 * with each box's track id when tracking (`id:N`, as `yolokit track --save` labels them), in the class palette.
 */
import type { Detection } from '@yolokit/core';
import { classColour, textColour } from './palette.js';

/** What is drawn: a detection, and its track's id when tracking. */
export interface FrameBox {
  readonly detection: Detection;
  readonly trackId?: number | undefined;
}

/**
 * Clears the canvas and draws `boxes` (least confident first, so the most confident stay on top); returns how many.
 * `scale` is frame pixels per CSS pixel of the canvas as shown: labels stay 12 px and lines 2 px on screen, whatever
 * the camera's resolution and the video's displayed size.
 */
export function drawFrameBoxes(context: CanvasRenderingContext2D, width: number, height: number, boxes: readonly FrameBox[], options: { readonly scale?: number } = {}): number {
  context.clearRect(0, 0, width, height);
  const scale = options.scale && options.scale > 0 ? options.scale : 1;
  const fontSize = 12 * scale;
  const lineWidth = 2 * scale;
  context.font = `${fontSize}px 'DejaVu Sans', Verdana, Arial, sans-serif`;
  context.textBaseline = 'top';
  const ordered = [...boxes].sort((a, b) => a.detection.confidence - b.detection.confidence);
  for (const { detection, trackId } of ordered) {
    const [x1, y1, x2, y2] = detection.box;
    const colour = classColour(detection.classId);
    context.strokeStyle = colour;
    context.lineWidth = lineWidth;
    context.strokeRect(x1, y1, x2 - x1, y2 - y1);
    const text = `${trackId === undefined ? '' : `id:${trackId} `}${detection.className} ${detection.confidence.toFixed(2)}`;
    const pad = 2 * scale;
    const labelWidth = context.measureText(text).width + 2 * pad;
    const labelHeight = fontSize + 2 * pad;
    const labelY = y1 - labelHeight >= 0 ? y1 - labelHeight : y1;
    context.fillStyle = colour;
    context.fillRect(x1, labelY, labelWidth, labelHeight);
    context.fillStyle = textColour(colour);
    context.fillText(text, x1 + pad, labelY + pad);
  }
  return ordered.length;
}
