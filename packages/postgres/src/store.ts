/**
 * `PostgresMessageStore`: the Roomlog contract on PostgreSQL through the user's `pg` pool.
 * Append is one statement per batch (the append function in `schema.sql.ts`), optionally inside
 * the caller's own transaction; reads are keyset scans of the primary key.
 */
import {
  type AppendOptions,
  type AppendResult,
  MAX_ID_BYTES,
  type MessageStore,
  type NewMessage,
  type ReadQuery,
  type ReadResult,
  type ResolvedStoreOptions,
  RoomlogError,
  type StoreCapabilities,
  type StoredMessage,
  type StreamHead,
  type StreamRef,
  StoreGuard,
  ageCutoff,
  completeResults,
  encodeData,
  firstSeqOf,
  isTruncated,
  newMessageId,
  normalizeReadQuery,
  prepareBatch,
  resolveStoreOptions,
  validateInteger,
  validateOptionalText,
  validateSeq,
  validateStream,
  validateText,
  validateUserId,
} from '@roomlog/core';
import type { ClientBase, Pool, QueryResultRow } from 'pg';
import { appendParams, appendResults } from './append';
import { classifyPostgresError, isMissingSchema } from './errors';
import { BACKEND, type PostgresStoreOptions, type TableNames, tableNames } from './options';
import {
  MIGRATION_LOCK_SQL,
  appendSql,
  changeSql,
  eraseSenderSql,
  getCursorSql,
  type RetentionShape,
  readSql,
  readValues,
  setCursorSql,
  unreadCountSql,
} from './queries.sql';
import { type AppendRow, type EntryRow, type ReadRow, rowToMessage, toNumber } from './rows';
import { schemaSql } from './schema.sql';

/** `append` options: run the append on your own connection, inside your transaction. */
export interface PostgresAppendOptions extends AppendOptions {
  /**
   * A client (e.g. from `pool.connect()`) in a transaction you opened with `BEGIN`. The
   * messages are stored if and only if that transaction commits; until then the streams they
   * go to stay locked for other writers, so commit promptly. @default the store's pool
   */
  client?: ClientBase | undefined;
}

/** Anything that runs a parameterized statement: the pool or one of its clients. */
interface Queryable {
  query<R extends QueryResultRow>(text: string, values: readonly unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** Most rows one `eraseSender` statement touches; it repeats until done. */
const ERASE_BATCH = 1000;

/** The Roomlog store on PostgreSQL. Create it with {@link createPostgresStore}. */
export class PostgresMessageStore implements MessageStore<PostgresAppendOptions> {
  readonly name = BACKEND;
  readonly capabilities: StoreCapabilities = {
    editDelete: true,
    retention: true,
    cursors: true,
    erase: true,
    transactions: true,
  };
  /** The validated, quoted names of this store's tables. */
  readonly tables: TableNames;
  readonly #pool: Pool;
  readonly #options: ResolvedStoreOptions;
  readonly #closePool: boolean;
  readonly #guard = new StoreGuard(BACKEND, classifyPostgresError);
  readonly #retention: RetentionShape;
  readonly #sql: {
    append: string;
    readOldest: string;
    readNewest: string;
    change: string;
    setCursor: string;
    getCursor: string;
    unread: string;
    erase: string;
  };

  /**
   * @param pool - your `pg` pool; the store never ends it unless `closePool` is set.
   * @param options - schema, table prefix, retention, payload limit, clock.
   */
  constructor(pool: Pool, options: PostgresStoreOptions = {}) {
    this.#options = resolveStoreOptions(BACKEND, options);
    this.tables = tableNames(options.schema, options.tablePrefix);
    this.#pool = pool;
    this.#closePool = options.closePool === true;
    const t = this.tables;
    this.#retention = { age: this.#options.maxAgeMs !== null, count: this.#options.maxCount !== null };
    this.#sql = {
      append: appendSql(t),
      readOldest: readSql(t, false, this.#retention),
      readNewest: readSql(t, true, this.#retention),
      change: changeSql(t),
      setCursor: setCursorSql(t),
      getCursor: getCursorSql(t),
      unread: unreadCountSql(t),
      erase: eraseSenderSql(t),
    };
  }

  /**
   * Creates the schema, tables, indexes and the append function if missing. Idempotent, and
   * safe when several nodes run it at once: it holds a transaction-scoped advisory lock keyed
   * by schema. The same script is available as `migrationSql()`.
   */
  migrate(): Promise<void> {
    return this.#run(async () => {
      const client = await this.#pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(MIGRATION_LOCK_SQL, [this.tables.lockKey]);
        await client.query(schemaSql(this.tables));
        await client.query('COMMIT');
        client.release();
      } catch (error) {
        // Discarding the connection also ends the failed transaction, whatever its state.
        client.release(true);
        throw error;
      }
    });
  }

  /** {@inheritDoc MessageStore.append} */
  append(batch: readonly NewMessage[], options?: PostgresAppendOptions): Promise<AppendResult[]> {
    return this.#run(async () => {
      const prepared = prepareBatch(BACKEND, batch, this.#options, true);
      if (prepared.streams.length === 0) return [];
      const db: Queryable = options?.client ?? this.#pool;
      const { rows } = await db.query<AppendRow>(this.#sql.append, appendParams(prepared, this.#options));
      return completeResults(prepared, appendResults(prepared, rows));
    });
  }

  /** {@inheritDoc MessageStore.read} */
  read(stream: StreamRef, query?: ReadQuery): Promise<ReadResult> {
    return this.#run(async () => {
      const ref = validateStream(BACKEND, stream);
      const { after, before, limit } = normalizeReadQuery(BACKEND, query);
      const newest = after === null;
      const rows = await this.#readRows(ref, newest ? this.#sql.readNewest : this.#sql.readOldest, after, before, limit + 1);
      const head = this.#headOf(rows);
      if (head === null) return { messages: [], head: null, hasMore: false, truncated: false };
      const entries = rows[0]!.seq === null ? [] : (rows as EntryRow[]);
      const hasMore = entries.length > limit;
      const page = hasMore ? entries.slice(0, limit) : entries;
      if (newest) page.reverse();
      return {
        messages: page.map((row) => rowToMessage(ref, head.epoch, row)),
        head,
        hasMore,
        truncated: isTruncated(after, head.firstSeq),
      };
    });
  }

  /** {@inheritDoc MessageStore.head} */
  head(stream: StreamRef): Promise<StreamHead | null> {
    return this.#run(async () => {
      const ref = validateStream(BACKEND, stream);
      return this.#headOf(await this.#readRows(ref, this.#sql.readNewest, null, null, 0));
    });
  }

  /** {@inheritDoc MessageStore.edit} */
  edit(stream: StreamRef, seq: number, data: unknown, by?: string): Promise<StoredMessage> {
    return this.#run(() => {
      const { text } = encodeData(data, this.#options.maxPayloadBytes, BACKEND);
      return this.#change(stream, seq, by, 'edit', text);
    });
  }

  /** {@inheritDoc MessageStore.delete} */
  delete(stream: StreamRef, seq: number, by?: string): Promise<StoredMessage> {
    return this.#run(() => this.#change(stream, seq, by, 'delete', null));
  }

  /** {@inheritDoc MessageStore.setCursor} */
  setCursor(stream: StreamRef, userId: string, seq: number): Promise<number> {
    return this.#run(async () => {
      const ref = validateStream(BACKEND, stream);
      const user = validateUserId(BACKEND, userId);
      const wanted = validateInteger(BACKEND, 'seq', seq, 0);
      const { rows } = await this.#pool.query<{ seq: string }>(this.#sql.setCursor, [ref.namespace, ref.room, user, wanted]);
      return rows.length === 0 ? 0 : Number(rows[0]!.seq);
    });
  }

  /** {@inheritDoc MessageStore.getCursor} */
  getCursor(stream: StreamRef, userId: string): Promise<number> {
    return this.#run(async () => {
      const ref = validateStream(BACKEND, stream);
      const user = validateUserId(BACKEND, userId);
      const { rows } = await this.#pool.query<{ seq: string }>(this.#sql.getCursor, [ref.namespace, ref.room, user]);
      return rows.length === 0 ? 0 : Number(rows[0]!.seq);
    });
  }

  /** {@inheritDoc MessageStore.unreadCount} */
  unreadCount(stream: StreamRef, userId: string): Promise<number> {
    return this.#run(async () => {
      const ref = validateStream(BACKEND, stream);
      const user = validateUserId(BACKEND, userId);
      const { rows } = await this.#pool.query<{ unread: number }>(this.#sql.unread, [
        ref.namespace,
        ref.room,
        user,
        ...this.#retentionParams(),
      ]);
      return rows[0]?.unread ?? 0;
    });
  }

  /**
   * {@inheritDoc MessageStore.eraseSender}
   * Runs in statements of at most 1000 rows each, so a prolific sender never means one huge
   * transaction; if it rejects midway, calling it again finishes the job.
   */
  eraseSender(senderId: string): Promise<number> {
    return this.#run(async () => {
      const sender = validateText(BACKEND, 'senderId', senderId, MAX_ID_BYTES);
      const now = this.#options.now();
      let erased = 0;
      for (;;) {
        const { rowCount } = await this.#pool.query(this.#sql.erase, [sender, now, ERASE_BATCH]);
        erased += rowCount ?? 0;
        if ((rowCount ?? 0) < ERASE_BATCH) return erased;
      }
    });
  }

  /** {@inheritDoc MessageStore.close} Ends the pool only with `closePool: true`. */
  close(): Promise<void> {
    return this.#guard.close(() => (this.#closePool ? this.#pool.end() : undefined));
  }

  /** Runs a public method's body: `CLOSED` after close, every error a `RoomlogError`. */
  #run<T>(body: () => Promise<T>): Promise<T> {
    return this.#guard.run(async () => {
      try {
        return await body();
      } catch (error) {
        if (!isMissingSchema(error)) throw error;
        throw new RoomlogError('INTERNAL', `Roomlog's tables are missing in ${this.tables.schema}: run store.migrate() first`, {
          backend: BACKEND,
          cause: error,
        });
      }
    });
  }

  /** `now`, the age cutoff and `maxCount`, as the statements in `queries.sql.ts` take them. */
  #retentionParams(): [number, number | null, number | null] {
    const now = this.#options.now();
    return [now, ageCutoff(this.#options, now), this.#options.maxCount];
  }

  /** Runs the read statement (`limit` rows of entries; 0 for the head alone). */
  async #readRows(ref: StreamRef, sql: string, after: number | null, before: number | null, limit: number): Promise<ReadRow[]> {
    const [now, cutoff, maxCount] = this.#retentionParams();
    const values = readValues(this.#retention, { ...ref, now, after, before, limit }, { cutoff, maxCount });
    const { rows } = await this.#pool.query<ReadRow>(sql, values);
    return rows;
  }

  /** The head carried by the read statement's rows, or `null` when the stream was never written. */
  #headOf(rows: readonly ReadRow[]): StreamHead | null {
    const first = rows[0];
    if (first === undefined) return null;
    const seq = Number(first.head_seq);
    return { seq, epoch: first.epoch, firstSeq: firstSeqOf(this.#options, seq, toNumber(first.oldest_live)) };
  }

  /** Edits (`payload` = new text) or deletes (`payload` = null) message `seq` and logs it. */
  async #change(stream: StreamRef, seq: number, by: string | undefined, kind: 'edit' | 'delete', payload: string | null): Promise<StoredMessage> {
    const ref = validateStream(BACKEND, stream);
    const target = validateSeq(BACKEND, seq);
    const editor = validateOptionalText(BACKEND, 'by', by, MAX_ID_BYTES);
    const [now, cutoff, maxCount] = this.#retentionParams();
    const { rows } = await this.#pool.query<EntryRow & { epoch: string }>(this.#sql.change, [
      ref.namespace,
      ref.room,
      target,
      payload,
      now,
      cutoff,
      maxCount,
      newMessageId(),
      kind,
      editor,
    ]);
    const row = rows[0];
    if (row === undefined) {
      throw new RoomlogError('NOT_FOUND', `no live message ${target} in room ${JSON.stringify(ref.room)}`, {
        backend: BACKEND,
        cause: new Error(`${kind} target not found`),
      });
    }
    return rowToMessage(ref, row.epoch, row);
  }
}

/**
 * Creates a {@link PostgresMessageStore} on your `pg` pool. Call `migrate()` once (or run
 * `migrationSql()` with your migration tool) before the first append.
 *
 * @param pool - your `pg` `Pool`; `close()` leaves it open unless `closePool: true`.
 * @param options - schema, table prefix, retention, payload limit, clock.
 */
export function createPostgresStore(pool: Pool, options: PostgresStoreOptions = {}): PostgresMessageStore {
  return new PostgresMessageStore(pool, options);
}
