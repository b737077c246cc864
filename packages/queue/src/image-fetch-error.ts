import { ImageDecodeError } from '@yolokit/core';

/**
 * A worker could not download an image given by http(s) URL. Code `IMAGE_UNREADABLE`. `retryable` is true for
 * failures that may pass (no answer, a network error, HTTP 408, 429 or 5xx): the job is then retried with
 * backoff; other statuses (404, 403, ...) and a body that does not finish within the worker's `fetchTimeoutMs`
 * fail the job at once.
 */
export class ImageFetchError extends ImageDecodeError {
  /** The HTTP status, when there was an answer. */
  readonly status: number | undefined;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  /** `options.retryable` overrides what the status says (a download that timed out has none and is not retried). */
  constructor(url: string, status: number | undefined, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(url, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.retryable = options?.retryable ?? (status === undefined || status === 408 || status === 429 || status >= 500);
  }
}
