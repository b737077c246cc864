/**
 * JSON schemas of the Open Inference Protocol's REST answers (KServe v2), written from the protocol's text:
 * https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol (the `$..._response` objects)
 * and its binary tensor data extension (`binary_data_size` replaces `data` in a `$response_output`).
 */
import Ajv from 'ajv';

const datatype = { enum: ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] };
const shape = { type: 'array', items: { type: 'integer' } };
const parameters = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'object', 'array', 'null'] } };
const metadataTensor = { type: 'object', required: ['name', 'datatype', 'shape'], properties: { name: { type: 'string' }, datatype, shape } };
const tensorData = { type: 'array' };

/** The schemas, by the protocol's names. */
export const OIP_SCHEMAS = {
  server_live_response: { type: 'object', required: ['live'], properties: { live: { type: 'boolean' } } },
  server_ready_response: { type: 'object', required: ['ready'], properties: { ready: { type: 'boolean' } } },
  model_ready_response: { type: 'object', required: ['name', 'ready'], properties: { name: { type: 'string' }, ready: { type: 'boolean' } } },
  server_metadata_response: {
    type: 'object',
    required: ['name', 'version', 'extensions'],
    properties: { name: { type: 'string' }, version: { type: 'string' }, extensions: { type: 'array', items: { type: 'string' } } },
  },
  metadata_model_response: {
    type: 'object',
    required: ['name', 'platform', 'inputs', 'outputs'],
    properties: {
      name: { type: 'string' },
      versions: { type: 'array', items: { type: 'string' } },
      platform: { type: 'string' },
      inputs: { type: 'array', items: metadataTensor },
      outputs: { type: 'array', items: metadataTensor },
    },
  },
  inference_response: {
    type: 'object',
    required: ['model_name', 'outputs'],
    properties: {
      model_name: { type: 'string' },
      model_version: { type: 'string' },
      id: { type: 'string' },
      parameters,
      outputs: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'shape', 'datatype'],
          properties: { name: { type: 'string' }, shape, datatype, parameters, data: tensorData },
          // JSON data, or the binary extension's size of the bytes after the JSON.
          oneOf: [
            { required: ['data'] },
            { required: ['parameters'], properties: { parameters: { required: ['binary_data_size'], properties: { binary_data_size: { type: 'integer', minimum: 0 } } } } },
          ],
        },
      },
    },
  },
  error_response: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = Object.fromEntries(Object.entries(OIP_SCHEMAS).map(([name, schema]) => [name, ajv.compile(schema)]));

/** The schema errors of `value` against the protocol's `name` object, as text; `[]` when it conforms. */
export function oipSchemaErrors(name: keyof typeof OIP_SCHEMAS, value: unknown): string[] {
  const validate = validators[name];
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** Splits a binary-extension answer into its JSON header and the bytes of each binary output, in order. */
export function splitBinaryResponse(body: Buffer, headerLength: number): { header: { outputs: Array<{ name: string; parameters?: { binary_data_size?: number }; data?: unknown }> } & Record<string, unknown>; tensors: Map<string, Buffer> } {
  const header = JSON.parse(body.subarray(0, headerLength).toString('utf8'));
  const tensors = new Map<string, Buffer>();
  let offset = headerLength;
  for (const output of header.outputs) {
    const size = output.parameters?.binary_data_size;
    if (size === undefined) continue;
    tensors.set(output.name, body.subarray(offset, offset + size));
    offset += size;
  }
  if (offset !== body.byteLength) throw new Error(`binary answer: ${body.byteLength - offset} bytes left after the tensors`);
  return { header, tensors };
}
