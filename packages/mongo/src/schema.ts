/**
 * The mongoose schemas and indexes, read whole here. Models are registered on the user's
 * connection under names carrying the collection prefix (`roomlog_messages`, `roomlog_streams`, `roomlog_cursors`, `roomlog_locks`), so they never
 * clash with the app's own models. Indexes are built only by `init()`: `autoIndex` and
 * `autoCreate` are off, so a mongoose connection never builds them behind the app's back.
 */
import { type Connection, type Model, Schema, type mongo } from 'mongoose';
import type { CursorDocument, LockDocument, MessageDocument, StreamDocument } from './documents';

const nullableString = { type: String, default: null };
const nullableNumber = { type: Number, default: null };
const nullableDate = { type: Date, default: null };

/**
 * Commands on Roomlog's collections are never queued by mongoose while the connection is down:
 * they go to the driver, which fails them after `serverSelectionTimeoutMS`, so an outage
 * surfaces as `UNAVAILABLE` in a bounded time instead of after mongoose's 10 s buffer timeout.
 */
const schemaOptions = { autoIndex: false, autoCreate: false, bufferCommands: false, versionKey: false, strict: 'throw' } as const;

function messageSchema(collection: string): Schema<MessageDocument> {
  const schema = new Schema<MessageDocument>(
    {
      _id: { type: String, required: true },
      id: { type: String, required: true },
      namespace: { type: String, required: true },
      room: { type: String, required: true },
      seq: { type: Number, required: true },
      epoch: { type: String, required: true },
      event: { type: String, required: true },
      // Any value (see data.ts); mongoose casts nothing below it, so `'data.text'` filters pass as written.
      data: { type: Schema.Types.Mixed },
      payload: { type: String },
      senderId: nullableString,
      clientMessageId: nullableString,
      dedupeKey: { type: String, required: true },
      createdAt: { type: Date, required: true },
      kind: { type: String, required: true, enum: ['message', 'edit', 'delete'] },
      target: nullableNumber,
      version: { type: Number, required: true },
      editedAt: nullableDate,
      deletedAt: nullableDate,
      expiresAt: nullableDate,
      purgeAt: { type: Date },
      prev: { type: String },
    },
    { ...schemaOptions, collection },
  );
  // Range queries (unread counts, the head when its hint is gone) and a shard-key prefix for the
  // unique indexes. Seqs are allocated through `_id` (`<stream id>:<seq>`), equally unique.
  schema.index({ namespace: 1, room: 1, seq: 1 }, { unique: true, name: 'stream_seq' });
  // Idempotency: every document fills dedupeKey, so no partial index is needed (FerretDB has none).
  schema.index({ namespace: 1, room: 1, dedupeKey: 1 }, { unique: true, name: 'stream_dedupe' });
  // eraseSender spans every stream.
  schema.index({ senderId: 1 }, { name: 'sender' });
  return schema;
}

function streamSchema(collection: string): Schema<StreamDocument> {
  return new Schema<StreamDocument>(
    {
      _id: { type: String, required: true },
      namespace: { type: String, required: true },
      room: { type: String, required: true },
      seq: { type: Number, required: true },
    },
    { ...schemaOptions, collection },
  );
}

function lockSchema(collection: string): Schema<LockDocument> {
  return new Schema<LockDocument>(
    { _id: { type: String, required: true }, token: { type: String, required: true }, expiresAt: { type: Number, required: true } },
    { ...schemaOptions, collection },
  );
}

function cursorSchema(collection: string): Schema<CursorDocument> {
  const schema = new Schema<CursorDocument>(
    {
      namespace: { type: String, required: true },
      room: { type: String, required: true },
      userId: { type: String, required: true },
      seq: { type: Number, required: true },
    },
    { ...schemaOptions, collection },
  );
  // A marker moves by inserting a higher seq; inserts never lower the maximum, on any server.
  schema.index({ namespace: 1, room: 1, userId: 1, seq: 1 }, { unique: true, name: 'stream_user_seq' });
  return schema;
}

/** Roomlog's models on one connection, and their raw driver collections for the hot paths. */
export interface RoomlogModels {
  messageModel: Model<MessageDocument>;
  streamModel: Model<StreamDocument>;
  cursorModel: Model<CursorDocument>;
  lockModel: Model<LockDocument>;
  messages: mongo.Collection<MessageDocument>;
  streams: mongo.Collection<StreamDocument>;
  cursors: mongo.Collection<CursorDocument>;
  locks: mongo.Collection<LockDocument>;
}

/** Registers (or reuses, for a second store with the same prefix) Roomlog's models on `connection`. */
export function registerModels(connection: Connection, prefix: string): RoomlogModels {
  const messagesName = `${prefix}messages`;
  const streamsName = `${prefix}streams`;
  const cursorsName = `${prefix}cursors`;
  const locksName = `${prefix}locks`;
  const messageModel = modelOn(connection, messagesName, () => messageSchema(messagesName));
  const streamModel = modelOn(connection, streamsName, () => streamSchema(streamsName));
  const cursorModel = modelOn(connection, cursorsName, () => cursorSchema(cursorsName));
  const lockModel = modelOn(connection, locksName, () => lockSchema(locksName));
  return {
    messageModel,
    streamModel,
    cursorModel,
    lockModel,
    // The model created these collection objects with the schema's options (no buffering);
    // asking the connection by name returns the same objects, typed for the raw driver calls.
    messages: connection.collection<MessageDocument>(messagesName),
    streams: connection.collection<StreamDocument>(streamsName),
    cursors: connection.collection<CursorDocument>(cursorsName),
    locks: connection.collection<LockDocument>(locksName),
  };
}

function modelOn<T>(connection: Connection, name: string, schema: () => Schema<T>): Model<T> {
  const existing = connection.models[name] as Model<T> | undefined;
  return existing ?? connection.model<T>(name, schema(), name);
}
