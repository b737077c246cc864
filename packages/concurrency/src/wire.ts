/**
 * What crosses to a worker thread or process and back: images, options, results and errors as plain data.
 * @internal
 */
import { describeImage, ImageDecodeError, type ImageInput, isRawImage, type ModelInfo, type PredictOptions, type ResultWire, type SerializedYoloError } from '@yolokit/core';

export type WireImage =
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'url'; readonly href: string }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'raw'; readonly data: Uint8Array; readonly width: number; readonly height: number; readonly channels: 3 | 4 };

export type WireOptions = Omit<PredictOptions, 'signal'>;

export interface WireTask {
  readonly image: WireImage;
  readonly options: WireOptions | undefined;
}

/**
 * A task's answer. The result is in `Result.toWire('bytes')` form: masks as packed bits in Uint8Arrays and
 * keypoints as Float32Arrays, which structured clone (threads, `serialization: 'advanced'` processes) carries as
 * binary; the JSON form would turn every mask into an RLE string to parse again on this side.
 */
export type WireReply = { readonly ok: true; readonly result: ResultWire } | { readonly ok: false; readonly error: SerializedYoloError };

/** Facts a worker reports once its model is loaded. */
export interface WorkerHello {
  readonly info: ModelInfo;
}

/**
 * Turns an image into wire form. With `transfer`, bytes whose view covers a whole, unshared ArrayBuffer are
 * listed for transfer (moved, not copied; the caller's buffer is detached afterwards). Views into a larger
 * buffer (Node's pooled small Buffers, slices) are copied, so unrelated data is never detached.
 */
export function toWireImage(image: ImageInput, transfer: boolean): { image: WireImage; transferList: ArrayBuffer[] } {
  const transferList: ArrayBuffer[] = [];
  const bytesOf = (view: Uint8Array | Uint8ClampedArray): Uint8Array => {
    const whole = view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
    if (transfer && whole) {
      transferList.push(view.buffer as ArrayBuffer);
      return new Uint8Array(view.buffer, 0, view.byteLength);
    }
    return new Uint8Array(view);
  };
  if (typeof image === 'string') return { image: { kind: 'path', path: image }, transferList };
  if (image instanceof URL) return { image: { kind: 'url', href: image.href }, transferList };
  if (image instanceof Uint8Array) return { image: { kind: 'bytes', bytes: bytesOf(image) }, transferList };
  if (image instanceof ArrayBuffer) {
    if (transfer) transferList.push(image);
    return { image: { kind: 'bytes', bytes: new Uint8Array(transfer ? image : image.slice(0)) }, transferList };
  }
  if (isRawImage(image) && (image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray)) {
    const { width, height, channels } = image;
    return { image: { kind: 'raw', data: bytesOf(image.data), width, height, channels }, transferList };
  }
  throw new ImageDecodeError(
    describeImage(image),
    `unsupported image input ${describeImage(image)}: give a file path, a file: URL, encoded bytes (Uint8Array/ArrayBuffer) or { data, width, height, channels }`,
  );
}

/**
 * The buffers of a result's masks that can be transferred rather than copied: each mask's bits when they are
 * the whole of an (unshared) ArrayBuffer, as the masks a model computes are. A view into a larger buffer would
 * detach its neighbours too, so it is left to be copied. The sender must not use the masks afterwards.
 */
export function resultTransferList(result: ResultWire): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const detection of result.detections) {
    const bits = detection.mask?.bits;
    if (!(bits instanceof Uint8Array) || !(bits.buffer instanceof ArrayBuffer)) continue;
    if (bits.byteOffset === 0 && bits.byteLength === bits.buffer.byteLength && bits.byteLength > 0) buffers.add(bits.buffer);
  }
  return [...buffers];
}

export function fromWireImage(image: WireImage): ImageInput {
  switch (image.kind) {
    case 'path':
      return image.path;
    case 'url':
      return new URL(image.href);
    case 'bytes':
      return image.bytes;
    case 'raw':
      return { data: image.data, width: image.width, height: image.height, channels: image.channels };
  }
}

/** Any thrown value in wire form: core's one serialiser (see `deserializeError` for the way back). */
export { serializeError } from '@yolokit/core';

/** Third-party backends signal load errors with a plain Error carrying a yolokit `code`: keep that code. */
export function errorCodeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined;
}
