/**
 * The one place a stored entry becomes what clients receive, and an error becomes what an
 * ack carries.
 */
import { isRoomlogError } from '../errors';
import type { StoredMessage } from '../store';
import type { ErrorPayload, MessageEnvelope } from './protocol';

/** The client-facing form of a stored entry (drops namespace, `clientMessageId` and `expiresAt`). */
export function toEnvelope(message: StoredMessage): MessageEnvelope {
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
 * The ack form of an error. A `RoomlogError` keeps its code and message, except `INTERNAL`,
 * whose text (a driver message, a stack of the app's hook) may hold server internals.
 */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (isRoomlogError(error) && error.code !== 'INTERNAL') return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: '[roomlog] [socket] internal error' };
}
