import type { ModelInfo } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { errorLine, type ImageResultReport, imageResultReport, modelReport, summaryLine, totalsLine } from './predict-report.js';

const detection = (classId: number, className: string) => ({ box: [0, 0, 1, 1] as [number, number, number, number], confidence: 0.9, classId, className });

const bus: ImageResultReport = {
  source: 'images/bus.jpg',
  width: 810,
  height: 1080,
  detections: [detection(5, 'bus'), detection(0, 'person'), detection(0, 'person'), detection(0, 'person'), detection(0, 'person')],
  speed: { preprocess: 10.2, inference: 120.4, postprocess: 2.6 },
};

describe('summary lines', () => {
  it('counts classes in class-id order with the image size and its time', () => {
    expect(summaryLine(bus)).toBe('images/bus.jpg 810x1080: 4 person, 1 bus (133 ms)');
  });

  it('says when nothing was found', () => {
    expect(summaryLine({ ...bus, detections: [] })).toBe('images/bus.jpg 810x1080: no detections (133 ms)');
  });

  it('adds what a segmentation model found: its masks', () => {
    const mask = { size: [1080, 810] as [number, number], counts: 'abc' };
    const seg: ImageResultReport = { ...bus, task: 'segment', detections: bus.detections.slice(0, 2).map((d) => ({ ...d, mask })) };
    expect(summaryLine(seg)).toBe('images/bus.jpg 810x1080: 1 person, 1 bus; 2 masks (133 ms)');
  });

  it('adds what a pose model found: poses, and keypoints with a visibility of at least 0.25', () => {
    const keypoints = [[1, 2, 0.9], [3, 4, 0.25], [5, 6, 0.24]];
    const pose: ImageResultReport = { ...bus, task: 'pose', detections: [{ ...detection(0, 'person'), keypoints }] };
    expect(summaryLine(pose)).toBe('images/bus.jpg 810x1080: 1 person; 1 pose, 2/3 keypoints visible (133 ms)');
    // kpt_shape [K, 2]: no visibility, every keypoint counts.
    const flat: ImageResultReport = { ...pose, detections: [{ ...detection(0, 'person'), keypoints: [[1, 2], [3, 4]] }] };
    expect(summaryLine(flat)).toBe('images/bus.jpg 810x1080: 1 person; 1 pose, 2 keypoints (133 ms)');
    expect(summaryLine({ ...pose, detections: [] })).toBe('images/bus.jpg 810x1080: no detections; 0 poses (133 ms)');
  });

  it("gives a classifier's top class and its probability", () => {
    const top5 = [
      { classId: 1, className: 'square', confidence: 0.987 },
      { classId: 0, className: 'circle', confidence: 0.01 },
    ];
    const picture: ImageResultReport = { ...bus, source: 'pic.png', width: 128, height: 128, task: 'classify', detections: [], probs: [0.01, 0.987], top5 };
    expect(summaryLine(picture)).toBe('pic.png 128x128: square 0.99 (133 ms)');
    expect(totalsLine([picture, picture], 0.25)).toBe('2 images, classified in 0.3 s; median per image: 10.2 ms preprocess, 120.4 ms inference, 2.6 ms postprocess');
  });

  it('counts oriented boxes by class, as boxes', () => {
    const obb = { cx: 5, cy: 5, w: 4, h: 2, angle: 0.5 };
    const corners: [[number, number], [number, number], [number, number], [number, number]] = [[1, 2], [3, 4], [5, 6], [7, 8]];
    const turned: ImageResultReport = { ...bus, task: 'obb', detections: [{ ...detection(2, 'ship'), obb, corners }] };
    expect(summaryLine(turned)).toBe('images/bus.jpg 810x1080: 1 ship (133 ms)');
  });

  it('names the image of an error unless its message does', () => {
    expect(errorLine({ source: 'a.jpg', error: { code: 'IMAGE_UNREADABLE', message: 'cannot read image a.jpg: no such file' } })).toBe(
      'error IMAGE_UNREADABLE: cannot read image a.jpg: no such file',
    );
    expect(errorLine({ source: 'a.jpg', error: { code: 'INFERENCE_FAILED', message: 'boom' } })).toBe('error INFERENCE_FAILED: a.jpg: boom');
  });

  it('totals images, failures, detections and median stage times', () => {
    const other = { ...bus, detections: [], speed: { preprocess: 20, inference: 100, postprocess: 1 } };
    const failed = { source: 'x.jpg', error: { code: 'IMAGE_UNREADABLE', message: 'm' } };
    expect(totalsLine([bus, other, failed], 1.234)).toBe(
      '3 images (1 failed), 5 detections in 1.2 s; median per image: 15.1 ms preprocess, 110.2 ms inference, 1.8 ms postprocess',
    );
    expect(totalsLine([failed], 0.1)).toBe('1 image (1 failed), 0 detections in 0.1 s');
  });
});

describe('imageResultReport', () => {
  it('keeps a detect result to the shape it always had', () => {
    const entry = imageResultReport('a.jpg', { task: 'detect', width: 4, height: 3, detections: [detection(0, 'person')], speed: bus.speed });
    expect(Object.keys(entry)).toEqual(['source', 'width', 'height', 'detections', 'speed']);
    expect(Object.keys(entry.detections[0])).toEqual(['box', 'confidence', 'classId', 'className']);
  });

  it("orders a task's fields as documented, whatever order they came in", () => {
    const entry = imageResultReport('a.jpg', {
      speed: bus.speed,
      skeleton: [[0, 1]],
      detections: [{ keypoints: [[1, 2, 0.5]], segments: [[0, 0]], mask: { counts: 'x', size: [3, 4] }, className: 'person', classId: 0, confidence: 0.9, box: [0, 0, 1, 1] }],
      height: 3,
      width: 4,
      task: 'pose',
    });
    expect(Object.keys(entry)).toEqual(['source', 'task', 'width', 'height', 'detections', 'skeleton', 'speed']);
    expect(Object.keys(entry.detections[0])).toEqual(['box', 'confidence', 'classId', 'className', 'mask', 'segments', 'keypoints']);
    expect(Object.keys(entry.detections[0].mask ?? {})).toEqual(['size', 'counts']);
  });

  it('orders oriented boxes and classifications as documented', () => {
    const turned = imageResultReport('a.jpg', {
      speed: bus.speed,
      detections: [{ corners: [[1, 2], [3, 4], [5, 6], [7, 8]], obb: { angle: 0.5, h: 2, w: 4, cy: 5, cx: 5 }, className: 'ship', classId: 2, confidence: 0.9, box: [1, 2, 7, 8] }],
      height: 3,
      width: 4,
      task: 'obb',
    });
    expect(Object.keys(turned)).toEqual(['source', 'task', 'width', 'height', 'detections', 'speed']);
    expect(Object.keys(turned.detections[0])).toEqual(['box', 'confidence', 'classId', 'className', 'obb', 'corners']);
    expect(Object.keys(turned.detections[0].obb ?? {})).toEqual(['cx', 'cy', 'w', 'h', 'angle']);
    const picture = imageResultReport('b.png', {
      top5: [{ confidence: 0.7, className: 'dog', classId: 1 }],
      probs: [0.3, 0.7],
      speed: bus.speed,
      detections: [],
      height: 3,
      width: 4,
      task: 'classify',
    });
    expect(Object.keys(picture)).toEqual(['source', 'task', 'width', 'height', 'detections', 'probs', 'top5', 'speed']);
    expect(picture.top5).toEqual([{ classId: 1, className: 'dog', confidence: 0.7 }]);
  });
});

describe('modelReport', () => {
  it('lists metadata with null for what the model does not say', () => {
    const info = {
      backend: 'fake',
      runtime: 'fake 1.0',
      layout: 'NCHW',
      inputs: [],
      outputs: [],
      imgsz: [640, 640],
      dynamicInput: false,
      metadata: { names: { 0: 'face' }, classCount: 1, imgsz: undefined, stride: 32, task: 'detect', end2end: undefined, description: undefined, version: '8.3.0', kptShape: undefined },
      task: 'detect',
    } satisfies ModelInfo;
    expect(JSON.parse(JSON.stringify(modelReport('face.onnx', info)))).toEqual({
      path: 'face.onnx',
      backend: 'fake',
      runtime: 'fake 1.0',
      inputSize: [640, 640],
      task: 'detect',
      names: { 0: 'face' },
      classCount: 1,
      imgsz: null,
      stride: 32,
      end2end: null,
      description: null,
      version: '8.3.0',
      kptShape: null,
    });
  });
});
