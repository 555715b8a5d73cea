/**
 * Converting database rows to the contract's types. PostgreSQL and MySQL return BIGINT as a
 * string and sql.js as a number; every value Roomlog stores fits a JS number.
 */
import { type MessageKind, type StoredMessage, type StreamRef, storedMessage } from '@roomlog/core';
import { BACKEND } from './options';
import type { MessageRow } from './queries.sql';

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
export function toStoredMessage(stream: StreamRef, epoch: string, row: MessageRow): StoredMessage {
  return storedMessage(BACKEND, stream, epoch, {
    seq: toNumber(row.seq),
    // An imported entry's own id, when `id` holds a UUID derived from it.
    id: row.source_id === null || row.source_id === undefined ? row.id : toText(row.source_id),
    event: toText(row.event),
    payload: row.payload,
    senderId: toTextOrNull(row.sender_id),
    clientMessageId: toTextOrNull(row.client_message_id),
    createdAt: toNumber(row.created_at),
    kind: row.kind as MessageKind,
    target: toNumberOrNull(row.target),
    version: toNumber(row.version),
    editedAt: toNumberOrNull(row.edited_at),
    deletedAt: toNumberOrNull(row.deleted_at),
    expiresAt: toNumberOrNull(row.expires_at),
  });
}
