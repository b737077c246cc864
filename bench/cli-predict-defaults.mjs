#!/usr/bin/env node
// `yolokit predict photos/` with the CLI's default setup against the setups it could have chosen, as a user runs
// it: a fresh process per run (start-up, model load, decoding, inference, JSON), wall and CPU seconds from
// /usr/bin/time. The images are coco32 three times over (96 files). Setups run interleaved, their order rotated
// each round, and the table gives medians: the machine is shared and noisy, compare within a run.
//
// `before` is the default of the CLI before issue 16: one model in the process, the runtime's own thread count,
// one image at a time (`runPredict` with `createInProcessPredictor`, which programs can still choose).
//
//   node bench/cli-predict-defaults.mjs [--model PATH] [--rounds 3] [--copies 3] [--setups before,default,processes,auto]
//   (also: threads, threads-1x2, locked)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const fixtures = process.env.YOLOKIT_FIXTURES ?? resolve(import.meta.dirname, '../../shared/fixtures');
const bin = resolve(import.meta.dirname, '../packages/cli/dist/bin.js');
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: resolve(fixtures, 'models/yolov8n_int8.onnx') },
    rounds: { type: 'string', default: '3' },
    copies: { type: 'string', default: '3' },
    setups: { type: 'string', default: 'before,default,processes,auto' },
    // Internal: run the pre-issue-16 default in this process (what `before` spawns).
    'in-process': { type: 'string' },
  },
});

if (values['in-process']) {
  const { createInProcessPredictor, runPredict } = await import('@yolokit/cli');
  const sink = { write: () => true };
  const { exitCode } = await runPredict({ model: values.model, sources: [values['in-process']], progress: false, predictor: createInProcessPredictor, io: { stdout: sink } });
  process.exit(exitCode);
}

const SETUPS = {
  before: (dir) => [resolve(import.meta.dirname, 'cli-predict-defaults.mjs'), '--model', values.model, '--in-process', dir],
  default: (dir) => [bin, 'predict', '--model', values.model, '--no-progress', dir],
  'threads-1x2': (dir) => [bin, 'predict', '--model', values.model, '--no-progress', '--strategy', 'threads', '--workers', '1', '--threads-per-worker', '2', dir],
  threads: (dir) => [bin, 'predict', '--model', values.model, '--no-progress', '--strategy', 'threads', dir],
  processes: (dir) => [bin, 'predict', '--model', values.model, '--no-progress', '--strategy', 'processes', dir],
  locked: (dir) => [bin, 'predict', '--model', values.model, '--no-progress', '--strategy', 'locked', dir],
  auto: (dir) => [bin, 'predict', '--model', values.model, '--no-progress', '--strategy', 'auto', dir],
};
const names = values.setups.split(',');
for (const name of names) if (!SETUPS[name]) throw new Error(`--setups: unknown setup ${name}; known: ${Object.keys(SETUPS).join(', ')}`);

const dir = mkdtempSync(join(tmpdir(), 'yolokit-bench-defaults-'));
const coco = resolve(fixtures, 'coco32/images');
for (let copy = 0; copy < Number(values.copies); copy++) {
  for (const file of readdirSync(coco)) copyFileSync(join(coco, file), join(dir, `${copy}_${file}`));
}
const images = readdirSync(dir).length;
const timeFile = join(dir, '..', `${dir.split('/').pop()}.time`);

const runs = Object.fromEntries(names.map((name) => [name, []]));
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length];
      const once = () => spawnSync('/usr/bin/time', ['-f', '%e %U %S', '-o', timeFile, process.execPath, ...SETUPS[name](dir)], { encoding: 'utf8' });
      let run = once();
      if (run.status !== 0) {
        // A shared working tree may be rebuilding a package's dist/ at that moment: say so, and try once more.
        console.error(`round ${round + 1} ${name} failed (${run.status}), run again: ${run.stderr.split('\n').find((line) => line.includes('Error')) ?? run.stderr.slice(0, 200)}`);
        run = once();
      }
      if (run.status !== 0) throw new Error(`${name} failed (${run.status}): ${run.stderr}`);
      const [wall, user, system] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      const setup = /^run: (.*)$/m.exec(run.stdout)?.[1] ?? 'one model in this process, the runtime\'s threads';
      runs[name].push({ wall, cpu: user + system, setup });
      console.error(`round ${round + 1} ${name}: ${wall.toFixed(1)} s wall, ${(user + system).toFixed(1)} CPU s (${setup})`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(timeFile, { force: true });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = median(runs[names[0]].map((r) => r.wall));
console.log(`${images} images, ${values.model.split('/').pop()}, ${availableParallelism()} cores, ${values.rounds} rounds; medians\n`);
console.log(`| setup | what ran | wall s | CPU s | CPU s / wall s | wall ÷ ${names[0]} |`);
console.log('|---|---|---|---|---|---|');
for (const name of names) {
  const wall = median(runs[name].map((r) => r.wall));
  const cpu = median(runs[name].map((r) => r.cpu));
  console.log(`| ${name} | ${runs[name][0].setup} | ${wall.toFixed(1)} | ${cpu.toFixed(1)} | ${(cpu / wall).toFixed(2)} | ${(wall / base).toFixed(2)} |`);
}
