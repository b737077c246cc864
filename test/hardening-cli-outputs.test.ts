/**
 * Issue 15, finding 7 (the command line's outputs): `--json` to a place it cannot write failed only after every
 * image had run (exit 1, the results lost), and `--json` or `--save` under `/proc` hung for good (Node's
 * recursive mkdir there never returns). Now both are found before the model loads, exit 2: the --json file is
 * opened for writing up front (created if missing and removed again, nothing truncated), and paths in the kernel's
 * filesystems (/proc, /sys, /dev; /dev/shm is allowed) are refused, judged by where they really lead. A device or
 * a pipe (/dev/null, /dev/stdout into `| cat`) is still a valid --json; a socket, which cannot be opened by path,
 * is refused up front instead of after the run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath, repoRoot } from './support/fixtures.js';

const MODEL = 'models/yolov8n_int8.onnx';
const COCO = 'coco32/images';
const BUS = 'images/bus.jpg';
const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');
const work = mkdtempSync(join(tmpdir(), 'yolokit-cli-outputs-'));
/** Paths of this run only, so that a failing run (which writes there) leaves nothing another run could meet. */
const tag = `yolokit-test-${process.pid}`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * `yolokit predict --model M ARGS` in `work`, killed (code null) after `limitMs`. Its stdout is a socket (Node's
 * `pipe`), or with `pipeline` (such as `' | cat'`) a shell pipe (bash with pipefail: the code is yolokit's).
 */
function predict(args: readonly string[], limitMs = 30_000, model = fixturePath(MODEL), pipeline?: string): Promise<Run> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const argv = [bin, 'predict', '--model', model, '--no-progress', ...args];
    const quoted = [process.execPath, ...argv].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
    const child = pipeline
      ? spawn('bash', ['-o', 'pipefail', '-c', `${quoted}${pipeline}`], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, argv, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const kill = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(kill);
      done({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

describeWithFixtures('yolokit predict: outputs checked before the model loads', [MODEL, COCO, BUS], () => {
  beforeAll(() => {
    mkdirSync(join(work, 'outdir'));
    writeFileSync(join(work, 'notes.onnx'), 'not a model');
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(`/dev/${tag}`, { recursive: true, force: true });
    rmSync(`/dev/shm/${tag}`, { recursive: true, force: true });
  });

  it('--json naming a folder, with 32 images: exit 2 before any image runs', async () => {
    const run = await predict(['--json', 'outdir', fixturePath(COCO)]);
    expect(run.stderr).toBe('error OUTPUT_FAILED: cannot write --json outdir: it is a folder; give a file name, such as outdir/report.json\n');
    expect([run.code, run.stdout]).toEqual([2, '']);
  });

  it('--json through a symlink into a missing folder: exit 2 before any image runs', async () => {
    symlinkSync('missing/folder/report.json', join(work, 'dangling.json'));
    const run = await predict(['--json', 'dangling.json', fixturePath(COCO)]);
    expect(run.stderr).toMatch(/^error OUTPUT_FAILED: cannot write --json dangling\.json: ENOENT: no such file or directory, open '.*dangling\.json'; nothing was run\n$/);
    expect([run.code, run.stdout]).toEqual([2, '']);
  });

  it('--json under /proc and --save under /proc: exit 2 at once instead of hanging', async () => {
    const json = await predict(['--json', `/proc/${tag}/out.json`, fixturePath(BUS)], 20_000);
    expect(json.stderr).toBe(`error INVALID_OPTION: --json /proc/${tag}/out.json is under /proc, a kernel filesystem: yolokit writes no report there; give a folder on a disk, or - for stdout\n`);
    expect([json.code, json.stdout]).toEqual([2, '']);
    const save = await predict(['--save', `/proc/${tag}`, fixturePath(BUS)], 20_000);
    expect(save.stderr).toBe(`error INVALID_OPTION: --save /proc/${tag} is under /proc, a kernel filesystem: yolokit writes no images there; give a folder on a disk\n`);
    expect([save.code, save.stdout]).toEqual([2, '']);
  });

  it('a path that leads into /proc through a symlink is judged by where it leads', async () => {
    symlinkSync('/proc/self', join(work, 'self'));
    const run = await predict(['--save', 'self/annotated', fixturePath(BUS)], 20_000);
    expect(run.stderr).toBe('error INVALID_OPTION: --save self/annotated is under /proc, a kernel filesystem: yolokit writes no images there; give a folder on a disk\n');
    expect(run.code).toBe(2);
  });

  it('--json under /sys and under /dev: exit 2 before the model loads, nothing created in /dev', async () => {
    const sys = await predict(['--json', `/sys/${tag}.json`, fixturePath(BUS)]);
    expect([sys.code, sys.stderr, sys.stdout]).toEqual([
      2,
      `error INVALID_OPTION: --json /sys/${tag}.json is under /sys, a kernel filesystem: yolokit writes no report there; give a folder on a disk, or - for stdout\n`,
      '',
    ]);
    const dev = await predict(['--json', `/dev/${tag}/out.json`, fixturePath(BUS)]);
    expect([dev.code, dev.stderr, dev.stdout]).toEqual([
      2,
      `error INVALID_OPTION: --json /dev/${tag}/out.json is under /dev, a kernel filesystem: yolokit writes no report there; give a folder on a disk, or - for stdout\n`,
      '',
    ]);
    expect(existsSync(`/dev/${tag}`)).toBe(false);
  });

  it('still allowed: --json /dev/null, --json /dev/stdout, --save under /dev/shm', async () => {
    const nul = await predict(['--json', '/dev/null', fixturePath(BUS)]);
    expect([nul.code, nul.stderr]).toEqual([0, '']);
    expect(nul.stdout).toContain('results written to /dev/null');
    // Through a pipe (`| cat`), as a shell user would.
    const piped = await predict(['--json', '/dev/stdout', fixturePath(BUS)], 60_000, fixturePath(MODEL), ' | cat');
    expect([piped.code, piped.stderr]).toEqual([0, '']);
    expect(piped.stdout).toMatch(/\n\{\n {2}"version": 1,/);
    const shm = await predict(['--save', `/dev/shm/${tag}`, fixturePath(BUS)]);
    expect([shm.code, shm.stderr]).toEqual([0, '']);
    expect(existsSync(`/dev/shm/${tag}/bus.jpg`)).toBe(true);
  }, 180_000);

  it('--json /dev/stdout where stdout is a socket (which cannot be opened by path): exit 2 before any image runs', async () => {
    const run = await predict(['--json', '/dev/stdout', fixturePath(COCO)]);
    expect(run.stderr).toBe("error OUTPUT_FAILED: cannot write --json /dev/stdout: ENXIO: no such device or address, open '/dev/stdout'; nothing was run\n");
    expect([run.code, run.stdout]).toEqual([2, '']);
  });

  it('the up-front check truncates nothing and leaves no empty report when the run then fails', async () => {
    writeFileSync(join(work, 'kept.json'), '{"earlier": "report"}\n');
    const kept = await predict(['--json', 'kept.json', fixturePath(BUS)], 60_000, join(work, 'notes.onnx'));
    expect(kept.code).toBe(1);
    expect(kept.stderr).toMatch(/^error MODEL_/);
    expect(readFileSync(join(work, 'kept.json'), 'utf8')).toBe('{"earlier": "report"}\n');
    const fresh = await predict(['--json', 'new/report.json', fixturePath(BUS)], 60_000, join(work, 'notes.onnx'));
    expect(fresh.code).toBe(1);
    expect(existsSync(join(work, 'new/report.json'))).toBe(false);
  });
});
