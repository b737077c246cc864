/**
 * Seeds of the scenes the default model was trained on: training scene `k` is
 * `generateScene(TRAINING_SEEDS.first + k, { size: 160, maxObjects: 6 })`, `k < TRAINING_SEEDS.count`. Any
 * other seed gives a scene the model has never seen.
 */
export const TRAINING_SEEDS = Object.freeze({ first: 1_000_000, count: 1_000_000 });

/**
 * The held-out scenes of the figures in `model/PROVENANCE.md`: seeds 0–199 at the default options
 * (160×160, up to 6 objects), never trained on. `yolokit demo` can report on the same scenes.
 */
export const HELD_OUT_SEEDS = Object.freeze({ first: 0, count: 200 });
