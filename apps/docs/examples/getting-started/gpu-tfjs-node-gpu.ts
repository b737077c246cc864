// Linux with an NVIDIA GPU and the CUDA/cuDNN versions its libtensorflow expects:
//   npm install @yolokit/core @yolokit/backend-tfjs @tensorflow/tfjs-node-gpu
import { tfjs } from '@yolokit/backend-tfjs';
import { createModel } from '@yolokit/core';

// Forcing the runtime fails loudly (BACKEND_UNAVAILABLE, naming the package to install) instead of
// quietly running on the CPU; tfjs() alone would pick tfjs-node-gpu first when it initialises.
const model = await createModel({ backend: tfjs({ runtime: 'tfjs-node-gpu' }), model: 'yolov8n_web_model/' });
console.log(model.info.runtime); // "tfjs 4.22.0 (tfjs-node-gpu)"
await model.dispose();
