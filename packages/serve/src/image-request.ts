import { fetchWithLimits, type ImageInput, type PinnedAddress, ReadLimitError } from '@yolokit/core';
import { checkHost, type HostCheckOptions } from '@yolokit/core/internal';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './http-error.js';

/**
 * Where `{ "url": ... }` bodies may point, and how much may be downloaded. Off unless `allowedOrigins` is given.
 * An origin named by a DNS name is fetched from only while every address the name resolves to is public; the
 * name is resolved once per request and the download connects to the address that was checked (a DNS answer
 * that changes between check and connection, DNS rebinding, cannot lead to this machine or its network). To
 * fetch from a private or loopback server, allow its address itself (`http://10.0.0.5:8080`).
 */
export interface UrlFetchOptions {
  /** Origins images may be fetched from, such as `https://images.example.com` (scheme, host and port; exact match). */
  readonly allowedOrigins: readonly string[];
  /**
   * Most bytes to download per image.
   * @defaultValue the server's `maxBodyBytes`
   */
  readonly maxBytes?: number;
  /**
   * Most milliseconds for a download (answer and body).
   * @defaultValue 10000
   */
  readonly timeoutMs?: number;
}

/** The image of a `POST /v1/predict` request, with the JSON body's other fields (its options). */
export interface ImageRequest {
  readonly image: ImageInput;
  readonly jsonOptions: Readonly<Record<string, unknown>>;
}

/** Limits {@link readImageRequest} applies. */
export interface ImageRequestLimits {
  readonly maxBodyBytes: number;
  readonly urlFetch:
    | {
        readonly origins: ReadonlySet<string>;
        readonly maxBytes: number;
        readonly timeoutMs: number;
        /** Replaces the DNS lookup and the private-address test; for tests only. */
        readonly hostCheck?: HostCheckOptions;
      }
    | undefined;
}

/**
 * The image of a request: the raw body (`image/*`, `application/octet-stream`), the first file of a
 * `multipart/form-data` body, or a JSON body's `url`, downloaded when the URL's origin is allowed. Never a path:
 * nothing a request says is read from this machine's disk.
 */
export async function readImageRequest(request: FastifyRequest, limits: ImageRequestLimits, signal: AbortSignal): Promise<ImageRequest> {
  const body = request.body;
  const type = String(request.headers['content-type'] ?? '');
  if (Buffer.isBuffer(body) && /^multipart\/form-data/i.test(type)) return { image: await multipartFile(body, type), jsonOptions: {} };
  if (Buffer.isBuffer(body)) return { image: nonEmpty(body), jsonOptions: {} };
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const { url, ...rest } = body as Record<string, unknown>;
    if (typeof url !== 'string') {
      throw new HttpError(400, 'BAD_REQUEST', 'a JSON body must be { "url": "https://...", ...options }; send image bytes as the body (Content-Type: image/jpeg) or as multipart');
    }
    return { image: await fetchImage(url, limits, signal), jsonOptions: rest };
  }
  if (body === undefined || body === null || body === '') {
    throw new HttpError(400, 'BAD_REQUEST', 'the request has no body; send the image as the body with its Content-Type (image/jpeg, image/png, ...)');
  }
  throw new HttpError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')} is not an image; send image/jpeg, image/png, image/webp, ... , multipart/form-data or application/json with a url`,
  );
}

/**
 * The first file of a `multipart/form-data` body (already bounded by the body limit), parsed by the platform's
 * own `Response.formData()` (undici in Node), so no multipart parser of ours or a plugin's is involved.
 */
async function multipartFile(body: Buffer, type: string): Promise<Uint8Array> {
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), { headers: { 'content-type': type } }).formData();
  } catch (error) {
    throw new HttpError(400, 'BAD_REQUEST', `the multipart body could not be parsed: ${(error as Error).message}`, { cause: error });
  }
  let file: Blob | undefined;
  form.forEach((value) => {
    if (file === undefined && typeof value !== 'string') file = value;
  });
  if (file !== undefined) return nonEmpty(Buffer.from(await file.arrayBuffer()));
  throw new HttpError(400, 'BAD_REQUEST', 'the multipart body has no file part; send the image as a file field (curl -F image=@bus.jpg)');
}

function nonEmpty(bytes: Buffer): Uint8Array {
  if (bytes.byteLength === 0) throw new HttpError(400, 'BAD_REQUEST', 'the image is empty (0 bytes); send the image file as the body');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

async function fetchImage(url: string, limits: ImageRequestLimits, signal: AbortSignal): Promise<Uint8Array> {
  if (!limits.urlFetch) {
    throw new HttpError(403, 'URL_NOT_ALLOWED', 'this server does not fetch images from URLs (start it with allowed URL origins); send the image bytes instead');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', `url ${JSON.stringify(url.slice(0, 200))} is not an absolute URL`);
  }
  if (!limits.urlFetch.origins.has(parsed.origin)) {
    throw new HttpError(403, 'URL_NOT_ALLOWED', `images are not fetched from ${parsed.origin}; allowed origins: ${[...limits.urlFetch.origins].join(', ')}`);
  }
  const { maxBytes, timeoutMs, hostCheck } = limits.urlFetch;
  const connectTo = await checkedAddress(parsed, hostCheck);
  try {
    // No redirects: a redirect could lead to an origin that is not allowed (or to this machine's own services).
    // With a pinned address a redirect comes back as its status (answered below as IMAGE_UNREADABLE).
    const fetched = await fetchWithLimits(parsed, { maxBytes, timeoutMs, signal, init: { redirect: 'error' }, connectTo });
    if (!fetched.ok) throw new HttpError(422, 'IMAGE_UNREADABLE', `fetching ${parsed.href} answered ${fetched.status} ${fetched.statusText}`);
    if (fetched.bytes.byteLength === 0) throw new HttpError(422, 'IMAGE_UNREADABLE', `${parsed.href} answered an empty body`);
    return fetched.bytes;
  } catch (error) {
    if (error instanceof HttpError) throw error;
    if (error instanceof ReadLimitError) {
      if (error.reason === 'timed-out') throw new HttpError(504, 'TIMEOUT', `fetching ${parsed.href} failed: ${error.message}`, { cause: error });
      throw new HttpError(413, 'BODY_TOO_LARGE', `fetching ${parsed.href} was refused: ${error.message}`, { cause: error });
    }
    if (signal.aborted) throw error;
    throw new HttpError(422, 'IMAGE_UNREADABLE', `fetching ${parsed.href} failed: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The address to download from: the one address checked when the origin's host is a DNS name (resolved once,
 * every address public), undefined when the origin names an address itself (the operator allowed it as it is).
 */
async function checkedAddress(url: URL, hostCheck: HostCheckOptions | undefined): Promise<PinnedAddress | undefined> {
  let host: Awaited<ReturnType<typeof checkHost>>;
  try {
    host = await checkHost(url, hostCheck);
  } catch (error) {
    throw new HttpError(422, 'IMAGE_UNREADABLE', `fetching ${url.href} failed: its host does not resolve (${(error as Error).message})`, { cause: error });
  }
  if (host.kind === 'private') {
    throw new HttpError(
      403,
      'URL_NOT_ALLOWED',
      `images are not fetched from ${url.origin}: its host resolves to a private or loopback address (allow the address itself as an origin to fetch from such a server)`,
    );
  }
  return host.kind === 'public' ? host.address : undefined;
}
