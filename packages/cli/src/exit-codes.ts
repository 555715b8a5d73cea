/**
 * Exit codes a script can branch on. Every failure maps to one by its `RoomlogError` code, so
 * the same problem exits the same way from every command.
 */
import { type RoomlogErrorCode, isRoomlogError } from '@roomlog/core';

/** The codes `roomlog` exits with. */
export const EXIT_CODES = {
  /** Done. */
  ok: 0,
  /** Anything unexpected (a bug, a database answer Roomlog did not expect, a missing schema). */
  internal: 1,
  /** Bad command line: unknown command or option, missing argument, bad URL. */
  usage: 2,
  /** The database did not answer (down, unreachable, timed out). Retry later. */
  unavailable: 3,
  /** The room does not exist (`stats`, `read`, `tail`). */
  notFound: 4,
  /** The store or this installation lacks what the command needs (a capability, a backend package). */
  unsupported: 5,
  /** The input or the target refused the data: a malformed export line, an entry the store refuses, a room holding another log. */
  dataError: 6,
  /** Stopped by Ctrl-C / SIGTERM (`import` saves its checkpoint first). */
  interrupted: 130,
} as const;

const BY_CODE: Partial<Record<RoomlogErrorCode, number>> = {
  UNAVAILABLE: EXIT_CODES.unavailable,
  CLOSED: EXIT_CODES.unavailable,
  NOT_FOUND: EXIT_CODES.notFound,
  UNSUPPORTED: EXIT_CODES.unsupported,
  INVALID_ARGUMENT: EXIT_CODES.dataError,
  PAYLOAD_TOO_LARGE: EXIT_CODES.dataError,
};

/** The exit code for a failure. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT_CODES.usage;
  if (isRoomlogError(error)) return BY_CODE[error.code] ?? EXIT_CODES.internal;
  return EXIT_CODES.internal;
}

/** A bad command line; exits with {@link EXIT_CODES.usage} and prints the command's help hint. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
