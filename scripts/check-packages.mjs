#!/usr/bin/env node
// Checks every public package (packages/*/package.json without "private") as a user would install it:
// publint (package.json fields, exports, files) and @arethetypeswrong/cli (do the types resolve, and match the
// JavaScript, for ESM and CJS consumers under node16 resolution and for bundlers). Both pack the package with
// `npm pack` first, so what they check is the tarball, not the workspace. Run after the build: `.ci/run` does.
//
// node10 resolution (TypeScript's old `moduleResolution: node`) is not checked: it cannot see `exports`
// subpaths at all, and every supported TypeScript setting for Node 20 (node16, nodenext, bundler) can.
//
// Usage: node scripts/check-packages.mjs [package-folder ...]   (default: every public package)
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** Folders of the public packages, or the ones named on the command line. */
function publicPackages() {
  const named = process.argv.slice(2);
  if (named.length > 0) return named.map((folder) => join(root, folder));
  const packagesDir = join(root, 'packages');
  return readdirSync(packagesDir)
    .sort()
    .map((folder) => join(packagesDir, folder))
    .filter((dir) => existsSync(join(dir, 'package.json')) && !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private);
}

/** Runs one checker; resolves with its output and whether it passed (exit code 0). */
async function check(command, args, cwd) {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    return { ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}${error.stdout || error.stderr ? '' : error.message}` };
  }
}

async function checkPackage(dir) {
  const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
  // --strict: publint's warnings (not only its errors) fail the check; its suggestions are printed, not fatal.
  const [publint, attw] = await Promise.all([check(bin('publint'), ['--strict', '.'], dir), check(bin('attw'), ['--pack', '.', '--profile', 'node16', '--format', 'table-flipped'], dir)]);
  return { name, dir: relative(root, dir), publint, attw };
}

const dirs = publicPackages();
const failed = [];
// Two at a time: each packs its package, and the machines that run CI have few cores.
for (let i = 0; i < dirs.length; i += 2) {
  for (const result of await Promise.all(dirs.slice(i, i + 2).map(checkPackage))) {
    const status = (check) => (check.ok ? 'ok' : 'FAILED');
    console.log(`${result.name} (${result.dir}): publint ${status(result.publint)}, attw ${status(result.attw)}`);
    for (const [tool, check] of [
      ['publint', result.publint],
      ['attw', result.attw],
    ]) {
      if (!check.ok) {
        failed.push(`${result.name}: ${tool}`);
        console.log(check.output.trim().replace(/^/gm, `  ${tool}| `));
      }
    }
  }
}
if (failed.length > 0) {
  console.error(`check-packages: ${failed.length} failed: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`check-packages: ${dirs.length} public packages pass publint and are-the-types-wrong`);
