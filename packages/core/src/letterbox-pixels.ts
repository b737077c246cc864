import type { RawImage } from './image-input.js';
import { type LetterboxGeometry, letterboxGeometry } from './letterbox.js';

/**
 * Letterboxes raw pixels in plain JavaScript, for environments without sharp (browsers, workers). The resize
 * follows OpenCV's `INTER_LINEAR`, which Ultralytics uses: half-pixel centres, two taps per axis, edges clamped,
 * no antialiasing. Output: RGB bytes, `targetHeight × targetWidth × 3`, padding gray 114.
 */
export function letterboxPixels(
  image: RawImage,
  targetWidth: number,
  targetHeight: number,
): { pixels: Uint8Array; geometry: LetterboxGeometry } {
  const geometry = letterboxGeometry(image.width, image.height, targetWidth, targetHeight);
  const { resizedWidth: rw, resizedHeight: rh, left, top } = geometry;
  const out = new Uint8Array(targetWidth * targetHeight * 3).fill(114);
  const { data, width: sw, height: sh, channels } = image;
  const xs = taps(sw, rw);
  const ys = taps(sh, rh);
  for (let y = 0; y < rh; y++) {
    const y0 = ys.index[y] * sw;
    const y1 = ys.index2[y] * sw;
    const wy = ys.weight[y];
    let o = ((y + top) * targetWidth + left) * 3;
    for (let x = 0; x < rw; x++) {
      const x0 = xs.index[x];
      const x1 = xs.index2[x];
      const wx = xs.weight[x];
      const a = (y0 + x0) * channels;
      const b = (y0 + x1) * channels;
      const c = (y1 + x0) * channels;
      const d = (y1 + x1) * channels;
      for (let k = 0; k < 3; k++) {
        const top2 = data[a + k] + (data[b + k] - data[a + k]) * wx;
        const bottom2 = data[c + k] + (data[d + k] - data[c + k]) * wx;
        out[o + k] = Math.round(top2 + (bottom2 - top2) * wy);
      }
      o += 3;
    }
  }
  return { pixels: out, geometry };
}

/**
 * The model input of a letterbox: `resized` (RGB bytes, `resizedHeight × resizedWidth × 3`) placed at
 * (`left`, `top`) in a `targetHeight × targetWidth × 3` image of gray 114, Ultralytics' padding.
 */
export function placeInLetterbox(resized: Uint8Array, geometry: LetterboxGeometry): Uint8Array {
  const { resizedWidth: rw, resizedHeight: rh, targetWidth, targetHeight, left, top } = geometry;
  if (resized.length !== rw * rh * 3) throw new RangeError(`expected ${rw}x${rh}x3 = ${rw * rh * 3} bytes, got ${resized.length}`);
  const out = new Uint8Array(targetWidth * targetHeight * 3).fill(114);
  const row = rw * 3;
  for (let y = 0; y < rh; y++) out.set(resized.subarray(y * row, (y + 1) * row), ((y + top) * targetWidth + left) * 3);
  return out;
}

/** Source indices and weights of OpenCV's linear interpolation along one axis. */
function taps(sourceSize: number, targetSize: number) {
  const scale = sourceSize / targetSize;
  const index = new Int32Array(targetSize);
  const index2 = new Int32Array(targetSize);
  const weight = new Float32Array(targetSize);
  for (let i = 0; i < targetSize; i++) {
    let f = (i + 0.5) * scale - 0.5;
    let s = Math.floor(f);
    f -= s;
    if (s < 0) {
      s = 0;
      f = 0;
    }
    if (s >= sourceSize - 1) {
      s = sourceSize - 1;
      f = 0;
    }
    index[i] = s;
    index2[i] = Math.min(s + 1, sourceSize - 1);
    weight[i] = f;
  }
  return { index, index2, weight };
}
