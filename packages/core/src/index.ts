export * from './shared-exports.js';
export { SharpImageDecoder } from './sharp-image-decoder.js';
export { createModel } from './create-model.js';
