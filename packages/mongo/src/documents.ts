/**
 * The documents Roomlog stores, and how one becomes a {@link StoredMessage}.
 *
 * Every field is a string, a number or `null`: the payload is the codec's JSON text, never a
 * native sub-document, so no user key ever becomes a field name or an operator, and the same
 * documents are valid on MongoDB and on FerretDB (which refuses `$`/`.` keys, nested arrays
 * and NUL in strings).
 */
import { type MessageKind, type StoredMessage, decodeData } from '@roomlog/core';
import { BACKEND } from './options';

/** One entry of a stream: a message, or an edit/delete log entry. */
export interface MessageDocument {
  /** `<stream id>:<seq>` (see `keys.ts`): the entry at a seq is a lookup by `_id`. */
  _id: string;
  /** The message id ({@link StoredMessage.id}), a UUID. */
  id: string;
  namespace: string;
  room: string;
  /** Position in the stream. Unique per stream (through `_id`): a duplicate-key error is what tells a writer it lost a seq. */
  seq: number;
  epoch: string;
  event: string;
  /** `data` as the codec's JSON text; `null` once deleted or erased. */
  payload: string | null;
  senderId: string | null;
  clientMessageId: string | null;
  /**
   * What the idempotency index is unique on: `c:` + `clientMessageId`, or `i:` + the id when the
   * message has none (so every document fills it and no partial index is needed), or `x:` + the
   * id once an expired original gave its `clientMessageId` up.
   */
  dedupeKey: string;
  /** ms since epoch, by the appending node's clock. */
  createdAt: number;
  kind: MessageKind;
  target: number | null;
  version: number;
  editedAt: number | null;
  deletedAt: number | null;
  /** Absolute expiry from `ttlMs` (ms since epoch), or `null`. */
  expiresAt: number | null;
}

/** A stream's head hint: a seq known to exist. Lost updates on FerretDB can leave it low, never high. */
export interface StreamDocument {
  /** The stream id (see `keys.ts`). */
  _id: string;
  namespace: string;
  room: string;
  seq: number;
  /**
   * The earliest `expiresAt` (from `ttlMs`) among the stream's entries not swept yet, or absent
   * when none is due. Kept in the database, so whichever instance appends next sweeps them.
   */
  ttlDue?: number;
}

/** A lease on one message while it is edited or deleted (see `lock.ts`). */
export interface LockDocument {
  /** The message's `_id`. */
  _id: string;
  /** The holder's random token, so only it releases the lease. */
  token: string;
  /** Wall-clock ms since epoch after which other nodes may break the lease. */
  expiresAt: number;
}

/** One read marker: `(stream, user)` may hold several documents; the highest `seq` is the marker. */
export interface CursorDocument {
  namespace: string;
  room: string;
  userId: string;
  seq: number;
}

/** The dedupe key of a message with a `clientMessageId`. */
export function clientKey(clientMessageId: string): string {
  return `c:${clientMessageId}`;
}

/** The dedupe key of a message without `clientMessageId`: its own id, which nothing else can repeat. */
export function ownKey(id: string): string {
  return `i:${id}`;
}

/** The dedupe key an expired original is moved to, freeing its `clientMessageId` for a new message. */
export function retiredKey(id: string): string {
  return `x:${id}`;
}

/** The API's view of a stored document. */
export function toStoredMessage(doc: MessageDocument): StoredMessage {
  return {
    namespace: doc.namespace,
    room: doc.room,
    seq: doc.seq,
    id: doc.id,
    epoch: doc.epoch,
    event: doc.event,
    data: doc.payload === null ? null : decodeData(doc.payload, BACKEND),
    senderId: doc.senderId,
    clientMessageId: doc.clientMessageId,
    createdAt: doc.createdAt,
    kind: doc.kind,
    target: doc.target,
    version: doc.version,
    editedAt: doc.editedAt,
    deletedAt: doc.deletedAt,
    expiresAt: doc.expiresAt,
  };
}
