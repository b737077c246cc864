/**
 * Whether this browser (or worker) gives a WebGPU adapter: `navigator.gpu` can exist without one (no GPU, or
 * WebGPU blocked for it), and runtimes then either fail or quietly run elsewhere. A request that throws counts
 * as no adapter; without `navigator.gpu` (Node.js, older browsers) the answer is false.
 */
export async function hasWebgpuAdapter(): Promise<boolean> {
  const gpu = typeof navigator === 'undefined' ? undefined : (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  try {
    return Boolean(await gpu?.requestAdapter());
  } catch {
    return false;
  }
}
