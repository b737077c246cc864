import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import { normaliseImgsz, parsePythonDict, parseUltralyticsMetadata } from './metadata.js';

describe('parseUltralyticsMetadata', () => {
  it('reads the string-encoded values of ONNX metadata_props', () => {
    const m = parseUltralyticsMetadata({
      names: "{0: 'person', 1: 'bicycle', 2: \"kid's bike\", 3: 'a, b: c'}",
      imgsz: '[640, 480]',
      stride: '32',
      task: 'detect',
      end2end: 'True',
      version: '8.3.0',
    });
    expect(m.names).toEqual({ 0: 'person', 1: 'bicycle', 2: "kid's bike", 3: 'a, b: c' });
    expect(m.classCount).toBe(4);
    expect(m.imgsz).toEqual([640, 480]);
    expect(m.stride).toBe(32);
    expect(m.task).toBe('detect');
    expect(m.end2end).toBe(true);
    expect(m.version).toBe('8.3.0');
  });

  it('reads the parsed values of a TF.js metadata.yaml', () => {
    const m = parseUltralyticsMetadata({ names: { 0: 'dart', 1: 'one' }, imgsz: [800, 800], stride: 32 });
    expect(m.names).toEqual({ 0: 'dart', 1: 'one' });
    expect(m.imgsz).toEqual([800, 800]);
    expect(m.end2end).toBeUndefined();
  });

  it('accepts a names list and a single imgsz', () => {
    const m = parseUltralyticsMetadata({ names: ['a', 'b'], imgsz: 320 });
    expect(m.names).toEqual({ 0: 'a', 1: 'b' });
    expect(m.imgsz).toEqual([320, 320]);
  });

  it('tolerates missing metadata', () => {
    const m = parseUltralyticsMetadata({});
    expect(m.classCount).toBe(0);
    expect(m.imgsz).toBeUndefined();
  });
});

describe('parsePythonDict', () => {
  it('handles escapes', () => {
    expect(parsePythonDict("{0: 'it\\'s', 10: 'x'}")).toEqual({ 0: "it's", 10: 'x' });
  });
});

describe('normaliseImgsz', () => {
  it('accepts a number or a pair', () => {
    expect(normaliseImgsz(640)).toEqual([640, 640]);
    expect(normaliseImgsz([320, 640])).toEqual([320, 640]);
  });
  it('rejects bad sizes with the option name', () => {
    expect(() => normaliseImgsz(0)).toThrow(InvalidOptionError);
    expect(() => normaliseImgsz(-640)).toThrow('options.imgsz must be an integer from 32 to 8192');
    expect(() => normaliseImgsz(640.5, 'imgsz')).toThrow(/^imgsz must be/);
  });
});
