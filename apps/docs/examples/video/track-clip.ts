// Track the shapes of a video with the default model: one JSON line per frame, each detection with its trackId.
import { onnx } from '@yolokit/backend-onnx';
import { createModel } from '@yolokit/core';
import { DEFAULT_MODEL_PREDICT_DEFAULTS, defaultModelPath } from '@yolokit/default-model';
import { track } from '@yolokit/stream';

const model = await createModel({ backend: onnx(), model: defaultModelPath(), defaults: DEFAULT_MODEL_PREDICT_DEFAULTS });
for await (const frame of track(model, 'shapes.mp4')) {
  // {"source":"shapes.mp4","frame":0,"time":0,"width":160,"height":160,"detections":[{...,"trackId":1}],"speed":{...}}
  console.log(JSON.stringify(frame));
}
await model.dispose();
