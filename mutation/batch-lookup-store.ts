/**
 * A second store for `pnpm mutation`: built on core's store kit and settling idempotency the
 * way the SQL backends do (PostgreSQL's `roomlog_append_batch`, TypeORM's `#storedByClientId`):
 * one lookup of the batch's `clientMessageId`s against what was stored *before* the batch,
 * then the writes. Such a store cannot see an earlier message of the same batch, so it relies
 * on `prepareBatch` collapsing in-batch duplicates. `MemoryStore` finds those through its own
 * key index as it writes, so a mutant that breaks the collapse changes nothing on it; on this
 * store the conformance suite sees the second copy stored.
 */
import {
  type AppendResult,
  type BaseStoreOptions,
  type DriverPage,
  type MessageStore,
  type NormalizedReadQuery,
  type PreparedBatch,
  type ResolvedStoreOptions,
  type StoreDriver,
  type StoredEntry,
  type StreamHead,
  type StreamRef,
  createDriverStore,
  newEntry,
  newEpoch,
  newMessageId,
  resolveStoreOptions,
  storedMessage,
  streamKey,
} from '@roomlog/core';

const NAME = 'batch-lookup';

interface StreamRow extends StreamRef {
  epoch: string;
  seq: number;
  rows: StoredEntry[];
  byClientId: Map<string, StoredEntry>;
}

/** The shared "database": several stores on one instance behave like several nodes. */
export class BatchLookupDatabase {
  readonly streams = new Map<string, StreamRow>();
}

class BatchLookupDriver implements StoreDriver {
  readonly name = NAME;

  constructor(
    private readonly db: BatchLookupDatabase,
    readonly options: ResolvedStoreOptions,
  ) {}

  async append(batch: PreparedBatch): Promise<Map<number, AppendResult>> {
    const written = new Map<number, AppendResult>();
    for (const group of batch.streams) {
      const stream = this.db.streams.get(group.stream) ?? this.#create(group);
      // One lookup per stream before any write, as `WHERE client_message_id = ANY($ids)` would be.
      const stored = new Map<string, StoredEntry>();
      for (const m of group.messages) {
        const found = m.clientMessageId === null ? undefined : stream.byClientId.get(m.clientMessageId);
        if (found !== undefined) stored.set(m.clientMessageId!, found);
      }
      for (const m of group.messages) {
        const original = m.clientMessageId === null ? undefined : stored.get(m.clientMessageId);
        if (original !== undefined) {
          written.set(m.index, { message: storedMessage(NAME, stream, stream.epoch, original), duplicate: true });
          continue;
        }
        const row = { ...newEntry(m, ++stream.seq, newMessageId(), batch.createdAt), version: 1, editedAt: null, deletedAt: null };
        stream.rows.push(row);
        // Were in-batch duplicates not collapsed, both copies would be stored here; the index keeps the first.
        if (row.clientMessageId !== null && !stream.byClientId.has(row.clientMessageId)) stream.byClientId.set(row.clientMessageId, row);
        written.set(m.index, { message: storedMessage(NAME, stream, stream.epoch, row), duplicate: false });
      }
    }
    return written;
  }

  async read(ref: StreamRef, { after, before, limit }: NormalizedReadQuery): Promise<DriverPage | null> {
    const state = this.db.streams.get(streamKey(ref.namespace, ref.room));
    if (!state) return null;
    const inRange = state.rows.filter((r) => (after === null || r.seq > after) && (before === null || r.seq < before));
    const page = after !== null ? inRange.slice(0, limit) : inRange.slice(-limit);
    return {
      messages: page.map((row) => storedMessage(NAME, state, state.epoch, row)),
      head: headOf(state),
      hasMore: inRange.length > limit,
    };
  }

  async head(ref: StreamRef): Promise<StreamHead | null> {
    const state = this.db.streams.get(streamKey(ref.namespace, ref.room));
    return state ? headOf(state) : null;
  }

  #create(group: StreamRef & { stream: string }): StreamRow {
    const state: StreamRow = { namespace: group.namespace, room: group.room, epoch: newEpoch(), seq: 0, rows: [], byClientId: new Map() };
    this.db.streams.set(group.stream, state);
    return state;
  }
}

/** Without retention nothing is removed, so the first retained seq is always 1. */
function headOf(state: StreamRow): StreamHead {
  return { seq: state.seq, epoch: state.epoch, firstSeq: 1 };
}

/** A store on `database`; stores on one database see each other's writes. */
export function createBatchLookupStore(database: BatchLookupDatabase, options: BaseStoreOptions = {}): MessageStore {
  return createDriverStore(new BatchLookupDriver(database, resolveStoreOptions(NAME, options)));
}
