import type { Backend, BackendSession, Float32Tensor } from '@yolokit/core';
import type { Network } from './network.js';
import { tf } from './tf-setup.js';

/**
 * The network being trained as a core `Backend` (NHWC, its output what the exports compute), so that the
 * training graph is measured through the same pipeline as the exported models: core's letterbox or classify
 * crop, decoding, NMS.
 */
export function networkBackend(network: Network, metadata: Record<string, string>): Backend {
  const s = network.architecture.imgsz;
  const session: BackendSession = {
    inputs: [{ name: 'images', shape: [1, s, s, 3] }],
    outputs: [{ name: 'output0', shape: [] }],
    layout: 'NHWC',
    metadata,
    runtime: `tfjs ${tf.version_core} (${tf.getBackend()}, training graph)`,
    async run(input: Float32Tensor): Promise<Float32Tensor[]> {
      const x = tf.tensor4d(input.data, [1, s, s, 3]);
      const y = network.architecture.task === 'classify' ? network.probabilities(x) : network.predict(x);
      const data = (await y.data()) as Float32Array;
      const dims = y.shape;
      tf.dispose([x, y]);
      return [{ data, dims }];
    },
    async dispose() {},
  };
  return { name: 'training graph', contractVersion: 1, load: async () => session };
}
