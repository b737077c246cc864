import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FfmpegNotFoundError, openVideo, probeVideo, type VideoFrame, VideoSourceError, VideoTimeoutError } from '@yolokit/stream';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { childPids } from './support/child-processes.js';

const run = promisify(execFile);
let folder: string;

/** Frame n of the test clip: a solid colour that names the frame, 64 × 48. */
const colourOf = (n: number): [number, number, number] => [20 * n, 255 - 30 * n, 100];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'yolokit-video-'));
  // 6 exact frames as PNGs (an image sequence), and the same encoded to MP4 at 10 fps by FFmpeg.
  for (let n = 0; n < 6; n++) {
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: colourOf(n)[0], g: colourOf(n)[1], b: colourOf(n)[2] } } })
      .png()
      .toFile(join(folder, `frame-${String(n).padStart(3, '0')}.png`));
  }
  await run('ffmpeg', ['-v', 'error', '-y', '-framerate', '10', '-i', join(folder, 'frame-%03d.png'), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-qp', '0', join(folder, 'clip.mp4')]);
  // 30 frames with the index first (faststart), to be cut short: ffprobe still reads it, the frames run out.
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-frames:v', '30', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', join(folder, 'whole.mp4')]);
  // A zero-frame MP4: FFmpeg asked for no frames writes a file without a video stream.
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-frames:v', '0', join(folder, 'zero.mp4')]);
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

afterEach(() => {
  // Every ffmpeg and ffprobe this file started is gone (reaped), whatever the test did.
  expect(childPids()).toEqual([]);
});

const collect = async (frames: AsyncIterable<VideoFrame>) => {
  const out: VideoFrame[] = [];
  for await (const frame of frames) out.push(frame);
  return out;
};

describe('openVideo: FFmpeg sources', () => {
  it('an MP4: size, rate and count from ffprobe; 6 frames in order at 0, 0.1, ... 0.5 s with their colours', async () => {
    const video = await openVideo(join(folder, 'clip.mp4'));
    expect(video.info).toMatchObject({ width: 64, height: 48, fps: 10, frameCount: 6 });
    const frames = await collect(video.frames());
    expect(frames.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(frames.map((f) => f.time)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    for (const frame of frames) {
      expect(frame.data.length).toBe(64 * 48 * 3);
      // x264 at qp 0 in yuv420p: the colour within a couple of levels of the RGB ↔ YUV round trip.
      const [r, g, b] = colourOf(frame.index);
      const centre = (24 * 64 + 32) * 3;
      expect(Math.abs(frame.data[centre] - r)).toBeLessThanOrEqual(3);
      expect(Math.abs(frame.data[centre + 1] - g)).toBeLessThanOrEqual(3);
      expect(Math.abs(frame.data[centre + 2] - b)).toBeLessThanOrEqual(3);
    }
  });

  it('an image sequence (frame-%03d.png): exact pixels, 25 fps by default', async () => {
    const video = await openVideo(join(folder, 'frame-%03d.png'));
    expect(video.info).toMatchObject({ width: 64, height: 48, fps: 25 });
    const frames = await collect(video.frames());
    expect(frames).toHaveLength(6);
    for (const frame of frames) expect(Array.from(frame.data.subarray(0, 3))).toEqual(colourOf(frame.index));
    expect(frames[5].time).toBe(0.2);
  });

  it('an http:// URL (the MP4 served on 127.0.0.1): the same facts and frames as the file', async () => {
    const bytes = await readFile(join(folder, 'clip.mp4'));
    const server = createHttpServer((_request, response) => {
      // FFmpeg seeks in an MP4 over HTTP with ranges; a plain 200 of the whole file works too.
      response.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': bytes.length });
      response.end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/clip.mp4`;
      const video = await openVideo(url, { timeoutMs: 10_000 });
      expect(video.info).toMatchObject({ width: 64, height: 48, fps: 10, frameCount: 6 });
      const frames = await collect(video.frames());
      expect(frames.map((f) => [f.index, f.time])).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i, i / 10]));
      expect(Math.abs(frames[4].data[0] - colourOf(4)[0])).toBeLessThanOrEqual(3);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('leaving the loop early kills and reaps FFmpeg', async () => {
    const video = await openVideo(join(folder, 'clip.mp4'));
    const seen: number[] = [];
    for await (const frame of video.frames()) {
      seen.push(frame.index);
      if (frame.index === 1) break;
    }
    expect(seen).toEqual([0, 1]);
  });
});

describe('openVideo: typed errors', () => {
  it('FFmpeg missing: FfmpegNotFoundError (BACKEND_UNAVAILABLE) naming apt-get install ffmpeg', async () => {
    const error = await probeVideo(join(folder, 'clip.mp4'), { ffprobePath: '/nonexistent/ffprobe' }).catch((e) => e);
    expect(error).toBeInstanceOf(FfmpegNotFoundError);
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toContain('apt-get install ffmpeg');
    const video = await openVideo(join(folder, 'clip.mp4'), { ffmpegPath: '/nonexistent/ffmpeg' });
    const decodeError = await collect(video.frames()).catch((e) => e);
    expect(decodeError).toBeInstanceOf(FfmpegNotFoundError);
    expect(decodeError.program).toBe('/nonexistent/ffmpeg');
  });

  it('a missing file, a corrupt file, a truncated MP4 and a zero-frame MP4: VideoSourceError (IMAGE_UNREADABLE) with a reason', async () => {
    await writeFile(join(folder, 'corrupt.mp4'), Buffer.from('this is not a video at all, only some bytes '.repeat(40)));
    const clip = await readFile(join(folder, 'clip.mp4'));
    await writeFile(join(folder, 'truncated.mp4'), clip.subarray(0, 600));
    const reasonOf = async (name: string) => {
      const error = await openVideo(join(folder, name)).catch((e) => e);
      expect(error).toBeInstanceOf(VideoSourceError);
      expect(error.code).toBe('IMAGE_UNREADABLE');
      return `${error.reason}: ${error.message.replace(folder, '<dir>')}`;
    };
    expect(await reasonOf('missing.mp4')).toBe('not-found: video <dir>/missing.mp4 was not found (no such file)');
    expect(await reasonOf('corrupt.mp4')).toMatch(/^unreadable: <dir>\/corrupt\.mp4 is not a video FFmpeg can read: .*Invalid data found/);
    expect(await reasonOf('truncated.mp4')).toMatch(/^unreadable: .*(moov atom not found|Invalid data)/);
    expect(await reasonOf('zero.mp4')).toBe('no-video: <dir>/zero.mp4 has no video stream');
  });

  it('a video damaged part-way: its good frames, then VideoSourceError failed saying how many of how many', async () => {
    const whole = await readFile(join(folder, 'whole.mp4'));
    await writeFile(join(folder, 'cut.mp4'), whole.subarray(0, Math.floor(whole.length * 0.85)));
    const video = await openVideo(join(folder, 'cut.mp4'));
    expect(video.info.frameCount).toBe(30);
    const seen: number[] = [];
    const error = await (async () => {
      for await (const frame of video.frames()) seen.push(frame.index);
    })().catch((e) => e);
    expect(error).toBeInstanceOf(VideoSourceError);
    expect(error.reason).toBe('failed');
    expect(seen.length).toBeLessThan(30);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i));
    expect(error.message).toMatch(new RegExp(`cut\\.mp4 is damaged: FFmpeg decoded ${seen.length} of its 30 frames \\(.+\\)$`));
  });

  describe('a stream URL that never answers', () => {
    let server: Server;
    let port = 0;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      // Accepts connections on 127.0.0.1 and never says a word.
      server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it('http and rtsp: VideoTimeoutError (TIMEOUT) after timeoutMs, the probe killed', async () => {
      for (const url of [`http://127.0.0.1:${port}/live.mp4`, `rtsp://127.0.0.1:${port}/live`]) {
        const error = await openVideo(url, { timeoutMs: 1500 }).catch((e) => e);
        expect(error).toBeInstanceOf(VideoTimeoutError);
        expect(error).toMatchObject({ code: 'TIMEOUT', stage: 'probe', timeoutMs: 1500, source: url });
        expect(error.message).toBe(`${url} gave no answer within 1500 ms (is the stream up? raise timeoutMs for slow sources)`);
      }
    });
  });

  it('refuses bad options by name', async () => {
    await expect(openVideo(join(folder, 'clip.mp4'), { timeoutMs: 0 })).rejects.toThrow('options.timeoutMs must be a positive number of milliseconds up to 2147483647, got 0');
    // biome-ignore lint/suspicious/noExplicitAny: an unknown option on purpose.
    await expect(openVideo(join(folder, 'clip.mp4'), { fps: 3 } as any)).rejects.toThrow(/^options\.fps is not a video source option/);
  });
});
