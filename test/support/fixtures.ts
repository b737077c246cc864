import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/** The repository's root folder. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `../shared/fixtures` beside the repository, or `$YOLOKIT_FIXTURES`. */
export const fixturesRoot = process.env.YOLOKIT_FIXTURES
  ? resolve(process.env.YOLOKIT_FIXTURES)
  : resolve(repoRoot, '../shared/fixtures');

/** Absolute path of a fixture, such as `fixturePath('models/yolov8n_int8.onnx')`. */
export function fixturePath(relative: string): string {
  return resolve(fixturesRoot, relative);
}

/** The fixtures among `relatives` that are absent. */
export function missingFixtures(relatives: readonly string[]): string[] {
  return relatives.filter((relative) => !existsSync(fixturePath(relative)));
}

/**
 * `describe` for tests that need fixtures. Where some are absent the block is skipped with a message naming
 * them, except under CI (`CI=true`), where a missing fixture is a failing test, never a skip.
 */
export function describeWithFixtures(name: string, relatives: readonly string[], body: () => void): void {
  const missing = missingFixtures(relatives);
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const message = `missing fixtures under ${fixturesRoot}: ${missing.join(', ')}`;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    describe(name, () => {
      it('has its fixtures', () => {
        throw new Error(`${message} (CI requires every fixture; see ../shared/README.md)`);
      });
    });
  } else {
    console.warn(`[yolokit tests] skipping "${name}": ${message}`);
    describe.skip(`${name} (skipped: ${message})`, body);
  }
}
