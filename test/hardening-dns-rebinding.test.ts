/**
 * Issue 15, finding 3's last gap: DNS rebinding. A queue worker (allowed URL prefixes) and the server (allowed
 * origins) check that a DNS name resolves to public addresses only; the download must then connect to exactly
 * the address checked, not resolve the name again, or a DNS server could answer a public address to the check and
 * 127.0.0.1 to the connection. Here `images.rebind.test` answers 127.0.0.2 first (which these tests' private-
 * address check lets pass, as it would a public address) and 127.0.0.1 afterwards, where an "internal" server
 * listens on the same port. The system resolver does not know the name at all, so the only way to the image is
 * the checked address. Real HTTP servers on the loopback interface; the lookup and the private-address test are
 * injected through the seam both readers have for this (core's `HostCheckOptions`).
 */
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveAllowUrls, SourcePolicy } from '../packages/queue/src/source-policy.js';
import { type ImageRequestLimits, readImageRequest } from '../packages/serve/src/image-request.js';

/** An HTTP server on `address`:`port` (0: a free port) counting connections and recording each request's Host. */
async function listen(address: string, port: number, answer: (path: string, response: ServerResponse) => void) {
  const hosts: Array<string | undefined> = [];
  let connections = 0;
  const server: Server = createServer((request, response) => {
    hosts.push(request.headers.host);
    answer(request.url ?? '/', response);
  });
  server.on('connection', () => {
    connections += 1;
  });
  server.listen(port, address);
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    hosts,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => {});
    },
  };
}

const image = Buffer.alloc(3_000, 0xab);
let publicServer: Awaited<ReturnType<typeof listen>>;
let internal: Awaited<ReturnType<typeof listen>>;
/** What the rebinding DNS answers next, one list per lookup; nothing left: the name does not resolve. */
let answers: string[][];
const lookups: string[] = [];
const hostCheck = {
  lookup: async (host: string) => {
    lookups.push(host);
    const next = answers.shift();
    if (next === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return next.map((address) => ({ address, family: 4 }));
  },
  isPrivate: (address: string) => address !== '127.0.0.2',
};
const origin = () => `http://images.rebind.test:${publicServer.port}`;

beforeAll(async () => {
  publicServer = await listen('127.0.0.2', 0, (path, response) => {
    if (path === '/img/a.png') response.writeHead(200, { 'content-length': image.byteLength }).end(image);
    else if (path === '/img/moved.png') response.writeHead(302, { location: '/img/a.png' }).end();
    else if (path === '/img/endless.png') {
      // A body that never ends: the byte limit must cut it while it streams.
      const chunk = Buffer.alloc(64 * 1024);
      const push = () => {
        while (response.write(chunk)) {}
      };
      response.on('drain', push);
      response.writeHead(200);
      push();
    } else if (path === '/img/stalls.png') response.writeHead(200, { 'content-length': image.byteLength }).write(image.subarray(0, 100));
    else response.writeHead(404).end();
  });
  internal = await listen('127.0.0.1', publicServer.port, (_path, response) => response.end('internal secret'));
});

afterAll(async () => {
  await publicServer?.close();
  await internal?.close();
});

beforeEach(() => {
  lookups.length = 0;
});

describe('queue worker: allowed URL prefixes', () => {
  const policy = () => new SourcePolicy([], resolveAllowUrls([`${origin()}/img/`]), hostCheck);
  const limits = { maxImageBytes: 10_000, fetchTimeoutMs: 5_000 };

  it('resolved once: the bytes come from the checked address, with the name as Host; the rebound address sees no connection', async () => {
    answers = [['127.0.0.2'], ['127.0.0.1']];
    const bytes = await policy().fetchImage(`${origin()}/img/a.png`, limits);
    expect(Buffer.from(bytes).equals(image)).toBe(true);
    expect(lookups).toEqual(['images.rebind.test']);
    expect(publicServer.hosts.at(-1)).toBe(`images.rebind.test:${publicServer.port}`);
    expect(internal.connections()).toBe(0);
  });

  it('a redirect is checked again: its second answer (loopback) is refused before any connection to it', async () => {
    answers = [['127.0.0.2'], ['127.0.0.1']];
    const requests = publicServer.hosts.length;
    await expect(policy().fetchImage(`${origin()}/img/moved.png`, limits)).rejects.toMatchObject({ code: 'SOURCE_NOT_ALLOWED', kind: 'url' });
    expect(lookups).toEqual(['images.rebind.test', 'images.rebind.test']);
    expect(publicServer.hosts.length - requests).toBe(1);
    expect(internal.connections()).toBe(0);
  });

  it('over the pinned connection the byte limit holds while streaming and the deadline cuts a stalled body', async () => {
    answers = [['127.0.0.2'], ['127.0.0.2']];
    await expect(policy().fetchImage(`${origin()}/img/endless.png`, limits)).rejects.toMatchObject({ name: 'ImageTooLargeError', maxImageBytes: 10_000 });
    const stalled = await policy()
      .fetchImage(`${origin()}/img/stalls.png`, { ...limits, fetchTimeoutMs: 300 })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(stalled).toMatchObject({ name: 'ImageFetchError', code: 'IMAGE_UNREADABLE', retryable: false });
    expect((stalled as Error).message).toContain('did not finish within 300 ms');
    expect(internal.connections()).toBe(0);
  });
});

describe('https: the TLS server name stays the name', () => {
  it('the TLS handshake goes to the checked address and names the host (SNI), not the address; the rebound address sees no connection', async () => {
    // No certificate is needed to see the ClientHello's server name: the server records it and ends the handshake.
    const names: string[] = [];
    const sockets: string[] = [];
    const tls = createTlsServer({
      SNICallback: (name, callback) => {
        names.push(name);
        callback(new Error('no certificate here'));
      },
    });
    tls.on('connection', (socket) => sockets.push(socket.localAddress ?? '?'));
    tls.listen(0, '127.0.0.2');
    await once(tls, 'listening');
    const port = (tls.address() as { port: number }).port;
    const loopback = createTlsServer({});
    let loopbackConnections = 0;
    loopback.on('connection', () => {
      loopbackConnections += 1;
    });
    loopback.listen(port, '127.0.0.1');
    await once(loopback, 'listening');
    try {
      answers = [['127.0.0.2'], ['127.0.0.1']];
      const origin = `https://images.rebind.test:${port}`;
      const policy = new SourcePolicy([], resolveAllowUrls([`${origin}/img/`]), hostCheck);
      await expect(policy.fetchImage(`${origin}/img/a.png`, { maxImageBytes: 10_000, fetchTimeoutMs: 5_000 })).rejects.toMatchObject({ name: 'ImageFetchError', code: 'IMAGE_UNREADABLE' });
      expect(names).toEqual(['images.rebind.test']);
      expect(sockets).toEqual(['127.0.0.2']);
      expect(lookups).toEqual(['images.rebind.test']);
      expect(loopbackConnections).toBe(0);
    } finally {
      tls.close();
      loopback.close();
    }
  });
});

describe('server: a { "url" } body from an allowed origin', () => {
  const read = (url: string) => {
    const limits: ImageRequestLimits = { maxBodyBytes: 10_000, urlFetch: { origins: new Set([origin()]), maxBytes: 10_000, timeoutMs: 5_000, hostCheck } };
    const request = { body: { url, conf: 0.5 }, headers: { 'content-type': 'application/json' } } as unknown as FastifyRequest;
    return readImageRequest(request, limits, new AbortController().signal);
  };

  it('resolved once: the image comes from the checked address with the name as Host; the rebound address sees no connection', async () => {
    answers = [['127.0.0.2'], ['127.0.0.1']];
    const requests = publicServer.hosts.length;
    const { image: fetched, jsonOptions } = await read(`${origin()}/img/a.png`);
    expect(Buffer.from(fetched as Uint8Array).equals(image)).toBe(true);
    expect(jsonOptions).toEqual({ conf: 0.5 });
    expect(lookups).toEqual(['images.rebind.test']);
    expect(publicServer.hosts.slice(requests)).toEqual([`images.rebind.test:${publicServer.port}`]);
    expect(internal.connections()).toBe(0);
  });

  it('a name that resolves to a loopback address is refused as URL_NOT_ALLOWED (403) before any connection', async () => {
    answers = [['127.0.0.1']];
    const connections = publicServer.connections();
    await expect(read(`${origin()}/img/a.png`)).rejects.toMatchObject({
      statusCode: 403,
      code: 'URL_NOT_ALLOWED',
      message: `images are not fetched from ${origin()}: its host resolves to a private or loopback address (allow the address itself as an origin to fetch from such a server)`,
    });
    expect(internal.connections()).toBe(0);
    expect(publicServer.connections()).toBe(connections);
  });

  it('a name that does not resolve is IMAGE_UNREADABLE (422)', async () => {
    answers = [];
    await expect(read(`${origin()}/img/a.png`)).rejects.toMatchObject({
      statusCode: 422,
      code: 'IMAGE_UNREADABLE',
      message: `fetching ${origin()}/img/a.png failed: its host does not resolve (getaddrinfo ENOTFOUND images.rebind.test)`,
    });
  });

  it('a redirect over the pinned connection is not followed: IMAGE_UNREADABLE with its status', async () => {
    answers = [['127.0.0.2']];
    await expect(read(`${origin()}/img/moved.png`)).rejects.toMatchObject({ statusCode: 422, code: 'IMAGE_UNREADABLE', message: `fetching ${origin()}/img/moved.png answered 302 Found` });
    expect(lookups).toEqual(['images.rebind.test']);
    expect(internal.connections()).toBe(0);
  });
});
