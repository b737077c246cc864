// In the browser: a webcam tracked live with @yolokit/stream/browser, boxes and track ids drawn on a canvas laid
// over the <video>. Leaving the loop (the signal) stops the camera.
import { onnxWeb } from '@yolokit/backend-onnx/web';
import { createModel } from '@yolokit/core';
import { track } from '@yolokit/stream/browser';

export async function trackWebcam(video: HTMLVideoElement, overlay: HTMLCanvasElement, signal: AbortSignal): Promise<void> {
  const model = await createModel({ backend: onnxWeb(), model: '/models/yolov8n.onnx' });
  const camera = await navigator.mediaDevices.getUserMedia({ video: true });
  video.srcObject = camera; // shown to the reader; the frames are read from the track itself
  await video.play();
  const context = overlay.getContext('2d')!;
  try {
    for await (const frame of track(model, camera, { signal, predict: { conf: 0.3 } })) {
      overlay.width = frame.width;
      overlay.height = frame.height;
      for (const { trackId, detection } of frame.tracks ?? []) {
        const [x1, y1, x2, y2] = detection.box;
        context.strokeRect(x1, y1, x2 - x1, y2 - y1);
        context.fillText(`${detection.className} id:${trackId}`, x1, y1 - 4);
      }
      console.log(`frame ${frame.frame}, ${frame.dropped} dropped so far`);
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    video.srcObject = null;
    await model.dispose();
  }
}
