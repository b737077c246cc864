import { deserialize, serialize } from 'node:v8';
import { Detection, Keypoints, Mask, Result, type YoloModel } from '@yolokit/core';
import { transferableSymbol, valueSymbol } from 'piscina';
import { describe, expect, it } from 'vitest';
import { withTransfers } from './thread-reply.js';
import { resultTransferList } from './wire.js';
import { runWireTask } from './worker-runtime.js';

const WIDTH = 64;
const HEIGHT = 48;

/** A disc of radius `r` around (cx, cy), cropped to its bounding square. */
function disc(cx: number, cy: number, r: number): Mask {
  const rect = [cx - r, cy - r, 2 * r + 1, 2 * r + 1] as const;
  const bitmap = new Uint8Array(rect[2] * rect[3]);
  for (let y = 0; y < rect[3]; y++) for (let x = 0; x < rect[2]; x++) bitmap[y * rect[2] + x] = (x - r) ** 2 + (y - r) ** 2 <= r * r ? 1 : 0;
  return Mask.fromBitmap(bitmap, WIDTH, HEIGHT, rect);
}

function segmentResult(): Result {
  const detection = (mask: Mask, classId: number) => {
    const [x, y, w, h] = mask.rect;
    return new Detection([x, y, x + w, y + h], 0.9 - classId / 10, classId, `class${classId}`, WIDTH, HEIGHT, { mask });
  };
  return new Result({
    width: WIDTH,
    height: HEIGHT,
    task: 'segment',
    detections: [detection(disc(20, 20, 10), 0), detection(disc(45, 30, 12), 1)],
    speed: { preprocess: 1, inference: 2, postprocess: 3 },
  });
}

function poseResult(): Result {
  const keypoints = new Keypoints(Float32Array.from({ length: 17 * 3 }, (_, i) => i + 0.25), 3);
  return new Result({
    width: WIDTH,
    height: HEIGHT,
    task: 'pose',
    skeleton: [[0, 1]],
    detections: [new Detection([1, 2, 30, 40], 0.8, 0, 'person', WIDTH, HEIGHT, { keypoints })],
    speed: { preprocess: 1, inference: 2, postprocess: 3 },
  });
}

/** A worker's load state around a model whose predict() answers `result`. */
function stateAnswering(result: Result) {
  const model = { predict: async () => result } as unknown as YoloModel;
  return { model, hello: { info: {} as YoloModel['info'] } };
}

const task = { image: { kind: 'path', path: '/unused.jpg' }, options: undefined } as const;

/** Every array of plain numbers in `value`, with its path. */
function numberArrays(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) {
    const own = value.length > 0 && value.every((v) => typeof v === 'number') ? [`${path} (${value.length} numbers)`] : [];
    return [...own, ...value.flatMap((v, i) => numberArrays(v, `${path}[${i}]`))];
  }
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
    return Object.entries(value).flatMap(([k, v]) => numberArrays(v, `${path}.${k}`));
  }
  return [];
}

describe('worker replies carry results in binary wire form', () => {
  it("a segmentation result's masks are packed bits in Uint8Arrays: no RLE string, no arrays of numbers but the crop rectangle", async () => {
    const original = segmentResult();
    const reply = await runWireTask(stateAnswering(original), task, undefined);
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    expect(reply.result.task).toBe('segment');
    for (const [i, detection] of reply.result.detections.entries()) {
      const mask = detection.mask!;
      expect(Object.keys(mask).sort()).toEqual(['bits', 'imageHeight', 'imageWidth', 'rect']);
      expect(mask.bits).toBeInstanceOf(Uint8Array);
      // ceil(w*h/8) bytes: one bit a pixel of the crop.
      expect((mask.bits as Uint8Array).byteLength).toBe(Math.ceil((mask.rect[2] * mask.rect[3]) / 8));
      expect(numberArrays(mask)).toEqual([`$.rect (4 numbers)`]);
      expect(mask).not.toHaveProperty('counts');
      expect([...(mask.bits as Uint8Array)]).toEqual([...original.detections[i].mask!.bits]);
    }
  });

  it("a pose result's keypoints are a Float32Array", async () => {
    const reply = await runWireTask(stateAnswering(poseResult()), task, undefined);
    if (!reply.ok) throw new Error('expected a result');
    const keypoints = reply.result.detections[0].keypoints!;
    expect(keypoints.data).toBeInstanceOf(Float32Array);
    expect(keypoints.dims).toBe(3);
    expect(reply.result.skeleton).toEqual([[0, 1]]);
  });

  it('a detection-only result has the fields of its JSON form, nothing more', async () => {
    const detect = new Result({
      width: 10,
      height: 10,
      detections: [new Detection([1, 2, 3, 4], 0.5, 2, 'car', 10, 10)],
      speed: { preprocess: 0, inference: 0, postprocess: 0 },
    });
    const reply = await runWireTask(stateAnswering(detect), task, undefined);
    if (!reply.ok) throw new Error('expected a result');
    expect(reply.result).toEqual(detect.toJSON());
    expect(resultTransferList(reply.result)).toEqual([]);
  });
});

describe('resultTransferList', () => {
  it("lists each mask's whole buffer once", () => {
    const wire = segmentResult().toWire('bytes');
    const buffers = resultTransferList(wire);
    expect(buffers).toHaveLength(2);
    expect(buffers).toEqual(wire.detections.map((d) => (d.mask!.bits as Uint8Array).buffer));
  });

  it('leaves out bits that are a view into a larger buffer (transferring would detach the rest) and base64 bits', () => {
    const wire = segmentResult().toWire('bytes');
    const shared = new Uint8Array(1024);
    const bits = wire.detections[0].mask!.bits as Uint8Array;
    shared.set(bits, 16);
    const view = { ...wire, detections: [{ ...wire.detections[0], mask: { ...wire.detections[0].mask!, bits: shared.subarray(16, 16 + bits.byteLength) } }] };
    expect(resultTransferList(view)).toEqual([]);
    expect(resultTransferList(segmentResult().toWire('base64'))).toEqual([]);
  });

  it('after a structured clone with the transfer list, the masks arrive intact and the sender keeps none of their memory', () => {
    const original = segmentResult();
    const bitmaps = original.detections.map((d) => d.mask!.toBitmap());
    const wire = original.toWire('bytes');
    const transfer = resultTransferList(wire);
    const received = Result.fromWire(structuredClone(wire, { transfer }));
    expect(received.detections.map((d) => d.mask!.toBitmap())).toEqual(bitmaps);
    expect(received.detections.map((d) => d.mask!.rect)).toEqual(original.detections.map((d) => d.mask!.rect));
    // Moved, not copied.
    expect(transfer.map((buffer) => buffer.byteLength)).toEqual([0, 0]);
  });
});

describe("processes: v8 serialization (fork's serialization: 'advanced')", () => {
  it('carries mask bits and keypoints as typed arrays, rebuilt into the same masks and keypoints', () => {
    for (const original of [segmentResult(), poseResult()]) {
      const wire = deserialize(serialize(original.toWire('bytes')));
      for (const detection of wire.detections) {
        if (detection.mask) expect(detection.mask.bits).toBeInstanceOf(Uint8Array);
        if (detection.keypoints) expect(detection.keypoints.data).toBeInstanceOf(Float32Array);
      }
      const received = Result.fromWire(wire);
      expect(received.toJSON()).toEqual(original.toJSON());
    }
  });
});

describe('threads: the reply piscina posts', () => {
  it('moves the mask buffers: a movable wrapper whose transfer list is the masks and whose value is the reply', async () => {
    const reply = await runWireTask(stateAnswering(segmentResult()), task, undefined);
    const posted = withTransfers(reply) as unknown as Record<symbol, unknown>;
    expect(posted).not.toBe(reply);
    expect(posted[valueSymbol]).toBe(reply);
    if (!reply.ok) throw new Error('expected a result');
    expect(posted[transferableSymbol]).toEqual(reply.result.detections.map((d) => (d.mask!.bits as Uint8Array).buffer));
  });

  it('posts replies without masks (pose, detection, errors) as they are', async () => {
    const pose = await runWireTask(stateAnswering(poseResult()), task, undefined);
    expect(withTransfers(pose)).toBe(pose);
    const failed = await runWireTask({ error: { name: 'YoloError', code: 'INFERENCE_FAILED', message: 'x' } }, task, undefined);
    expect(withTransfers(failed)).toBe(failed);
  });
});
