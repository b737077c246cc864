/** The default model's classes, in class-id order. */
export const CLASS_NAMES = ['circle', 'square', 'triangle', 'ring'] as const;

/** One of {@link CLASS_NAMES}. */
export type ShapeClassName = (typeof CLASS_NAMES)[number];

/**
 * The default model's class names by id, the shape `YoloModel.names` has.
 *
 * @example
 * ```ts
 * import { DEFAULT_MODEL_NAMES } from '@yolokit/default-model';
 * console.log(DEFAULT_MODEL_NAMES[3]); // 'ring'
 * ```
 */
export const DEFAULT_MODEL_NAMES: Readonly<Record<number, ShapeClassName>> = Object.freeze(
  Object.fromEntries(CLASS_NAMES.map((name, id) => [id, name])) as Record<number, ShapeClassName>,
);
