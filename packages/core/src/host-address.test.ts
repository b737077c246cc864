import { describe, expect, it } from 'vitest';
import { checkHost, isPrivateAddress } from './host-address.js';

describe('isPrivateAddress', () => {
  it('private, loopback, link-local and reserved addresses, in every spelling; public ones not', () => {
    for (const address of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '64:ff9b::a00:1', 'ff02::1', 'not-an-address']) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:2800:220:1::1', '::ffff:5db8:d822']) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });
});

describe('checkHost', () => {
  const dns: Record<string, string[]> = {
    'images.example.com': ['93.184.216.34', '2606:2800:220:1::1'],
    'v6.example.com': ['2606:2800:220:1::1'],
    'rebound.example.com': ['93.184.216.34', '::ffff:7f00:1'],
    'intranet.example.com': ['10.1.2.3'],
  };
  const lookups: string[] = [];
  const lookup = async (host: string) => {
    lookups.push(host);
    return (dns[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

  it('a DNS name is resolved once; every address public: the first is the one to connect to', async () => {
    lookups.length = 0;
    expect(await checkHost(new URL('https://images.example.com/a.jpg'), { lookup })).toEqual({ kind: 'public', address: { address: '93.184.216.34', family: 4 } });
    expect(await checkHost(new URL('https://v6.example.com/a.jpg'), { lookup })).toEqual({ kind: 'public', address: { address: '2606:2800:220:1::1', family: 6 } });
    expect(lookups).toEqual(['images.example.com', 'v6.example.com']);
  });

  it('one private address among them (IPv4-mapped included), or none at all: private', async () => {
    expect(await checkHost(new URL('https://rebound.example.com/'), { lookup })).toEqual({ kind: 'private' });
    expect(await checkHost(new URL('http://intranet.example.com/'), { lookup })).toEqual({ kind: 'private' });
    expect(await checkHost(new URL('http://nowhere.example.com/'), { lookup })).toEqual({ kind: 'private' });
  });

  it('an IP address or localhost is named, not looked up', async () => {
    lookups.length = 0;
    for (const href of ['http://127.0.0.1:8080/', 'http://[::1]/', 'http://localhost:3000/', 'https://93.184.216.34/']) {
      expect(await checkHost(new URL(href), { lookup }), href).toEqual({ kind: 'named' });
    }
    expect(lookups).toEqual([]);
  });

  it('the private-address test can be replaced (tests of rebinding on the loopback interface)', async () => {
    const isPrivate = (address: string) => address !== '10.1.2.3';
    expect(await checkHost(new URL('http://intranet.example.com/'), { lookup, isPrivate })).toEqual({ kind: 'public', address: { address: '10.1.2.3', family: 4 } });
  });
});
