/**
 * Moving a log: `exportLog` writes a store's streams as NDJSON, `importLog` writes NDJSON into a
 * store with `importEntries`, keeping every seq, epoch, id and time. Both stream: memory stays
 * bounded by one page (export) or one batch (import) of at most 1000 entries, whatever the size.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { type ImportEntry, type MessageStore, RoomlogError, type StreamRef, isRoomlogError } from '@roomlog/core';
import { writeLine } from './io';
import { type StreamRecord, cursorLine, entryLine, headerLine, parseLine, streamLine } from './ndjson';
import type { Progress } from './progress';
import { PAGE, type StreamTally, allStreams, cursorsOf, entriesOf, requireMethod } from './walk';

/** What an export or import went through. */
export interface MoveSummary {
  streams: number;
  entries: number;
  /** Read markers exported, or set by the import. */
  cursors: number;
  /**
   * True when the store keeps read markers but could not hand them over: the source has no
   * `listCursors` (export), or the target no `setCursor` (import). Their unread counts restart.
   */
  cursorsLeftOut: boolean;
  /** Streams an export passed over because the store holds them without names (see `StreamList.unnamed`). */
  unnamed?: number;
}

/** Options of {@link exportLog}. */
export interface ExportOptions {
  /** Export only these streams (default: every stream, which needs the `streams` capability). */
  streams?: readonly StreamRef[] | undefined;
  /** With no `streams`: only the streams of this namespace. */
  namespace?: string | undefined;
  progress?: Progress | undefined;
}

/**
 * Writes the store's streams to `out` as NDJSON (see `ndjson.ts`), waiting whenever `out` is
 * behind. A stream named in `streams` that was never written is skipped.
 */
export async function exportLog(store: MessageStore, out: Writable, options: ExportOptions = {}): Promise<MoveSummary> {
  const summary: MoveSummary = { streams: 0, entries: 0, cursors: 0, cursorsLeftOut: false };
  await writeLine(out, headerLine(store.name, new Date()));
  const tally: StreamTally = { unnamed: 0 };
  const streams: AsyncIterable<StreamRef> | Iterable<StreamRef> = options.streams ?? allStreams(store, options.namespace, tally);
  for await (const stream of streams) {
    const head = await store.head(stream);
    if (head === null) continue;
    await writeLine(out, streamLine(stream, head));
    summary.streams++;
    for await (const message of entriesOf(store, stream)) {
      await writeLine(out, entryLine(message));
      summary.entries++;
      options.progress?.update(summary);
    }
    if (typeof store.listCursors === 'function') {
      for await (const { userId, seq } of cursorsOf(store, stream)) {
        await writeLine(out, cursorLine(userId, seq));
        summary.cursors++;
      }
    } else if (store.capabilities.cursors) {
      summary.cursorsLeftOut = true;
    }
  }
  options.progress?.done(summary);
  summary.unnamed = tally.unnamed;
  return summary;
}

/** What {@link importLog} did. */
export interface ImportSummary extends MoveSummary {
  /** Entries written. */
  imported: number;
  /** Entries the target already held (an earlier run), left as they were. */
  skipped: number;
  /** Lines read, including the ones a checkpoint let it pass over. */
  lines: number;
  /** True when it stopped early on the abort signal; the checkpoint says where to go on. */
  interrupted: boolean;
}

/** Options of {@link importLog}. */
export interface ImportOptions {
  /**
   * A file recording the last line whose entries are all stored. When it exists, the lines up
   * to it are passed over unparsed (a resumed run); it is rewritten after every batch.
   * Without it a re-run is still safe, only slower: entries already there are skipped by the store.
   */
  checkpoint?: string | undefined;
  progress?: Progress | undefined;
  /** Bytes read so far and the input's size, for the progress bar. */
  bytes?: (() => { read: number; total: number }) | undefined;
  /** Stops after the batch in flight when aborted. */
  signal?: AbortSignal | undefined;
}

interface Checkpoint {
  line: number;
  /** The export's header line, so a checkpoint is never applied to another export. */
  header: string;
}

async function readCheckpoint(file: string): Promise<Checkpoint | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<Checkpoint>;
  if (typeof parsed.line !== 'number' || typeof parsed.header !== 'string') {
    throw new RoomlogError('INVALID_ARGUMENT', `${file} is not a roomlog import checkpoint`, {
      backend: 'cli',
      cause: new SyntaxError('bad checkpoint'),
    });
  }
  return parsed as Checkpoint;
}

/** Replaces the checkpoint atomically, so a kill mid-write leaves the previous one. */
async function writeCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(checkpoint));
  await rename(temporary, file);
}

function dataError(message: string, cause: unknown): RoomlogError {
  return new RoomlogError('INVALID_ARGUMENT', message, { backend: 'cli', cause });
}

/** Sets one imported read marker; a marker the store refuses names its line. */
async function setMarker(store: MessageStore, stream: StreamRef, userId: string, seq: number, line: number): Promise<void> {
  try {
    await store.setCursor!({ namespace: stream.namespace, room: stream.room }, userId, seq);
  } catch (error) {
    if (isRoomlogError(error) && error.code === 'INVALID_ARGUMENT') {
      throw dataError(`line ${line} (room ${JSON.stringify(stream.room)}): ${error.message}`, error);
    }
    throw error;
  }
}

/**
 * Imports NDJSON lines into `store` with `importEntries`, in batches of up to 1000 entries of
 * one stream. Idempotent: entries the target already holds are skipped, so a run that failed
 * or was interrupted can simply run again (with `checkpoint`, it also skips reading them).
 *
 * @throws RoomlogError `INVALID_ARGUMENT` for a malformed line or an entry the store refuses
 *   (the message names the lines), `UNSUPPORTED` when the store cannot import.
 */
export async function importLog(
  store: MessageStore,
  lines: AsyncIterable<string> | Iterable<string>,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const importEntries = requireMethod(store, 'importEntries', 'import entries');
  const summary: ImportSummary = {
    streams: 0,
    entries: 0,
    cursors: 0,
    cursorsLeftOut: false,
    imported: 0,
    skipped: 0,
    lines: 0,
    interrupted: false,
  };
  const checkpoint = options.checkpoint === undefined ? null : await readCheckpoint(options.checkpoint);
  let header: string | null = null;
  let stream: StreamRecord | null = null;
  let batch: ImportEntry[] = [];
  let batchFirstLine = 0;
  const counts = () => ({ ...summary, bytes: options.bytes?.() });

  const flush = async () => {
    if (stream === null || batch.length === 0) return;
    const target = { namespace: stream.namespace, room: stream.room, epoch: stream.epoch };
    try {
      const result = await importEntries(target, batch);
      summary.imported += result.imported;
      summary.skipped += result.skipped;
    } catch (error) {
      if (isRoomlogError(error) && (error.code === 'INVALID_ARGUMENT' || error.code === 'PAYLOAD_TOO_LARGE')) {
        throw dataError(`lines ${batchFirstLine}-${summary.lines} (room ${JSON.stringify(stream.room)}): ${error.message}`, error);
      }
      throw error;
    }
    batch = [];
    if (options.checkpoint !== undefined && header !== null) await writeCheckpoint(options.checkpoint, { line: summary.lines, header });
    options.progress?.update(counts());
  };

  for await (const text of lines) {
    summary.lines++;
    if (text.trim() === '') continue;
    if (header === null) {
      const record = parseLine(text, summary.lines);
      if (record.type !== 'roomlog-export')
        throw dataError(`line ${summary.lines}: not a roomlog export (no header line)`, new SyntaxError('missing header'));
      header = text;
      if (checkpoint !== null && checkpoint.header !== header) {
        throw dataError(`the checkpoint ${options.checkpoint} belongs to another export`, new Error('checkpoint header mismatch'));
      }
      continue;
    }
    const resumed = checkpoint !== null && summary.lines <= checkpoint.line;
    // Lines a checkpoint covers are stored already: only stream lines are parsed, to know where we are.
    if (resumed && !text.includes('"type":"stream"')) continue;
    const record = parseLine(text, summary.lines);
    if (record.type === 'stream') {
      await flush();
      stream = record;
      summary.streams++;
      if (options.signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      continue;
    }
    if (resumed) continue;
    if (record.type === 'roomlog-export')
      throw dataError(`line ${summary.lines}: a second header line`, new SyntaxError('unexpected header'));
    if (stream === null) throw dataError(`line ${summary.lines}: an entry before any stream line`, new SyntaxError('entry without stream'));
    if (record.type === 'cursor') {
      // After the entries before it, so the marker is not clamped to an older head. Markers
      // only move forward: setting one again, in a re-run, changes nothing.
      await flush();
      if (typeof store.setCursor !== 'function') {
        summary.cursorsLeftOut = true;
        continue;
      }
      await setMarker(store, stream, record.userId, record.seq, summary.lines);
      summary.cursors++;
      continue;
    }
    if (batch.length === 0) batchFirstLine = summary.lines;
    batch.push(record);
    summary.entries++;
    if (batch.length === PAGE) {
      await flush();
      if (options.signal?.aborted) {
        summary.interrupted = true;
        break;
      }
    }
  }
  if (!summary.interrupted) await flush();
  if (header === null) throw dataError('the input is empty: not a roomlog export', new SyntaxError('empty input'));
  options.progress?.done(counts());
  return summary;
}
