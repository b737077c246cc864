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

/** Clears the canvas and draws `boxes` (least confident first, so the most confident stay on top); returns how many. */
export function drawFrameBoxes(context: CanvasRenderingContext2D, width: number, height: number, boxes: readonly FrameBox[]): number {
  context.clearRect(0, 0, width, height);
  const fontSize = Math.max(Math.round(((width + height) / 2) * 0.03), 10);
  const lineWidth = Math.max(Math.round((width + height) / 400), 1);
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
    const labelWidth = context.measureText(text).width + 4;
    const labelHeight = fontSize + 4;
    const labelY = y1 - labelHeight >= 0 ? y1 - labelHeight : y1;
    context.fillStyle = colour;
    context.fillRect(x1, labelY, labelWidth, labelHeight);
    context.fillStyle = textColour(colour);
    context.fillText(text, x1 + 2, labelY + 2);
  }
  return ordered.length;
}
