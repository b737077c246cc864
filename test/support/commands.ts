import { execFile, spawn } from 'node:child_process';
import { chmod, copyFile, lstat, mkdir, readlink, symlink } from 'node:fs/promises';
import { delimiter, dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './fixtures.js';

/** Tests that install, pack or build as a user would: running commands outside the test process. */

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
export const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** The environment without the npm settings that `npm test` passes down (workspace, prefix, ...). */
export function cleanEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'INIT_CWD'));
}

/**
 * The environment of someone who has just cloned the repository into a shell: none of the npm settings `npm test`
 * passes down, nothing that CI or the test runner sets for the install or the build (ONNXRUNTIME_NODE_INSTALL,
 * NODE_ENV, VITEST...), and no folder of this repository (its node_modules/.bin) on the PATH.
 */
export function newcomerEnvironment(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    // A newcomer is not a CI runner: without CI=true, a build that misses the fixtures beside the copy (the docs
    // gallery) skips with a message instead of failing, as it does on a fresh clone.
    Object.entries(cleanEnvironment()).filter(([key]) => !/^(ONNXRUNTIME_NODE_INSTALL|VITEST|TEST$|NODE_ENV$|NODE_OPTIONS$|CI$)/i.test(key)),
  );
  const pathKey = Object.keys(env).find((key) => key.toUpperCase() === 'PATH') ?? 'PATH';
  env[pathKey] = (env[pathKey] ?? '')
    .split(delimiter)
    .filter((folder) => folder !== '' && !`${resolve(folder)}${sep}`.startsWith(`${repoRoot}${sep}`))
    .join(delimiter);
  return env;
}

export function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnvironment()): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

export async function succeed(command: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> {
  const result = await run(command, args, cwd, env);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
  return result;
}

/**
 * Copies the repository as a clone of it would be once the working tree is committed: every file git tracks (the
 * index: `git add` a new file to include it), as it is now in the working tree, uncommitted edits included and
 * deleted files left out. No node_modules, no dist, no build cache, no untracked scratch files. On CI, a clean
 * clone, this is exactly the committed tree.
 */
export async function copyRepository(destination: string): Promise<number> {
  const { stdout } = await promisify(execFile)('git', ['ls-files', '-z', '--cached'], {
    cwd: repoRoot,
    maxBuffer: 64 * 1024 * 1024,
  });
  const paths = [...new Set(stdout.split('\0').filter(Boolean))];
  let copied = 0;
  for (const path of paths) {
    const from = join(repoRoot, path);
    const info = await lstat(from).catch(() => undefined);
    if (!info) continue; // deleted in the working tree, not yet committed
    const to = join(destination, path);
    await mkdir(dirname(to), { recursive: true });
    if (info.isSymbolicLink()) {
      await symlink(await readlink(from), to);
    } else if (info.isFile()) {
      await copyFile(from, to);
      await chmod(to, info.mode & 0o777); // the executable bit of bin files and scripts is part of the clone
    } else {
      continue;
    }
    copied++;
  }
  return copied;
}
