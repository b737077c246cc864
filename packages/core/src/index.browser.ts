export * from './shared-exports.js';
export { createModel } from './create-model.browser.js';
