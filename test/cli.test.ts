import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath, fixturesRoot, repoRoot } from './support/fixtures.js';

/** The built bin, run as users run it (`npm test` builds it first through turbo's dependsOn). */
const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');
const model = fixturePath('models/yolov8n_int8.onnx');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function yolokit(args: readonly string[], cwd: string): Promise<Run> {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (npm run build, or npx tsup in packages/cli)`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

interface Detection {
  box: [number, number, number, number];
  confidence: number;
  classId: number;
  className: string;
}

function countsOf(detections: readonly Detection[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const d of detections) counts[d.className] = (counts[d.className] ?? 0) + 1;
  return counts;
}

async function rgb(path: string) {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

let work: string;
const cores = availableParallelism();
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'yolokit-cli-test-'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describeWithFixtures('yolokit predict on the Ultralytics sample photos', ['images/bus.jpg', 'images/zidane.jpg', 'models/yolov8n_int8.onnx'], () => {
  let run: Run;
  let report: { version: number; model: Record<string, unknown>; results: Record<string, unknown>[] };

  beforeAll(async () => {
    // Run from the fixtures folder with a relative folder source: sources are reported as given.
    run = await yolokit(
      ['predict', '--model', model, '--conf', '0.4', '--json', join(work, 'out/results.json'), '--save', join(work, 'annotated'), 'images'],
      fixturesRoot,
    );
    report = JSON.parse(await readFile(join(work, 'out/results.json'), 'utf8'));
  });

  it('exits 0 with one summary line per image on stdout and nothing on stderr', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.shift()).toMatch(/^model .*yolov8n_int8\.onnx: onnxruntime-node \S+ \(cpu\), input 640x640$/);
    expect(lines[0]).toMatch(/^images\/bus\.jpg 810x1080: 4 person, 1 bus \(\d+ ms\)$/);
    expect(lines[1]).toMatch(/^images\/zidane\.jpg 1280x720: 2 person(, 1 tie)? \(\d+ ms\)$/);
    expect(lines[2]).toMatch(/^2 images, \d+ detections in [\d.]+ s; median per image: /);
    // More than one image and no --strategy: a threads pool of one single-threaded worker per core.
    expect(lines[3]).toBe(`run: threads, ${plural(cores, 'worker')} × 1 intra-op thread (default for 2 images on ${plural(cores, 'core')}; --strategy chooses another)`);
  });

  it('writes the documented JSON shape, version 1', () => {
    expect(Object.keys(report)).toEqual(['version', 'model', 'results']);
    expect(report.version).toBe(1);
    expect(report.model).toMatchObject({ path: model, task: 'detect', classCount: 80, imgsz: [640, 640], inputSize: [640, 640], stride: 32 });
    expect((report.model.names as Record<string, string>)['0']).toBe('person');
    expect((report.model.names as Record<string, string>)['5']).toBe('bus');
    expect(report.results.map((r) => r.source)).toEqual(['images/bus.jpg', 'images/zidane.jpg']);
    for (const result of report.results) {
      expect(Object.keys(result)).toEqual(['source', 'width', 'height', 'detections', 'speed']);
      expect(Object.keys(result.speed as object)).toEqual(['preprocess', 'inference', 'postprocess']);
      for (const ms of Object.values(result.speed as Record<string, number>)) expect(ms).toBeGreaterThan(0);
      for (const d of result.detections as Detection[]) {
        expect(Object.keys(d)).toEqual(['box', 'confidence', 'classId', 'className']);
        expect(d.box).toHaveLength(4);
        expect(d.confidence).toBeGreaterThan(0.4);
        expect(d.confidence).toBeLessThanOrEqual(1);
        expect((report.model.names as Record<string, string>)[String(d.classId)]).toBe(d.className);
      }
    }
  });

  it('finds 4 persons and 1 bus in bus.jpg and 2 persons in zidane.jpg, boxes in original pixels inside the image', () => {
    const [bus, zidane] = report.results as unknown as { width: number; height: number; detections: Detection[] }[];
    expect([bus.width, bus.height]).toEqual([810, 1080]);
    expect(countsOf(bus.detections)).toEqual({ person: 4, bus: 1 });
    expect([zidane.width, zidane.height]).toEqual([1280, 720]);
    expect(countsOf(zidane.detections).person).toBe(2);
    for (const result of [bus, zidane]) {
      for (const [x1, y1, x2, y2] of result.detections.map((d) => d.box)) {
        expect(x1).toBeGreaterThanOrEqual(0);
        expect(y1).toBeGreaterThanOrEqual(0);
        expect(x2).toBeLessThanOrEqual(result.width);
        expect(y2).toBeLessThanOrEqual(result.height);
        expect(x2).toBeGreaterThan(x1);
        expect(y2).toBeGreaterThan(y1);
      }
    }
    // Original pixels, not the 640 letterbox: the bus spans nearly the photo's whole width.
    const theBus = bus.detections.find((d) => d.className === 'bus')!;
    expect(theBus.box[2] - theBus.box[0]).toBeGreaterThan(700);
  });

  it('--save writes decodable copies at the original size with the boxes drawn', async () => {
    for (const result of report.results as unknown as { source: string; width: number; height: number; detections: Detection[] }[]) {
      const name = result.source.split('/').pop()!;
      const original = await rgb(fixturePath(result.source));
      const annotated = await rgb(join(work, 'annotated', name));
      expect((await sharp(join(work, 'annotated', name)).metadata()).format).toBe('jpeg');
      expect([annotated.width, annotated.height]).toEqual([result.width, result.height]);
      const difference = (x: number, y: number) => {
        const i = (y * original.width + x) * 3;
        return Math.abs(original.data[i] - annotated.data[i]) + Math.abs(original.data[i + 1] - annotated.data[i + 1]) + Math.abs(original.data[i + 2] - annotated.data[i + 2]);
      };
      // Along each box's left edge the picture is replaced by the line's colour...
      for (const { box } of result.detections) {
        const x = Math.min(Math.max(Math.round(box[0]), 0), result.width - 1);
        const column: number[] = [];
        for (let y = Math.ceil(box[1]) + 4; y < Math.floor(box[3]) - 4; y++) column.push(difference(x, y));
        expect(column.reduce((a, b) => a + b, 0) / column.length).toBeGreaterThan(40);
      }
      // ...while most of the picture is untouched (up to JPEG re-encoding).
      const all: number[] = [];
      for (let y = 0; y < result.height; y += 3) for (let x = 0; x < result.width; x += 3) all.push(difference(x, y));
      all.sort((a, b) => a - b);
      expect(all[all.length >> 1]).toBeLessThan(12);
    }
  });
});

describeWithFixtures('yolokit predict on bad input', ['images/bus.jpg', 'models/yolov8n_int8.onnx'], () => {
  it('a text file named .jpg fails alone: exit 1, its code on stderr and in its JSON entry, the other image predicted', async () => {
    await copyFile(fixturePath('images/bus.jpg'), join(work, 'bus.jpg'));
    await writeFile(join(work, 'notes.jpg'), 'these are notes, not a photograph\n');
    const run = await yolokit(['predict', '--model', model, '--conf', '0.4', '--json', 'bad.json', '*.jpg'], work);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error IMAGE_UNREADABLE: could not decode image notes\.jpg: /);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toMatch(/^model .*\n^bus\.jpg 810x1080: 4 person, 1 bus/m);
    expect(run.stdout).toContain('2 images (1 failed)');
    const report = JSON.parse(await readFile(join(work, 'bad.json'), 'utf8'));
    expect(report.results.map((r: { source: string }) => r.source)).toEqual(['bus.jpg', 'notes.jpg']);
    expect(countsOf(report.results[0].detections)).toEqual({ person: 4, bus: 1 });
    expect(report.results[1]).toEqual({ source: 'notes.jpg', error: { code: 'IMAGE_UNREADABLE', message: expect.stringContaining('notes.jpg') } });
  });

  it('--conf 2: exit 2, one line naming --conf, no model loaded', async () => {
    const run = await yolokit(['predict', '--model', model, '--conf', '2', fixturePath('images/bus.jpg')], work);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error INVALID_OPTION: --conf must be a number from 0 to 1, got 2\n');
    expect(run.stdout).toBe('');
  });

  it('without --model: exit 2 and how to export a model', async () => {
    const run = await yolokit(['predict', fixturePath('images/bus.jpg')], work);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('yolokit predict needs a model');
    expect(run.stderr).toContain('yolo export model=yolov8n.pt format=onnx');
    expect(run.stderr).toContain('--model yolov8n.onnx');
  });

  it('a model file that is not there: exit 1 with MODEL_NOT_FOUND', async () => {
    const run = await yolokit(['predict', '--model', 'yolov8n.onnx', fixturePath('images/bus.jpg')], work);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error MODEL_NOT_FOUND: model file yolov8n\.onnx not found/);
  });

  it('a file that is not a model: exit 1 with the backend\'s typed error, no stack trace', async () => {
    const run = await yolokit(['predict', '--model', join(work, 'notes.jpg'), fixturePath('images/bus.jpg')], work);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error MODEL_INVALID: /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('--json - prints the report on stdout, and --classes reaches the model', async () => {
    const run = await yolokit(['predict', '--model', model, '--conf', '0.4', '--classes', '5', '--json', '-', fixturePath('images/bus.jpg')], work);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(countsOf(report.results[0].detections)).toEqual({ bus: 1 });
    expect(run.stderr).toMatch(/bus\.jpg 810x1080: 1 bus/);
  });

  it('--help and --version', async () => {
    const help = await yolokit(['--help'], work);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('predict');
    const version = await yolokit(['--version'], work);
    expect(version.code).toBe(0);
    const { version: expected } = JSON.parse(await readFile(resolve(repoRoot, 'packages/cli/package.json'), 'utf8'));
    expect(version.stdout.trim()).toBe(expected);
  });
});

describeWithFixtures('yolokit predict uses the machine without --strategy', ['images/bus.jpg', 'coco32/images', 'models/yolov8n_int8.onnx'], () => {
  /** The `run:` line of a run's summary, and the run's detections per image. */
  async function setupOf(args: readonly string[]): Promise<{ line: string | undefined; detections: unknown[] }> {
    const json = join(work, `setup-${Math.random().toString(36).slice(2)}.json`);
    const { code, stdout, stderr } = await yolokit(['predict', '--model', model, '--json', json, ...args], fixturesRoot);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(json, 'utf8')) as { results: { detections: unknown[] }[] };
    return { line: /^run: .*$/m.exec(stdout)?.[0], detections: report.results.map((r) => r.detections) };
  }

  it('runs one image on one model with an intra-op thread per core, and many on a pool of one worker per core, with the same detections', async () => {
    const one = await setupOf(['images/bus.jpg']);
    expect(one.line).toBe(`run: in-process, 1 instance × ${plural(cores, 'intra-op thread')} (default for 1 image on ${plural(cores, 'core')}; --strategy chooses another)`);
    const many = await setupOf(['coco32/images', 'images/bus.jpg']);
    expect(many.line).toBe(`run: threads, ${plural(cores, 'worker')} × 1 intra-op thread (default for 33 images on ${plural(cores, 'core')}; --strategy chooses another)`);
    // The pool changes where images run, not what is found: bus.jpg is last in the many-image run.
    expect(many.detections).toHaveLength(33);
    expect(many.detections[32]).toEqual(one.detections[0]);
  }, 180_000);

  it('lets --workers and --threads-per-worker shape the default pool, and --strategy replace it', async () => {
    expect((await setupOf(['--threads-per-worker', '2', 'images/bus.jpg'])).line).toBe(
      `run: in-process, 1 instance × 2 intra-op threads (default for 1 image on ${plural(cores, 'core')}; --strategy chooses another)`,
    );
    expect((await setupOf(['--workers', '2', '--threads-per-worker', '1', 'images/bus.jpg'])).line).toBe(
      `run: threads, 2 workers × 1 intra-op thread (default for 1 image on ${plural(cores, 'core')}; --strategy chooses another)`,
    );
    expect((await setupOf(['--strategy', 'processes', '--workers', '2', 'images/bus.jpg'])).line).toBe('run: processes, 2 processes × 1 intra-op thread (from --strategy)');
  }, 180_000);

  it('keeps the default within 4 runtime threads per core unless --allow-oversubscribe', async () => {
    const { code, stderr } = await yolokit(['predict', '--model', model, '--workers', String(4 * cores + 1), 'images/bus.jpg'], fixturesRoot);
    expect(code).toBe(2);
    expect(stderr).toContain(`error INVALID_OPTION: --workers × --threads-per-worker = ${4 * cores + 1} × 1 = ${4 * cores + 1} runtime threads, more than 4 per core`);
  });
});

