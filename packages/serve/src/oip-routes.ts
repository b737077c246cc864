import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { imageFromInput, OUTPUT_NAMES, type OutputTensor, outputTensors, parseInferBody } from './oip-tensors.js';
import { requestPredictOptions } from './request-options.js';
import { predictForRequest } from './request-prediction.js';
import type { ServedModel } from './served-model.js';
import { modelNamed, type ServerState } from './server-state.js';

/** OIP request parameters that are the protocol's, not prediction options. */
const PROTOCOL_PARAMETERS = ['binary_data_output'];

const nameParams = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
const tags = ['Open Inference Protocol (KServe v2)'];

/**
 * The Open Inference Protocol's REST routes (KServe v2; Triton, OpenVINO Model Server and others speak it), so
 * its clients and gateways can call the server. Model versions are not used: every model is version `1`.
 * @internal
 */
export function registerOipRoutes(app: FastifyInstance, state: ServerState): void {
  app.get('/v2', { schema: { summary: 'Server metadata', tags } }, () => ({ name: 'yolokit', version: '1', extensions: ['binary_tensor_data'] }));
  app.get('/v2/health/live', { schema: { summary: 'Liveness: answers while the process serves HTTP', tags } }, () => ({ live: true }));
  app.get('/v2/health/ready', { schema: { summary: 'Readiness: every model is loaded and the server is not shutting down', tags } }, (_request, reply) => {
    const ready = !state.closing;
    return reply.status(ready ? 200 : 503).send({ ready });
  });
  app.get<{ Params: { name: string } }>('/v2/models/:name', { schema: { summary: 'Model metadata: inputs, outputs, class names', tags, params: nameParams } }, (request) =>
    modelMetadata(modelNamed(state, request.params.name)),
  );
  app.get<{ Params: { name: string } }>('/v2/models/:name/ready', { schema: { summary: 'Model readiness', tags, params: nameParams } }, (request, reply) => {
    const model = modelNamed(state, request.params.name);
    const ready = !state.closing;
    return reply.status(ready ? 200 : 503).send({ name: model.name, ready });
  });
  app.post<{ Params: { name: string } }>(
    '/v2/models/:name/infer',
    {
      schema: {
        summary: 'Inference: one image input (BYTES [1] encoded, or UINT8 [h, w, 3] pixels); JSON or the binary tensor data extension',
        tags,
        params: nameParams,
      },
    },
    (request, reply) => infer(state, modelNamed(state, request.params.name), request, reply),
  );
  app.get<{ Params: { name: string; version: string } }>('/v2/models/:name/versions/:version', { schema: { hide: true } }, (request) =>
    modelMetadata(modelNamed(state, request.params.name)),
  );
}

/** `$metadata_model_response`, with the model's facts under `parameters`. */
function modelMetadata(model: ServedModel) {
  const info = model.predictor.info;
  return {
    name: model.name,
    versions: ['1'],
    platform: info ? `yolokit/${info.backend}` : 'yolokit',
    inputs: [{ name: 'image', datatype: 'BYTES', shape: [1] }],
    outputs: [
      { name: 'boxes', datatype: 'FP32', shape: [-1, 4] },
      { name: 'scores', datatype: 'FP32', shape: [-1] },
      { name: 'class_ids', datatype: 'INT32', shape: [-1] },
      { name: 'result', datatype: 'BYTES', shape: [1] },
    ],
    parameters: {
      task: info?.task ?? null,
      strategy: model.predictor.strategy,
      runtime: info?.runtime ?? null,
      imgsz: info ? [info.imgsz[0], info.imgsz[1]] : null,
      names: info?.metadata.names ?? {},
    },
  };
}

async function infer(state: ServerState, model: ServedModel, request: FastifyRequest, reply: FastifyReply) {
  const header = request.headers['inference-header-content-length'];
  const { request: body, binary } = parseInferBody(request.body, typeof header === 'string' ? header : undefined);
  const image = imageFromInput(body.inputs[0], binary);
  const options = requestPredictOptions(body.parameters ?? {}, 'parameters', PROTOCOL_PARAMETERS);
  const result = await predictForRequest(state.prediction, model.predictor, image, options, reply);
  const tensors = outputTensors(result, { ...result.toJSON(), model: model.name, requestId: request.id });
  const wanted = body.outputs ?? OUTPUT_NAMES.map((name) => ({ name, parameters: undefined }));
  const binaryAll = body.parameters?.binary_data_output === true;
  const chosen = wanted.map((output) => ({
    tensor: tensors.find((t) => t.name === output.name) as OutputTensor,
    binary: output.parameters?.binary_data === true || (binaryAll && output.parameters?.binary_data !== false),
  }));
  const outputs = chosen.map(({ tensor, binary: asBinary }) => ({
    name: tensor.name,
    datatype: tensor.datatype,
    shape: tensor.shape,
    ...(asBinary ? { parameters: { binary_data_size: tensor.bytes.byteLength } } : { data: tensor.json }),
  }));
  const response = { model_name: model.name, model_version: '1', id: body.id ?? request.id, outputs };
  if (!chosen.some((c) => c.binary)) return response;
  const json = Buffer.from(JSON.stringify(response), 'utf8');
  const parts = [json, ...chosen.filter((c) => c.binary).map((c) => c.tensor.bytes)];
  return reply
    .header('inference-header-content-length', String(json.byteLength))
    .type('application/octet-stream')
    .send(Buffer.concat(parts));
}

