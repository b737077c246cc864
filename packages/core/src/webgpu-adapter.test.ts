import { afterEach, describe, expect, it, vi } from 'vitest';
import { hasWebgpuAdapter } from './webgpu-adapter.js';

describe('hasWebgpuAdapter', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('is false without navigator.gpu, and follows what requestAdapter gives', async () => {
    vi.stubGlobal('navigator', {});
    expect(await hasWebgpuAdapter()).toBe(false);
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => null } });
    expect(await hasWebgpuAdapter()).toBe(false);
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => ({ info: { architecture: 'swiftshader' } }) } });
    expect(await hasWebgpuAdapter()).toBe(true);
  });

  it('counts a request that throws or rejects as no adapter', async () => {
    vi.stubGlobal('navigator', { gpu: { requestAdapter: () => Promise.reject(new Error('blocked')) } });
    expect(await hasWebgpuAdapter()).toBe(false);
    vi.stubGlobal('navigator', { gpu: {} });
    expect(await hasWebgpuAdapter()).toBe(false);
  });
});
