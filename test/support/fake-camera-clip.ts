import { spawn } from 'node:child_process';
import type { MovingScenes } from '@yolokit/default-model';

/**
 * A clip for Chromium's fake camera (`--use-file-for-fake-video-capture`), which plays a Y4M file in a loop: the
 * scene generator's frames, each numbered by a grey square in its top-left corner, grey level 16 + 6 × frame
 * (Y4M keeps grey within ±2). A page reads the number back from the frame's pixels (`FRAME_NUMBER_READER`), which
 * maps each live frame exactly to its ground truth. 8×8: too small for the default model to take for a shape (a
 * band under the scene made it see one), and on even rows and columns so that 4:2:0 chroma stays grey.
 */
export const FRAME_MARK = 8;

/** The clip's RGB frames, each with its number in the grey square; the square must be clear of every shape. */
export function numberedFrames(clip: MovingScenes): Uint8Array[] {
  for (const frame of clip.frames) {
    for (const o of frame.objects) {
      if (o.box[0] < FRAME_MARK && o.box[1] < FRAME_MARK) throw new Error(`object ${o.id} of frame ${frame.index} covers the frame number's square`);
    }
  }
  return clip.frames.map((frame, index) => {
    const out = new Uint8Array(frame.data);
    for (let y = 0; y < FRAME_MARK; y++) out.fill(16 + 6 * index, y * clip.width * 3, (y * clip.width + FRAME_MARK) * 3);
    return out;
  });
}

/**
 * Writes the clip, numbered, at `fps` with FFmpeg, in the format `path`'s extension names: `.y4m` for the fake
 * camera (4:2:0), `.webm` for a `<video>` (VP9, lossless so that the numbers stay exact).
 */
export async function writeNumberedClip(clip: MovingScenes, path: string, fps: number): Promise<void> {
  const codec = path.endsWith('.webm') ? ['-c:v', 'libvpx-vp9', '-lossless', '1'] : [];
  const args = ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${clip.width}x${clip.height}`, '-framerate', String(fps), '-i', 'pipe:0', ...codec, '-pix_fmt', 'yuv420p', path];
  const ffmpeg = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'inherit'] });
  for (const frame of numberedFrames(clip)) ffmpeg.stdin.write(frame);
  ffmpeg.stdin.end();
  const code = await new Promise((resolve) => ffmpeg.once('close', resolve));
  if (code !== 0) throw new Error(`ffmpeg exited with ${code}`);
}

/** Page code: `frameNumber(image)` reads the number of an RGBA frame (`{ data, width }`) from its grey square. */
export const FRAME_NUMBER_READER = `
function frameNumber(image) {
  let sum = 0;
  let count = 0;
  for (let y = 2; y < ${FRAME_MARK - 2}; y++) {
    for (let x = 2; x < ${FRAME_MARK - 2}; x++) {
      const i = (y * image.width + x) * 4;
      sum += image.data[i] + image.data[i + 1] + image.data[i + 2];
      count += 3;
    }
  }
  return Math.round((sum / count - 16) / 6);
}
`;

/** The Chromium flags of a fake camera playing `path`, permission granted without asking. */
export function fakeCameraArgs(path: string): string[] {
  return ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${path}`];
}
