/**
 * `@yolokit/serve`: an HTTP inference server for yolokit on Fastify. A plain REST API (`POST /v1/predict`), the
 * Open Inference Protocol (KServe v2) REST API, Prometheus metrics and an OpenAPI document, over any concurrency
 * strategy of `@yolokit/concurrency`.
 *
 * @packageDocumentation
 */
export { createServer, resolveServerOptions, type ServerOptions, type YoloServer } from './create-server.js';
export { type ErrorBody, HttpError, type HttpOnlyCode, type ServeErrorCode } from './http-error.js';
export type { UrlFetchOptions } from './image-request.js';
export { REQUEST_OPTION_NAMES } from './request-options.js';
export type { ServedModel, ServedModelOptions } from './served-model.js';
