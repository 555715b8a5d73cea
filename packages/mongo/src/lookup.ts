/**
 * Fetching entries by `_id`, the way each server does it fastest: MongoDB answers one `$in`
 * query from the `_id` index; FerretDB v1 pushes down only a single `_id` equality (an `$in`
 * scans the whole collection), so there each key is its own query, sent in parallel.
 */
import { RoomlogError } from '@roomlog/core';
import type { Connection, mongo } from 'mongoose';
import type { MessageDocument } from './documents';
import { BACKEND } from './options';

/** Fetches the documents with the given `_id`s (missing ones are simply absent), in any order. */
export type FetchByIds = (ids: readonly string[]) => Promise<MessageDocument[]>;

/** How to reach entries on this server. */
export interface EntryLookup {
  fetchByIds: FetchByIds;
  /** True on FerretDB, where only `_id` lookups avoid a collection scan. */
  scansOnQuery: () => Promise<boolean>;
}

/** True when the server is FerretDB (its `buildInfo` carries `ferretdbVersion`). */
async function isFerretDB(connection: Connection): Promise<boolean> {
  const db = connection.db;
  if (!db) {
    throw new RoomlogError('UNAVAILABLE', 'the mongoose connection is not open yet; await it before using the store', {
      backend: BACKEND,
      cause: new Error(`connection readyState ${connection.readyState}`),
    });
  }
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string';
}

/**
 * Creates the lookups for `messages`. The server is asked what it is once, on first use.
 * @param connection - the connection `messages` belongs to (connected by then).
 */
export function createEntryLookup(connection: Connection, messages: mongo.Collection<MessageDocument>): EntryLookup {
  let ferret: Promise<boolean> | null = null;
  const scansOnQuery = () =>
    (ferret ??= isFerretDB(connection).catch((error: unknown) => {
      ferret = null;
      throw error;
    }));
  const fetchByIds: FetchByIds = async (ids) => {
    if (ids.length === 0) return [];
    if (!(await scansOnQuery())) return messages.find({ _id: { $in: [...ids] } }).toArray();
    const found = await Promise.all(ids.map((_id) => messages.findOne({ _id })));
    return found.filter((doc): doc is MessageDocument => doc !== null);
  };
  return { fetchByIds, scansOnQuery };
}
