/**
 * JSON schemas of the routes, for the OpenAPI document only: the server validates requests with the library's
 * own validators (one set of rules and messages) and serialises answers with `JSON.stringify`, so these never
 * reject or trim anything.
 */

/** `{ code, message }`. */
export const errorBodySchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', description: "The library's stable error code (INVALID_OPTION, IMAGE_UNREADABLE, QUEUE_FULL, TIMEOUT, ...) or an HTTP one (BODY_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, UNAUTHORIZED, URL_NOT_ALLOWED, BAD_REQUEST, NOT_FOUND)" },
    message: { type: 'string' },
    error: { type: 'string', description: 'Open Inference Protocol routes: the message again, as the protocol names it' },
  },
} as const;

/** Prediction options in the query string. */
export const predictQuerySchema = {
  type: 'object',
  properties: {
    conf: { type: 'number', minimum: 0, maximum: 1, description: 'minimum confidence (default: the model\'s, else 0.25)' },
    iou: { type: 'number', minimum: 0, maximum: 1, description: 'NMS IoU threshold (default 0.7)' },
    maxDet: { type: 'integer', minimum: 1, maximum: 100000, description: 'most detections per image (default 300)' },
    classes: { type: 'string', description: 'class ids to keep, comma-separated: 0,2' },
    agnostic: { type: 'boolean', description: 'class-agnostic NMS' },
    imgsz: { type: 'string', description: 'input size for dynamic models: 640 or 480,640' },
    retinaMasks: { type: 'boolean', description: 'segmentation masks at the image\'s resolution' },
  },
} as const;

/** The result JSON of `yolokit predict` (`Result.toJSON()`), with the model and the request id. */
export const resultSchema = {
  type: 'object',
  required: ['width', 'height', 'detections', 'speed', 'model', 'requestId'],
  properties: {
    task: { type: 'string', enum: ['segment', 'pose', 'obb', 'classify'] },
    width: { type: 'integer' },
    height: { type: 'integer' },
    detections: {
      type: 'array',
      items: {
        type: 'object',
        required: ['box', 'confidence', 'classId', 'className'],
        properties: {
          box: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4, description: 'x1, y1, x2, y2 in image pixels' },
          confidence: { type: 'number' },
          classId: { type: 'integer' },
          className: { type: 'string' },
          mask: { type: 'object', description: 'segment: COCO compressed RLE { size: [h, w], counts }' },
          keypoints: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
          obb: { type: 'object', description: 'obb: { cx, cy, w, h, angle }' },
          corners: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
        },
      },
    },
    skeleton: { type: 'array', items: { type: 'array', items: { type: 'integer' } } },
    probs: { type: 'array', items: { type: 'number' } },
    top5: { type: 'array', items: { type: 'object' } },
    speed: { type: 'object', properties: { preprocess: { type: 'number' }, inference: { type: 'number' }, postprocess: { type: 'number' } } },
    model: { type: 'string' },
    requestId: { type: 'string' },
  },
} as const;
