/**
 * `@roomlog/cli`: the `roomlog` command, and the same operations as functions: open a store
 * from a URL, export and import logs as NDJSON.
 */
export { main, COMMANDS } from './main';
export type { Command } from './command';
export type { CommandIo } from './io';
export { openStore, safeUrl, type OpenOptions, type OpenStore } from './connect';
export { exportLog, importLog, type ExportOptions, type ImportOptions, type ImportSummary, type MoveSummary } from './move';
export {
  headerLine,
  streamLine,
  entryLine,
  parseLine,
  FORMAT_VERSION,
  type ExportHeader,
  type ExportRecord,
  type StreamRecord,
} from './ndjson';
export { EXIT_CODES, exitCodeOf } from './exit-codes';
export { Progress, type ProgressCounts } from './progress';
