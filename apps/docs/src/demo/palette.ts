/**
 * Ultralytics' 20-colour palette (`ultralytics.utils.plotting.Colors`), as `yolokit predict --save` uses it, so
 * that a class looks the same in the demo, in the CLI's annotated images and in Ultralytics' own plots.
 */
export const PALETTE: readonly string[] = Object.freeze([
  '#042AFF', '#0BDBEB', '#F3F3F3', '#00DFB7', '#111F68', '#FF6FDD', '#FF444F', '#CCED00', '#00F344', '#BD00FF',
  '#00B4FF', '#DD00BA', '#00FFFF', '#26C000', '#01FFB3', '#7D24FF', '#7B0068', '#FF1B6C', '#FC6D2F', '#A2FF0B',
]);

/** The colour of a class: the same class always gets the same colour. */
export function classColour(classId: number): string {
  return PALETTE[((classId % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** Black or white, whichever reads better on `background` (`#RRGGBB`). */
export function textColour(background: string): string {
  const value = Number.parseInt(background.slice(1), 16);
  const [r, g, b] = [(value >> 16) & 255, (value >> 8) & 255, value & 255];
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? '#000000' : '#FFFFFF';
}
