import { InvalidOptionError } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { mediaStreamFrames, videoElementFrames, videoFrames } from './browser-frames.js';
import { stream } from './browser-stream.js';
import type { FramePredictor } from './predict-frames.js';

// The browser entry's option checks (issue 18), each refused with a precise message before any browser API is
// touched; the sources themselves run in Chromium (test/stream-browser-camera.test.ts).
const model: FramePredictor = {
  predict: () => Promise.reject(new Error('never called: the options are refused first')),
};

async function firstError(iteration: AsyncIterable<unknown>): Promise<InvalidOptionError> {
  try {
    for await (const _ of iteration) break;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error('no error');
}

describe('@yolokit/stream/browser option checks', () => {
  it.each([
    ['source', 'the source must be an HTMLVideoElement, a MediaStream or an iterable of VideoFrames, got [object Number]', () => stream(model, 42 as never)],
    ['options.capture.method', 'options.capture.method does not apply to VideoFrames; its capture options: close', () => stream(model, [], { capture: { method: 'video' } })],
    ['options.capture.buffer', 'options.capture.buffer does not apply to VideoFrames; its capture options: close', () => stream(model, [], { capture: { buffer: 2 } })],
    ['options.policy', `options.policy must be one of 'every', 'latest', got "all"`, () => stream(model, [], { policy: 'all' as 'every' })],
    ['options', 'stream(target, source, options): options must be an object, got null', () => stream(model, [], null as never)],
    ['options.close', 'options.close must be a boolean, got "yes"', () => videoFrames([], { close: 'yes' as never })],
    ['options.buffer', 'options.buffer is not a video frames option; known options: close, signal', () => videoFrames([], { buffer: 1 } as never)],
    ['options.method', `options.method must be one of 'auto', 'processor', 'video', got "canvas"`, () => mediaStreamFrames({} as MediaStream, { method: 'canvas' as 'video' })],
    ['options.method', "options.method is 'processor' but this browser has no MediaStreamTrackProcessor: use 'auto' or 'video'", () => mediaStreamFrames({} as MediaStream, { method: 'processor' })],
    ['options.stopTracks', 'options.stopTracks must be a boolean, got 1', () => mediaStreamFrames({} as MediaStream, { stopTracks: 1 as never })],
    ['options.buffer', 'options.buffer must be a positive integer, got 0', () => mediaStreamFrames({} as MediaStream, { buffer: 0 })],
    ['stream', 'the MediaStream has no video track (ask getUserMedia for { video: true })', () => mediaStreamFrames({ getVideoTracks: () => [] } as unknown as MediaStream)],
    ['options.buffer', 'options.buffer must be a positive integer, got 1.5', () => videoElementFrames({} as HTMLVideoElement, { buffer: 1.5 })],
    ['options.method', 'options.method is not a video element option; known options: buffer, signal', () => videoElementFrames({} as HTMLVideoElement, { method: 'video' } as never)],
  ] as const)('refuses %s: %s', async (option, message, iteration) => {
    const error = await firstError(iteration());
    expect([error.code, error.option, error.message]).toEqual(['INVALID_OPTION', option, message]);
  });
});
