import { AbortError, ImageDecodeError, InferenceError, InvalidOptionError, ModelLoadError, YoloError } from '@yolokit/core';
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { ImageTooLargeError, JobStalledError } from './errors.js';
import { ImageFetchError } from './image-fetch-error.js';
import { SourceNotAllowedError } from './source-not-allowed-error.js';
import { fromFailedJob, isJobError, isTransient, toJobError } from './job-failure.js';

/** What BullMQ stores of a thrown error: its message as failedReason, its stack in the stacktrace list. */
const stored = (error: Error, attemptsMade = 1) => ({ id: 'job-1', failedReason: error.message, stacktrace: [error.stack as string], attemptsMade });

describe('job failures across Redis', () => {
  it('transient: dead workers, timeouts, runtime errors, plain errors, retryable downloads', () => {
    expect(isTransient(new YoloError('WORKER_DIED', 'x'))).toBe(true);
    expect(isTransient(new YoloError('TIMEOUT', 'x'))).toBe(true);
    expect(isTransient(new InferenceError('x'))).toBe(true);
    expect(isTransient(new AbortError())).toBe(true);
    expect(isTransient(new Error('boom'))).toBe(true);
    expect(isTransient(new ImageFetchError('http://x/a.jpg', 503, 'x'))).toBe(true);
  });

  it('permanent: unreadable or oversized images, invalid options, a 404, a download that timed out, a refused source', () => {
    expect(isTransient(new ImageFetchError('http://x/a.jpg', undefined, 'x', { retryable: false }))).toBe(false);
    expect(isTransient(new SourceNotAllowedError('path'))).toBe(false);
    expect(toJobError(new SourceNotAllowedError('url'))).toBeInstanceOf(UnrecoverableError);
    expect(isTransient(new ImageDecodeError('a.jpg', 'x'))).toBe(false);
    expect(isTransient(new InvalidOptionError('options.conf', 'x'))).toBe(false);
    expect(isTransient(new ImageTooLargeError(10, 5, 'x'))).toBe(false);
    expect(isTransient(new ImageFetchError('http://x/a.jpg', 404, 'x'))).toBe(false);
  });

  it('a permanent error is thrown as UnrecoverableError (no retry), a transient one as a plain Error', () => {
    expect(toJobError(new ImageDecodeError('a.jpg', 'bad'))).toBeInstanceOf(UnrecoverableError);
    expect(toJobError(new InferenceError('hiccup'))).not.toBeInstanceOf(UnrecoverableError);
    expect(toJobError(new InferenceError('hiccup')).message).toBe('INFERENCE_FAILED: hiccup');
  });

  it('the typed error comes back with its class name, code, message and fields, plus the job id and attempts', () => {
    const original = new ImageTooLargeError(9_000, 4_096, "the job's image");
    const rebuilt = fromFailedJob(stored(toJobError(original), 1));
    expect(rebuilt).toBeInstanceOf(ImageTooLargeError);
    expect(rebuilt).toBeInstanceOf(InvalidOptionError);
    expect(isJobError(rebuilt)).toBe(true);
    expect(rebuilt).toMatchObject({ name: 'ImageTooLargeError', code: 'INVALID_OPTION', option: 'image', byteLength: 9_000, maxImageBytes: 4_096, jobId: 'job-1', attemptsMade: 1 });
    expect(rebuilt.message).toBe(original.message);
  });

  it('core and queue classes keep their class: ModelLoadError, ImageFetchError (with status and retryable)', () => {
    const missing = fromFailedJob(stored(toJobError(new ModelLoadError('MODEL_NOT_FOUND', '/m.onnx', 'no model at /m.onnx')), 1));
    expect(missing).toBeInstanceOf(ModelLoadError);
    expect(missing).toMatchObject({ code: 'MODEL_NOT_FOUND', source: '/m.onnx', jobId: 'job-1', attemptsMade: 1 });
    const fetch = fromFailedJob(stored(toJobError(new ImageFetchError('http://x/a.jpg', 404, 'HTTP 404 for http://x/a.jpg')), 1));
    expect(fetch).toBeInstanceOf(ImageFetchError);
    expect(fetch).toBeInstanceOf(ImageDecodeError);
    expect(fetch).toMatchObject({ code: 'IMAGE_UNREADABLE', source: 'http://x/a.jpg', status: 404, retryable: false });
    expect(isJobError(new ModelLoadError('MODEL_NOT_FOUND', '/m.onnx', 'x'))).toBe(false);
  });

  it('the last attempt decides when attempts failed differently', () => {
    const first = toJobError(new YoloError('WORKER_DIED', 'died'));
    const last = toJobError(new YoloError('TIMEOUT', 'slow'));
    const rebuilt = fromFailedJob({ id: 'job-2', failedReason: last.message, stacktrace: [first.stack as string, last.stack as string], attemptsMade: 2 });
    expect(rebuilt).toMatchObject({ code: 'TIMEOUT', message: 'slow', attemptsMade: 2 });
  });

  it("BullMQ's own verdict on a job whose workers kept dying is JobStalledError (WORKER_DIED)", () => {
    const rebuilt = fromFailedJob({ id: 'job-3', failedReason: 'job stalled more than allowable limit', stacktrace: [], attemptsMade: 0 });
    expect(rebuilt).toBeInstanceOf(JobStalledError);
    expect(rebuilt).toMatchObject({ name: 'JobStalledError', code: 'WORKER_DIED', jobId: 'job-3', attemptsMade: 0 });
  });

  it('a failure without a yolokit error (another client, an old worker) is INFERENCE_FAILED with the reason', () => {
    const rebuilt = fromFailedJob({ id: 'job-4', failedReason: 'something else', stacktrace: ['Error: something else\n    at x'] });
    expect(rebuilt).toBeInstanceOf(InferenceError);
    expect(rebuilt).toMatchObject({
      code: 'INFERENCE_FAILED',
      message: 'job job-4 failed: something else',
    });
  });
});
