import { DEFAULT_PREDICT_OPTIONS, InvalidOptionError, resolvePredictOptions } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { checkFlagsForTask, checkOutputFlags, predictOptionsFromFlags, toFlagError } from './predict-flags.js';

function messageOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).code).toBe('INVALID_OPTION');
    return (error as Error).message;
  }
  throw new Error('expected an InvalidOptionError');
}

describe('predictOptionsFromFlags', () => {
  it("gives core's defaults when no flag is set", () => {
    expect(predictOptionsFromFlags({})).toEqual(DEFAULT_PREDICT_OPTIONS);
  });

  it('parses every flag', () => {
    expect(predictOptionsFromFlags({ conf: '0.4', iou: '.5', maxDet: '10', classes: '0, 2', imgsz: '480,640', agnostic: true, retinaMasks: true })).toEqual({
      conf: 0.4,
      iou: 0.5,
      maxDet: 10,
      classes: [0, 2],
      agnostic: true,
      imgsz: [480, 640],
      retinaMasks: true,
    });
    expect(predictOptionsFromFlags({ imgsz: '320' }).imgsz).toBe(320);
  });

  it('accepts exactly what the library accepts', () => {
    for (const conf of ['0', '1', '0.001', '1e-3']) {
      expect(predictOptionsFromFlags({ conf }).conf).toBe(resolvePredictOptions({ conf: Number(conf) }).conf);
    }
  });

  it('--conf out of range', () => {
    expect(messageOf(() => predictOptionsFromFlags({ conf: '2' }))).toBe('--conf must be a number from 0 to 1, got 2');
  });

  it('--conf not a number quotes what was typed', () => {
    expect(messageOf(() => predictOptionsFromFlags({ conf: 'high' }))).toBe('--conf must be a number from 0 to 1, got "high"');
  });

  it('--iou negative', () => {
    expect(messageOf(() => predictOptionsFromFlags({ iou: '-0.1' }))).toBe('--iou must be a number from 0 to 1, got -0.1');
  });

  it('--max-det not a positive integer', () => {
    expect(messageOf(() => predictOptionsFromFlags({ maxDet: '0' }))).toBe('--max-det must be an integer from 1 to 100000, got 0');
    expect(messageOf(() => predictOptionsFromFlags({ maxDet: '2.5' }))).toBe('--max-det must be an integer from 1 to 100000, got 2.5');
  });

  it('--classes with a non-integer', () => {
    expect(messageOf(() => predictOptionsFromFlags({ classes: '0,bus' }))).toBe(
      '--classes must be comma-separated non-negative integer class ids, such as 0,2, got "0,bus"',
    );
    expect(messageOf(() => predictOptionsFromFlags({ classes: '-1' }))).toContain('--classes must be');
  });

  it('--imgsz too small or malformed', () => {
    expect(messageOf(() => predictOptionsFromFlags({ imgsz: '16' }))).toBe(
      '--imgsz must be an integer from 32 to 8192, or height,width such as 480,640, got "16"',
    );
    expect(messageOf(() => predictOptionsFromFlags({ imgsz: '640,480,3' }))).toContain('--imgsz must be');
  });
});

describe('the segmentation flags', () => {
  it('--segments without --json', () => {
    expect(messageOf(() => checkOutputFlags({ segments: true }))).toBe(
      '--segments adds mask polygons to the --json report; give --json FILE (or --json -) as well',
    );
    expect(() => checkOutputFlags({ segments: true, json: '-' })).not.toThrow();
    expect(() => checkOutputFlags({ retinaMasks: true })).not.toThrow();
  });

  it('--retina-masks on a model that is not a segmentation model', () => {
    expect(messageOf(() => checkFlagsForTask('detect', { retinaMasks: true }, 'yolov8n.onnx'))).toBe(
      '--retina-masks applies to segmentation models only; yolov8n.onnx is a detect model',
    );
  });

  it('--segments on a pose model', () => {
    expect(messageOf(() => checkFlagsForTask('pose', { segments: true, json: 'out.json' }, 'yolo11n-pose.onnx'))).toBe(
      '--segments applies to segmentation models only; yolo11n-pose.onnx is a pose model',
    );
  });

  it('--iou, --max-det, --classes, --agnostic on a classifier, named by flag; their defaults and --conf pass', () => {
    const flags = (typed: Parameters<typeof predictOptionsFromFlags>[0]) => ({ predict: predictOptionsFromFlags(typed) });
    expect(messageOf(() => checkFlagsForTask('classify', flags({ iou: '0.5' }), 'shapes-cls.onnx'))).toBe(
      '--iou (0.5) does not apply to a classify model: a classifier has no boxes to suppress. Drop it',
    );
    expect(messageOf(() => checkFlagsForTask('classify', flags({ maxDet: '3' }), 'cls.onnx'))).toMatch(/^--max-det \(3\) does not apply/);
    expect(messageOf(() => checkFlagsForTask('classify', flags({ classes: '0,2' }), 'cls.onnx'))).toMatch(/^--classes \(\[0,2\]\) does not apply/);
    expect(messageOf(() => checkFlagsForTask('classify', flags({ agnostic: true }), 'cls.onnx'))).toMatch(/^--agnostic \(true\) does not apply/);
    expect(messageOf(() => checkFlagsForTask('classify', flags({ retinaMasks: true }), 'cls.onnx'))).toMatch(/^--retina-masks \(true\) does not apply/);
    expect(() => checkFlagsForTask('classify', flags({ conf: '0.9', iou: '0.7', maxDet: '300' }), 'cls.onnx')).not.toThrow();
    // The same flags on a detector are what they always were.
    expect(() => checkFlagsForTask('obb', flags({ iou: '0.5', maxDet: '3' }), 'obb.onnx')).not.toThrow();
  });

  it('pass on a segmentation model, on a model whose task is not known before a run, and when not set', () => {
    expect(() => checkFlagsForTask('segment', { retinaMasks: true, segments: true, json: '-' }, 'seg.onnx')).not.toThrow();
    expect(() => checkFlagsForTask(undefined, { retinaMasks: true }, 'model_web_model')).not.toThrow();
    expect(() => checkFlagsForTask('detect', { retinaMasks: false, segments: false }, 'yolov8n.onnx')).not.toThrow();
  });
});

describe('toFlagError', () => {
  it("renames the library's option path in a message about the model's fixed input", () => {
    const error = toFlagError(new InvalidOptionError('options.imgsz', 'options.imgsz 320x320 does not fit this model: its input is fixed at 640x640'));
    expect((error as Error).message).toBe('--imgsz 320x320 does not fit this model: its input is fixed at 640x640');
    expect((error as InvalidOptionError).option).toBe('--imgsz');
  });

  it('names --retina-masks for the library\'s retinaMasks', () => {
    const error = toFlagError(new InvalidOptionError('options.retinaMasks', 'options.retinaMasks must be a boolean, got "yes"'));
    expect((error as Error).message).toBe('--retina-masks must be a boolean, got "yes"');
  });

  it('leaves other errors alone', () => {
    const other = new Error('boom');
    expect(toFlagError(other)).toBe(other);
    const unknownOption = new InvalidOptionError('options.backend', 'options.backend must be a Backend');
    expect(toFlagError(unknownOption)).toBe(unknownOption);
  });
});
