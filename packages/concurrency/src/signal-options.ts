import { AbortError, type PredictOptions } from '@yolokit/core';
import type { WireOptions } from './wire.js';

/**
 * The options of a call without its AbortSignal: a signal cannot cross a thread, process or queue boundary, so
 * every strategy keeps it on the caller's side and sends the rest.
 * @internal Shared with `@yolokit/queue`.
 */
export function withoutSignal(options: PredictOptions | undefined): WireOptions | undefined {
  if (!options) return undefined;
  const { signal: _signal, ...rest } = options;
  return rest;
}

/**
 * The typed error a call rejects with when its signal aborts, carrying the signal's reason as its cause.
 * @internal Shared with `@yolokit/queue`.
 */
export function abortErrorFrom(signal: AbortSignal): AbortError {
  const reason = signal.reason;
  const detail = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : '';
  return new AbortError(`the prediction was aborted${detail}`, { cause: reason });
}
