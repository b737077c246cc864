import type { TensorInfo, TensorLayout } from './backend.js';
import { formatBytes } from './bounded-read.js';
import { ModelLoadError } from './errors.js';

/**
 * The largest side, in pixels, of a model input yolokit feeds: the bound of `imgsz` and of the input a model
 * declares (in its shape, or in its `imgsz` metadata when the shape is dynamic). A float32 input of 8192² is
 * 805 MB already; a model declaring 100000² would take 120 GB before inference could start.
 */
export const MAX_INPUT_SIDE = 8192;

/** Input size used for a dynamic input whose metadata names none. */
const FALLBACK_INPUT_SIZE: readonly [number, number] = [640, 640];

/**
 * The input size `[height, width]` a model runs at when a call gives no `imgsz`: its declared input shape
 * when fixed, else its `imgsz` metadata, else 640 × 640; `dynamic` tells whether other sizes are accepted.
 *
 * @param source - the model, for the message.
 * @throws `ModelLoadError` `MODEL_INVALID` when a side is above {@link MAX_INPUT_SIDE}, before anything of that
 *   size is allocated.
 */
export function modelInputSize(
  input: TensorInfo | undefined,
  layout: TensorLayout,
  imgsz: readonly [number, number] | undefined,
  source: string,
): { size: readonly [number, number]; dynamic: boolean } {
  const shape = input?.shape ?? [];
  const [h, w] = layout === 'NCHW' ? [shape[2], shape[3]] : [shape[1], shape[2]];
  if (h > 0 && w > 0) {
    checkSides([h, w], source, `its input ${input?.name === undefined ? '' : `'${input.name}' `}is declared as ${shape.join('x')}`);
    return { size: [h, w], dynamic: false };
  }
  if (imgsz) checkSides(imgsz, source, `its metadata gives imgsz ${imgsz.join('x')}`);
  return { size: imgsz ?? FALLBACK_INPUT_SIZE, dynamic: true };
}

function checkSides([height, width]: readonly [number, number], source: string, what: string): void {
  if (height <= MAX_INPUT_SIDE && width <= MAX_INPUT_SIDE) return;
  throw new ModelLoadError(
    'MODEL_INVALID',
    source,
    `model ${source} is refused: ${what}, an input of ${height}x${width} pixels (${formatBytes(height * width * 3 * 4)} as float32), ` +
      `above ${MAX_INPUT_SIDE}, the largest input side yolokit accepts (the same bound as imgsz). Re-export the model with imgsz ${MAX_INPUT_SIDE} or less.`,
  );
}
