import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// A browser bundle of `@yolokit/stream/track` (the tracker and predictFrames) holds no Node code: esbuild, for the
// browser platform, refuses any Node builtin, and the bundle's inputs are this package's tracking files and core.
/** Bundles `contents` for the browser platform, in memory, with the list of files it took in. */
function bundleForBrowser(contents: string) {
  return build({ stdin: { contents, resolveDir: process.cwd(), loader: 'js' }, bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
}

describe('@yolokit/stream/track in a browser bundle', () => {
  it('bundles for the browser without Node builtins, FFmpeg code or a runtime, and tracks', async () => {
    const entry = createRequire(import.meta.url).resolve('@yolokit/stream/track');
    const result = await bundleForBrowser(`export { ByteTracker } from ${JSON.stringify(entry)};`);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => /child_process|video-source|sharp|onnxruntime|@tensorflow/.test(input))).toEqual([]);
    expect(inputs.some((input) => input.includes('packages/core/dist/index.browser.js'))).toBe(true);
    // The bundle runs: two frames of one box give it id 1 on both.
    const code = result.outputFiles[0].text;
    const module = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
    const tracker = new module.ByteTracker();
    const box = { box: [10, 10, 50, 50], confidence: 0.9, classId: 0 };
    expect(tracker.update([box]).map((t: { trackId: number }) => t.trackId)).toEqual([1]);
    expect(tracker.update([box]).map((t: { trackId: number }) => t.trackId)).toEqual([1]);
  });

  it('@yolokit/stream/browser (issue 18: video, camera and VideoFrame sources) bundles for the browser without Node builtins or FFmpeg code', async () => {
    const entry = createRequire(import.meta.url).resolve('@yolokit/stream/browser');
    const result = await bundleForBrowser(`export { stream, track, mediaStreamFrames, videoElementFrames, videoFrames, ByteTracker } from ${JSON.stringify(entry)};`);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => /child_process|video-source|sharp|onnxruntime|@tensorflow/.test(input))).toEqual([]);
    expect(inputs.some((input) => /packages\/stream\/dist\/browser\.c?js$/.test(input))).toBe(true);
    expect(inputs.some((input) => input.includes('packages/core/dist/index.browser.js'))).toBe(true);
  });
});
