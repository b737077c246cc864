import type { Network, RawOutputs } from './network.js';
import { tf } from './tf-setup.js';

/** Weights of the oriented-box loss terms. */
export interface ObbLossWeights {
  /** Binary cross-entropy of class logits over every cell, per positive cell. */
  readonly cls: number;
  /** 1 − probabilistic IoU of predicted and target boxes, over positive cells (Ultralytics' OBB box loss). */
  readonly probiou: number;
  /** L1 of log-distances (in strides) in the target's frame, over positive cells: steadies the early steps. */
  readonly logDistance: number;
}

const EPS = 1e-7;

/**
 * Probabilistic IoU of `[..., 5]` boxes cx, cy, w, h, angle, element by element: Ultralytics' `probiou`
 * (utils/metrics.py), the formula of core's `probiou`, as differentiable tensors.
 */
export function probiouTensor(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [x1, y1, w1, h1, r1] = tf.split(a, 5, -1);
  const [x2, y2, w2, h2, r2] = tf.split(b, 5, -1);
  const covariance = (w: tf.Tensor, h: tf.Tensor, r: tf.Tensor) => {
    const a0 = tf.div(tf.square(w), 12);
    const b0 = tf.div(tf.square(h), 12);
    const cos = tf.cos(r);
    const sin = tf.sin(r);
    const cos2 = tf.square(cos);
    const sin2 = tf.square(sin);
    return [tf.add(tf.mul(a0, cos2), tf.mul(b0, sin2)), tf.add(tf.mul(a0, sin2), tf.mul(b0, cos2)), tf.mul(tf.mul(tf.sub(a0, b0), cos), sin)];
  };
  const [a1, b1, c1] = covariance(w1, h1, r1);
  const [a2, b2, c2] = covariance(w2, h2, r2);
  const sa = tf.add(a1, a2);
  const sb = tf.add(b1, b2);
  const sc = tf.add(c1, c2);
  const det = tf.sub(tf.mul(sa, sb), tf.square(sc));
  const dx = tf.sub(x1, x2);
  const dy = tf.sub(y1, y2);
  const t1 = tf.mul(tf.div(tf.add(tf.mul(sa, tf.square(dy)), tf.mul(sb, tf.square(dx))), tf.add(det, EPS)), 0.25);
  const t2 = tf.mul(tf.div(tf.mul(tf.mul(sc, tf.neg(dx)), dy), tf.add(det, EPS)), 0.5);
  const own1 = tf.relu(tf.sub(tf.mul(a1, b1), tf.square(c1)));
  const own2 = tf.relu(tf.sub(tf.mul(a2, b2), tf.square(c2)));
  const t3 = tf.mul(tf.log(tf.add(tf.div(det, tf.add(tf.mul(4, tf.sqrt(tf.add(tf.mul(own1, own2), 1e-12))), EPS)), EPS)), 0.5);
  const bd = tf.clipByValue(tf.add(tf.add(t1, t2), t3), EPS, 100);
  return tf.sub(1, tf.sqrt(tf.add(tf.sub(1, tf.exp(tf.neg(bd))), EPS)));
}

/**
 * The oriented-box detector's loss: class BCE as the detector's, `1 − probiou` of the decoded boxes (which does
 * not care which of a box's equivalent descriptions the head gives), and an L1 on log-distances against the
 * target's own frame or the same frame turned by π (the smaller of the two: a box is the same turned half way).
 */
export function obbLoss(
  network: Network,
  raw: RawOutputs,
  targets: { cls: tf.Tensor3D; dist: tf.Tensor3D; rbox: tf.Tensor3D; positive: tf.Tensor3D; positives: number },
  weights: ObbLossWeights,
): { total: tf.Scalar; cls: tf.Scalar; probiou: tf.Scalar; logDistance: tf.Scalar } {
  const count = Math.max(1, targets.positives);
  const bce = tf.sub(tf.softplus(raw.cls), tf.mul(raw.cls, targets.cls));
  const cls = tf.div(tf.sum(bce), count) as tf.Scalar;
  const overlap = probiouTensor(network.rotatedBoxes(raw), targets.rbox);
  const probiou = tf.div(tf.sum(tf.mul(tf.sub(1, overlap), targets.positive)), count) as tf.Scalar;
  const logTarget = tf.log(tf.div(targets.dist, network.strides));
  const [l, t, r, b] = tf.split(logTarget, 4, 2);
  const turned = tf.concat([r, b, l, t], 2);
  const l1 = (target: tf.Tensor) => tf.sum(tf.abs(tf.sub(raw.box, target)), 2, true);
  const logDistance = tf.div(tf.sum(tf.mul(tf.minimum(l1(logTarget), l1(turned)), targets.positive)), count * 4) as tf.Scalar;
  const total = tf.addN([tf.mul(cls, weights.cls), tf.mul(probiou, weights.probiou), tf.mul(logDistance, weights.logDistance)]) as tf.Scalar;
  return { total, cls, probiou, logDistance };
}
