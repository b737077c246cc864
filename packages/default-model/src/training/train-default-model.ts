/**
 * `npm run train:default-model`: trains yolokit's default detector from scratch on seeded synthetic scenes
 * with TF.js (wasm backend, one thread), exports it to ONNX and a TF.js graph model, measures both on
 * held-out scenes through core's own pipeline, and writes the artefacts with SHA256SUMS, PROVENANCE.md and
 * training-report.json.
 *
 * Options: `--steps N`, `--out DIR` (default: the package's `model/`), `--eval-every N`; `--reexport` skips
 * training: it re-exports the committed weights (after a change to an exporter) and measures them again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arch, cpus, platform } from 'node:os';
import { DEFAULT_MODEL_NAMES } from '../class-names.js';
import { defaultArchitecture } from '../export/architecture.js';
import { readTfjsWeights } from '../export/export-tfjs.js';
import { sha256sums, writeModelFiles } from '../export/write-model-files.js';
import { DEFAULT_TFJS_FOLDER, defaultModelDir } from '../model-paths.js';
import { HELD_OUT_SEEDS, TRAINING_SEEDS } from '../scene-seeds.js';
import { evaluateNetwork } from './evaluate.js';
import { evaluateExports, type ExportEvaluation } from './evaluate-exports.js';
import { provenanceMarkdown, type TrainingReport } from './provenance.js';
import { initTensorflow, tf } from './tf-setup.js';
import { type StepReport, type TrainingConfig, train } from './trainer.js';

/** The recipe. Changing any of it changes the weights; record why in PROVENANCE.md's history. */
export const TRAINING_CONFIG: TrainingConfig = {
  seed: 20251122,
  steps: 1500,
  batchSize: 16,
  learningRate: 2e-3,
  finalLearningRate: 5e-5,
  warmupSteps: 50,
  firstSceneSeed: TRAINING_SEEDS.first,
  maxObjects: 6,
  assignment: { sizeRanges: [[0, 44], [32, Number.POSITIVE_INFINITY]], centreRadius: 1.5 },
  loss: { cls: 1, iou: 2, logDistance: 0.5 },
};

/** Held-out scenes: seeds 0–199, never used for training (training seeds start at 1,000,000). */
export const HELD_OUT = { firstSeed: HELD_OUT_SEEDS.first, count: HELD_OUT_SEEDS.count } as const;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  if (process.argv.includes('--reexport')) return reexport(option('out') ?? defaultModelDir());
  const steps = Number(option('steps') ?? TRAINING_CONFIG.steps);
  const out = option('out') ?? defaultModelDir();
  const evalEvery = Number(option('eval-every') ?? 500);
  const config: TrainingConfig = { ...TRAINING_CONFIG, steps };
  const backend = await initTensorflow('wasm');
  const architecture = defaultArchitecture(Object.keys(DEFAULT_MODEL_NAMES).length, 160);
  console.log(`training on TF.js ${tf.version_core} (${backend}), ${steps} steps of ${config.batchSize} scenes at ${architecture.imgsz}x${architecture.imgsz}`);

  const history: StepReport[] = [];
  const evaluations: { step: number; map50: number; map50to95: number }[] = [];
  let window: StepReport[] = [];
  const network = await train(architecture, config, async (report, net) => {
    history.push(report);
    window.push(report);
    if (report.step % 50 === 0 || report.step === steps) {
      const mean = (key: 'total' | 'cls' | 'iou' | 'logDistance') => window.reduce((a, r) => a + r[key], 0) / window.length;
      console.log(
        `step ${report.step}/${steps}  lr ${report.learningRate.toExponential(2)}  loss ${mean('total').toFixed(3)} (cls ${mean('cls').toFixed(3)}, 1-IoU ${mean('iou').toFixed(3)}, log-dist ${mean('logDistance').toFixed(3)})  ${report.seconds.toFixed(0)} s`,
      );
      window = [];
    }
    if (report.step % evalEvery === 0 && report.step !== steps) {
      const m = await evaluateNetwork(net, HELD_OUT.firstSeed, HELD_OUT.count, config.maxObjects);
      evaluations.push({ step: report.step, map50: m.map50, map50to95: m.map50to95 });
      console.log(`  held-out (TF.js, ${HELD_OUT.count} scenes): mAP50 ${m.map50.toFixed(3)}  mAP50-95 ${m.map50to95.toFixed(3)}`);
    }
  });
  const trainingSeconds = history.at(-1)?.seconds ?? 0;
  const last = history.slice(-50);
  const finalLoss = {
    total: last.reduce((a, r) => a + r.total, 0) / last.length,
    cls: last.reduce((a, r) => a + r.cls, 0) / last.length,
    iou: last.reduce((a, r) => a + r.iou, 0) / last.length,
    logDistance: last.reduce((a, r) => a + r.logDistance, 0) / last.length,
  };
  const trained = await evaluateNetwork(network, HELD_OUT.firstSeed, HELD_OUT.count, config.maxObjects);
  evaluations.push({ step: steps, map50: trained.map50, map50to95: trained.map50to95 });
  console.log(`trained in ${(trainingSeconds / 60).toFixed(1)} min; held-out (TF.js training graph): mAP50 ${trained.map50.toFixed(3)}  mAP50-95 ${trained.map50to95.toFixed(3)}`);

  const weights = await network.foldedWeights();
  const parameters = network.parameterCount();
  network.dispose();
  const files = writeModelFiles(out, architecture, weights, DEFAULT_MODEL_NAMES);
  for (const f of files) console.log(`wrote ${f.path} (${f.bytes} bytes)`);

  const exports: ExportEvaluation = await evaluateExports(out, architecture, HELD_OUT, config.maxObjects);
  console.log(
    `ONNX through core: mAP50 ${exports.onnx.map50.toFixed(3)}  mAP50-95 ${exports.onnx.map50to95.toFixed(3)}; TF.js graph model: mAP50 ${exports.tfjs.map50.toFixed(3)}  mAP50-95 ${exports.tfjs.map50to95.toFixed(3)}; ONNX vs TF.js: ${exports.agreement.matched}/${exports.agreement.detections} detections matched, min IoU ${exports.agreement.minIou.toFixed(4)}`,
  );

  const report: TrainingReport = {
    config: { ...config, assignment: { ...config.assignment, sizeRanges: config.assignment.sizeRanges.map(([a, b]) => [a, Number.isFinite(b) ? b : null]) } },
    heldOut: HELD_OUT,
    environment: { node: process.version, tfjs: tf.version_core, backend, threads: 1, cpu: cpus()[0]?.model ?? 'unknown', platform: `${platform()}-${arch()}` },
    parameters,
    trainingSeconds,
    finalLoss,
    evaluations,
    heldOutResults: { trainingGraph: summary(trained), onnx: summary(exports.onnx), tfjs: summary(exports.tfjs) },
    agreement: exports.agreement,
    atConf25: exports.atConf25,
    mixedSizes: exports.mixedSizes,
    files,
  };
  writeFileSync(join(out, 'training-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(out, 'PROVENANCE.md'), provenanceMarkdown(report));
  writeFileSync(join(out, 'SHA256SUMS'), sha256sums(files));
  console.log(`wrote training-report.json, PROVENANCE.md and SHA256SUMS in ${out}`);
}

/** Re-exports the committed weights and re-measures them; the training figures of the report are kept. */
async function reexport(out: string): Promise<void> {
  const backend = await initTensorflow('wasm');
  const architecture = defaultArchitecture(Object.keys(DEFAULT_MODEL_NAMES).length, 160);
  const report = JSON.parse(readFileSync(join(out, 'training-report.json'), 'utf8')) as TrainingReport;
  const weights = readTfjsWeights(join(out, DEFAULT_TFJS_FOLDER));
  const files = writeModelFiles(out, architecture, weights, DEFAULT_MODEL_NAMES);
  for (const f of files) console.log(`wrote ${f.path} (${f.bytes} bytes)`);
  const exports = await evaluateExports(out, architecture, HELD_OUT, report.config.maxObjects as number);
  report.heldOutResults = { ...report.heldOutResults, onnx: summary(exports.onnx), tfjs: summary(exports.tfjs) };
  report.agreement = exports.agreement;
  report.atConf25 = exports.atConf25;
  report.mixedSizes = exports.mixedSizes;
  report.files = files;
  report.environment = { ...report.environment, backend };
  writeFileSync(join(out, 'training-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(out, 'PROVENANCE.md'), provenanceMarkdown(report));
  writeFileSync(join(out, 'SHA256SUMS'), sha256sums(files));
  console.log(`ONNX: mAP50 ${exports.onnx.map50.toFixed(3)}, mAP50-95 ${exports.onnx.map50to95.toFixed(3)}; TF.js: mAP50 ${exports.tfjs.map50.toFixed(3)}, mAP50-95 ${exports.tfjs.map50to95.toFixed(3)}`);
}

function summary(m: { map50: number; map50to95: number; precision: number; recall: number; perClass: readonly { classId: number; ap50: number; ap50to95: number }[] }) {
  return {
    map50: round(m.map50),
    map50to95: round(m.map50to95),
    perClass: m.perClass.map((c) => ({ class: DEFAULT_MODEL_NAMES[c.classId], ap50: round(c.ap50), ap50to95: round(c.ap50to95) })),
  };
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
