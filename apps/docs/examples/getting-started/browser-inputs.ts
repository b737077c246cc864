// In a browser bundle: the model of yolo() from the /web entry (or of core's browser createModel) takes the
// browser's image objects as they are, besides URLs, encoded bytes and raw pixels.
import { yolo } from '@yolokit/backend-onnx/web';
import { ImageDecodeError } from '@yolokit/core';

const model = await yolo('/models/yolov8n.onnx', { runtime: { wasmPaths: '/ort/' } });

// An <img>: awaited if it is still loading, read at its natural size (same-origin, or served with CORS).
const image = document.querySelector('img')!;
console.log((await model.predict(image)).detections.map((d) => d.className));

// A canvas as it is drawn now; an OffscreenCanvas, ImageData or ImageBitmap the same way.
const canvas = document.querySelector('canvas')!;
await model.predict(canvas);

// A VideoFrame (WebCodecs, MediaStreamTrackProcessor): yolokit never closes it; close it once predict settles.
const frame = new VideoFrame(canvas, { timestamp: 0 });
try {
  await model.predict(frame);
} finally {
  frame.close();
}

// A closed frame or bitmap, a zero-size canvas or a broken <img> is an ImageDecodeError.
try {
  await model.predict(frame);
} catch (error) {
  if (error instanceof ImageDecodeError) console.warn(error.code, error.message); // IMAGE_UNREADABLE: <VideoFrame 0x0> is closed ...
}
