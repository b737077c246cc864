// Records the measurements the "Compare strategies" page draws: runs `yolokit bench` on the project's fixtures
// and writes its JSON to apps/docs/bench-results/strategies.json (or the path given with --out). The numbers
// come from that run only; commit the file it writes. The model is described by its file name and SHA-256 (the
// page shows those: the recording machine's folders mean nothing to a reader, the checksum says which weights).
//
//   npm run bench:record -w @yolokit/docs [-- --out bench-results/other-machine.json] [-- <extra yolokit bench flags>]
//   node scripts/record-bench.mjs --describe-model bench-results/strategies.json   (adds them to a recorded file)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const docsRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(docsRoot, '../..');
const fixtures = process.env.YOLOKIT_FIXTURES ? resolve(process.env.YOLOKIT_FIXTURES) : resolve(repoRoot, '../shared/fixtures');

const args = process.argv.slice(2);
const describeIndex = args.indexOf('--describe-model');
if (describeIndex >= 0) {
  const file = resolve(args[describeIndex + 1] ?? fail('--describe-model needs the bench JSON file'));
  const report = JSON.parse(readFileSync(file, 'utf8'));
  describeModel(file, report.model?.path ?? fail(`${file} has no model.path`));
  process.exit(0);
}
const outIndex = args.indexOf('--out');
const out = resolve(docsRoot, outIndex >= 0 ? args[outIndex + 1] : 'bench-results/strategies.json');
const extra = outIndex >= 0 ? [...args.slice(0, outIndex), ...args.slice(outIndex + 2)] : args;

const model = join(fixtures, 'models/yolov8n_int8.onnx');
const images = join(fixtures, 'coco32/images');
for (const path of [model, images]) {
  if (!existsSync(path)) fail(`missing fixture ${path} (set YOLOKIT_FIXTURES to the fixtures folder)`);
}

const bin = join(dirname(createRequire(import.meta.url).resolve('@yolokit/cli/package.json')), 'dist/bin.js');
if (!existsSync(bin)) fail(`${bin} is not built: run npm run build first`);
const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
if (!/^\s+bench\b/m.test(help.stdout)) {
  fail('this @yolokit/cli has no `yolokit bench` command yet (issue 5); nothing recorded, and the page keeps saying "No measurements yet"');
}

mkdirSync(dirname(out), { recursive: true });
const command = [
  bin,
  'bench',
  '--model', model,
  '--images', images,
  '--strategies', 'locked,threads,processes',
  '--concurrency', '1,4,16',
  '--json', out,
  ...extra,
];
console.log(`yolokit ${command.slice(1).join(' ')}`);
const run = spawnSync(process.execPath, command, { stdio: 'inherit' });
if (run.status !== 0) fail(`yolokit bench exited with ${run.status ?? run.signal}`);
describeModel(out, model);
console.log(`wrote ${out}; build the site (npm run build -w @yolokit/docs) to check it and see the charts, then commit it`);

/** Adds `model.file` and `model.sha256` (of the model file at `modelPath`, which must be the one measured) to a bench JSON. */
function describeModel(file, modelPath) {
  if (!existsSync(modelPath)) fail(`the model ${modelPath} is not on this machine: its checksum cannot be computed`);
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const sha256 = createHash('sha256').update(readFileSync(modelPath)).digest('hex');
  report.model = { ...report.model, file: basename(modelPath), sha256 };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`${file}: model ${basename(modelPath)}, sha256 ${sha256}`);
}

function fail(message) {
  console.error(`bench:record: ${message}`);
  process.exit(1);
}
