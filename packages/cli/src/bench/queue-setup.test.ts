import type { BackendUnavailableError } from '@yolokit/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

describe('importQueue', () => {
  afterEach(() => {
    vi.doUnmock('@yolokit/queue');
    vi.resetModules();
  });

  it('returns @yolokit/queue when it is installed', async () => {
    const { importQueue } = await import('./queue-setup.js');
    expect(typeof (await importQueue()).createQueuePredictor).toBe('function');
  });

  it('says how to install @yolokit/queue when it is missing, as a BACKEND_UNAVAILABLE error', async () => {
    vi.doMock('@yolokit/queue', () => {
      throw new Error("Cannot find package '@yolokit/queue'");
    });
    const { importQueue } = await import('./queue-setup.js');
    const error = await importQueue().then(
      () => undefined,
      (e: unknown) => e,
    );
    // A fresh module graph (the mock) has its own @yolokit/core: the class is checked by name and code.
    expect((error as Error).name).toBe('BackendUnavailableError');
    expect((error as BackendUnavailableError).code).toBe('BACKEND_UNAVAILABLE');
    // The import's own message follows in parentheses (vitest words a failing mock its own way).
    expect((error as Error).message).toMatch(/^yolokit bench --strategies queue needs @yolokit\/queue: npm install @yolokit\/queue \(.+\)$/);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});
