import type { Float32Tensor, TensorLayout } from './backend.js';

/**
 * Turns `height × width × 3` RGB bytes into a float32 `[1, 3, H, W]` (NCHW) or `[1, H, W, 3]` (NHWC) tensor
 * with values in 0..1, as Ultralytics feeds its exports. Written into `into` when it has the right length
 * (every element is overwritten), else into a new array.
 */
export function pixelsToTensor(pixels: Uint8Array, width: number, height: number, layout: TensorLayout, into?: Float32Array): Float32Tensor {
  const area = width * height;
  const data = into?.length === area * 3 ? into : new Float32Array(area * 3);
  const inv = 1 / 255;
  if (layout === 'NHWC') {
    for (let i = 0; i < data.length; i++) data[i] = pixels[i] * inv;
    return { data, dims: [1, height, width, 3] };
  }
  for (let p = 0, q = 0; p < area; p++, q += 3) {
    data[p] = pixels[q] * inv;
    data[p + area] = pixels[q + 1] * inv;
    data[p + 2 * area] = pixels[q + 2] * inv;
  }
  return { data, dims: [1, 3, height, width] };
}
