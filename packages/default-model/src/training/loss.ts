import type { Network, RawOutputs } from './network.js';
import { tf } from './tf-setup.js';

/** Weights of the loss terms. */
export interface LossWeights {
  /** Binary cross-entropy of class logits over every cell, per positive cell. */
  readonly cls: number;
  /** 1 − IoU of predicted and target boxes, over positive cells. */
  readonly iou: number;
  /** L1 of log-distances (in strides), over positive cells: steadies the early steps. */
  readonly logDistance: number;
}

export interface LossTensors {
  total: tf.Scalar;
  cls: tf.Scalar;
  iou: tf.Scalar;
  logDistance: tf.Scalar;
}

/**
 * The detector's loss. Target boxes are distances from each positive cell's centre to the box edges; as
 * prediction and target share that centre, their boxes always overlap and a plain IoU loss suffices.
 */
export function detectionLoss(
  network: Network,
  raw: RawOutputs,
  targets: { cls: tf.Tensor3D; box: tf.Tensor3D; positive: tf.Tensor3D; positives: number },
  weights: LossWeights,
): LossTensors {
  const count = Math.max(1, targets.positives);
  // Binary cross-entropy with logits: softplus(x) − x·z.
  const bce = tf.sub(tf.softplus(raw.cls), tf.mul(raw.cls, targets.cls));
  const cls = tf.div(tf.sum(bce), count) as tf.Scalar;

  const predicted = network.distances(raw.box);
  const [pl, pt, pr, pb] = tf.split(predicted, 4, 2);
  const [tl, tt, tr, tb] = tf.split(targets.box, 4, 2);
  const interW = tf.add(tf.minimum(pl, tl), tf.minimum(pr, tr));
  const interH = tf.add(tf.minimum(pt, tt), tf.minimum(pb, tb));
  const inter = tf.mul(interW, interH);
  const union = tf.sub(tf.add(tf.mul(tf.add(pl, pr), tf.add(pt, pb)), tf.mul(tf.add(tl, tr), tf.add(tt, tb))), inter);
  const iouValue = tf.div(inter, tf.add(union, 1e-6));
  const iou = tf.div(tf.sum(tf.mul(tf.sub(1, iouValue), targets.positive)), count) as tf.Scalar;

  const logTarget = tf.log(tf.div(targets.box, network.strides));
  const logDistance = tf.div(tf.sum(tf.mul(tf.abs(tf.sub(raw.box, logTarget)), targets.positive)), count * 4) as tf.Scalar;

  const total = tf.addN([tf.mul(cls, weights.cls), tf.mul(iou, weights.iou), tf.mul(logDistance, weights.logDistance)]) as tf.Scalar;
  return { total, cls, iou, logDistance };
}
