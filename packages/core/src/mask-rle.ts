/**
 * COCO's run-length encoding of binary masks, byte for byte as pycocotools writes it (`maskApi.c`,
 * `rleToString` / `rleFrString`, pycocotools 2.0): runs counted in column-major (Fortran) order starting with
 * a run of zeros, each count from the fourth on (`i > 2` in maskApi.c) stored as the difference to the count
 * two before, written as little-endian groups of 5 bits, 6 bits a character (`+48`), the 6th bit marking
 * "more follows".
 */

/** A COCO compressed RLE: `size` is `[height, width]`, `counts` the compressed string. */
export interface CocoRle {
  readonly size: [number, number];
  readonly counts: string;
}

/** Encodes run lengths (zeros first) as pycocotools' compressed string. */
export function encodeRleCounts(counts: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i] - (i > 2 ? counts[i - 2] : 0);
    let more = true;
    while (more) {
      let c = x & 0x1f;
      // Arithmetic shift, as on C's signed long: counts fit in 32 bits for any image yolokit accepts.
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  }
  return out;
}

/** Decodes pycocotools' compressed string into run lengths (zeros first). */
export function decodeRleCounts(text: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= text.length) throw new Error('truncated RLE counts string');
      const c = text.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}
