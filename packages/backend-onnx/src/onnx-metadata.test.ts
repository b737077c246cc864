import { type ModelLoadError, parseUltralyticsMetadata, YoloError } from '@yolokit/core';
import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { readOnnxMetadata } from './onnx-metadata.js';

const { Writer } = protobuf;
type ProtobufWriter = InstanceType<typeof Writer>;

// Wire types.
const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;
const tag = (field: number, wireType: number) => ((field << 3) | wireType) >>> 0;

function entry(key: string | undefined, value: string | undefined, extra?: (w: ProtobufWriter) => void): Uint8Array {
  const w = Writer.create();
  extra?.(w);
  if (key !== undefined) w.uint32(tag(1, BYTES)).string(key);
  if (value !== undefined) w.uint32(tag(2, BYTES)).string(value);
  return w.finish();
}

/** A ModelProto by hand: fields in the order an exporter writes them, with a graph of `graphBytes` bytes. */
function modelProto(options: {
  entries?: Uint8Array[];
  graphBytes?: number;
  irVersion?: number | null;
  before?: (w: ProtobufWriter) => void;
}): Uint8Array {
  const w = Writer.create();
  if (options.irVersion !== null) w.uint32(tag(1, VARINT)).int64(options.irVersion ?? 8);
  w.uint32(tag(2, BYTES)).string('pytorch');
  w.uint32(tag(3, BYTES)).string('2.8.0');
  options.before?.(w);
  if (options.graphBytes !== undefined) {
    // A graph's content is never looked at, so any bytes do; make them look like more tags to catch a reader
    // that walks into the field instead of skipping it by its length.
    const graph = new Uint8Array(options.graphBytes);
    for (let i = 0; i < graph.length; i++) graph[i] = i % 2 === 0 ? tag(14, BYTES) : 0x7f;
    w.uint32(tag(7, BYTES)).bytes(graph);
  }
  w.uint32(tag(8, BYTES)).fork().uint32(tag(1, BYTES)).string('').uint32(tag(2, VARINT)).int64(17).ldelim();
  for (const e of options.entries ?? []) w.uint32(tag(14, BYTES)).bytes(e);
  return w.finish();
}

const ultralytics = [
  entry('description', 'Ultralytics YOLOv8n model trained on coco.yaml'),
  entry('stride', '32'),
  entry('task', 'detect'),
  entry('imgsz', '[640, 640]'),
  entry('names', "{0: 'person', 1: 'bicycle', 2: \"kid's bike\"}"),
  entry('end2end', 'False'),
];

function invalid(bytes: Uint8Array): ModelLoadError {
  try {
    readOnnxMetadata(bytes);
  } catch (error) {
    expect(YoloError.isInstance(error)).toBe(true);
    expect((error as ModelLoadError).code).toBe('MODEL_INVALID');
    return error as ModelLoadError;
  }
  throw new Error('readOnnxMetadata accepted bytes that are not an ONNX model');
}

describe('readOnnxMetadata', () => {
  it('reads every metadata_props entry in order, past a 6 MB graph field it skips', () => {
    const bytes = modelProto({ graphBytes: 6_000_000, entries: ultralytics });
    expect(bytes.byteLength).toBeGreaterThan(6_000_000);
    const started = performance.now();
    const metadata = readOnnxMetadata(bytes);
    const elapsed = performance.now() - started;
    expect(Object.keys(metadata)).toEqual(['description', 'stride', 'task', 'imgsz', 'names', 'end2end']);
    expect(metadata.names).toBe("{0: 'person', 1: 'bicycle', 2: \"kid's bike\"}");
    expect(metadata.imgsz).toBe('[640, 640]');
    // Skipping is by length: a walk through 6 MB of tags would take far longer than this.
    expect(elapsed).toBeLessThan(50);
    const parsed = parseUltralyticsMetadata(metadata);
    expect(parsed.names).toEqual({ 0: 'person', 1: 'bicycle', 2: "kid's bike" });
    expect(parsed.imgsz).toEqual([640, 640]);
    expect(parsed.stride).toBe(32);
    expect(parsed.end2end).toBe(false);
  });

  it('finds metadata wherever it sits, skipping unknown fields of every wire type', () => {
    const bytes = modelProto({
      graphBytes: 100,
      entries: [entry('task', 'detect')],
      before: (w) => {
        w.uint32(tag(14, BYTES)).bytes(entry('version', '8.4.115')); // before the graph
        w.uint32(tag(99, VARINT)).uint64(2 ** 40);
        w.uint32(tag(100, FIXED64)).double(1.5);
        w.uint32(tag(101, FIXED32)).float(2.5);
        w.uint32(tag(102, BYTES)).string('unknown');
        w.uint32(tag(5, VARINT)).int64(3); // model_version
        w.uint32(tag(6, BYTES)).string('doc string with \u00e9 and \u{1f600}');
      },
    });
    expect(readOnnxMetadata(bytes)).toEqual({ version: '8.4.115', task: 'detect' });
  });

  it('keeps UTF-8, empty values and the last of repeated keys; skips unknown fields inside an entry', () => {
    const bytes = modelProto({
      graphBytes: 10,
      entries: [
        entry('names', "{0: 'visage'}"),
        entry('names', "{0: 'face', 1: 'тест 人'}"),
        entry('empty', ''),
        entry('no-value', undefined),
        entry('k', 'v', (w) => w.uint32(tag(3, VARINT)).uint32(7).uint32(tag(4, FIXED32)).fixed32(1)),
      ],
    });
    expect(readOnnxMetadata(bytes)).toEqual({ names: "{0: 'face', 1: 'тест 人'}", empty: '', 'no-value': '', k: 'v' });
  });

  it('returns an empty record for a model without metadata, and stores a "__proto__" key as data', () => {
    expect(readOnnxMetadata(modelProto({ graphBytes: 10 }))).toEqual({});
    const odd = readOnnxMetadata(modelProto({ graphBytes: 10, entries: [entry('__proto__', 'x')] }));
    expect(Object.getPrototypeOf(odd)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(odd, '__proto__')?.value).toBe('x');
  });

  it('accepts a Node Buffer and a subarray view (byteOffset ≠ 0)', () => {
    const bytes = modelProto({ graphBytes: 10, entries: [entry('task', 'detect')] });
    expect(readOnnxMetadata(Buffer.from(bytes))).toEqual({ task: 'detect' });
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 3);
    expect(readOnnxMetadata(padded.subarray(3, 3 + bytes.length))).toEqual({ task: 'detect' });
  });

  it('rejects zero bytes', () => {
    expect(invalid(new Uint8Array(0)).message).toBe('not an ONNX model: the data is empty (0 bytes)');
  });

  it('rejects a truncated model, at every cut inside the graph or the metadata, with the decoder error as cause', () => {
    const bytes = modelProto({ graphBytes: 1000, entries: ultralytics });
    const graphStart = bytes.indexOf(tag(7, BYTES));
    for (const cut of [graphStart + 3, graphStart + 500, bytes.length - 30, bytes.length - 1]) {
      const error = invalid(bytes.subarray(0, cut));
      expect(error.message).toMatch(/^not an ONNX model: /);
      expect(error.message).toMatch(/truncated/);
      expect(error.cause).toBeInstanceOf(Error);
    }
  });

  it('rejects text: JSON, an ONNX text dump and a YAML file', () => {
    const encode = (text: string) => new TextEncoder().encode(text);
    for (const text of ['{"name": "yolokit", "version": "0.1.0"}\n', 'ir_version: 8\ngraph {\n  node { op_type: "Conv" }\n}\n', 'names:\n  0: person\n']) {
      expect(invalid(encode(text)).message).toMatch(/^not an ONNX model: /);
    }
  });

  it('rejects well-formed protobuf that is not a ModelProto (no graph, no ir_version, wrong wire types)', () => {
    expect(invalid(modelProto({ entries: ultralytics })).message).toBe('not an ONNX model: the data parses as protobuf but has no graph (field 7)');
    expect(invalid(modelProto({ irVersion: null, graphBytes: 10 })).message).toBe(
      'not an ONNX model: the data parses as protobuf but has no ir_version (field 1)',
    );
    const graphAsNumber = Writer.create().uint32(tag(1, VARINT)).uint32(8).uint32(tag(7, VARINT)).uint32(1).finish();
    expect(invalid(graphAsNumber).message).toBe('not an ONNX model: ModelProto field 7 has wire type 0 where the ONNX schema has 2');
    const keyAsNumber = modelProto({ graphBytes: 1, entries: [Writer.create().uint32(tag(1, VARINT)).uint32(5).finish()] });
    expect(invalid(keyAsNumber).message).toBe('not an ONNX model: StringStringEntryProto field 1 has wire type 0 where the ONNX schema has a string');
  });

  it('rejects field number 0 and group wire types', () => {
    expect(invalid(Uint8Array.of(0x00, 0x01)).message).toMatch(/field numbered 0/);
    expect(invalid(Uint8Array.of(tag(9, 3))).message).toBe('not an ONNX model: ModelProto field 9 has wire type 3, which ONNX never uses');
  });

  it('names the bytes by their size in the error source', () => {
    expect(invalid(Uint8Array.of(1, 2, 3)).source).toBe('<3 bytes>');
  });
});
