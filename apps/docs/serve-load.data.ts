/**
 * Build-time data of the compare page's "Over HTTP" section: every `bench/serve-load.mjs --out` file committed
 * under bench-results/serve/, validated (a file that does not match fails the build, naming the field).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineLoader } from 'vitepress';
import { parseServeLoadReport, type ServeLoadReport } from './src/bench/serve-load-report';

export interface ServeLoadRun {
  /** The file's name under bench-results/serve/. */
  readonly file: string;
  readonly report: ServeLoadReport;
}

export interface ServeLoadData {
  /** Newest first. */
  readonly runs: readonly ServeLoadRun[];
}

declare const data: ServeLoadData;
export { data };

const folder = fileURLToPath(new URL('./bench-results/serve/', import.meta.url));

export default defineLoader({
  watch: ['./bench-results/serve/*.json'],
  load(): ServeLoadData {
    const files = existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.json')).sort() : [];
    const runs = files.map((file): ServeLoadRun => {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(join(folder, file), 'utf8'));
      } catch (error) {
        throw new Error(`bench-results/serve/${file} is not JSON: ${(error as Error).message}`);
      }
      return { file, report: parseServeLoadReport(json, `bench-results/serve/${file}`) };
    });
    runs.sort((a, b) => b.report.createdAt.localeCompare(a.report.createdAt));
    return { runs };
  },
});
