/** Ultralytics' 20-colour palette (`ultralytics.utils.plotting.Colors`), so that classes look as they do there. */
export const PALETTE: readonly string[] = Object.freeze([
  '#042AFF', '#0BDBEB', '#F3F3F3', '#00DFB7', '#111F68', '#FF6FDD', '#FF444F', '#CCED00', '#00F344', '#BD00FF',
  '#00B4FF', '#DD00BA', '#00FFFF', '#26C000', '#01FFB3', '#7D24FF', '#7B0068', '#FF1B6C', '#FC6D2F', '#A2FF0B',
]);

/** The colour of a class: the same class always gets the same colour. */
export function classColour(classId: number): string {
  return PALETTE[((classId % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

// Ultralytics draws pose colours with OpenCV on a BGR image, so its `pose_palette` entries come out with red and
// blue swapped: these are the colours its saved images really show (legs orange, torso magenta, arms blue, face green).
const LEG = '#FF9933'; // pose_palette[9] (51, 153, 255) read as BGR
const TORSO = '#FF33FF'; // pose_palette[7]
const ARM = '#0080FF'; // pose_palette[0] (255, 128, 0) read as BGR
const FACE = '#00FF00'; // pose_palette[16]

/** The colour of each limb of COCO's 17-keypoint skeleton, in `COCO_KEYPOINT_SKELETON`'s order (`Annotator.limb_color`). */
export const LIMB_COLOURS: readonly string[] = Object.freeze([
  LEG, LEG, LEG, LEG, TORSO, TORSO, TORSO, ARM, ARM, ARM, ARM, ARM, FACE, FACE, FACE, FACE, FACE, FACE, FACE,
]);

/** The colour of each of COCO's 17 person keypoints (`Annotator.kpt_color`): face, then arms, then legs. */
export const KEYPOINT_COLOURS: readonly string[] = Object.freeze([
  FACE, FACE, FACE, FACE, FACE, ARM, ARM, ARM, ARM, ARM, ARM, LEG, LEG, LEG, LEG, LEG, LEG,
]);

/** `#RRGGBB` as `[r, g, b]`. */
export function rgbOf(colour: string): [number, number, number] {
  const value = Number.parseInt(colour.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/** Black or white, whichever reads better on `background`. */
export function textColour(background: string): string {
  const [r, g, b] = rgbOf(background);
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? '#000000' : '#FFFFFF';
}
