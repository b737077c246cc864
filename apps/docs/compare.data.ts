/**
 * Build-time data of the "Compare strategies" page: every `yolokit bench --json` file committed under
 * bench-results/, validated (a file that does not match the schema fails the build, naming the field).
 * `YOLOKIT_DOCS_BENCH_DIR` points the page at another folder, to preview a run before committing it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineLoader } from 'vitepress';
import { type BenchReport, parseBenchReport } from './src/bench/bench-report';

export interface BenchRun {
  /** The file's name under the folder. */
  readonly file: string;
  readonly report: BenchReport;
}

export interface CompareData {
  /** The folder read, relative to apps/docs when it is the committed one. */
  readonly folder: string;
  /** Newest first (by `createdAt`, else by file name). */
  readonly runs: readonly BenchRun[];
}

declare const data: CompareData;
export { data };

const committed = fileURLToPath(new URL('./bench-results/', import.meta.url));

export default defineLoader({
  watch: ['./bench-results/*.json'],
  load(): CompareData {
    const override = process.env.YOLOKIT_DOCS_BENCH_DIR;
    const folder = override ? resolve(override) : committed;
    const files = existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.json')).sort() : [];
    const runs = files.map((file): BenchRun => {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(join(folder, file), 'utf8'));
      } catch (error) {
        throw new Error(`bench-results/${file} is not JSON: ${(error as Error).message}`);
      }
      return { file, report: parseBenchReport(json, `bench-results/${file}`) };
    });
    runs.sort((a, b) => (b.report.createdAt ?? b.file).localeCompare(a.report.createdAt ?? a.file));
    return { folder: override ? folder : 'apps/docs/bench-results', runs };
  },
});
