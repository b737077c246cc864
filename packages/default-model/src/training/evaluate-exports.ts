import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { type Backend, type BackendSession, createModel, type Float32Tensor, type YoloModel } from '@yolokit/core';
import { DEFAULT_MODEL_NAMES } from '../class-names.js';
import type { Architecture } from '../export/architecture.js';
import { TFJS_WEIGHTS_FILE } from '../export/export-tfjs.js';
import { generateScene } from '../generate-scene.js';
import { boxIou } from '@yolokit/core';
import { type EvaluatedImage, type MeanAveragePrecision, meanAveragePrecision } from '../mean-average-precision.js';
import { DEFAULT_ONNX_FILE, DEFAULT_TFJS_FOLDER } from '../model-paths.js';
import { DEFAULT_MODEL_PREDICT_DEFAULTS } from '../predict-defaults.js';
import { VALIDATION_SETTINGS } from './evaluate.js';
import { tf } from './tf-setup.js';

/** How the two exports did on the held-out scenes, and how closely they agree. */
export interface ExportEvaluation {
  onnx: MeanAveragePrecision;
  tfjs: MeanAveragePrecision;
  agreement: {
    /** Scenes compared, at the default confidence 0.25. */
    scenes: number;
    /** Detections of the ONNX model, and how many the TF.js model matched (same class, IoU ≥ 0.98). */
    detections: number;
    matched: number;
    /** Smallest IoU between matched detections. */
    minIou: number;
  };
  /** ONNX at conf 0.25 on the held-out scenes: Ultralytics' NMS defaults and the recommended ones. */
  atConf25: { ultralytics: Counts; recommended: Counts };
  /** ONNX on the held-out seeds rendered at several sizes, letterboxed into the 160×160 input. */
  mixedSizes: { sizes: string; map50: number; map50to95: number };
}

/** Precision and recall at IoU 0.5, and the share of scenes whose detection count is exactly right. */
export interface Counts {
  precision: number;
  recall: number;
  exactCount: number;
}

/** The sizes of the mixed-size evaluation, cycled over the scenes. */
export const MIXED_SIZES = [160, { width: 320, height: 240 }, { width: 200, height: 300 }, 480] as const;

/**
 * Minimal backends for the training script only: the project's own `@yolokit/backend-onnx` and
 * `@yolokit/backend-tfjs` are what users and tests use; the script checks the exports independently of them.
 */
export async function onnxBackend(architecture: Architecture, metadata: Record<string, string> = {}): Promise<Backend> {
  // As onnx() does: onnxruntime's telemetry off (read at the process's first session) unless the environment says.
  if (!process.env.ORT_DISABLE_TELEMETRY?.trim()) process.env.ORT_DISABLE_TELEMETRY = '1';
  const ort = await import('onnxruntime-node');
  return {
    name: 'onnxruntime-node (training script)',
    contractVersion: 1,
    async load(source): Promise<BackendSession> {
      const session = await ort.InferenceSession.create(String(source), { intraOpNumThreads: 1, interOpNumThreads: 1 });
      return {
        inputs: [{ name: session.inputNames[0], shape: [1, 3, architecture.imgsz, architecture.imgsz] }],
        outputs: [{ name: session.outputNames[0], shape: [] }],
        layout: 'NCHW',
        metadata,
        runtime: 'onnxruntime-node',
        async run(input: Float32Tensor): Promise<Float32Tensor[]> {
          const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input.data, [...input.dims]) });
          const output = result[session.outputNames[0]];
          return [{ data: output.data as Float32Array, dims: output.dims }];
        },
        async dispose() {
          await session.release();
        },
      };
    },
  };
}

export function tfjsBackend(architecture: Architecture, metadata: Record<string, string> = {}): Backend {
  return {
    name: 'tfjs-wasm (training script)',
    contractVersion: 1,
    async load(source): Promise<BackendSession> {
      const folder = String(source);
      const modelJson = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
      const weightData = readFileSync(join(folder, TFJS_WEIGHTS_FILE));
      const model = await loadGraphModel({
        load: async () => ({
          modelTopology: modelJson.modelTopology,
          weightSpecs: modelJson.weightsManifest[0].weights,
          weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
          format: modelJson.format,
          generatedBy: modelJson.generatedBy,
          convertedBy: modelJson.convertedBy,
          signature: modelJson.signature,
        }),
      });
      return {
        inputs: [{ name: 'images', shape: [1, architecture.imgsz, architecture.imgsz, 3] }],
        outputs: [{ name: 'output0', shape: [] }],
        layout: 'NHWC',
        metadata,
        runtime: `tfjs ${tf.version_core} (${tf.getBackend()})`,
        async run(input: Float32Tensor): Promise<Float32Tensor[]> {
          const x = tf.tensor(input.data, [...input.dims]);
          const y = model.execute(x) as tf.Tensor;
          const data = (await y.data()) as Float32Array;
          const dims = y.shape;
          tf.dispose([x, y]);
          return [{ data, dims }];
        },
        async dispose() {
          model.dispose();
        },
      };
    },
  };
}

async function detectAll(
  model: YoloModel,
  firstSeed: number,
  count: number,
  maxObjects: number,
  conf: number,
  options: { iou?: number; agnostic?: boolean; mixedSizes?: boolean } = {},
) {
  const images: EvaluatedImage[] = [];
  for (let i = 0; i < count; i++) {
    const size = options.mixedSizes ? MIXED_SIZES[i % MIXED_SIZES.length] : model.info.imgsz[0];
    const scene = generateScene(firstSeed + i, { size, maxObjects });
    const result = await model.predict(scene, { conf, iou: options.iou ?? VALIDATION_SETTINGS.iou, agnostic: options.agnostic ?? false, maxDet: VALIDATION_SETTINGS.maxDet });
    images.push({ detections: result.detections, truths: scene.objects });
  }
  return images;
}

function counts(images: readonly EvaluatedImage[]): Counts {
  const m = meanAveragePrecision(images);
  return { precision: m.precision, recall: m.recall, exactCount: images.filter((image) => image.detections.length === image.truths.length).length / images.length };
}

/** Runs both exported models through core's pipeline on the held-out scenes. */
export async function evaluateExports(
  folder: string,
  architecture: Architecture,
  heldOut: { firstSeed: number; count: number },
  maxObjects: number,
): Promise<ExportEvaluation> {
  const onnx = await createModel({ backend: await onnxBackend(architecture), model: join(folder, DEFAULT_ONNX_FILE), names: DEFAULT_MODEL_NAMES });
  const tfjs = await createModel({ backend: tfjsBackend(architecture), model: join(folder, DEFAULT_TFJS_FOLDER), names: DEFAULT_MODEL_NAMES });
  try {
    const onnxImages = await detectAll(onnx, heldOut.firstSeed, heldOut.count, maxObjects, VALIDATION_SETTINGS.conf);
    const tfjsImages = await detectAll(tfjs, heldOut.firstSeed, heldOut.count, maxObjects, VALIDATION_SETTINGS.conf);
    const scenes = 50;
    const a = await detectAll(onnx, heldOut.firstSeed, scenes, maxObjects, 0.25);
    const b = await detectAll(tfjs, heldOut.firstSeed, scenes, maxObjects, 0.25);
    let detections = 0;
    let matched = 0;
    let minIou = 1;
    a.forEach((image, i) => {
      const others = [...b[i].detections];
      for (const d of image.detections) {
        detections++;
        let best = -1;
        let bestIou = 0;
        others.forEach((o, j) => {
          const iou = o.classId === d.classId ? boxIou(d.box, o.box) : 0;
          if (iou > bestIou) {
            bestIou = iou;
            best = j;
          }
        });
        if (best >= 0 && bestIou >= 0.98) {
          matched++;
          minIou = Math.min(minIou, bestIou);
          others.splice(best, 1);
        }
      }
      detections += others.length;
    });
    const ultralytics = await detectAll(onnx, heldOut.firstSeed, heldOut.count, maxObjects, 0.25);
    const recommended = await detectAll(onnx, heldOut.firstSeed, heldOut.count, maxObjects, DEFAULT_MODEL_PREDICT_DEFAULTS.conf, DEFAULT_MODEL_PREDICT_DEFAULTS);
    const mixed = meanAveragePrecision(await detectAll(onnx, heldOut.firstSeed, heldOut.count, maxObjects, VALIDATION_SETTINGS.conf, { mixedSizes: true }));
    return {
      onnx: meanAveragePrecision(onnxImages),
      tfjs: meanAveragePrecision(tfjsImages),
      agreement: { scenes, detections, matched, minIou },
      atConf25: { ultralytics: counts(ultralytics), recommended: counts(recommended) },
      mixedSizes: {
        sizes: MIXED_SIZES.map((size) => (typeof size === 'number' ? `${size}×${size}` : `${size.width}×${size.height}`)).join(', '),
        map50: mixed.map50,
        map50to95: mixed.map50to95,
      },
    };
  } finally {
    await onnx.dispose();
    await tfjs.dispose();
  }
}
