import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Detection, Keypoints, Mask, Result } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { decodedLength, describeJobImage, fromJobImage, parsePayload, resultOfJobReturn, sourceOf, toJobImage, withoutImageBytes } from './job-payload.js';
import { SourcePolicy } from './source-policy.js';

const dir = mkdtempSync(join(tmpdir(), 'yolokit-payload-'));
const file = join(dir, 'a.png');
writeFileSync(file, new Uint8Array([1, 2, 3, 4, 5]));
const limits = { maxImageBytes: 100, fetchTimeoutMs: 1_000 };
/** A worker started with no roots and no URL prefixes: by-value images only. */
const closed = new SourcePolicy([], []);

describe('job images', () => {
  it('paths and file: URLs travel by reference; relative paths become absolute here', async () => {
    expect(await toJobImage(file, 'reference', 100)).toEqual({ kind: 'path', path: file });
    expect(await toJobImage('a.png', 'reference', 100)).toEqual({ kind: 'path', path: resolve('a.png') });
    expect(await toJobImage(pathToFileURL(file), 'reference', 100)).toEqual({ kind: 'url', href: pathToFileURL(file).href });
    expect(await toJobImage('https://example.com/a.jpg', 'value', 100)).toEqual({ kind: 'url', href: 'https://example.com/a.jpg' });
  });

  it("by value: the file's bytes, base64; and back to the same bytes on the worker", async () => {
    const image = await toJobImage(file, 'value', 100);
    expect(image).toEqual({ kind: 'bytes', base64: 'AQIDBAU=' });
    expect([...((await fromJobImage(image, closed, limits)) as Uint8Array)]).toEqual([1, 2, 3, 4, 5]);
  });

  it('bytes that are a view into a larger buffer send only the view', async () => {
    const buffer = new Uint8Array([9, 9, 1, 2, 9]);
    expect(await toJobImage(buffer.subarray(2, 4), 'reference', 100)).toEqual({ kind: 'bytes', base64: 'AQI=' });
  });

  it('raw pixels keep their shape', async () => {
    const raw = { data: new Uint8Array(12), width: 2, height: 2, channels: 3 as const };
    const image = await toJobImage(raw, 'reference', 100);
    expect(image).toMatchObject({ kind: 'raw', width: 2, height: 2, channels: 3 });
    expect(await fromJobImage(image, closed, limits)).toEqual({ data: new Uint8Array(12), width: 2, height: 2, channels: 3 });
  });

  it("by value, a file over the limit or a FIFO is refused before it is read (core's readRegularFile)", async () => {
    const big = join(dir, 'big.png');
    writeFileSync(big, new Uint8Array(101));
    await expect(toJobImage(big, 'value', 100)).rejects.toMatchObject({ name: 'ImageTooLargeError', byteLength: 101, maxImageBytes: 100 });
    await expect(toJobImage('/dev/zero', 'value', 100)).rejects.toMatchObject({ code: 'IMAGE_UNREADABLE', message: expect.stringContaining('not a regular file') });
  });

  it("a dead letter's image bytes are replaced by their size; paths and URLs stay", () => {
    const payload = { v: 1 as const, image: { kind: 'bytes' as const, base64: 'AQIDBAU=' }, options: { conf: 0.5 } };
    const dropped = withoutImageBytes(payload);
    expect(dropped).toEqual({ v: 1, image: { kind: 'bytes', base64: '', droppedBytes: 5 }, options: { conf: 0.5 } });
    expect(describeJobImage(dropped.image)).toBe('<bytes 5 bytes, dropped from Redis>');
    const byPath = { v: 1 as const, image: { kind: 'path' as const, path: '/a.jpg' } };
    expect(withoutImageBytes(byPath)).toBe(byPath);
  });

  it('the limit counts bytes: exactly maxImageBytes passes, one more is ImageTooLargeError', async () => {
    await expect(toJobImage(new Uint8Array(100), 'reference', 100)).resolves.toMatchObject({ kind: 'bytes' });
    await expect(toJobImage(new Uint8Array(101), 'reference', 100)).rejects.toMatchObject({ name: 'ImageTooLargeError', byteLength: 101, maxImageBytes: 100 });
  });

  it('sources are what a direct predict reports', () => {
    expect(sourceOf('a.jpg')).toBe('a.jpg');
    expect(sourceOf(new URL('file:///x/a.jpg'))).toBe('file:///x/a.jpg');
    expect(sourceOf(new Uint8Array(1))).toBeUndefined();
  });
});

describe('job payloads from Redis', () => {
  it('accepts a version 1 payload', () => {
    const payload = { v: 1, image: { kind: 'path', path: '/a.jpg' }, options: { conf: 0.5 } };
    expect(parsePayload(payload, 100)).toBe(payload);
  });

  for (const [why, data, message] of [
    ['another version', { v: 2, image: { kind: 'path', path: '/a.jpg' } }, 'version 2; this worker reads version 1'],
    ['no image', { v: 1 }, 'no image'],
    ['an unknown kind', { v: 1, image: { kind: 'tensor' } }, 'unknown image kind "tensor"'],
    ['a URL of another scheme', { v: 1, image: { kind: 'url', href: 'ftp://x/a.jpg' } }, 'not a file: or http(s): URL'],
    ['not an object', 'a.jpg', 'not an object'],
  ] as const) {
    it(`refuses ${why} with INVALID_OPTION (permanent: the job is not retried)`, () => {
      expect(() => parsePayload(data, 100)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', option: 'job.data', message: expect.stringContaining(message) }));
    });
  }

  it('refuses an oversized by-value image before decoding it', () => {
    expect(() => parsePayload({ v: 1, image: { kind: 'bytes', base64: 'A'.repeat(200) } }, 100)).toThrow(expect.objectContaining({ name: 'ImageTooLargeError' }));
  });

  it('reports the exact size of what was sent, without decoding it', () => {
    for (const n of [0, 1, 2, 3, 4, 100, 4_096]) expect(decodedLength(Buffer.alloc(n, 7).toString('base64'))).toBe(n);
    const base64 = Buffer.alloc(4_096, 7).toString('base64');
    expect(() => parsePayload({ v: 1, image: { kind: 'bytes', base64 } }, 1_000)).toThrow(expect.objectContaining({ byteLength: 4_096, maxImageBytes: 1_000 }));
  });
});

describe('job return values', () => {
  const speed = { preprocess: 1, inference: 2, postprocess: 3 };
  const ring = Mask.fromBitmap(Uint8Array.from({ length: 36 }, (_, i) => (i % 6 === 0 || i % 6 === 5 ? 1 : 0)), 20, 10, [3, 2, 6, 6]);
  const segment = new Result({ width: 20, height: 10, task: 'segment', speed, detections: [new Detection([3, 2, 9, 8], 0.9, 1, 'bicycle', 20, 10, { mask: ring })] });
  const keypoints = new Keypoints(Float32Array.from([1.5, 2.25, 0.75, 4, 5, 0.5]), 3);
  const pose = new Result({ width: 20, height: 10, task: 'pose', skeleton: [[0, 1]], speed, detections: [new Detection([1, 1, 6, 6], 0.8, 0, 'person', 20, 10, { keypoints })] });

  it('a worker returns masks as base64 bits: JSON without arrays of mask numbers, rebuilt into the same masks', () => {
    const returned = JSON.parse(JSON.stringify(segment.toWire('base64')));
    expect(returned.detections[0].mask).toEqual({ imageWidth: 20, imageHeight: 10, rect: [3, 2, 6, 6], bits: expect.any(String) });
    expect(resultOfJobReturn(returned).detections[0].mask!.toBitmap()).toEqual(ring.toBitmap());
    expect(resultOfJobReturn(returned).toJSON()).toEqual(segment.toJSON());
  });

  it('keypoints come back as the same float32 values', () => {
    const returned = JSON.parse(JSON.stringify(pose.toWire('base64')));
    expect(resultOfJobReturn(returned).toJSON()).toEqual(pose.toJSON());
  });

  it("a result in JSON form (masks as COCO RLE, keypoints as [x, y, v] lists) is read too, as a worker written elsewhere may return", () => {
    for (const result of [segment, pose]) expect(resultOfJobReturn(JSON.parse(JSON.stringify(result.toJSON()))).toJSON()).toEqual(result.toJSON());
  });

  it('a detection-only return value is unchanged: the wire form is the JSON form', () => {
    const detect = new Result({ width: 20, height: 10, speed, detections: [new Detection([1, 2, 3, 4], 0.5, 2, 'car', 20, 10)] });
    expect(detect.toWire('base64')).toEqual(detect.toJSON());
    expect(resultOfJobReturn(detect.toJSON()).toJSON()).toEqual(detect.toJSON());
  });
});
