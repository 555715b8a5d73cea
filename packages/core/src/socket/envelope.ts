/**
 * The one place a stored entry becomes what clients receive, and an error becomes what an
 * ack carries.
 */
import { isRoomlogError } from '../errors';
import type { StoredMessage } from '../store';
import type { CompactEntry, DeliveredEntry, ErrorPayload, MessageEnvelope, WireEntry } from './protocol';

/**
 * The client-facing form of a stored entry (drops namespace, `clientMessageId` and
 * `expiresAt`), or a copy of an envelope.
 */
export function toEnvelope(message: StoredMessage | MessageEnvelope): MessageEnvelope {
  return {
    room: message.room,
    seq: message.seq,
    id: message.id,
    epoch: message.epoch,
    event: message.event,
    data: message.data,
    senderId: message.senderId,
    createdAt: message.createdAt,
    kind: message.kind,
    target: message.target,
    version: message.version,
    editedAt: message.editedAt,
    deletedAt: message.deletedAt,
  };
}

/**
 * The wire form of an entry: {@link toEnvelope}'s fields, each left out at its default (see
 * {@link CompactEntry}). Takes a stored message as well as an envelope, so the live path builds
 * one object per entry, not two. Fields are set in one fixed order so every entry object has
 * the same shape for V8 and for the JSON encoder.
 */
export function toCompact(message: MessageEnvelope): CompactEntry {
  const entry: CompactEntry = {
    room: message.room,
    seq: message.seq,
    id: message.id,
    epoch: message.epoch,
    event: message.event,
    createdAt: message.createdAt,
  };
  if (message.data !== null) entry.data = message.data;
  if (message.senderId !== null) entry.senderId = message.senderId;
  if (message.kind !== 'message') entry.kind = message.kind;
  if (message.target !== null) entry.target = message.target;
  if (message.version !== 1) entry.version = message.version;
  if (message.editedAt !== null) entry.editedAt = message.editedAt;
  if (message.deletedAt !== null) entry.deletedAt = message.deletedAt;
  return entry;
}

/** {@link toCompact} for an entry that may be withheld (which travels as it is). */
export function toWire(entry: DeliveredEntry): WireEntry {
  return 'withheld' in entry ? entry : toCompact(entry);
}

/**
 * The ack form of an error. A `RoomlogError` keeps its code and message (and `retryAfterMs`),
 * except `INTERNAL` and `UNAVAILABLE`, whose texts (a driver message, a stack of the app's hook)
 * may hold server internals: they are answered in Roomlog's own words.
 */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (!isRoomlogError(error) || error.code === 'INTERNAL') return { code: 'INTERNAL', message: '[roomlog] [socket] internal error' };
  // A driver's text (a PostgreSQL message can name tables and roles) stays in `cause`, server-side.
  if (error.code === 'UNAVAILABLE') {
    return {
      code: 'UNAVAILABLE',
      message: `[roomlog] [${error.backend}] the store is unavailable for now; retry (with the same clientMessageId for a send)`,
    };
  }
  const payload: ErrorPayload = { code: error.code, message: error.message };
  if (error.retryAfterMs !== undefined) payload.retryAfterMs = error.retryAfterMs;
  return payload;
}
