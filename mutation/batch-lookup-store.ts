/**
 * A second store for `pnpm mutation`: the custom-backend guide's kit store
 * (packages/conformance/test/fixtures/kit-store.ts) with an `append` that settles idempotency the
 * way the SQL backends do (PostgreSQL's `roomlog_append_batch`, TypeORM's append routine): one
 * lookup of the batch's `clientMessageId`s against what was stored *before* the batch, then the
 * writes. Such a store cannot see an earlier message of the same batch, so it relies on
 * `prepareBatch` collapsing in-batch duplicates. `MemoryStore` finds those through its own key
 * index as it writes, so a mutant that breaks the collapse changes nothing on it; on this store
 * the conformance suite sees the second copy stored. Reads and heads are the guide's.
 */
import {
  type AppendResult,
  type BaseStoreOptions,
  type MessageStore,
  type PreparedBatch,
  type StoredEntry,
  createDriverStore,
  newEntry,
  newEpoch,
  newMessageId,
  resolveStoreOptions,
  storedMessage,
} from '@roomlog/core';
import { type TinyDatabase, TinyDriver } from '../packages/conformance/test/fixtures/kit-store';

class BatchLookupDriver extends TinyDriver {
  readonly #db: TinyDatabase;

  constructor(db: TinyDatabase, options: BaseStoreOptions) {
    super(db, resolveStoreOptions('tiny', options));
    this.#db = db;
  }

  override async append(batch: PreparedBatch): Promise<Map<number, AppendResult>> {
    const written = new Map<number, AppendResult>();
    for (const group of batch.streams) {
      let stream = this.#db.streams.get(group.stream);
      if (!stream) {
        stream = { namespace: group.namespace, room: group.room, epoch: newEpoch(), seq: 0, rows: [], byClientId: new Map() };
        this.#db.streams.set(group.stream, stream);
      }
      // One lookup per stream before any write, as `WHERE client_message_id = ANY($ids)` would be.
      const stored = new Map<string, StoredEntry>();
      for (const m of group.messages) {
        const found = m.clientMessageId === null ? undefined : stream.byClientId.get(m.clientMessageId);
        if (found !== undefined) stored.set(m.clientMessageId!, found);
      }
      for (const m of group.messages) {
        const original = m.clientMessageId === null ? undefined : stored.get(m.clientMessageId);
        if (original !== undefined) {
          written.set(m.index, { message: storedMessage(this.name, stream, stream.epoch, original), duplicate: true });
          continue;
        }
        const row = { ...newEntry(m, ++stream.seq, newMessageId(), batch.createdAt), version: 1, editedAt: null, deletedAt: null };
        stream.rows.push(row);
        // Were in-batch duplicates not collapsed, both copies would be stored here; the index keeps the first.
        if (row.clientMessageId !== null && !stream.byClientId.has(row.clientMessageId)) stream.byClientId.set(row.clientMessageId, row);
        written.set(m.index, { message: storedMessage(this.name, stream, stream.epoch, row), duplicate: false });
      }
    }
    return written;
  }
}

/** A store on `database` (the guide's `TinyDatabase`); stores on one database see each other's writes. */
export function createBatchLookupStore(database: TinyDatabase, options: BaseStoreOptions = {}): MessageStore {
  return createDriverStore(new BatchLookupDriver(database, options));
}
