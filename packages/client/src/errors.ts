/**
 * The client's error type. It has the shape of core's `RoomlogError` (name `'RoomlogError'`,
 * a `code`, the `[roomlog] [...]` message prefix, a `cause`), so `isRoomlogError` from core and
 * code that branches on `error.code` treat both alike, without the client importing core.
 */
import type { ErrorPayload, RoomlogErrorCode } from './protocol';

/** A failure reported by the server in an ack, or detected by the client (timeouts, deadlines). */
export class RoomlogError extends Error {
  override readonly name = 'RoomlogError';
  /** Stable machine-readable code, as on the server. */
  readonly code: RoomlogErrorCode;
  /** `'server'` when the server reported it, `'client'` when the client detected it. */
  readonly backend: string;

  /**
   * @param code - what went wrong.
   * @param message - detail; a server message already carries its prefix, a client one gets `[roomlog] [client]`.
   * @param cause - the underlying error or the server's payload.
   */
  constructor(code: RoomlogErrorCode, message: string, cause: unknown, backend = 'client') {
    super(message.startsWith('[roomlog]') ? message : `[roomlog] [${backend}] ${message}`, { cause });
    this.code = code;
    this.backend = backend;
  }

  /** The error a server ack carried. */
  static fromPayload(error: ErrorPayload): RoomlogError {
    return new RoomlogError(error.code, error.message, error, 'server');
  }
}
