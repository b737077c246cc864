/**
 * A valid ONNX model of one `Identity` node, with any declared input shape and metadata: enough for
 * onnxruntime to create a session, so tests can show what yolokit does with the shape a model declares.
 * Written with a few lines of protobuf encoding (field numbers from onnx.proto) rather than a dependency.
 */

const encoder = new TextEncoder();

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = BigInt(value);
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest > 0n) byte |= 0x80;
    out.push(byte);
  } while (rest > 0n);
  return out;
}

const integer = (field: number, value: number): number[] => [...varint(field << 3), ...varint(value)];

function lengthDelimited(field: number, payload: string | number[]): number[] {
  const bytes = typeof payload === 'string' ? [...encoder.encode(payload)] : payload;
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
}

/** ValueInfoProto { name, type: TypeProto { tensor_type { elem_type: FLOAT, shape { dim { dim_value } } } } } */
function valueInfo(name: string, dims: readonly number[]): number[] {
  const shape = dims.flatMap((dim, i) => lengthDelimited(1, dim < 0 ? lengthDelimited(2, `d${i}`) : integer(1, dim)));
  const tensorType = [...integer(1, 1), ...lengthDelimited(2, shape)];
  return [...lengthDelimited(1, name), ...lengthDelimited(2, lengthDelimited(1, tensorType))];
}

/**
 * ModelProto bytes: `images` (float32, `dims`; a negative dim is symbolic) → Identity → `output0`, IR version 8,
 * opset 13, with `metadata` as metadata_props.
 */
export function identityOnnxModel(dims: readonly number[], metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const node = [...lengthDelimited(1, 'images'), ...lengthDelimited(2, 'output0'), ...lengthDelimited(4, 'Identity')];
  const graph = [
    ...lengthDelimited(1, node),
    ...lengthDelimited(2, 'identity'),
    ...lengthDelimited(11, valueInfo('images', dims)),
    ...lengthDelimited(12, valueInfo('output0', dims)),
  ];
  const props = Object.entries(metadata).flatMap(([key, value]) => lengthDelimited(14, [...lengthDelimited(1, key), ...lengthDelimited(2, value)]));
  return new Uint8Array([...integer(1, 8), ...lengthDelimited(7, graph), ...lengthDelimited(8, [...lengthDelimited(1, ''), ...integer(2, 13)]), ...props]);
}
