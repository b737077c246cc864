import { YoloError, type YoloErrorCode } from '@yolokit/core';

/**
 * Codes of errors that only HTTP has (a body too large, an unsupported media type, a missing API key, an
 * unknown route). Everything the library refuses keeps the library's own {@link YoloErrorCode}.
 */
export type HttpOnlyCode = 'BODY_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'BAD_REQUEST' | 'UNAUTHORIZED' | 'NOT_FOUND' | 'URL_NOT_ALLOWED';

/** The `code` of every error body the server sends. */
export type ServeErrorCode = YoloErrorCode | HttpOnlyCode;

/** The body of every error answer: `{ code, message }` (the Open Inference Protocol routes add `error`). */
export interface ErrorBody {
  readonly code: ServeErrorCode;
  readonly message: string;
}

/** An error the server answers with a given status; thrown by route handlers, turned into JSON by the error handler. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: ServeErrorCode;
  constructor(statusCode: number, code: ServeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
  }
}

/** HTTP status of each library code; anything unlisted is a 500. */
const STATUS_OF_CODE: Readonly<Partial<Record<YoloErrorCode, number>>> = {
  INVALID_OPTION: 400,
  // The image is the request's content: it arrived, but cannot be processed (RFC 9110 §15.5.21).
  IMAGE_UNREADABLE: 422,
  IMAGE_TOO_SMALL: 422,
  QUEUE_FULL: 429,
  TIMEOUT: 504,
  WORKER_DIED: 503,
  CLOSED: 503,
  DISPOSED: 503,
  // Only reachable when the client went away (nobody reads the answer) or the server is closing.
  ABORTED: 503,
  MODEL_NOT_FOUND: 404,
};

/** Fastify's own errors that are the client's fault, by Fastify's code. */
const FASTIFY_CODES: Readonly<Record<string, readonly [number, HttpOnlyCode]>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'BODY_TOO_LARGE'],
  FST_REQ_FILE_TOO_LARGE: [413, 'BODY_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
};

/** Status and body for any error a request ended with. 5xx messages of unknown errors are not leaked. */
export function errorReply(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof HttpError) return { status: error.statusCode, body: { code: error.code, message: error.message } };
  if (YoloError.isInstance(error)) {
    return { status: STATUS_OF_CODE[error.code] ?? 500, body: { code: error.code, message: error.message } };
  }
  const fastifyCode = (error as { code?: unknown })?.code;
  if (typeof fastifyCode === 'string' && fastifyCode in FASTIFY_CODES) {
    const [status, code] = FASTIFY_CODES[fastifyCode];
    return { status, body: { code, message: (error as Error).message } };
  }
  const statusCode = (error as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    // Malformed JSON, a Content-Length that does not match, and Fastify's other refusals of a request.
    return { status: 400, body: { code: 'BAD_REQUEST', message: (error as Error).message } };
  }
  return { status: 500, body: { code: 'INFERENCE_FAILED', message: 'the server failed while answering this request; see its log' } };
}
