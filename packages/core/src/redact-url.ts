/**
 * A URL without its password (`redis://:***@host:6379`), for messages, logs and recorded results: the one
 * redactor of yolokit (the CLI's `--redis`, the queue's connection errors). Text that is no URL comes back as
 * `invalid`, by default unchanged.
 *
 * @internal Shared by yolokit's packages through `@yolokit/core/internal`; not part of the public API.
 */
export function redactUrl(url: string, invalid: string = url): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href.replace(/\/$/, '');
  } catch {
    return invalid;
  }
}
