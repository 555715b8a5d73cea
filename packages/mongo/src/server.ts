/**
 * What the connected server is, and how to reach entries on it fastest. Asked once, on first use
 * (`buildInfo`; FerretDB answers with `ferretdbVersion`), it decides two things:
 *
 * - the **query strategy**: `'mongodb'` reads ranges from the `(namespace, room, seq)` index and
 *   fetches several entries with one `$in` on `_id`; `'ferretdb'` fetches every entry by its own
 *   `_id` equality, sent in parallel, because FerretDB v1 pushes only a single `_id` equality
 *   down to its storage and runs every other filter (`$in`, ranges, sorts) over the whole
 *   collection. The `strategy` option overrides the detected one (the test suite runs both on
 *   FerretDB; a MongoDB-compatible server with real indexes wants `'mongodb'`).
 * - the **native rules**: what the server can hold inside a document (see `data.ts`); always
 *   detected, since a document the server refuses cannot be written whatever the strategy.
 */
import { RoomlogError } from '@roomlog/core';
import type { Connection, mongo } from 'mongoose';
import { FERRETDB_RULES, MONGODB_RULES, type NativeRules } from './data';
import type { MessageDocument } from './documents';
import { BACKEND, type MongoStrategy } from './options';

/** What the store knows about the connected server. */
export interface ServerProfile {
  /** How entries are fetched and pages read (see the module docs). */
  strategy: 'mongodb' | 'ferretdb';
  /** What a document may hold. */
  rules: NativeRules;
  /** True on FerretDB (whatever the strategy). */
  ferretdb: boolean;
}

/** The connected server, as the reads and writes use it. */
export interface Server {
  /** The server's profile; asks the server on the first call (retried after a failure). */
  profile(): Promise<ServerProfile>;
  /** Fetches the entries with the given `_id`s (missing ones are simply absent), in any order. */
  fetchByIds(ids: readonly string[]): Promise<MessageDocument[]>;
}

async function askServer(connection: Connection, forced: MongoStrategy): Promise<ServerProfile> {
  const db = connection.db;
  if (!db) {
    throw new RoomlogError('UNAVAILABLE', 'the mongoose connection is not open yet; await it before using the store', {
      backend: BACKEND,
      cause: new Error(`connection readyState ${connection.readyState}`),
    });
  }
  const info = await db.admin().command({ buildInfo: 1 });
  const ferretdb = typeof info.ferretdbVersion === 'string';
  const detected = ferretdb ? 'ferretdb' : 'mongodb';
  return { strategy: forced === 'auto' ? detected : forced, rules: ferretdb ? FERRETDB_RULES : MONGODB_RULES, ferretdb };
}

/**
 * The server behind `connection`, for the entries in `messages`.
 * @param forced - the `strategy` option: `'auto'` detects it.
 */
export function connectServer(connection: Connection, messages: mongo.Collection<MessageDocument>, forced: MongoStrategy): Server {
  let asked: Promise<ServerProfile> | null = null;
  const profile = () =>
    (asked ??= askServer(connection, forced).catch((error: unknown) => {
      asked = null;
      throw error;
    }));
  const fetchByIds = async (ids: readonly string[]): Promise<MessageDocument[]> => {
    if (ids.length === 0) return [];
    if ((await profile()).strategy === 'mongodb') return messages.find({ _id: { $in: [...ids] } }).toArray();
    const found = await Promise.all(ids.map((_id) => messages.findOne({ _id })));
    return found.filter((doc): doc is MessageDocument => doc !== null);
  };
  return { profile, fetchByIds };
}
