/**
 * Issue 15, finding 5: `yolokit predict --save imgs imgs/` overwrote the originals with their annotated copies
 * (exit 0). Now a run is refused, exit 2 before the model loads, when a file it would write (an annotated copy,
 * or the --json report) is one of the input images: the same file, compared by device and inode, so a path
 * spelled another way, a symlinked folder, a symlink or a hard link to an input all count. Writing over a file
 * that is not an input (an earlier run's copy) stays allowed.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeEach, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath, repoRoot } from './support/fixtures.js';

const MODEL = 'models/yolov8n_int8.onnx';
const IMAGES = ['images/bus.jpg', 'images/zidane.jpg'];
const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');
const root = mkdtempSync(join(tmpdir(), 'yolokit-save-over-inputs-'));
let work: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `yolokit predict --model M ARGS` in `work`; killed after 60 s. */
function predict(...args: string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, 'predict', '--model', fixturePath(MODEL), '--no-progress', ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(kill);
      done({ code, stdout, stderr });
    });
  });
}

const hash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const original = Object.fromEntries(IMAGES.map((image) => [image.split('/')[1], hash(fixturePath(image))]));

/** The hashes of the files in a folder of `work`, by name. */
function hashes(folder: string): Record<string, string> {
  return Object.fromEntries(readdirSync(join(work, folder)).map((name) => [name, hash(join(work, folder, name))]));
}

const refusal = (save: string, input: string, copyOf: string, target: string) =>
  `error INVALID_OPTION: --save ${save} would replace the input image ${input} with the annotated copy of ${copyOf} (${target}); ` +
  'give a --save folder where no input image would be overwritten\n';

describeWithFixtures('yolokit predict --save never replaces an input image', [MODEL, ...IMAGES], () => {
  beforeEach(() => {
    work = mkdtempSync(join(root, 'run-'));
    mkdirSync(join(work, 'imgs'));
    for (const image of IMAGES) copyFileSync(fixturePath(image), join(work, 'imgs', image.split('/')[1]));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('--save imgs imgs/: exit 2 before the model loads, originals untouched', async () => {
    const run = await predict('--save', 'imgs', 'imgs/');
    expect(run.stderr).toBe(refusal('imgs', 'imgs/bus.jpg', 'imgs/bus.jpg', 'imgs/bus.jpg'));
    expect([run.code, run.stdout]).toEqual([2, '']);
    expect(hashes('imgs')).toEqual(original);
  });

  it('the same folder spelled otherwise (absolute, ./x/../, a symlink to it) is the same folder', async () => {
    symlinkSync('imgs', join(work, 'link'));
    mkdirSync(join(work, 'other'));
    for (const save of [join(work, 'imgs'), './other/../imgs/', 'link']) {
      const run = await predict('--save', save, 'imgs/zidane.jpg');
      expect(run.code, save).toBe(2);
      expect(run.stderr, save).toMatch(/^error INVALID_OPTION: --save .* would replace the input image imgs\/zidane\.jpg with the annotated copy of imgs\/zidane\.jpg/);
    }
    expect(hashes('imgs')).toEqual(original);
  });

  it('a symlink or a hard link to an input where a copy would go counts as the input', async () => {
    mkdirSync(join(work, 'soft'));
    symlinkSync('../imgs/bus.jpg', join(work, 'soft/bus.jpg'));
    const soft = await predict('--save', 'soft', 'imgs/bus.jpg');
    expect([soft.code, soft.stderr]).toEqual([2, refusal('soft', 'imgs/bus.jpg', 'imgs/bus.jpg', 'soft/bus.jpg')]);
    mkdirSync(join(work, 'hard'));
    linkSync(join(work, 'imgs/bus.jpg'), join(work, 'hard/bus.jpg'));
    const hard = await predict('--save', 'hard', 'imgs/bus.jpg');
    expect([hard.code, hard.stderr]).toEqual([2, refusal('hard', 'imgs/bus.jpg', 'imgs/bus.jpg', 'hard/bus.jpg')]);
    expect(hashes('imgs')).toEqual(original);
  });

  it("one image's copy over another input of the same name (a/bus.jpg saved into b/, which holds the input b/bus.jpg)", async () => {
    for (const folder of ['a', 'b']) {
      mkdirSync(join(work, folder));
      copyFileSync(join(work, 'imgs/bus.jpg'), join(work, folder, 'bus.jpg'));
    }
    const run = await predict('--save', 'b', 'a/bus.jpg', 'b/bus.jpg');
    expect([run.code, run.stderr]).toEqual([2, refusal('b', 'b/bus.jpg', 'a/bus.jpg', 'b/bus.jpg')]);
    expect(hash(join(work, 'b/bus.jpg'))).toBe(original['bus.jpg']);
  });

  it('--json naming an input image: exit 2, the image untouched', async () => {
    const run = await predict('--json', 'imgs/bus.jpg', 'imgs/');
    expect([run.code, run.stderr, run.stdout]).toEqual([2, 'error INVALID_OPTION: --json imgs/bus.jpg is the input image imgs/bus.jpg; it would be overwritten by the report\n', '']);
    expect(hashes('imgs')).toEqual(original);
  });

  it('allowed: a folder of its own, and a file there that is not an input of this run', async () => {
    const run = await predict('--save', 'out', 'imgs/');
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(Object.keys(hashes('out')).sort()).toEqual(['bus.jpg', 'zidane.jpg']);
    expect(hashes('imgs')).toEqual(original);
    // imgs/bus.jpg is no input of this run: the copy of other/bus.jpg may replace it.
    mkdirSync(join(work, 'other'));
    copyFileSync(join(work, 'out/bus.jpg'), join(work, 'other/bus.jpg'));
    const over = await predict('--save', 'imgs', 'other/bus.jpg');
    expect([over.code, over.stderr]).toEqual([0, '']);
    expect(hash(join(work, 'imgs/bus.jpg'))).not.toBe(original['bus.jpg']);
    expect(existsSync(join(work, 'imgs/bus-2.jpg'))).toBe(false);
  }, 180_000);
});
