/**
 * The export format: newline-delimited JSON, one record per line, read and written a line at
 * a time so any size streams in bounded memory.
 *
 * ```text
 * {"type":"roomlog-export","version":1,"source":"redis","exportedAt":"2026-01-01T00:00:00.000Z"}
 * {"type":"stream","namespace":"/","room":"lobby","epoch":"…","seq":12,"firstSeq":1}
 * {"type":"entry","seq":1,"id":"…","epoch":"…","event":"chat","data":{"text":"hi"},…}
 * {"type":"cursor","userId":"alice","seq":1}
 * ```
 *
 * A `stream` line starts a stream; the `entry` lines after it belong to it, in ascending seq,
 * then its `cursor` lines (each member's read marker). An import sets a marker after the
 * entries before it are stored, so it is never clamped below its seq.
 * An entry carries every field of a stored message; `data` is in Roomlog's stored form:
 * binary as `{"$bin":"<base64>"}` and every key of the data that starts with `$` with one more
 * `$` (so binary and such keys survive JSON exactly).
 */
import { type ImportEntry, type StoredMessage, type StreamHead, type StreamRef, RoomlogError, decodeData, encodeData } from '@roomlog/core';

/** Version of the format this CLI writes and reads. */
export const FORMAT_VERSION = 1;

/** The first line of an export. */
export interface ExportHeader {
  type: 'roomlog-export';
  version: number;
  /** Backend the export was read from. */
  source: string;
  /** When the export started (ISO 8601). */
  exportedAt: string;
}

/** A stream line: the stream and its head when the export reached it. */
export interface StreamRecord extends StreamRef, StreamHead {
  type: 'stream';
}

/** A read marker of the stream line before it. */
export interface CursorRecord {
  type: 'cursor';
  userId: string;
  seq: number;
}

/** One parsed line. */
export type ExportRecord = ExportHeader | StreamRecord | CursorRecord | ({ type: 'entry' } & ImportEntry);

/** The header line. */
export function headerLine(source: string, exportedAt: Date): string {
  return JSON.stringify({
    type: 'roomlog-export',
    version: FORMAT_VERSION,
    source,
    exportedAt: exportedAt.toISOString(),
  } satisfies ExportHeader);
}

/** A stream line. */
export function streamLine(stream: StreamRef, head: StreamHead): string {
  return JSON.stringify({
    type: 'stream',
    namespace: stream.namespace,
    room: stream.room,
    epoch: head.epoch,
    seq: head.seq,
    firstSeq: head.firstSeq,
  });
}

/** A cursor line: one user's read marker. */
export function cursorLine(userId: string, seq: number): string {
  return JSON.stringify({ type: 'cursor', userId, seq } satisfies CursorRecord);
}

/** The data of an entry in its stored form (what `encodeData` writes), without a size limit. */
function storedForm(data: unknown): string {
  return encodeData(data, Number.MAX_SAFE_INTEGER, 'cli').text;
}

/**
 * An entry line: every field of the stored message but its stream (the stream line says it).
 * @param withStream - also write `namespace` and `room` (for `read` and `tail`, whose lines stand alone).
 */
export function entryLine(message: StoredMessage, withStream = false): string {
  const fields = {
    type: 'entry',
    ...(withStream ? { namespace: message.namespace, room: message.room } : {}),
    seq: message.seq,
    id: message.id,
    epoch: message.epoch,
    event: message.event,
    senderId: message.senderId,
    clientMessageId: message.clientMessageId,
    createdAt: message.createdAt,
    kind: message.kind,
    target: message.target,
    version: message.version,
    editedAt: message.editedAt,
    deletedAt: message.deletedAt,
    expiresAt: message.expiresAt,
  };
  // The data goes last, spliced in as the codec wrote it: no second walk over a large payload.
  const head = JSON.stringify(fields);
  return `${head.slice(0, -1)},"data":${storedForm(message.data)}}`;
}

function malformed(line: number, problem: string, cause?: unknown): RoomlogError {
  return new RoomlogError('INVALID_ARGUMENT', `line ${line}: ${problem}`, { backend: 'cli', cause: cause ?? new SyntaxError(problem) });
}

/**
 * Parses one line of an export.
 * @param text - the line, without its newline.
 * @param line - its 1-based number, for error messages.
 * @throws RoomlogError `INVALID_ARGUMENT` for a line that is not a record of this format.
 */
export function parseLine(text: string, line: number): ExportRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw malformed(line, 'not JSON', cause);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw malformed(line, 'not a JSON object');
  const record = parsed as Record<string, unknown>;
  switch (record.type) {
    case 'entry':
      // Only text holding a `"$` can hold a tag or an escaped key; the rest is the data as is.
      if (text.includes('"$') && record.data !== null && typeof record.data === 'object') {
        record.data = decodeData(JSON.stringify(record.data), 'cli');
      }
      return record as ExportRecord;
    case 'cursor':
      if (typeof record.userId !== 'string' || !Number.isSafeInteger(record.seq) || (record.seq as number) < 0) {
        throw malformed(line, 'a cursor line needs a userId and a seq (a non-negative integer)');
      }
      return record as unknown as CursorRecord;
    case 'stream':
      if (typeof record.namespace !== 'string' || typeof record.room !== 'string' || typeof record.epoch !== 'string') {
        throw malformed(line, 'a stream line needs namespace, room and epoch');
      }
      return record as unknown as StreamRecord;
    case 'roomlog-export':
      if (record.version !== FORMAT_VERSION)
        throw malformed(line, `export format version ${String(record.version)}; this roomlog reads ${FORMAT_VERSION}`);
      return record as unknown as ExportHeader;
    default:
      throw malformed(line, `unknown record type ${JSON.stringify(record.type)}`);
  }
}
