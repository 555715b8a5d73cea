/**
 * The bounds one client works within: per packet Roomlog emits (bytes, binary attachments), per
 * message written (binary values), and per socket (requests, writes, reads, output buffer,
 * rooms). Each default is far above what a normal chat uses; see docs/security.md.
 */
import { countBinaries } from './data-size';
import { RoomlogError, invalidArgument, isRoomlogError } from '../errors';
import { validateInteger } from '../validation';

/** Default of {@link RoomlogLimits.maxPacketAttachments}: socket.io-parser's own `maxAttachments`. */
export const DEFAULT_MAX_PACKET_ATTACHMENTS = 10;

/** Options of `roomlog({ limits })`. Every one is a positive integer. */
export interface RoomlogLimits {
  /**
   * Bytes of entries in one packet Roomlog emits (a history page, a sync answer), counted as
   * their JSON with binary at raw size. A page that would pass it ends early with
   * `hasMore: true`; a history page still carries at least one entry.
   * @default 1048576 (1 MiB, Socket.IO's own `maxHttpBufferSize`)
   */
  maxPacketBytes?: number | undefined;
  /**
   * Binary attachments in one packet Roomlog emits. socket.io-parser's decoder drops the
   * connection of a packet with more than its `maxAttachments` (default 10), so a page that would
   * pass it ends early with `hasMore: true`. Raise it only together with the decoder's limit on
   * every client (see docs/security.md).
   * @default 10
   */
  maxPacketAttachments?: number | undefined;
  /**
   * Binary values (every reference counted) in one message's `data`, at write time: more is
   * refused with `PAYLOAD_TOO_LARGE`. At most `maxPacketAttachments`, so every entry fits a packet.
   * @default 10
   */
  maxBinariesPerMessage?: number | undefined;
  /** Roomlog requests of one socket handled at once; more are answered `BUSY` at once. @default 128 */
  maxRequestsPerSocket?: number | undefined;
  /**
   * Persisted writes (sends, edits, deletes) of one socket waiting or in flight: its share of the
   * append queue. More are answered `BUSY` at once, so one socket cannot fill the queue that
   * every writer shares. @default 64
   */
  maxWritesPerSocket?: number | undefined;
  /** Reads (history, sync, unread counts) of one socket running at once; the others wait their turn. @default 4 */
  maxReadsPerSocket?: number | undefined;
  /**
   * Bytes waiting in a socket's outgoing buffer (Engine.IO's write buffer and the WebSocket's)
   * above which its requests are held back until the client has read what it was sent; a
   * request past `maxRequestsPerSocket` meanwhile is dropped without an answer (a `BUSY` answer
   * would only grow the buffer). A client that stops reading its socket cannot make the server
   * queue answers for it without bound.
   * @default 2097152 (2 MiB)
   */
  maxBufferedBytesPerSocket?: number | undefined;
  /**
   * Bytes in a socket's outgoing buffer that, held for a second, disconnect it (its client
   * reconnects and syncs once it reads again). Requests cannot take a buffer this far, as they
   * wait at `maxBufferedBytesPerSocket`; broadcasts of a busy room to a client that does not
   * read can. At least `maxBufferedBytesPerSocket`.
   * @default 16777216 (16 MiB)
   */
  maxBufferedBytesBeforeDisconnect?: number | undefined;
  /**
   * Rooms a socket may be in when a client asks to join one more (through `roomlog:sync` with an
   * `authorize` that allows `join`); past it the join is refused with `FORBIDDEN`. Rooms the
   * server joins itself (`socket.join`) are not limited. @default 1000
   */
  maxRoomsPerSocket?: number | undefined;
}

/** {@link RoomlogLimits} with defaults applied. */
export type ResolvedLimits = { readonly [K in keyof RoomlogLimits]-?: number };

const DEFAULTS: ResolvedLimits = {
  maxPacketBytes: 1024 * 1024,
  maxPacketAttachments: DEFAULT_MAX_PACKET_ATTACHMENTS,
  maxBinariesPerMessage: 10,
  maxRequestsPerSocket: 128,
  maxWritesPerSocket: 64,
  maxReadsPerSocket: 4,
  maxBufferedBytesPerSocket: 2 * 1024 * 1024,
  maxBufferedBytesBeforeDisconnect: 16 * 1024 * 1024,
  maxRoomsPerSocket: 1000,
};

/**
 * Validates `limits` and applies defaults.
 * @throws RoomlogError `INVALID_ARGUMENT` for a limit that is not a positive integer, a
 *   `maxBinariesPerMessage` above `maxPacketAttachments` (such an entry could never be sent), or
 *   a `maxBufferedBytesBeforeDisconnect` below `maxBufferedBytesPerSocket`.
 */
export function resolveLimits(limits: RoomlogLimits | undefined = {}): ResolvedLimits {
  if (limits === null || typeof limits !== 'object') throw invalidArgument('socket', 'limits', 'must be an object');
  const resolved = Object.fromEntries(
    Object.entries(DEFAULTS).map(([key, fallback]) => {
      const value = (limits as Record<string, unknown>)[key];
      return [key, value === undefined ? fallback : validateInteger('socket', `limits.${key}`, value, 1)];
    }),
  ) as ResolvedLimits;
  if (resolved.maxBinariesPerMessage > resolved.maxPacketAttachments) {
    throw invalidArgument(
      'socket',
      'limits.maxBinariesPerMessage',
      `must be at most limits.maxPacketAttachments (${resolved.maxPacketAttachments})`,
    );
  }
  if (resolved.maxWritesPerSocket > resolved.maxRequestsPerSocket) {
    throw invalidArgument(
      'socket',
      'limits.maxWritesPerSocket',
      `must be at most limits.maxRequestsPerSocket (${resolved.maxRequestsPerSocket})`,
    );
  }
  if (resolved.maxBufferedBytesBeforeDisconnect < resolved.maxBufferedBytesPerSocket) {
    throw invalidArgument(
      'socket',
      'limits.maxBufferedBytesBeforeDisconnect',
      `must be at least limits.maxBufferedBytesPerSocket (${resolved.maxBufferedBytesPerSocket})`,
    );
  }
  return resolved;
}

/**
 * Refuses data with more binary values than `maxBinariesPerMessage` (every reference counted,
 * as Socket.IO sends each as an attachment). Walks only objects and arrays, and only until the
 * limit is passed: the store's encoding walk that follows measures everything else.
 * @throws RoomlogError `PAYLOAD_TOO_LARGE`
 */
export function assertBinaryCount(limits: ResolvedLimits, data: unknown): void {
  try {
    countBinaries(data, limits.maxBinariesPerMessage, 'socket');
  } catch (error) {
    // Only the binary count is this check's business; the store judges everything else.
    if (isRoomlogError(error) && error.code === 'PAYLOAD_TOO_LARGE') {
      throw new RoomlogError(
        'PAYLOAD_TOO_LARGE',
        `data carries more than ${limits.maxBinariesPerMessage} binary values (limits.maxBinariesPerMessage); every binary is one Socket.IO attachment`,
        { backend: 'socket', cause: error },
      );
    }
  }
}
