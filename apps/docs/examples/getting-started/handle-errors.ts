import { onnx } from '@yolokit/backend-onnx';
import { createModel, YoloError } from '@yolokit/core';

try {
  const model = await createModel({ backend: onnx(), model: 'yolov8n.onnx' });
  console.log((await model.predict('holiday.heic')).detections.length);
} catch (error) {
  if (!YoloError.isInstance(error)) throw error;
  switch (error.code) {
    case 'MODEL_NOT_FOUND':
    case 'MODEL_INVALID':
      console.error('fix the model path or re-export it:', error.message);
      break;
    case 'IMAGE_UNREADABLE':
    case 'IMAGE_TOO_SMALL':
      console.error('skip this image:', error.message);
      break;
    default:
      throw error;
  }
}
