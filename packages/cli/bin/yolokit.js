#!/usr/bin/env node
// The `yolokit` command. It is a committed file rather than the build output because npm links a package's bin
// only when the file exists at install time: on a fresh clone `npm ci` runs before any build, and a bin pointing
// into dist/ would not be linked (then `npx yolokit` looks for a package named yolokit on the registry).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    `yolokit: the command is not built yet (${fileURLToPath(entry)} is missing). Run \`npm run build\` first, at the root of the repository.\n`,
  );
  process.exit(1);
}
await import(entry.href);
