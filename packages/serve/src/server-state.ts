import type { ImageRequestLimits } from './image-request.js';
import type { PredictionContext } from './request-prediction.js';
import { HttpError } from './http-error.js';
import type { ServedModel } from './served-model.js';

/** What the routes of one server share. @internal */
export interface ServerState {
  readonly models: ReadonlyMap<string, ServedModel>;
  /** The model `POST /v1/predict` uses: the first one given. */
  readonly defaultModel: ServedModel;
  readonly limits: ImageRequestLimits;
  readonly prediction: PredictionContext;
  /** Set when shutdown starts: readiness turns 503. */
  closing: boolean;
}

/** The served model called `name`, or a 404 `MODEL_NOT_FOUND`. @internal */
export function modelNamed(state: ServerState, name: string): ServedModel {
  const model = state.models.get(name);
  if (!model) {
    throw new HttpError(404, 'MODEL_NOT_FOUND', `no model named ${JSON.stringify(name.slice(0, 128))} is served here; served: ${[...state.models.keys()].join(', ')}`);
  }
  return model;
}
