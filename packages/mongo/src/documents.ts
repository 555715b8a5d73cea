/**
 * The documents Roomlog stores, and how one becomes a {@link StoredMessage}.
 *
 * A message's `data` is a native value (a sub-document, array, string, number, BSON Binary…, see
 * `data.ts`), so your own queries can reach into it; its timestamps are `Date`s, so they compare
 * as dates and can carry a TTL index. When the connected server cannot hold a message's data
 * natively, that message keeps the codec's encoded text in `payload` instead and has no `data`
 * field; readers cannot tell the two apart.
 */
import { type MessageKind, type StoredMessage, decodeData, storedMessage } from '@roomlog/core';
import { type NativeRules, UNFIT, fromNative, toNative } from './data';
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
  /**
   * The message's data as a native value (keys escaped, see `data.ts`); `null` once deleted or
   * erased; absent when the data is kept encoded in {@link payload}.
   */
  data?: unknown;
  /** The codec's encoded text, only for data the server cannot hold natively (then `data` is absent). */
  payload?: string;
  senderId: string | null;
  clientMessageId: string | null;
  /**
   * What the idempotency index is unique on: `c:` + `clientMessageId`, or `i:` + the id when the
   * message has none (so every document fills it and no partial index is needed), or `x:` + the
   * id once an expired original gave its `clientMessageId` up.
   */
  dedupeKey: string;
  /** When the entry was appended, by the appending node's clock (the store's `now`). */
  createdAt: Date;
  kind: MessageKind;
  target: number | null;
  version: number;
  editedAt: Date | null;
  deletedAt: Date | null;
  /** Absolute expiry from `ttlMs`, or `null`. */
  expiresAt: Date | null;
  /**
   * When MongoDB's TTL monitor may delete the entry: set (under the `'mongodb'` strategy) only
   * once a later entry superseded it, to the time it expires. Absent on the newest entry.
   */
  purgeAt?: Date;
  /**
   * The `id` of the entry this one was inserted after, as its writer found it (`null` for a
   * stream's first entry). A writer that finds the entry above its own carrying another `prev`
   * knows its insert landed in a seq retention had freed (see `writes.ts`). Absent on imported
   * entries.
   */
  prev?: string | null;
}

/** A stream's head hint: a seq known to exist. Lost updates on FerretDB can leave it low, never high. */
export interface StreamDocument {
  /** The stream id (see `keys.ts`). */
  _id: string;
  namespace: string;
  room: string;
  seq: number;
  /**
   * The earliest `expiresAt` (from `ttlMs`, ms) among the stream's entries not swept yet, or
   * absent when none is due. Kept in the database, so whichever instance appends next sweeps them.
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

/**
 * Longest encoded data stored natively. BSON can take two to three times the JSON's size (an
 * array of small numbers spends a key and a type byte per element) and a document holds at most
 * 16 MiB, so data above a `maxPayloadBytes` raised past 4 MiB stays encoded.
 */
const MAX_NATIVE_TEXT = 4 * 1024 * 1024;

/** The fields that hold a message's data: native `data`, or the encoded `payload` when the server cannot hold it. */
export type DataFields = { data: unknown; payload?: undefined } | { data?: undefined; payload: string };

/**
 * How the encoded data `text` (from the codec; `null` for no data, as after a delete) is stored
 * on a server that holds `rules`: natively when it can, else as the text itself.
 */
export function dataFields(text: string | null, rules: NativeRules): DataFields {
  if (text === null) return { data: null };
  if (text.length > MAX_NATIVE_TEXT) return { payload: text };
  const native = toNative(decodeData(text, BACKEND), rules);
  return native === UNFIT ? { payload: text } : { data: native };
}

/** The update that stores `fields` in place of whatever form the document held before. */
export function setDataUpdate(fields: DataFields): { $set: Record<string, unknown>; $unset: Record<string, ''> } {
  return fields.payload === undefined
    ? { $set: { data: fields.data }, $unset: { payload: '' } }
    : { $set: { payload: fields.payload }, $unset: { data: '' } };
}

/** A stored timestamp in ms since epoch. */
export function millis(date: Date): number;
export function millis(date: Date | null): number | null;
export function millis(date: Date | null): number | null {
  return date === null ? null : date.getTime();
}

/** A timestamp (ms since epoch) as stored. */
export function asDate(ms: number): Date;
export function asDate(ms: number | null): Date | null;
export function asDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

/** The API's view of a stored document (core's one builder; native `data` read back here). */
export function toStoredMessage(doc: MessageDocument): StoredMessage {
  const encoded = typeof doc.payload === 'string';
  const message = storedMessage(BACKEND, doc, doc.epoch, {
    seq: doc.seq,
    id: doc.id,
    event: doc.event,
    payload: encoded ? doc.payload! : null,
    senderId: doc.senderId,
    clientMessageId: doc.clientMessageId,
    createdAt: millis(doc.createdAt),
    kind: doc.kind,
    target: doc.target,
    version: doc.version,
    editedAt: millis(doc.editedAt),
    deletedAt: millis(doc.deletedAt),
    expiresAt: millis(doc.expiresAt),
  });
  if (!encoded) message.data = fromNative(doc.data ?? null);
  return message;
}
