import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import { expandSources } from './expand-sources.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'yolokit-sources-'));
  await mkdir(join(root, 'photos/nested'), { recursive: true });
  await mkdir(join(root, 'empty'));
  for (const name of ['b.jpg', 'a.PNG', 'c.webp', 'notes.txt', 'nested/d.jpg']) await writeFile(join(root, 'photos', name), 'x');
  await writeFile(join(root, 'odd.bin'), 'x');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function codeOf(action: Promise<unknown>): Promise<string> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return (error as CliError).code;
}

describe('expandSources', () => {
  it('takes the images directly inside a folder, sorted, with the folder as written', async () => {
    expect(await expandSources(['photos'], root)).toEqual(['photos/a.PNG', 'photos/b.jpg', 'photos/c.webp']);
  });

  it('expands globs to sorted image files, recursing with **', async () => {
    expect(await expandSources(['photos/*'], root)).toEqual(['photos/a.PNG', 'photos/b.jpg', 'photos/c.webp']);
    expect(await expandSources(['photos/**/*.jpg'], root)).toEqual(['photos/b.jpg', 'photos/nested/d.jpg']);
  });

  it('keeps files named explicitly whatever their extension, and missing paths (reported per image later)', async () => {
    expect(await expandSources(['odd.bin', 'missing.jpg'], root)).toEqual(['odd.bin', 'missing.jpg']);
  });

  it('keeps each image once, at its first place, in argument order', async () => {
    expect(await expandSources(['photos/c.webp', 'photos', './photos/b.jpg'], root)).toEqual(['photos/c.webp', 'photos/a.PNG', 'photos/b.jpg']);
  });

  it('works with absolute paths and globs', async () => {
    expect(await expandSources([join(root, 'photos/*.jpg')], root)).toEqual([join(root, 'photos/b.jpg')]);
  });

  it('fails with NO_IMAGES for nothing given, an empty folder or a glob that matches no image', async () => {
    expect(await codeOf(expandSources([], root))).toBe('NO_IMAGES');
    expect(await codeOf(expandSources(['empty'], root))).toBe('NO_IMAGES');
    expect(await codeOf(expandSources(['photos/*.gif'], root))).toBe('NO_IMAGES');
    expect(await codeOf(expandSources(['photos/*.txt'], root))).toBe('NO_IMAGES');
  });
});
