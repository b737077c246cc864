/**
 * Ultralytics' colours, as `yolokit predict --save` draws with them (`@yolokit/cli`'s palette; the root test
 * `docs-site.test.ts` checks that the two agree), so that a class, a limb or a keypoint looks the same in the demo,
 * in the CLI's annotated images and in Ultralytics' own plots. Kept here because the CLI's package is Node-only.
 */

/** The 20-colour class palette (`ultralytics.utils.plotting.Colors`). */
export const PALETTE: readonly string[] = Object.freeze([
  '#042AFF', '#0BDBEB', '#F3F3F3', '#00DFB7', '#111F68', '#FF6FDD', '#FF444F', '#CCED00', '#00F344', '#BD00FF',
  '#00B4FF', '#DD00BA', '#00FFFF', '#26C000', '#01FFB3', '#7D24FF', '#7B0068', '#FF1B6C', '#FC6D2F', '#A2FF0B',
]);

// Ultralytics draws pose colours with OpenCV on a BGR image, so its `pose_palette` entries come out with red and
// blue swapped: these are the colours its saved images show (legs orange, torso magenta, arms blue, face green).
const LEG = '#FF9933';
const TORSO = '#FF33FF';
const ARM = '#0080FF';
const FACE = '#00FF00';

/** The colour of each limb of COCO's 17-keypoint skeleton, in `COCO_KEYPOINT_SKELETON`'s order (`Annotator.limb_color`). */
export const LIMB_COLOURS: readonly string[] = Object.freeze([
  LEG, LEG, LEG, LEG, TORSO, TORSO, TORSO, ARM, ARM, ARM, ARM, ARM, FACE, FACE, FACE, FACE, FACE, FACE, FACE,
]);

/** The colour of each of COCO's 17 person keypoints (`Annotator.kpt_color`): face, then arms, then legs. */
export const KEYPOINT_COLOURS: readonly string[] = Object.freeze([
  FACE, FACE, FACE, FACE, FACE, ARM, ARM, ARM, ARM, ARM, ARM, LEG, LEG, LEG, LEG, LEG, LEG,
]);

/** The box behind a classifier's top classes: Ultralytics' `box_color=(64, 64, 64, 128)`, gray at half opacity. */
export const TOP_CLASSES_BACKGROUND = 'rgba(64,64,64,0.5)';

/** The colour of a class: the same class always gets the same colour. */
export function classColour(classId: number): string {
  return PALETTE[((classId % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** `#RRGGBB` as `[r, g, b]`. */
export function rgbOf(colour: string): [number, number, number] {
  const value = Number.parseInt(colour.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/** Black or white, whichever reads better on `background` (`#RRGGBB`). */
export function textColour(background: string): string {
  const [r, g, b] = rgbOf(background);
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? '#000000' : '#FFFFFF';
}
