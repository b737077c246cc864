/**
 * What the demo tells a person when it cannot use their model or image: what went wrong in their terms and
 * what to do, keyed by the stable `YoloError` codes; the library's own message follows as the detail.
 */
export interface ErrorExplanation {
  readonly title: string;
  readonly advice: string;
}

const EXPLANATIONS: Readonly<Record<string, ErrorExplanation>> = {
  MODEL_INVALID: {
    title: 'This model cannot be used',
    advice:
      'The demo runs YOLO detection, segmentation and pose models exported to ONNX by Ultralytics (yolo export model=yolov8n.pt format=onnx). ' +
      'PyTorch .pt files, TF.js folders, half-precision exports and files that are not ONNX do not load here; a truncated download does not either.',
  },
  MODEL_NOT_FOUND: {
    title: 'The model could not be downloaded',
    advice: 'Check the URL. The server must allow cross-origin requests (CORS) from this page, or download the file and pick it instead.',
  },
  MODEL_OUTPUT_UNSUPPORTED: {
    title: 'This model is not one yolokit can run yet',
    advice:
      'It loaded, but its task or its outputs are not ones yolokit decodes (detection: [1, 4+classes, N] for YOLOv8/YOLO11, [1, N, 5+classes] for YOLOv5, [1, N, 6] for YOLOv10/YOLO26; ' +
      'segmentation adds 32 mask coefficients and a prototype output; pose adds the keypoints of its kpt_shape; oriented boxes add an angle: [1, 4+classes+1, N]; classification: [1, classes]). The detail below names the task and the shapes it saw.',
  },
  IMAGE_UNREADABLE: {
    title: 'This image cannot be read',
    advice: 'The browser could not decode the file as an image. Use a JPEG, PNG, WebP or GIF.',
  },
  IMAGE_TOO_SMALL: {
    title: 'This image is too small',
    advice: 'Nothing can be detected in an image under 2×2 pixels.',
  },
  BACKEND_UNAVAILABLE: {
    title: 'The runtime is not available in this browser',
    advice: 'Choose "WebAssembly" as the runtime: it works in every current browser. WebGPU needs a browser and a GPU that offer it.',
  },
  INVALID_OPTION: {
    title: 'An option is out of range',
    advice: 'Confidence and IoU thresholds are numbers from 0 to 1.',
  },
  INFERENCE_FAILED: {
    title: 'The model failed while running',
    advice: 'The runtime could not run this model on the image. Try the WebAssembly runtime, or another export of the model.',
  },
};

/** The explanation for an error code; unknown codes get a generic one. */
export function explainError(code: string, stage: 'load' | 'predict'): ErrorExplanation {
  return (
    EXPLANATIONS[code] ?? {
      title: stage === 'load' ? 'The model could not be loaded' : 'Detection failed',
      advice: 'The details below say what the library reported.',
    }
  );
}
