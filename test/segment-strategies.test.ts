/**
 * Issue 13: segmentation and pose through every strategy (locked, threads, processes, auto and the queue) give
 * the results of one in-process model: the same classes, boxes and keypoints within 1e-3, masks with IoU >= 0.98
 * (bit-identical expected: the same code runs on the same bytes; each case reports how many are not). Masks
 * cross as binary: packed bits in Uint8Arrays from worker threads and processes (what arrives is inspected
 * where the main thread rebuilds the result), base64 bits in the queue's job return values (read from Redis).
 */
import { createPredictor, loadModelFromSpec, type ModelSpec, type Predictor, type PredictorOptions } from '@yolokit/concurrency';
import { type PredictOptions, Result, type ResultWire } from '@yolokit/core';
import { createQueuePredictor, createQueueWorker, type QueuePredictor, type QueueWorker } from '@yolokit/queue';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeWithRedis, type RedisServer, startRedisServer } from './queue-support.js';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';
import { differences, emptyGapSummary, type GapSummary, pairedByIndex, summariseGaps } from './support/result-differences.js';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const SEG = 'models/yolov8n-seg_int8.onnx';
const POSE = 'models/yolo11n-pose_fp32.onnx';
const IMAGES = [
  'images/bus.jpg',
  'images/zidane.jpg',
  'coco32/images/000000000009.jpg',
  'coco32/images/000000000025.jpg',
  'coco32/images/000000000036.jpg',
  'coco32/images/000000000042.jpg',
];
const TOLERANCE = 1e-3;
const MIN_MASK_IOU = 0.98;

interface Case {
  readonly model: 'seg' | 'pose';
  readonly options: PredictOptions;
  readonly label: string;
}
/** Every image through each of these: seg at the default and native mask resolution, pose. */
const CASES: readonly Case[] = [
  { model: 'seg', options: {}, label: 'seg' },
  { model: 'seg', options: { retinaMasks: true }, label: 'seg retinaMasks' },
  { model: 'pose', options: {}, label: 'pose' },
];

const spec = (model: 'seg' | 'pose', intraOpNumThreads?: number): ModelSpec => ({
  backend: onnxSpec(intraOpNumThreads ? { intraOpNumThreads } : undefined),
  model: fixturePath(model === 'seg' ? SEG : POSE),
});

/** Something that predicts: a concurrency predictor or a queue producer. */
type Predicts = Pick<Predictor, 'predict'>;

describeWithFixtures('segmentation and pose through every strategy', [SEG, POSE, ...IMAGES], () => {
  /** reference[case][image]: one in-process model, one thread, one call at a time. */
  const reference: Result[][] = [];
  const gaps = new Map<string, GapSummary>();

  beforeAll(async () => {
    for (const { model, options } of CASES) {
      const instance = await loadModelFromSpec(spec(model, 1));
      try {
        const row: Result[] = [];
        for (const image of IMAGES) row.push(await instance.predict(fixturePath(image), options));
        reference.push(row);
      } finally {
        await instance.dispose();
      }
    }
    const seg = reference[0].flatMap((r) => r.detections);
    expect(seg.length).toBeGreaterThan(15);
    expect(seg.every((d) => d.mask !== undefined)).toBe(true);
    // The native-resolution masks are other masks: the retinaMasks option has an effect to carry.
    expect(reference[1][0].detections[0].mask!.area).not.toBe(reference[0][0].detections[0].mask!.area);
    const persons = reference[2].flatMap((r) => r.detections);
    expect(persons.length).toBeGreaterThan(5);
    expect(persons.every((d) => d.keypoints?.count === 17)).toBe(true);
  }, 300_000);

  afterAll(() => {
    for (const [name, s] of gaps) {
      console.info(
        `[segment strategies] ${name}: ${s.pairs} detections, max box difference ${s.maxBox.toExponential(2)}, ` +
          `${s.masks} masks, min IoU ${s.minMaskIou.toFixed(6)}, ${s.masksNotIdentical} not bit-identical, ` +
          `max keypoint difference ${s.maxKeypointXy.toExponential(2)} px (visibility ${s.maxKeypointVisibility.toExponential(2)})`,
      );
    }
  });

  /** Predicts every case on every image through `open(model)` (all of a case at once) and compares. */
  async function expectReferenceResults(strategy: string, open: (model: 'seg' | 'pose') => Promise<Predicts & { close(): Promise<void> }>): Promise<void> {
    const mismatches: string[] = [];
    for (const model of ['seg', 'pose'] as const) {
      const predictor = await open(model);
      try {
        for (const [c, { options, label }] of CASES.entries()) {
          if (CASES[c].model !== model) continue;
          const results = await Promise.all(IMAGES.map((image) => predictor.predict(fixturePath(image), options)));
          const summary = gaps.get(`${strategy} ${label}`) ?? emptyGapSummary();
          gaps.set(`${strategy} ${label}`, summary);
          results.forEach((result, i) => {
            const expected = reference[c][i];
            mismatches.push(...differences(result, expected, { tolerance: TOLERANCE, minMaskIou: MIN_MASK_IOU }).map((d) => `${label} ${IMAGES[i]}: ${d}`));
            summariseGaps(summary, pairedByIndex(result, expected));
            expect(result.task).toBe(model === 'seg' ? 'segment' : 'pose');
            if (model === 'pose') expect(result.skeleton).toEqual(expected.skeleton);
          });
        }
      } finally {
        await predictor.close();
      }
    }
    expect(mismatches).toEqual([]);
  }

  describe('concurrency strategies', () => {
    /** What the main thread rebuilds results from (threads and processes). */
    let received: ResultWire[] = [];
    afterEach(() => {
      vi.restoreAllMocks();
      received = [];
    });
    const watchWire = () => {
      const fromWire = Result.fromWire.bind(Result);
      vi.spyOn(Result, 'fromWire').mockImplementation((wire) => {
        received.push(wire);
        return fromWire(wire);
      });
    };

    /** Every mask that arrived is packed bits in a Uint8Array (no RLE, no arrays of numbers), keypoints a Float32Array. */
    function expectBinaryArrivals(): void {
      const masks = received.flatMap((wire) => wire.detections.map((d) => d.mask).filter((m) => m !== undefined));
      const keypoints = received.flatMap((wire) => wire.detections.map((d) => d.keypoints).filter((k) => k !== undefined));
      expect(masks.length).toBeGreaterThan(15);
      expect(keypoints.length).toBeGreaterThan(5);
      for (const mask of masks) {
        expect(mask.bits).toBeInstanceOf(Uint8Array);
        expect((mask.bits as Uint8Array).byteLength).toBe(Math.ceil((mask.rect[2] * mask.rect[3]) / 8));
        expect(Object.keys(mask).sort()).toEqual(['bits', 'imageHeight', 'imageWidth', 'rect']);
      }
      for (const k of keypoints) expect(k.data).toBeInstanceOf(Float32Array);
    }

    const strategies: Array<{ name: string; options: Omit<PredictorOptions, 'model'>; crosses: boolean }> = [
      // locked gets every core (intra-op threads 2 here) while the reference had 1: results must not depend on it.
      { name: 'locked', options: { strategy: 'locked' }, crosses: false },
      { name: 'locked offMainThread', options: { strategy: 'locked', offMainThread: true }, crosses: true },
      { name: 'threads', options: { strategy: 'threads', workers: 2 }, crosses: true },
      { name: 'processes', options: { strategy: 'processes', workers: 2 }, crosses: true },
      // A short sweep of one split on both pools: cheap, and whichever wins carries the masks.
      {
        name: 'auto',
        options: { strategy: 'auto', auto: { candidates: [{ workers: 2, threadsPerWorker: 1 }], rounds: 1, requests: 4, images: [fixturePath('images/bus.jpg')] } },
        crosses: true,
      },
    ];

    for (const { name, options, crosses } of strategies) {
      it(`${name}: every result equals the in-process one${crosses ? '; masks arrive as packed bits' : ''}`, async () => {
        watchWire();
        await expectReferenceResults(name, (model) => createPredictor({ ...options, model: spec(model) } as PredictorOptions));
        if (crosses) expectBinaryArrivals();
        else expect(received).toEqual([]);
      }, 600_000);
    }
  });

  describeWithRedis('queue', () => {
    let redis: RedisServer;
    const open: Array<{ close(): Promise<void> }> = [];
    let queueNumber = 0;

    beforeAll(async () => {
      redis = await startRedisServer();
    }, 60_000);

    afterAll(async () => {
      for (const item of open.splice(0).reverse()) await item.close();
      await redis?.stop();
    });

    it("createPredictor({ strategy: 'queue' }) with the model (a queue worker in this process): every result equals the in-process one", async () => {
      await expectReferenceResults('queue', (model) =>
        createPredictor({ strategy: 'queue', queue: { name: `segment-strategies-${++queueNumber}`, redis: redis.url, allowRoots: [fixturePath('coco32/images'), fixturePath('images')] }, model: spec(model), workers: 1, threadsPerWorker: 1 }),
      );
    }, 600_000);

    /** A worker of its own queue serving `model` (one thread pool of one worker), and a producer. */
    async function queueFor(model: 'seg' | 'pose'): Promise<{ queue: string; worker: QueueWorker; predictor: QueuePredictor }> {
      const queue = `segment-strategies-${++queueNumber}`;
      const worker = await createQueueWorker({ queue, redis: redis.url, model: spec(model), workers: 1, threadsPerWorker: 1, concurrency: 2, allowRoots: [fixturePath('coco32/images'), fixturePath('images')] });
      open.push(worker);
      const predictor = await createQueuePredictor({ queue, redis: redis.url });
      return { queue, worker, predictor };
    }

    it("a job's return value in Redis carries each mask as base64 bits, never RLE or arrays of numbers", async () => {
      const { queue, predictor } = await queueFor('seg');
      try {
        const jobId = 'bus-seg';
        const result = await predictor.predict(fixturePath('images/bus.jpg'), {}, { jobId });
        expect(differences(result, reference[0][0])).toEqual([]);
        const client = new Redis(redis.url, { maxRetriesPerRequest: null });
        const stored = await client.hget(`yolokit:${queue}:${jobId}`, 'returnvalue');
        client.disconnect();
        expect(stored).toEqual(expect.any(String));
        const returned = JSON.parse(stored!);
        expect(returned.v).toBe(1);
        const masks = returned.result.detections.map((d: { mask: Record<string, unknown> }) => d.mask);
        expect(masks).toHaveLength(reference[0][0].detections.length);
        for (const [i, mask] of masks.entries()) {
          expect(Object.keys(mask).sort()).toEqual(['bits', 'imageHeight', 'imageWidth', 'rect']);
          expect(mask.bits).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
          const original = reference[0][0].detections[i].mask!;
          expect(Buffer.from(mask.bits, 'base64')).toEqual(Buffer.from(original.bits));
          expect(mask.rect).toEqual([...original.rect]);
        }
        // The only arrays in a return value are boxes, crop rectangles and the like: short ones.
        const longest = Math.max(...[...stored!.matchAll(/\[[-0-9.,e]*\]/g)].map((m) => m[0].split(',').length));
        expect(longest).toBeLessThanOrEqual(4);
        const rle = JSON.stringify(reference[0][0].toJSON()).length;
        console.info(`[segment strategies] queue return value of bus.jpg: ${stored!.length} characters (the JSON form with RLE masks: ${rle})`);
        // And the kept result reads back the same, from any producer.
        expect(differences((await predictor.result(jobId))!, reference[0][0])).toEqual([]);
      } finally {
        await predictor.close();
      }
    }, 120_000);
  });
});
