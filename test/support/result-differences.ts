import type { Result } from '@yolokit/core';

/** Differences between two results, as text; empty when equal (boxes and confidences within 1e-4). */
export function differences(actual: Result, expected: Result): string[] {
  const out: string[] = [];
  if (actual.width !== expected.width || actual.height !== expected.height) out.push(`size ${actual.width}x${actual.height} != ${expected.width}x${expected.height}`);
  if (actual.detections.length !== expected.detections.length) {
    out.push(`count ${actual.detections.length} != ${expected.detections.length}`);
    return out;
  }
  actual.detections.forEach((d, i) => {
    const e = expected.detections[i];
    if (d.classId !== e.classId) out.push(`#${i} class ${d.classId} != ${e.classId}`);
    if (Math.abs(d.confidence - e.confidence) > 1e-4) out.push(`#${i} confidence ${d.confidence} != ${e.confidence}`);
    d.box.forEach((v, k) => {
      if (Math.abs(v - e.box[k]) > 1e-4) out.push(`#${i} box[${k}] ${v} != ${e.box[k]}`);
    });
  });
  return out;
}
