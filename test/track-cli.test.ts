import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { defaultModelPath, generateMovingScenes } from '@yolokit/default-model';
import { openVideo } from '@yolokit/stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './support/commands.js';
import { repoRoot } from './support/fixtures.js';

const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');
const execute = promisify(execFile);
const FRAMES = 24;
let folder: string;
let clip: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'yolokit-track-cli-'));
  clip = join(folder, 'shapes.mp4');
  const scenes = generateMovingScenes(21, { frames: FRAMES, objects: 2 });
  const ffmpeg = spawn('ffmpeg', ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '160x160', '-framerate', '25', '-i', 'pipe:0', '-c:v', 'libx264', '-crf', '12', '-pix_fmt', 'yuv420p', clip], { stdio: ['pipe', 'ignore', 'inherit'] });
  for (const frame of scenes.frames) ffmpeg.stdin.write(frame.data);
  ffmpeg.stdin.end();
  await new Promise((done) => ffmpeg.once('close', done));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('yolokit track', () => {
  it('writes one JSON line per frame with trackIds and an annotated MP4 of the same size and length', async () => {
    // The default model's recommended settings (DEFAULT_MODEL_PREDICT_DEFAULTS): its second, looser boxes at conf
    // 0.1 would start tracks of their own.
    const flags = ['--conf', '0.25', '--iou', '0.45', '--agnostic'];
    const { code, stdout, stderr } = await run(process.execPath, [bin, 'track', '--model', defaultModelPath('onnx'), clip, ...flags, '--json', 'tracks.jsonl', '--save', 'tracked.mp4'], folder);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^${clip.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ${FRAMES} frames 160x160, 2 tracks, 0 dropped, [\\d.]+ frames/s, saved tracked.mp4\\n$`));
    const lines = (await readFile(join(folder, 'tracks.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((l) => l.frame)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
    expect(Object.keys(lines[3])).toEqual(['source', 'frame', 'time', 'width', 'height', 'detections', 'speed']);
    expect(lines[3]).toMatchObject({ source: clip, time: 0.12, width: 160, height: 160 });
    // Two shapes crossing, found on every frame with the same two ids throughout.
    for (const line of lines) expect(line.detections.map((d: { trackId: number }) => d.trackId).sort()).toEqual([1, 2]);
    expect(Object.keys(lines[3].detections[0])).toEqual(['box', 'confidence', 'classId', 'className', 'trackId']);
    const probe = await execute('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=width,height,nb_read_frames', '-of', 'csv=p=0', join(folder, 'tracked.mp4')]);
    expect(probe.stdout.trim()).toBe(`160,160,${FRAMES}`);
    // Drawn: frame 3 of the output differs from the input (by more than 40 levels) on the boxes and labels only.
    const third = async (path: string) => {
      for await (const frame of (await openVideo(path)).frames()) if (frame.index === 3) return frame.data;
      throw new Error(`${path} has fewer than 4 frames`);
    };
    const [before, after] = [await third(clip), await third(join(folder, 'tracked.mp4'))];
    let changed = 0;
    for (let i = 0; i < before.length; i += 3) if (Math.abs(before[i] - after[i]) + Math.abs(before[i + 1] - after[i + 1]) + Math.abs(before[i + 2] - after[i + 2]) > 40) changed += 1;
    const share = changed / (160 * 160);
    expect(share).toBeGreaterThan(0.03);
    expect(share).toBeLessThan(0.4);
  });

  it('--strategy processes --workers 2: frames spread over two processes, the same tracks and boxes as one model in this process', async () => {
    const flags = ['--conf', '0.25', '--iou', '0.45', '--agnostic'];
    const local = await run(process.execPath, [bin, 'track', '--model', defaultModelPath('onnx'), clip, ...flags, '--json', 'local.jsonl'], folder);
    const pooled = await run(process.execPath, [bin, 'track', '--model', defaultModelPath('onnx'), clip, ...flags, '--strategy', 'processes', '--workers', '2', '--json', 'pooled.jsonl'], folder);
    expect(pooled.stderr).toBe('');
    expect(pooled.code).toBe(0);
    expect(local.code).toBe(0);
    const read = async (name: string) => (await readFile(join(folder, name), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    const [a, b] = [await read('local.jsonl'), await read('pooled.jsonl')];
    // Every frame once, in order, although two workers answer out of order.
    expect(b.map((l) => l.frame)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
    const shape = (lines: Array<{ detections: Array<{ trackId: number; classId: number; box: Record<string, number> }> }>) =>
      lines.map((l) => l.detections.map((d) => ({ trackId: d.trackId, classId: d.classId, box: Object.values(d.box).map((v) => Math.round(v * 1000) / 1000) })));
    expect(shape(b)).toEqual(shape(a));
  });

  it('a --strategy that does not exist: exit 2 with the flag error, before the video is opened', async () => {
    const { code, stdout, stderr } = await run(process.execPath, [bin, 'track', '--model', defaultModelPath('onnx'), clip, '--strategy', 'sideways'], folder);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`error INVALID_OPTION: --strategy must be one of 'locked', 'threads', 'processes', 'auto', got "sideways"\n`);
  });

  it('a missing source: exit 1 with the typed error line', async () => {
    const { code, stdout, stderr } = await run(process.execPath, [bin, 'track', '--model', defaultModelPath('onnx'), 'nope.mp4'], folder);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`error IMAGE_UNREADABLE: video ${join(folder, 'nope.mp4')} was not found (no such file)\n`);
  });
});
