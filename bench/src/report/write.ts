/**
 * Writes one run's files: bench/results/<stamp>.{json,md,svg} and docs/benchmarks.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRun } from '../results';
import { renderDocs } from './docs';
import { renderTables, type TableSizes } from './markdown';
import { renderChart } from './svg';

const benchDir = fileURLToPath(new URL('../../', import.meta.url));
const resultsDir = join(benchDir, 'results');
const docsFile = join(benchDir, '..', 'docs', 'benchmarks.md');

/** `2026-11-28T0815Z`, plus `-quick` for a quick run: sorts by time, one file per run. */
function stamp(run: BenchRun): string {
  const at = run.startedAt
    .replace(/:\d\d\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '')
    .replace(/^(\d{4})(\d\d)(\d\d)/, '$1-$2-$3');
  return `${at}${run.mode === 'quick' ? '-quick' : ''}`;
}

/** Where each written file went. */
export interface WrittenFiles {
  json: string;
  markdown: string;
  chart: string;
  docs: string;
}

/** Writes the run's results, table and chart, and rewrites docs/benchmarks.md. */
export async function writeRun(run: BenchRun, sizes: TableSizes & { topConcurrency: number }): Promise<WrittenFiles> {
  await mkdir(resultsDir, { recursive: true });
  const base = join(resultsDir, stamp(run));
  const files: WrittenFiles = { json: `${base}.json`, markdown: `${base}.md`, chart: `${base}.svg`, docs: docsFile };
  const notes = run.notes.map((note) => `> ${note}\n\n`).join('');
  const title = `# Roomlog bench, ${run.mode} run, ${run.startedAt}\n\n\`${run.command}\`\n\n${notes}![chart](${stamp(run)}.svg)\n\n`;
  await writeFile(files.json, `${JSON.stringify(run, null, 2)}\n`);
  await writeFile(files.markdown, `${title}${renderTables(run, sizes)}\n`);
  await writeFile(files.chart, renderChart(run, sizes.manyReceivers, sizes.topConcurrency));
  const fromDocs = (file: string) => relative(dirname(docsFile), file).split('\\').join('/');
  await writeFile(files.docs, renderDocs(run, sizes, fromDocs(files.chart), fromDocs(files.json)));
  return files;
}
