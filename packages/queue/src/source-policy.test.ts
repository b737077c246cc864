import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveAllowRoots, resolveAllowUrls, SourcePolicy } from './source-policy.js';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'yolokit-sources-')));
const root = join(base, 'root');
mkdirSync(join(root, 'sub'), { recursive: true });
writeFileSync(join(root, 'sub', 'a.jpg'), 'x');
writeFileSync(join(base, 'outside.jpg'), 'x');
symlinkSync(base, join(root, 'escape'));
symlinkSync(join(root, 'sub'), join(base, 'into-root'));

const refusal = (kind: 'path' | 'url') => ({ name: 'SourceNotAllowedError', code: 'SOURCE_NOT_ALLOWED', kind });

describe('allowed roots', () => {
  const policy = new SourcePolicy(resolveAllowRoots([root]), []);

  it('a file under a root is read by its real path, also through a link into the root and as a file: URL', async () => {
    expect(await policy.checkPath(join(root, 'sub', 'a.jpg'))).toBe(join(root, 'sub', 'a.jpg'));
    expect(await policy.checkPath(join(base, 'into-root', 'a.jpg'))).toBe(join(root, 'sub', 'a.jpg'));
    expect(await policy.checkPath(pathToFileURL(join(root, 'sub', 'a.jpg')).href)).toBe(join(root, 'sub', 'a.jpg'));
    // Missing under the root: left to the reader, which reports it missing.
    expect(await policy.checkPath(join(root, 'sub', 'missing.jpg'))).toBe(join(root, 'sub', 'missing.jpg'));
  });

  it('outside the root, by .., by a symbolic link or missing: the same refusal', async () => {
    const refused = [join(base, 'outside.jpg'), join(root, '..', 'outside.jpg'), join(root, 'escape', 'outside.jpg'), join(root, 'escape', 'missing.jpg'), join(base, 'missing.jpg'), '/etc/passwd'];
    const messages = new Set<string>();
    for (const path of refused) {
      const error = await policy.checkPath(path).then(() => undefined, (e: Error) => e);
      expect(error, path).toMatchObject(refusal('path'));
      messages.add((error as Error).message);
    }
    expect(messages.size).toBe(1);
  });

  it('no roots: no path at all', async () => {
    await expect(new SourcePolicy([], []).checkPath(join(root, 'sub', 'a.jpg'))).rejects.toMatchObject(refusal('path'));
  });
});

describe('allowed URL prefixes', () => {
  const lookups: string[] = [];
  const dns: Record<string, string[]> = { 'images.example.com': ['93.184.216.34', '2606:2800:220:1::1'], 'rebound.example.com': ['93.184.216.34', '::ffff:7f00:1'], 'intranet.example.com': ['10.1.2.3'] };
  const lookup = async (host: string) => {
    lookups.push(host);
    return (dns[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const policy = new SourcePolicy(
    [],
    resolveAllowUrls(['https://images.example.com/uploads/', 'https://rebound.example.com/', 'http://intranet.example.com/', 'http://127.0.0.1:8080/img']),
    { lookup },
  );
  const check = (href: string) => policy.fetchImage(href, { maxImageBytes: 10, fetchTimeoutMs: 1, signal: AbortSignal.abort(new Error('checked')) });

  it('same scheme, host and port, a path at or below the prefix: checked, then fetched (here aborted on purpose)', async () => {
    await expect(check('https://images.example.com/uploads/a.jpg')).rejects.toThrow('checked');
    await expect(check('http://127.0.0.1:8080/img/a.jpg')).rejects.toThrow('checked');
    await expect(check('http://127.0.0.1:8080/img')).rejects.toThrow('checked');
  });

  it('another path, scheme, port, host, credentials or a path that only starts like the prefix: refused', async () => {
    for (const href of [
      'https://images.example.com/private/a.jpg',
      'https://images.example.com/uploads/../private/a.jpg',
      'http://images.example.com/uploads/a.jpg',
      'https://images.example.com:8443/uploads/a.jpg',
      'https://user:pw@images.example.com/uploads/a.jpg',
      'http://127.0.0.1:8080/images/a.jpg',
      'http://127.0.0.1:8081/img/a.jpg',
      'file:///etc/passwd',
    ]) {
      await expect(check(href), href).rejects.toMatchObject(refusal('url'));
    }
  });

  it('a name that resolves to a private address (any of its addresses, IPv4-mapped included) is refused unless the prefix names the address', async () => {
    await expect(check('https://rebound.example.com/a.jpg')).rejects.toMatchObject(refusal('url'));
    await expect(check('http://intranet.example.com/a.jpg')).rejects.toMatchObject(refusal('url'));
    expect(lookups).toContain('rebound.example.com');
  });

  // isPrivateAddress itself: core's host-address.test.ts; DNS rebinding: test/hardening-dns-rebinding.test.ts.
});

describe('option validation', () => {
  it('roots must exist and be folders; prefixes absolute http(s) URLs without query or credentials', () => {
    expect(() => resolveAllowRoots([join(base, 'nope')])).toThrow(`options.allowRoots[0] ${JSON.stringify(join(base, 'nope'))} does not exist: give an existing folder whose files jobs may name`);
    expect(() => resolveAllowRoots([join(base, 'outside.jpg')])).toThrow('is not a folder');
    expect(() => resolveAllowRoots('/tmp')).toThrow('options.allowRoots must be an array of folders, got "/tmp"');
    expect(resolveAllowRoots([join(base, 'into-root')])).toEqual([join(root, 'sub')]);
    expect(() => resolveAllowUrls(['images.example.com/'])).toThrow(`options.allowUrls[0] must be an absolute http: or https: URL such as 'https://images.example.com/uploads/', got "images.example.com/"`);
    expect(() => resolveAllowUrls(['file:///srv/'])).toThrow('options.allowUrls[0] must be an absolute http: or https: URL');
    expect(() => resolveAllowUrls(['https://a.example/?x=1'])).toThrow('options.allowUrls[0] must be a URL prefix without query, fragment or credentials');
  });
});
