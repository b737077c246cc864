import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { describeWithFixtures } from './fixtures.js';

/** Debian's Chromium (`.ci/run` installs it), or another one named by CHROMIUM_PATH. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The machine's own flags for Chromium: no sandbox as root, no GPU, no calls home. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** What a plain static host sends for the files the browser tests serve. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.woff2': 'font/woff2',
  '.yaml': 'text/yaml',
  '.bin': 'application/octet-stream',
};

const isCI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * `describeWithFixtures` that also needs Chromium (and whatever `alsoMissing` names): where something is missing
 * it skips with a message naming it, except under CI, where that fails.
 */
export function describeWithBrowser(name: string, fixtures: readonly string[], body: () => void, alsoMissing: readonly string[] = []): void {
  const missing = [...(existsSync(chromiumPath) ? [] : [`Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`]), ...alsoMissing];
  if (missing.length === 0) {
    describeWithFixtures(name, [...fixtures], body);
    return;
  }
  const message = `missing ${missing.join('; ')}`;
  if (isCI) {
    describe(name, () => {
      it('has Chromium and what the test serves', () => {
        throw new Error(`${message} (CI installs Chromium and builds everything first: see .ci/run)`);
      });
    });
  } else {
    console.warn(`[yolokit tests] skipping "${name}": ${message}`);
    describe.skip(`${name} (skipped: ${message})`, body);
  }
}
