import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readImageRequest } from './image-request.js';
import { requestPredictOptions } from './request-options.js';
import { predictForRequest } from './request-prediction.js';
import type { ServedModel } from './served-model.js';
import { modelNamed, type ServerState } from './server-state.js';
import { errorBodySchema, predictQuerySchema, resultSchema } from './openapi-schemas.js';

/** `POST /v1/predict` (the first model) and `POST /v1/models/{name}/predict`. @internal */
export function registerRestRoutes(app: FastifyInstance, state: ServerState): void {
  const schema = (summary: string, params?: object) => ({
    summary,
    description:
      'The image as the raw body (Content-Type image/jpeg, image/png, image/webp, ... or application/octet-stream), as the first file of a ' +
      'multipart/form-data body, or as JSON { "url": ..., ...options } when the server fetches from allowed origins. The answer is the ' +
      'result JSON of `yolokit predict` with the model name and the request id.',
    tags: ['REST'],
    ...(params ? { params } : {}),
    querystring: predictQuerySchema,
    response: { 200: resultSchema, '4xx': errorBodySchema, '5xx': errorBodySchema },
  });
  app.post('/v1/predict', { schema: schema('Predict with the default model (the first one served)') }, (request, reply) =>
    predictRoute(state, state.defaultModel, request, reply),
  );
  app.post<{ Params: { name: string } }>(
    '/v1/models/:name/predict',
    { schema: schema('Predict with the named model', { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }) },
    (request, reply) => predictRoute(state, modelNamed(state, request.params.name), request, reply),
  );
}

async function predictRoute(state: ServerState, model: ServedModel, request: FastifyRequest, reply: FastifyReply) {
  const controller = new AbortController();
  const { image, jsonOptions } = await readImageRequest(request, state.limits, controller.signal);
  const options = {
    ...requestPredictOptions(request.query as Record<string, unknown>, 'query'),
    ...requestPredictOptions(jsonOptions, 'body'),
  };
  const result = await predictForRequest(state.prediction, model.predictor, image, options, reply, controller);
  return { ...result.toJSON(), model: model.name, requestId: request.id };
}
