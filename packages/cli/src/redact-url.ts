/** A URL without its password (`redis://:***@host:6379`), for what the CLI prints or records; text that is no URL as it is. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href.replace(/\/$/, '');
  } catch {
    return url;
  }
}
