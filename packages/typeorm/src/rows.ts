/**
 * Converting database rows to the contract's types. PostgreSQL and MySQL return BIGINT as a
 * string and sql.js as a number; every value Roomlog stores fits a JS number.
 */
import { type MessageKind, type StoredMessage, type StreamRef, decodeData } from '@roomlog/core';
import type { MessageRow, NewEntry } from './queries.sql';

/** A BIGINT column as a number. */
export function toNumber(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}

/** A nullable BIGINT column as a number or `null`. */
export function toNumberOrNull(value: number | string | null): number | null {
  return value === null ? null : toNumber(value);
}

/** A name or id column as a string (MySQL returns VARBINARY as a `Buffer` of UTF-8). */
export function toText(value: string | Buffer): string {
  return typeof value === 'string' ? value : value.toString('utf8');
}

/** A nullable name or id column as a string or `null`. */
export function toTextOrNull(value: string | Buffer | null): string | null {
  return value === null ? null : toText(value);
}

/** A message row as the contract's {@link StoredMessage}, its data decoded afresh. */
export function toStoredMessage(stream: StreamRef, epoch: string, row: MessageRow, backend: string): StoredMessage {
  return {
    namespace: stream.namespace,
    room: stream.room,
    seq: toNumber(row.seq),
    id: row.id,
    epoch,
    event: toText(row.event),
    data: row.payload === null ? null : decodeData(row.payload, backend),
    senderId: toTextOrNull(row.sender_id),
    clientMessageId: toTextOrNull(row.client_message_id),
    createdAt: toNumber(row.created_at),
    kind: row.kind as MessageKind,
    target: toNumberOrNull(row.target),
    version: toNumber(row.version),
    editedAt: toNumberOrNull(row.edited_at),
    deletedAt: toNumberOrNull(row.deleted_at),
    expiresAt: toNumberOrNull(row.expires_at),
  };
}

/** A just-inserted entry as a {@link StoredMessage}, without a round trip. */
export function newEntryMessage(stream: StreamRef, epoch: string, entry: NewEntry, backend: string): StoredMessage {
  return {
    namespace: stream.namespace,
    room: stream.room,
    seq: entry.seq,
    id: entry.id,
    epoch,
    event: entry.event,
    data: entry.payload === null ? null : decodeData(entry.payload, backend),
    senderId: entry.senderId,
    clientMessageId: entry.clientMessageId,
    createdAt: entry.createdAt,
    kind: entry.kind,
    target: entry.target,
    version: 1,
    editedAt: null,
    deletedAt: null,
    expiresAt: entry.expiresAt,
  };
}
