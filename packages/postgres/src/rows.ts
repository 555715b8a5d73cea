/**
 * Rows as `pg` returns them, and their conversion to the contract's types. `bigint` columns
 * arrive as strings (pg's default, which never loses precision); every value Roomlog stores in
 * them is a safe integer (seqs, ms timestamps), so `Number` is exact.
 */
import { type MessageKind, type StoredMessage, type StreamRef, storedMessage } from '@roomlog/core';
import { BACKEND } from './options';

/** A stored entry as selected by `queries.sql.ts` (`payload` is the codec's text, or NULL). */
export interface EntryRow {
  seq: string;
  id: string;
  created_at: string;
  expires_at: string | null;
  edited_at: string | null;
  deleted_at: string | null;
  target: string | null;
  version: number;
  kind: MessageKind;
  event: string;
  sender_id: string | null;
  client_message_id: string | null;
  payload: string | null;
}

/** A row of the read statement: the head, plus one entry (all NULL when the page is empty). */
export type ReadRow = { head_seq: string; epoch: string; oldest_live: string | null } & (EntryRow | { [K in keyof EntryRow]: null });

/** A row of the append function (see `schema.sql.ts`): the fields after `epoch` are NULL for new rows. */
export interface AppendRow {
  ord: number;
  duplicate: boolean;
  seq: string;
  id: string;
  epoch: string;
  created_at: string | null;
  expires_at: string | null;
  edited_at: string | null;
  deleted_at: string | null;
  version: number | null;
  event: string | null;
  sender_id: string | null;
  payload: string | null;
}

/** `Number` of a nullable bigint column. */
export function toNumber(value: string | null): number | null {
  return value === null ? null : Number(value);
}

/** Converts an entry row of `stream` written under `epoch`. */
export function rowToMessage(stream: StreamRef, epoch: string, row: EntryRow): StoredMessage {
  return storedMessage(BACKEND, stream, epoch, {
    seq: Number(row.seq),
    id: row.id,
    event: row.event,
    payload: row.payload,
    senderId: row.sender_id,
    clientMessageId: row.client_message_id,
    createdAt: Number(row.created_at),
    kind: row.kind,
    target: toNumber(row.target),
    version: row.version,
    editedAt: toNumber(row.edited_at),
    deletedAt: toNumber(row.deleted_at),
    expiresAt: toNumber(row.expires_at),
  });
}
