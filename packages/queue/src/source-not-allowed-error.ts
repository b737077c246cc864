import { registerErrorClasses, YoloError } from '@yolokit/core';

/**
 * A queue worker refused to read a path or fetch a URL named in a job: it is outside the worker's allowed roots
 * (`allowRoots`, `yolokit worker --allow-root`) and URL prefixes (`allowUrls`, `--allow-url`), or a redirect
 * led outside them, or the URL's host resolves to a private, loopback or link-local address its prefix does not
 * name. Code `SOURCE_NOT_ALLOWED`; never retried.
 *
 * The message is the same for every refusal: it tells whoever wrote the job neither whether a file exists nor
 * what an endpoint answered.
 */
export class SourceNotAllowedError extends YoloError {
  /** What kind of source was refused: a path (or `file:` URL), or an http(s) URL. */
  readonly kind: 'path' | 'url';
  constructor(kind: 'path' | 'url') {
    super(
      'SOURCE_NOT_ALLOWED',
      kind === 'path'
        ? "image path not allowed: this worker reads only paths under its allowed roots (createQueueWorker's allowRoots, yolokit worker --allow-root DIR); send the image's bytes, or start the worker with a root that holds it"
        : "image URL not allowed: this worker fetches only URLs under its allowed prefixes (createQueueWorker's allowUrls, yolokit worker --allow-url PREFIX); send the image's bytes, or start the worker with a prefix that holds it",
    );
    this.kind = kind;
  }
}

registerErrorClasses(SourceNotAllowedError);
