import { constants, type Stats } from 'node:fs';
import { access, lstat, mkdir, open, realpath, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InvalidOptionError } from '@yolokit/core';
import { CliError, ExitCode } from './cli-error.js';
import { planSaveTargets } from './save-targets.js';

/** Where a run writes, checked and prepared before the model is loaded. */
export interface PreparedOutputs {
  /** `--save`'s folder, absolute and created. */
  readonly saveDir: string | undefined;
  /** The annotated copy of each image, in input order (`DIR/name`, `DIR/name-2` for a second `name`). */
  readonly saveTargets: readonly string[];
  /** `--json`'s file, absolute (`undefined` for none and for `-`). */
  readonly jsonFile: string | undefined;
}

/** What {@link prepareOutputs} checks. */
export interface OutputRequest {
  readonly cwd: string;
  /** The images, as `expandSources` gives them (relative to `cwd` or absolute). */
  readonly images: readonly string[];
  /** The model file, absolute: `--json` must not replace it either. */
  readonly modelPath: string;
  /** `--save` as given. */
  readonly save: string | undefined;
  /** `--json` as given. */
  readonly json: string | undefined;
  /** Where a warning (two images with one name) goes. */
  readonly warn: (line: string) => void;
}

/**
 * Kernel filesystems: nothing yolokit writes belongs there, and Node's recursive `mkdir` never returns under
 * `/proc` (it hung `--json /proc/x/out.json` and `--save /proc/x` for good). `/dev/shm` is ordinary memory-backed
 * storage and stays allowed; an existing device, pipe or socket is a stream, allowed for `--json` (`/dev/null`,
 * `/dev/stdout`, a shell's `>(...)`).
 */
const SYSTEM_FOLDERS = ['/proc', '/sys', '/dev'] as const;
const ALLOWED_SYSTEM_FOLDERS = ['/dev/shm'] as const;

/** File name extensions of the formats `annotateImage` writes as they are; others get `.png` appended. */
const WRITTEN_AS_IS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);

/**
 * Checks every output before anything runs, so that a run never fails (or hangs, or destroys an input) at the end:
 * `--json` and `--save` outside kernel filesystems; `--save`'s folder created and writable and no annotated copy
 * replacing an input image (the same file: a symlink or hard link to one counts); `--json` a file that can be
 * opened for writing (created if missing, nothing truncated), and neither the model nor an input.
 *
 * A path under `/proc`, `/sys` or `/dev`, or an output that would replace an input, is an `InvalidOptionError`
 * (`INVALID_OPTION`); an output that cannot be written is a `CliError` `OUTPUT_FAILED`; both exit 2, as nothing
 * has run.
 */
export async function prepareOutputs(request: OutputRequest): Promise<PreparedOutputs> {
  const { cwd, images } = request;
  const saveDir = request.save === undefined ? undefined : resolve(cwd, request.save);
  const jsonFile = request.json === undefined || request.json === '-' ? undefined : resolve(cwd, request.json);
  // Said once the run is known to go ahead: a refused run has no copies to rename.
  const warnings: string[] = [];
  const saveTargets = saveDir ? planSaveTargets(images, saveDir, (line) => warnings.push(line)) : [];
  // Inputs by file identity (device and inode), which follows symlinks as realpath does and also sees hard links.
  const inputs = new Map<string, string>();
  for (const image of [...images].reverse()) {
    const info = await stat(resolve(cwd, image)).catch(() => undefined);
    if (info) inputs.set(identity(info), image);
  }
  if (saveDir) {
    await refuseSystemPath(saveDir, '--save', request.save!);
    await makeFolders(saveDir, '--save', request.save!);
    await access(saveDir, constants.W_OK | constants.X_OK).catch((error: NodeJS.ErrnoException) => {
      throw outputFailed('--save', request.save!, error);
    });
    for (const [index, target] of saveTargets.entries()) {
      // A format annotateImage cannot write as it is goes to `name.png`.
      const written = WRITTEN_AS_IS.has(extname(target).toLowerCase()) ? [target] : [target, `${target}.png`];
      for (const path of written) {
        const info = await stat(path).catch(() => undefined);
        const input = info && inputs.get(identity(info));
        if (input === undefined) continue;
        throw new InvalidOptionError(
          '--save',
          `--save ${request.save} would replace the input image ${input} with the annotated copy of ${images[index]} (${shown(path, cwd)}); ` +
            'give a --save folder where no input image would be overwritten',
        );
      }
    }
  }
  if (jsonFile) {
    await checkJsonFile(jsonFile, request.json!, inputs, request.modelPath);
  }
  for (const line of warnings) request.warn(line);
  return { saveDir, saveTargets, jsonFile };
}

async function checkJsonFile(file: string, given: string, inputs: ReadonlyMap<string, string>, modelPath: string): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (info && !info.isFile() && !info.isDirectory()) {
    // A device or a pipe (/dev/null, /dev/stdout, >(jq .)): written as a stream, nothing to create. Opened without
    // waiting: a pipe nobody reads, or a socket (which cannot be opened by path), fails now (ENXIO), not at the end.
    try {
      await (await open(file, constants.O_WRONLY | constants.O_NONBLOCK)).close();
    } catch (error) {
      throw outputFailed('--json', given, error as NodeJS.ErrnoException);
    }
    return;
  }
  await refuseSystemPath(file, '--json', given);
  if (info?.isDirectory()) {
    throw new CliError('OUTPUT_FAILED', `cannot write --json ${given}: it is a folder; give a file name, such as ${join(given, 'report.json')}`, {
      exitCode: ExitCode.Usage,
    });
  }
  if (info) {
    const input = inputs.get(identity(info));
    const model = await stat(modelPath).catch(() => undefined);
    if (input !== undefined || (model && identity(model) === identity(info))) {
      throw new InvalidOptionError('--json', `--json ${given} is ${input !== undefined ? `the input image ${input}` : 'the model file'}; it would be overwritten by the report`);
    }
  }
  await makeFolders(dirname(file), '--json', given);
  // Opened as the report will be, without truncating what is there: a run that fails later leaves it as it was.
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'a');
  } catch (error) {
    throw outputFailed('--json', given, error as NodeJS.ErrnoException);
  }
  await handle.close();
  if (!info) {
    // Created only to know that it can be: gone again until the report is written.
    const created = await lstat(file).catch(() => undefined);
    if (created?.isFile()) await unlink(file).catch(() => undefined);
  }
}

/** Refuses a path in a kernel filesystem, judged by where it really leads (its longest existing part resolved). */
async function refuseSystemPath(path: string, flag: string, given: string): Promise<void> {
  if (process.platform === 'win32') return;
  for (const candidate of new Set([path, await realPathOfExisting(path)])) {
    const folder = SYSTEM_FOLDERS.find((system) => isWithin(candidate, system));
    if (!folder || ALLOWED_SYSTEM_FOLDERS.some((allowed) => isWithin(candidate, allowed))) continue;
    throw new InvalidOptionError(
      flag,
      `${flag} ${given} is under ${folder}, a kernel filesystem: yolokit writes no ${flag === '--save' ? 'images' : 'report'} there; give a folder on a disk${flag === '--json' ? ', or - for stdout' : ''}`,
    );
  }
}

/** `path` with its longest existing ancestor replaced by its real path (symlinks followed). */
async function realPathOfExisting(path: string): Promise<string> {
  const rest: string[] = [];
  for (let current = path; ; current = dirname(current)) {
    try {
      return join(await realpath(current), ...rest.reverse());
    } catch {
      if (dirname(current) === current) return path;
      rest.push(basename(current));
    }
  }
}

/**
 * `mkdir -p` one level at a time. Node's `mkdir(path, { recursive: true })` loops for ever where `mkdir` answers
 * ENOENT under an existing parent (as `/proc` does); here that is an error.
 */
async function makeFolders(path: string, flag: string, given: string): Promise<void> {
  try {
    await makeFolder(path);
  } catch (error) {
    const message = `cannot create the folder ${path} for ${flag} ${given}: ${(error as Error).message}`;
    throw new CliError('OUTPUT_FAILED', message, { cause: error, exitCode: ExitCode.Usage });
  }
}

async function makeFolder(path: string): Promise<void> {
  try {
    await mkdir(path);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if ((await stat(path)).isDirectory()) return;
      throw Object.assign(new Error(`${path} exists and is not a folder`), { code: 'ENOTDIR' });
    }
    if (code !== 'ENOENT' || dirname(path) === path) throw error;
  }
  await makeFolder(dirname(path));
  // Once: a second ENOENT under a parent that exists is the answer, not a reason to try again.
  await mkdir(path).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST' || !(await stat(path)).isDirectory()) throw error;
  });
}

function outputFailed(flag: string, given: string, error: NodeJS.ErrnoException): CliError {
  return new CliError('OUTPUT_FAILED', `cannot write ${flag} ${given}: ${error.message}; nothing was run`, { cause: error, exitCode: ExitCode.Usage });
}

function identity(info: Stats): string {
  return `${info.dev}:${info.ino}`;
}

function isWithin(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}${sep}`);
}

/** A path for a message: relative to the working folder when inside it. */
function shown(path: string, cwd: string): string {
  const inside = relative(cwd, path);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}
