import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import swagger from '@fastify/swagger';
import { describeValue, InvalidOptionError } from '@yolokit/core';
import { booleanOption, optionsObject, positiveInteger, rejectUnknown } from '@yolokit/core/internal';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { errorReply, HttpError } from './http-error.js';
import type { UrlFetchOptions } from './image-request.js';
import { registerOipRoutes } from './oip-routes.js';
import { registerRestRoutes } from './rest-routes.js';
import { type ServedModel, type ServedModelOptions, openServedModels } from './served-model.js';
import { registerMetrics } from './server-metrics.js';
import type { ServerState } from './server-state.js';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** The models to serve; `POST /v1/predict` uses the first. Each has its own strategy. */
  readonly models: readonly ServedModelOptions[];
  /**
   * Largest request body (an image, a multipart body, an OIP request): larger is a 413 `BODY_TOO_LARGE`.
   * @defaultValue 33554432 (32 MiB)
   */
  readonly maxBodyBytes?: number;
  /**
   * Most milliseconds a prediction may take from the request's arrival at the model (queue wait included);
   * past it the task is aborted and the answer is 504 `TIMEOUT`.
   * @defaultValue 30000
   */
  readonly requestTimeoutMs?: number;
  /** Fetch `{ "url": ... }` images from these origins only. @defaultValue off: URL bodies are refused (403 `URL_NOT_ALLOWED`) */
  readonly urlFetch?: UrlFetchOptions;
  /**
   * A key every route but `/v2/health/*` requires, as `Authorization: Bearer <key>` or `X-API-Key: <key>`
   * (401 `UNAUTHORIZED` otherwise).
   * @defaultValue none: no check
   */
  readonly apiKey?: string;
  /** Fastify's logger (pino): `true`, pino options, or a pino instance. Request ids are in every line and every answer. @defaultValue false */
  readonly logger?: FastifyServerOptions['logger'];
  /**
   * On {@link YoloServer.close}, how long in-flight requests may take to finish before they are aborted
   * (answered 503 `CLOSED`) and their connections closed.
   * @defaultValue 10000
   */
  readonly shutdownTimeoutMs?: number;
  /** Serve `GET /metrics` (Prometheus text format). @defaultValue true */
  readonly metrics?: boolean;
}

/** A running (or ready to run) server: Fastify plus the models it serves. */
export interface YoloServer extends AsyncDisposable {
  /** The Fastify instance (for `inject`, more routes or hooks before `listen`). */
  readonly app: FastifyInstance;
  /** The models by name. */
  readonly models: ReadonlyMap<string, ServedModel>;
  /**
   * Starts listening; resolves with the address, such as `http://127.0.0.1:8080`.
   * @defaultValue host `127.0.0.1`, port `8080` (`0`: any free port)
   */
  listen(options?: { readonly host?: string; readonly port?: number }): Promise<string>;
  /**
   * Graceful shutdown: readiness turns 503, no new connections are taken, in-flight requests finish (up to
   * `shutdownTimeoutMs`, then they are aborted), then the predictors the server opened are closed. Idempotent.
   */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * Opens the models and builds the server: REST (`POST /v1/predict`), the Open Inference Protocol (KServe v2:
 * `/v2/health/*`, `/v2/models/{name}`, `/v2/models/{name}/infer`), `GET /metrics` and `GET /openapi.json`.
 * Rejects with the library's typed error when a model fails to open (those already open are closed).
 *
 * @example
 * ```ts
 * import { onnxSpec } from '@yolokit/backend-onnx/spec';
 * import { createServer } from '@yolokit/serve';
 *
 * const server = await createServer({
 *   models: [{ strategy: 'threads', workers: 2, model: { backend: onnxSpec(), model: 'yolov8n.onnx' } }],
 *   maxBodyBytes: 8 * 1024 * 1024,
 * });
 * console.log(await server.listen({ port: 8080 })); // curl --data-binary @bus.jpg -H 'Content-Type: image/jpeg' localhost:8080/v1/predict
 * process.once('SIGTERM', () => void server.close());
 * ```
 */
export async function createServer(options: ServerOptions): Promise<YoloServer> {
  const settings = resolveServerOptions(options);
  const served = await openServedModels(options.models);
  const models = new Map(served.map((model) => [model.name, model]));
  const state: ServerState = {
    models,
    defaultModel: served[0],
    limits: { maxBodyBytes: settings.maxBodyBytes, urlFetch: settings.urlFetch },
    prediction: { requestTimeoutMs: settings.requestTimeoutMs, running: new Set() },
    closing: false,
  };
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: settings.maxBodyBytes,
    genReqId: requestId,
    // Keep-alive connections that are idle are closed at shutdown; busy ones finish their request first.
    forceCloseConnections: 'idle',
  });
  try {
    await buildApp(app, state, settings);
  } catch (error) {
    await closeModels(served);
    throw error;
  }
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= shutdown(app, state, served, settings.shutdownTimeoutMs);
    return closing;
  };
  return {
    app,
    models,
    async listen({ host = '127.0.0.1', port = 8080 } = {}) {
      return app.listen({ host, port });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

interface ServerSettings {
  readonly maxBodyBytes: number;
  readonly requestTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly urlFetch: ServerState['limits']['urlFetch'];
  readonly apiKey: string | undefined;
  readonly metrics: boolean;
}

const KNOWN_OPTIONS = new Set(['models', 'maxBodyBytes', 'requestTimeoutMs', 'urlFetch', 'apiKey', 'logger', 'shutdownTimeoutMs', 'metrics']);

/** Validates {@link ServerOptions} (not the models: {@link openServedModels} does) and fills defaults. */
export function resolveServerOptions(options: ServerOptions): ServerSettings {
  rejectUnknown(optionsObject(options, 'options'), KNOWN_OPTIONS, 'a server');
  const maxBodyBytes = positiveInteger(options.maxBodyBytes, 'options.maxBodyBytes', DEFAULT_MAX_BODY_BYTES);
  const requestTimeoutMs = positiveInteger(options.requestTimeoutMs, 'options.requestTimeoutMs', 30_000);
  const shutdownTimeoutMs = positiveInteger(options.shutdownTimeoutMs, 'options.shutdownTimeoutMs', 10_000);
  if (options.apiKey !== undefined && (typeof options.apiKey !== 'string' || options.apiKey.length < 8)) {
    throw new InvalidOptionError('options.apiKey', `options.apiKey must be a string of at least 8 characters, got ${typeof options.apiKey === 'string' ? `${options.apiKey.length} characters` : describeValue(options.apiKey)}`);
  }
  const metrics = booleanOption(options.metrics, 'options.metrics', true);
  return { maxBodyBytes, requestTimeoutMs, shutdownTimeoutMs, urlFetch: resolveUrlFetch(options.urlFetch, maxBodyBytes), apiKey: options.apiKey, metrics };
}

function resolveUrlFetch(urlFetch: UrlFetchOptions | undefined, maxBodyBytes: number): ServerSettings['urlFetch'] {
  if (urlFetch === undefined) return undefined;
  const origins = urlFetch?.allowedOrigins;
  if (!Array.isArray(origins) || origins.length === 0) {
    throw new InvalidOptionError('options.urlFetch.allowedOrigins', `options.urlFetch.allowedOrigins must be a non-empty array of origins such as "https://images.example.com", got ${describeValue(origins)}`);
  }
  const normalised = origins.map((origin, i) => {
    const where = `options.urlFetch.allowedOrigins[${i}]`;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new InvalidOptionError(where, `${where} must be an origin such as "https://images.example.com", got ${describeValue(origin)}`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin.replace(/\/$/, '')) {
      throw new InvalidOptionError(where, `${where} must be an http(s) origin (scheme, host and optional port, no path), such as "https://images.example.com", got ${describeValue(origin)}`);
    }
    return url.origin;
  });
  return {
    origins: new Set(normalised),
    maxBytes: positiveInteger(urlFetch.maxBytes, 'options.urlFetch.maxBytes', maxBodyBytes),
    timeoutMs: positiveInteger(urlFetch.timeoutMs, 'options.urlFetch.timeoutMs', 10_000),
  };
}

/** A client's `X-Request-Id` when it is a sane token (it ends up in logs and results), else a fresh UUID. */
function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
}

async function buildApp(app: FastifyInstance, state: ServerState, settings: ServerSettings): Promise<void> {
  // Schemas are documentation (see openapi-schemas.ts): the library's validators and JSON.stringify do the work.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(swagger, {
    openapi: {
      info: { title: 'yolokit serve', description: 'YOLO inference over HTTP: REST, the Open Inference Protocol (KServe v2) and Prometheus metrics.', version: '1' },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' }, bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  // Images, multipart bodies and OIP binary requests arrive as bytes; Fastify's bodyLimit bounds them while they
  // stream in (413 before the rest is read when Content-Length says more).
  const bytes = (_request: unknown, body: Buffer | string, done: (error: Error | null, body?: Buffer) => void) => done(null, body as Buffer);
  app.addContentTypeParser(/^image\//, { parseAs: 'buffer' }, bytes);
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, bytes);
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, bytes);
  // Hooks in callback form: an async hook costs a promise and a microtask turn per request on the main thread,
  // which the inference workers share the cores with (bench/serve-load.mjs).
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    if (settings.apiKey !== undefined && !request.url.startsWith('/v2/health/') && !authorised(request.headers, settings.apiKey)) {
      done(new HttpError(401, 'UNAUTHORIZED', 'this server needs an API key: send Authorization: Bearer <key> or X-API-Key: <key>'));
      return;
    }
    done();
  });
  // Past the start of shutdown, every answer closes its connection: an in-flight request's keep-alive socket
  // would otherwise hold close() for Fastify's keepAliveTimeout (72 s) after its answer.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (state.closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = errorReply(error);
    if (status >= 500) request.log.error({ err: error }, body.message);
    const oip = request.url.startsWith('/v2/');
    return reply.status(status).type('application/json').send(oip ? { error: body.message, ...body } : body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0].slice(0, 200)}; see /openapi.json` }),
  );
  if (settings.metrics) registerMetrics(app, state);
  registerRestRoutes(app, state);
  registerOipRoutes(app, state);
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}

function authorised(headers: IncomingMessage['headers'], key: string): boolean {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
  const given = bearer ?? (typeof headers['x-api-key'] === 'string' ? headers['x-api-key'] : undefined);
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(key);
  // Constant time in the key's content; the length is not a secret worth hiding.
  return a.length === b.length && timingSafeEqual(a, b);
}

async function shutdown(app: FastifyInstance, state: ServerState, served: readonly ServedModel[], timeoutMs: number): Promise<void> {
  state.closing = true;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  const closed = app.close();
  if ((await Promise.race([closed.then(() => 'closed' as const), deadline])) === 'late') {
    app.log.warn(`shutdown: ${state.prediction.running.size} requests still running after ${timeoutMs} ms; aborting them`);
    for (const controller of state.prediction.running) controller.abort(new HttpError(503, 'CLOSED', 'the server is shutting down'));
    app.server.closeAllConnections();
    await closed;
  }
  clearTimeout(timer);
  await closeModels(served);
}

async function closeModels(served: readonly ServedModel[]): Promise<void> {
  await Promise.all(served.filter((model) => model.owned).map((model) => model.predictor.close({ abort: true })));
}
