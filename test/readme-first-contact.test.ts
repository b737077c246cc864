import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRepository, newcomerEnvironment, type Run, run } from './support/commands.js';
import { repoRoot } from './support/fixtures.js';

/**
 * A newcomer's first contact, exactly as the README orders it: in a fresh copy of the repository (no
 * node_modules, no dist, no build cache) and a shell with nothing set by hand, the install command of "On a fresh
 * machine", then the build that "The main job" names, then the main job's command. Needs nothing from
 * ../shared, so it never skips; the install needs the npm registry (or npm's cache: --prefer-offline).
 */

/** The commands of the first ```sh block of a README section, without comments. */
function shellCommands(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const next = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, next < 0 ? undefined : next);
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`README.md's "${heading}" section has no sh block`);
  return block[1]
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function sectionText(readme: string, heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  const next = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, next < 0 ? undefined : next);
}

/** What npm must never print on a newcomer's first commands. */
function expectNoNpmComplaints(result: Run): void {
  expect(result.stderr).not.toMatch(/Unknown (project|user|env|global) config/);
  expect(result.stderr).not.toMatch(/\bE?404\b/);
}

let work: string;
let clone: string;
let install: string[];
let build: string[];
let mainJob: string[];
let promisedMap50: string;
const env = { ...newcomerEnvironment(), npm_config_prefer_offline: 'true' }; // npm's cache first: the registry's answer is the same

function runStep(command: readonly string[]): Promise<Run> {
  return run(command[0], command.slice(1), clone, env);
}

function describeFailure(command: readonly string[], result: Run): string {
  return `${command.join(' ')} exited ${result.code}\n--- stderr\n${result.stderr}\n--- stdout\n${result.stdout}`;
}

describe("the README's first contact, in a fresh copy of the repository", () => {
  beforeAll(async () => {
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    [install] = shellCommands(readme, 'On a fresh machine').map((line) => line.split(/\s+/));
    mainJob = shellCommands(readme, 'The main job')[0].split(/\s+/);
    // "With nothing but this clone, offline (after `npm ci` and `npm run build`, ...)": the order the README gives.
    const order = /\(after `([^`]+)` and `([^`]+)`/.exec(sectionText(readme, 'The main job'));
    if (!order) throw new Error('README.md\'s "The main job" no longer says "after `<install>` and `<build>`": update this test with it');
    expect(order[1].split(/\s+/)).toEqual(install);
    build = order[2].split(/\s+/);
    const promised = /\(mAP50 ([\d.]+) on these/.exec(sectionText(readme, 'The main job'));
    if (!promised) throw new Error('README.md\'s "The main job" no longer states the demo\'s mAP50: update this test with it');
    promisedMap50 = promised[1];
    expect([install, build, mainJob]).toEqual([
      ['npm', 'ci'],
      ['npm', 'run', 'build'],
      ['npx', 'yolokit', 'demo'],
    ]);

    // realpath: on some systems the temp folder is a symlink.
    work = await realpath(await mkdtemp(join(tmpdir(), 'yolokit-first-contact-')));
    clone = join(work, 'yolokit');
    await copyRepository(clone);
    expect(existsSync(join(clone, 'node_modules'))).toBe(false);
    expect(existsSync(join(clone, 'packages/cli/dist'))).toBe(false);
  }, 120_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the install command succeeds with no warning about npm config, and skips the CUDA download', async () => {
    const result = await runStep(install);
    expect(result.code, describeFailure(install, result)).toBe(0);
    expectNoNpmComplaints(result);
    // Every dependency's install script is either approved or denied in package.json's allowScripts.
    expect(result.stderr).not.toMatch(/install-scripts/);
    // onnxruntime-node's install script (denied) would download the CUDA provider on linux/x64; the CPU
    // binaries ship in the package.
    const ort = join(clone, 'node_modules/onnxruntime-node/bin/napi-v6', process.platform, process.arch);
    expect(existsSync(ort)).toBe(true);
    expect((await readdir(ort)).filter((file) => /providers_(cuda|tensorrt)/.test(file))).toEqual([]);
    // The yolokit bin is linked although nothing is built yet.
    expect(existsSync(join(clone, 'node_modules/.bin/yolokit'))).toBe(true);
  }, 600_000);

  it('before the build, the main job says to build first instead of asking the registry for a "yolokit" package', async () => {
    const result = await runStep(mainJob);
    expect(result.code, describeFailure(mainJob, result)).toBe(1);
    expect(result.stderr).toContain('Run `npm run build` first');
    expectNoNpmComplaints(result);
  }, 60_000);

  it('the build succeeds', async () => {
    const result = await runStep(build);
    expect(result.code, describeFailure(build, result)).toBe(0);
    expectNoNpmComplaints(result);
  }, 900_000);

  it('the main job prints every strategy with its mAP and writes the annotated scenes', async () => {
    const result = await runStep(mainJob);
    expect(result.code, describeFailure(mainJob, result)).toBe(0);
    expectNoNpmComplaints(result);
    const rows = [...result.stdout.matchAll(/^\s*(locked|threads|processes)\b.*\bmAP50 ([\d.]+)/gm)];
    expect(rows.map((row) => row[1]), result.stdout).toEqual(['locked', 'threads', 'processes']);
    // The README's figure, for every strategy (they compute the same detections).
    for (const row of rows) expect(row[2]).toBe(promisedMap50);
    const written = await readdir(join(clone, 'yolokit-demo'));
    expect(written.filter((file) => file.endsWith('.png')).length).toBeGreaterThan(0);
  }, 600_000);
});
