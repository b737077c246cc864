/**
 * Deployable weights of the default model, by convolution name: BatchNorm already folded in, so every
 * convolution is `conv(x, kernel) + bias`. Kernels are HWIO (`[k, k, in, out]`, TF.js's layout); the ONNX
 * exporter transposes them to OIHW.
 */
export type FoldedWeights = Map<string, { readonly kernel: Float32Array; readonly bias: Float32Array }>;
