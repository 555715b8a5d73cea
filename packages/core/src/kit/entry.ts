/**
 * The one place a {@link StoredMessage} is built from what a backend keeps. A backend stores
 * the fields of {@link StoredEntry} in whatever columns, keys or documents suit it; reading
 * them back goes through {@link storedMessage}, so every backend returns the same shape, with
 * `data` decoded from the codec's text the same way.
 */
import { decodeData } from '../codec';
import type { StoredMessage, StreamRef } from '../store';
import { type PreparedMessage, appendedData } from './prepare';

/**
 * An entry as a backend stores it: a {@link StoredMessage} without its stream and epoch (the
 * backend knows those per stream), `data` as the codec's text.
 */
export interface StoredEntry extends Omit<StoredMessage, 'namespace' | 'room' | 'epoch' | 'data'> {
  /** The codec's text of `data` (see `encodeData`); `null` for a tombstone or an erased entry. */
  payload: string | null;
}

/** A new entry about to be written: every new entry starts at version 1, neither edited nor deleted. */
export type NewEntry = Omit<StoredEntry, 'version' | 'editedAt' | 'deletedAt'>;

/**
 * The message a stored entry of `stream` represents.
 *
 * @param backend - backend name, for the error a corrupt payload raises.
 * @param epoch - the stream's epoch, as the backend knows it.
 * @param data - the entry's data when the caller has it already (see `appendedData`); by
 *   default decoded from `entry.payload`.
 * @throws RoomlogError `INTERNAL` when the payload is not the codec's text.
 */
export function storedMessage(
  backend: string,
  stream: StreamRef,
  epoch: string,
  entry: StoredEntry,
  data: unknown = entry.payload === null ? null : decodeData(entry.payload, backend),
): StoredMessage {
  return {
    namespace: stream.namespace,
    room: stream.room,
    seq: entry.seq,
    id: entry.id,
    epoch,
    event: entry.event,
    data,
    senderId: entry.senderId,
    clientMessageId: entry.clientMessageId,
    createdAt: entry.createdAt,
    kind: entry.kind,
    target: entry.target,
    version: entry.version,
    editedAt: entry.editedAt,
    deletedAt: entry.deletedAt,
    expiresAt: entry.expiresAt,
  };
}

/**
 * The entry a prepared message becomes once the backend gave it `seq` and `id`.
 * @param createdAt - the batch's timestamp (`PreparedBatch.createdAt`).
 */
export function newEntry(message: PreparedMessage, seq: number, id: string, createdAt: number): NewEntry {
  return {
    seq,
    id,
    event: message.event,
    payload: message.payload,
    senderId: message.senderId,
    clientMessageId: message.clientMessageId,
    createdAt,
    kind: 'message',
    target: null,
    expiresAt: message.expiresAt,
  };
}

/**
 * The stored form of a new entry, built without a read back. `data` is decoded from the stored
 * text, so the caller sees exactly what a later read returns (binary as `Buffer`).
 */
export function newEntryMessage(backend: string, stream: StreamRef, epoch: string, entry: NewEntry): StoredMessage {
  return storedMessage(backend, stream, epoch, { ...entry, version: 1, editedAt: null, deletedAt: null });
}

/**
 * The stored form of a prepared message the backend just appended as `seq` with `id`: the
 * common case of {@link newEntry} followed by {@link newEntryMessage}. Its `data` is the
 * caller's own value when JSON round-trips it exactly ({@link appendedData}): no second decode
 * of what was just encoded.
 */
export function appendedMessage(
  backend: string,
  message: PreparedMessage,
  epoch: string,
  seq: number,
  id: string,
  createdAt: number,
): StoredMessage {
  // One literal, no intermediate entry objects: this runs once per message appended.
  return {
    namespace: message.namespace,
    room: message.room,
    seq,
    id,
    epoch,
    event: message.event,
    data: appendedData(message, backend),
    senderId: message.senderId,
    clientMessageId: message.clientMessageId,
    createdAt,
    kind: 'message',
    target: null,
    version: 1,
    editedAt: null,
    deletedAt: null,
    expiresAt: message.expiresAt,
  };
}
