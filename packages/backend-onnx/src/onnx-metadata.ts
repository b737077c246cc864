import { ModelLoadError } from '@yolokit/core';
import protobuf from 'protobufjs/minimal.js';

// protobufjs is CommonJS whose entry re-exports through a nested require, which Node's ESM loader cannot see
// through: only the default import (module.exports) is reliable in both ESM and CJS builds.
const { Reader } = protobuf;
type ProtobufReader = InstanceType<typeof Reader>;

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/**
 * The `ModelProto` fields of onnx/onnx.proto with their wire types. Fields not listed here are skipped, as any
 * protobuf parser would; the listed ones must carry the wire type the schema gives them, which is what tells
 * an ONNX file from text or another binary format that happens to start with a plausible tag.
 */
const MODEL_PROTO_WIRE_TYPES: Readonly<Record<number, number>> = {
  1: VARINT, // ir_version
  2: LENGTH_DELIMITED, // producer_name
  3: LENGTH_DELIMITED, // producer_version
  4: LENGTH_DELIMITED, // domain
  5: VARINT, // model_version
  6: LENGTH_DELIMITED, // doc_string
  7: LENGTH_DELIMITED, // graph: by far the largest field, skipped by its length without being read
  8: LENGTH_DELIMITED, // opset_import
  14: LENGTH_DELIMITED, // metadata_props: repeated StringStringEntryProto
  20: LENGTH_DELIMITED, // training_info
  25: LENGTH_DELIMITED, // functions
};
const IR_VERSION = 1;
const GRAPH = 7;
const METADATA_PROPS = 14;
// StringStringEntryProto
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

/**
 * Reads the `metadata_props` of an ONNX model: the string pairs where Ultralytics stores `names`, `imgsz`,
 * `stride`, `task`, `end2end`, `description` and `version`. onnxruntime-node 1.30 does not expose them, so
 * this walks the `ModelProto` protobuf directly: field 14 is read, every other field (including the graph,
 * field 7, which holds the weights) is skipped by its length, so the cost does not depend on the model's size.
 *
 * The walk doubles as a format check: bytes that are empty, truncated, text or any other non-`ModelProto`
 * make it throw instead of returning an empty record.
 *
 * @param bytes - the whole `.onnx` file.
 * @returns the metadata as stored (values are strings; Ultralytics encodes dicts and lists as Python reprs,
 *   which `parseUltralyticsMetadata` from `@yolokit/core` understands). Repeated keys: the last one wins.
 * @throws `ModelLoadError` with code `MODEL_INVALID` when `bytes` is not a well-formed ONNX `ModelProto`; the
 *   protobuf decoder's error, if any, is the `cause`.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { readOnnxMetadata } from '@yolokit/backend-onnx';
 * import { parseUltralyticsMetadata } from '@yolokit/core';
 *
 * const raw = readOnnxMetadata(await readFile('yolov8n.onnx'));
 * console.log(parseUltralyticsMetadata(raw).names[0]); // 'person'
 * ```
 */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const source = `<${bytes.byteLength} bytes>`;
  if (bytes.byteLength === 0) {
    throw new ModelLoadError('MODEL_INVALID', source, 'not an ONNX model: the data is empty (0 bytes)');
  }
  const entries = new Map<string, string>();
  let sawIrVersion = false;
  let sawGraph = false;
  try {
    const reader = Reader.create(bytes);
    while (reader.pos < reader.len) {
      const { field, wireType } = readTag(reader, 'ModelProto');
      const expected = MODEL_PROTO_WIRE_TYPES[field];
      if (expected !== undefined && expected !== wireType) {
        throw new OnnxFormatError(`ModelProto field ${field} has wire type ${wireType} where the ONNX schema has ${expected}`);
      }
      if (field === METADATA_PROPS) {
        const [key, value] = readStringEntry(reader);
        entries.set(key, value);
      } else {
        if (field === IR_VERSION) sawIrVersion = true;
        if (field === GRAPH) sawGraph = true;
        reader.skipType(wireType);
      }
    }
  } catch (error) {
    const detail = error instanceof OnnxFormatError ? error.message : `the protobuf data is malformed or truncated (${(error as Error).message})`;
    throw new ModelLoadError('MODEL_INVALID', source, `not an ONNX model: ${detail}`, { cause: error });
  }
  if (!sawIrVersion || !sawGraph) {
    const missing = [!sawIrVersion && 'ir_version (field 1)', !sawGraph && 'graph (field 7)'].filter(Boolean).join(' and ');
    throw new ModelLoadError('MODEL_INVALID', source, `not an ONNX model: the data parses as protobuf but has no ${missing}`);
  }
  return Object.fromEntries(entries);
}

/** A structural problem found while walking the protobuf (as opposed to a decoder error). */
class OnnxFormatError extends Error {}

function readTag(reader: ProtobufReader, message: string): { field: number; wireType: number } {
  const tag = reader.uint32();
  const field = tag >>> 3;
  const wireType = tag & 7;
  if (field === 0) throw new OnnxFormatError(`${message} has a field numbered 0 at byte ${reader.pos}, which protobuf forbids`);
  // ONNX uses no groups (3, 4); 6 and 7 are not wire types at all.
  if (wireType !== VARINT && wireType !== FIXED64 && wireType !== LENGTH_DELIMITED && wireType !== FIXED32) {
    throw new OnnxFormatError(`${message} field ${field} has wire type ${wireType}, which ONNX never uses`);
  }
  return { field, wireType };
}

/** Reads one length-delimited `StringStringEntryProto { string key = 1; string value = 2; }`. */
function readStringEntry(reader: ProtobufReader): [string, string] {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) {
    throw new OnnxFormatError(`a metadata_props entry claims ${length} bytes but only ${reader.len - reader.pos} remain (truncated file?)`);
  }
  let key = '';
  let value = '';
  while (reader.pos < end) {
    const { field, wireType } = readTag(reader, 'StringStringEntryProto');
    if ((field === ENTRY_KEY || field === ENTRY_VALUE) && wireType !== LENGTH_DELIMITED) {
      throw new OnnxFormatError(`StringStringEntryProto field ${field} has wire type ${wireType} where the ONNX schema has a string`);
    }
    if (field === ENTRY_KEY) key = reader.string();
    else if (field === ENTRY_VALUE) value = reader.string();
    else reader.skipType(wireType);
  }
  if (reader.pos !== end) throw new OnnxFormatError('a metadata_props entry overruns its declared length');
  return [key, value];
}
