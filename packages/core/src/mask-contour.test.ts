import { describe, expect, it } from 'vitest';
import { outerContours } from './mask-contour.js';

/** A bitmap from rows of '#' (set) and '.' (clear). */
function bitmap(...rows: string[]): { data: Uint8Array; width: number; height: number } {
  const width = rows[0].length;
  const data = new Uint8Array(width * rows.length);
  rows.forEach((row, y) => {
    for (let x = 0; x < width; x++) data[y * width + x] = row[x] === '#' ? 1 : 0;
  });
  return { data, width, height: rows.length };
}

const contours = (b: ReturnType<typeof bitmap>) => outerContours(b.data, b.width, b.height);

// Every expected value below is what OpenCV 4.6's
// cv2.findContours(bitmap, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE) returns for the same bitmap (Debian 12's
// python3-opencv), which is what Ultralytics' masks2segments calls.
describe('outerContours (OpenCV findContours, RETR_EXTERNAL, CHAIN_APPROX_SIMPLE)', () => {
  it('gives a single pixel as one point', () => {
    expect(contours(bitmap('......', '......', '...#..', '......', '......'))).toEqual([[[3, 2]]]);
  });

  it('gives a filled rectangle as its 4 corners: top-left, then down the left side, counter-clockwise on screen', () => {
    // x 2..5, y 1..3.
    expect(contours(bitmap('.......', '..####.', '..####.', '..####.', '.......', '.......'))).toEqual([
      [
        [2, 1],
        [2, 3],
        [5, 3],
        [5, 1],
      ],
    ]);
    // The whole image set: the border pixels are the contour (no frame around the image is needed).
    expect(contours(bitmap('###', '###'))).toEqual([
      [
        [0, 0],
        [0, 1],
        [2, 1],
        [2, 0],
      ],
    ]);
  });

  it('reports a ring by its outer border only, and not a part inside its hole', () => {
    expect(
      contours(bitmap('.........', '.#######.', '.#.....#.', '.#.....#.', '.#..#..#.', '.#.....#.', '.#.....#.', '.#######.', '.........')),
    ).toEqual([
      [
        [1, 1],
        [1, 7],
        [7, 7],
        [7, 1],
      ],
    ]);
  });

  it('reports separate parts in OpenCV order: the last found in raster order first', () => {
    expect(contours(bitmap('..........', '.##.......', '.##.......', '......##..', '......###.', '..........'))).toEqual([
      [
        [6, 3],
        [6, 4],
        [8, 4],
        [7, 3],
      ],
      [
        [1, 1],
        [1, 2],
        [2, 2],
        [2, 1],
      ],
    ]);
  });

  it('gives a diagonal line as its two ends (8-connected, one part)', () => {
    expect(contours(bitmap('......', '.#....', '..#...', '...#..', '....#.', '......'))).toEqual([
      [
        [1, 1],
        [4, 4],
      ],
    ]);
    expect(contours(bitmap('......', '....#.', '...#..', '..#...', '.#....', '......'))).toEqual([
      [
        [4, 1],
        [1, 4],
      ],
    ]);
  });

  it('walks a thin part there and back, keeping each turn', () => {
    expect(contours(bitmap('##..', '.#..', '.###'))).toEqual([
      [
        [0, 0],
        [1, 1],
        [1, 2],
        [3, 2],
        [2, 2],
        [1, 1],
        [1, 0],
      ],
    ]);
    expect(contours(bitmap('........', '.######.', '..####..', '.######.', '........'))).toEqual([
      [
        [1, 1],
        [2, 2],
        [1, 3],
        [6, 3],
        [5, 2],
        [6, 1],
      ],
    ]);
  });

  it('finds nothing in an empty bitmap', () => {
    expect(contours(bitmap('....', '....'))).toEqual([]);
  });
});
