/** TF's 'same' padding of one axis, `[before, after]`: the odd pixel goes after, as TF (and the ONNX graph) do. */
export function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * `[4, 4]` row-major matrix taking edge distances `(l, t, r, b)` to `(cx − ax, cy − ay, w, h)`:
 * `[N, 4] · M`. Decoding as one matrix product keeps the exported graphs small and identical in TF.js and ONNX.
 */
export function decodeMatrix(): Float32Array {
  // biome-ignore format: a matrix reads best as one.
  return new Float32Array([
    -0.5, 0, 1, 0, // l
    0, -0.5, 0, 1, // t
    0.5, 0, 1, 0, // r
    0, 0.5, 0, 1, // b
  ]);
}
