/**
 * `PostgresMessageStore`: the Roomlog contract on PostgreSQL through the user's `pg` pool.
 * Append is one statement per batch (the append function in `schema.sql.ts`), optionally inside
 * the caller's own transaction; reads are keyset scans of the primary key. The store is core's
 * kit around {@link PostgresDriver}, which holds only what is particular to PostgreSQL.
 */
import {
  type AppendOptions,
  type AppendResult,
  type CursorList,
  type DriverChange,
  type DriverPage,
  DriverStore,
  type ImportResult,
  type NormalizedReadQuery,
  type PreparedBatch,
  type PreparedImport,
  RoomlogError,
  type StreamList,
  type StoreDriver,
  type StoredMessage,
  type StreamHead,
  type StreamRef,
  ageCutoff,
  decodeStreamCursor,
  decodeUserCursor,
  encodeStreamCursor,
  encodeUserCursor,
  entriesToWrite,
  firstSeqOf,
  invalidArgument,
  isUuid,
  newMessageId,
  uuidForImport,
} from '@roomlog/core';
import type { ClientBase, Pool, QueryResultRow } from 'pg';
import {
  createImportStreamSql,
  dropStreamSql,
  importEntriesSql,
  listCursorsSql,
  listStreamsSql,
  lockImportStreamSql,
  pingSql,
  sourceIdsSql,
} from './admin.sql';
import { appendParams, appendResults } from './append';
import { classifyPostgresError, isMissingSchema } from './errors';
import { BACKEND, type PostgresStoreOptions, type ResolvedPostgresOptions, type TableNames, resolvePostgresOptions } from './options';
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
import { restoreSourceIds, sourceIdOf } from './source-ids';

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

/**
 * The Roomlog store on PostgreSQL. Create it with {@link createPostgresStore}.
 *
 * `eraseSender` runs in statements of at most 1000 rows each, so a prolific sender never means
 * one huge transaction; if it rejects midway, calling it again finishes the job.
 */
export class PostgresMessageStore extends DriverStore<PostgresAppendOptions> {
  /** The validated, quoted names of this store's tables. */
  readonly tables: TableNames;
  readonly #driver: PostgresDriver;

  /**
   * @param pool - your `pg` pool; the store never ends it unless `closeClient` is set.
   * @param options - schema, table prefix, retention, payload limit, clock.
   */
  constructor(pool: Pool, options: PostgresStoreOptions = {}) {
    const driver = new PostgresDriver(pool, resolvePostgresOptions(options));
    super(driver);
    this.#driver = driver;
    this.tables = driver.options.tables;
  }

  /**
   * Creates the schema, tables, indexes and the append function if missing. Idempotent, and
   * safe when several nodes run it at once: it holds a transaction-scoped advisory lock keyed
   * by schema. The same script is available as `migrationSql()`.
   */
  migrate(): Promise<void> {
    return this.guarded(() => this.#driver.migrate());
  }
}

/** What is particular to PostgreSQL: the statements of `queries.sql.ts` and the rows they return. */
class PostgresDriver implements StoreDriver<PostgresAppendOptions> {
  readonly name = BACKEND;
  readonly retention = true;
  readonly transactions = true;
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

  constructor(
    private readonly pool: Pool,
    readonly options: ResolvedPostgresOptions,
  ) {
    const t = options.tables;
    this.#retention = { age: options.maxAgeMs !== null, count: options.maxCount !== null };
    this.#sql = {
      append: appendSql(t, options),
      readOldest: readSql(t, false, this.#retention),
      readNewest: readSql(t, true, this.#retention),
      change: changeSql(t),
      setCursor: setCursorSql(t),
      getCursor: getCursorSql(t),
      unread: unreadCountSql(t),
      erase: eraseSenderSql(t),
    };
  }

  classify(error: unknown) {
    return classifyPostgresError(error);
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(MIGRATION_LOCK_SQL, [this.options.tables.lockKey]);
      await client.query(schemaSql(this.options.tables));
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      // Discarding the connection also ends the failed transaction, whatever its state.
      client.release(true);
      throw error;
    }
  }

  async append(prepared: PreparedBatch, options: PostgresAppendOptions | undefined): Promise<Map<number, AppendResult>> {
    const rows = await this.#query<AppendRow>(this.#sql.append, appendParams(prepared), options?.client);
    await restoreSourceIds(prepared, rows, (values) => this.#query(sourceIdsSql(this.options.tables), values, options?.client));
    return appendResults(prepared, rows);
  }

  async read(ref: StreamRef, { after, before, limit }: NormalizedReadQuery): Promise<DriverPage | null> {
    const newest = after === null;
    const rows = await this.#readRows(ref, newest ? this.#sql.readNewest : this.#sql.readOldest, after, before, limit + 1);
    const head = this.#headOf(rows);
    if (head === null) return null;
    const entries = rows[0]!.seq === null ? [] : (rows as EntryRow[]);
    const hasMore = entries.length > limit;
    const page = hasMore ? entries.slice(0, limit) : entries;
    if (newest) page.reverse();
    return { messages: page.map((row) => rowToMessage(ref, head.epoch, row)), head, hasMore };
  }

  async head(ref: StreamRef): Promise<StreamHead | null> {
    return this.#headOf(await this.#readRows(ref, this.#sql.readNewest, null, null, 0));
  }

  async change(ref: StreamRef, { kind, seq, by, payload }: DriverChange): Promise<StoredMessage | null> {
    const [now, cutoff, maxCount] = this.#retentionParams();
    const [row] = await this.#query<EntryRow & { epoch: string }>(this.#sql.change, [
      ref.namespace,
      ref.room,
      seq,
      payload,
      now,
      cutoff,
      maxCount,
      newMessageId(),
      kind,
      by,
    ]);
    return row === undefined ? null : rowToMessage(ref, row.epoch, row);
  }

  async setCursor(ref: StreamRef, user: string, wanted: number): Promise<number> {
    const rows = await this.#query<{ seq: string }>(this.#sql.setCursor, [ref.namespace, ref.room, user, wanted]);
    return rows.length === 0 ? 0 : Number(rows[0]!.seq);
  }

  async getCursor(ref: StreamRef, user: string): Promise<number> {
    const rows = await this.#query<{ seq: string }>(this.#sql.getCursor, [ref.namespace, ref.room, user]);
    return rows.length === 0 ? 0 : Number(rows[0]!.seq);
  }

  async unreadCount(ref: StreamRef, user: string): Promise<number> {
    const rows = await this.#query<{ unread: number }>(this.#sql.unread, [ref.namespace, ref.room, user, ...this.#retentionParams()]);
    return rows[0]?.unread ?? 0;
  }

  async eraseSender(sender: string): Promise<number> {
    const [now, cutoff, maxCount] = this.#retentionParams();
    let erased = 0;
    for (;;) {
      const rows = await this.#query<{ touched: number; erased: number }>(this.#sql.erase, [sender, now, ERASE_BATCH, cutoff, maxCount]);
      erased += rows[0]?.erased ?? 0;
      if ((rows[0]?.touched ?? 0) < ERASE_BATCH) return erased;
    }
  }

  async ping(): Promise<void> {
    const [row] = await this.#query<{ missing: string[] }>(pingSql(this.options.tables), []);
    const missing = row?.missing ?? [];
    if (missing.length > 0) {
      throw new RoomlogError('INTERNAL', `Roomlog's schema is incomplete (missing ${missing.join(', ')}): run store.migrate()`, {
        backend: BACKEND,
        cause: new Error(`missing: ${missing.join(', ')}`),
      });
    }
  }

  async importEntries(batch: PreparedImport): Promise<ImportResult> {
    // Epochs are UUIDs in every Roomlog backend; PostgreSQL's column takes nothing else.
    if (!isUuid(batch.epoch)) throw invalidArgument(BACKEND, 'epoch', 'must be a UUID for PostgreSQL');
    if (batch.entries.length === 0) return { imported: 0, skipped: 0, head: await this.head(batch) };
    const t = this.options.tables;
    const client = await this.pool.connect();
    let written = 0;
    try {
      await client.query('BEGIN');
      await this.#query(createImportStreamSql(t), [batch.namespace, batch.room, batch.epoch], client);
      const [stream] = await this.#query<{ stream_id: string; epoch: string; seq: string }>(
        lockImportStreamSql(t),
        [batch.namespace, batch.room],
        client,
      );
      const toWrite = entriesToWrite(BACKEND, batch, { seq: Number(stream!.seq), epoch: stream!.epoch });
      if (toWrite.length > 0) {
        const column = <K extends keyof (typeof toWrite)[number]>(key: K) => toWrite.map((entry) => entry[key]);
        await this.#query(
          importEntriesSql(t),
          [
            stream!.stream_id,
            column('seq'),
            toWrite.map((entry) => uuidForImport(entry.id)),
            column('createdAt'),
            column('expiresAt'),
            column('editedAt'),
            column('deletedAt'),
            column('target'),
            column('version'),
            column('kind'),
            column('event'),
            column('senderId'),
            column('clientMessageId'),
            column('payload'),
            toWrite.map((entry) => sourceIdOf(entry.id)),
          ],
          client,
        );
      }
      await client.query('COMMIT');
      client.release();
      written = toWrite.length;
    } catch (error) {
      client.release(true);
      throw error;
    }
    return { imported: written, skipped: batch.entries.length - written, head: await this.head(batch) };
  }

  async listStreams({ after, limit }: { after: string | null; limit: number }): Promise<StreamList> {
    const from = after === null ? null : decodeStreamCursor(BACKEND, after);
    const rows = await this.#query<{ namespace: string; room: string }>(listStreamsSql(this.options.tables), [
      from?.namespace ?? null,
      from?.room ?? null,
      limit,
    ]);
    const heads = await Promise.all(rows.map((row) => this.head(row)));
    const streams = rows.flatMap((row, i) => (heads[i] ? [{ namespace: row.namespace, room: row.room, head: heads[i] }] : []));
    const last = rows.at(-1);
    return { streams, next: rows.length === limit && last ? encodeStreamCursor(last) : null };
  }

  async listCursors(ref: StreamRef, { after, limit }: { after: string | null; limit: number }): Promise<CursorList> {
    const from = after === null ? null : decodeUserCursor(BACKEND, after);
    const rows = await this.#query<{ user_id: string; seq: string }>(listCursorsSql(this.options.tables), [
      ref.namespace,
      ref.room,
      from,
      limit,
    ]);
    const cursors = rows.map((row) => ({ userId: row.user_id, seq: Number(row.seq) }));
    return { cursors, next: rows.length === limit ? encodeUserCursor(rows.at(-1)!.user_id) : null };
  }

  async dropStream(ref: StreamRef): Promise<boolean> {
    const [row] = await this.#query<{ dropped: number }>(dropStreamSql(this.options.tables), [ref.namespace, ref.room]);
    return (row?.dropped ?? 0) > 0;
  }

  async close(): Promise<void> {
    if (this.options.closeClient) await this.pool.end();
  }

  /** Runs a statement on the pool (or the caller's client); a missing schema says what to do about it. */
  async #run<R extends QueryResultRow>(sql: string, values: readonly unknown[], db: Queryable = this.pool) {
    try {
      return await db.query<R>(sql, values);
    } catch (error) {
      if (!isMissingSchema(error)) throw error;
      throw new RoomlogError('INTERNAL', `Roomlog's tables are missing in ${this.options.tables.schema}: run store.migrate() first`, {
        backend: BACKEND,
        cause: error,
      });
    }
  }

  async #query<R extends QueryResultRow>(sql: string, values: readonly unknown[], db?: Queryable): Promise<R[]> {
    return (await this.#run<R>(sql, values, db)).rows;
  }

  /** `now`, the age cutoff and `maxCount`, as the statements in `queries.sql.ts` take them. */
  #retentionParams(): [number, number | null, number | null] {
    const now = this.options.now();
    return [now, ageCutoff(this.options, now), this.options.maxCount];
  }

  /** Runs the read statement (`limit` rows of entries; 0 for the head alone). */
  #readRows(ref: StreamRef, sql: string, after: number | null, before: number | null, limit: number): Promise<ReadRow[]> {
    const [now, cutoff, maxCount] = this.#retentionParams();
    return this.#query<ReadRow>(sql, readValues(this.#retention, { ...ref, now, after, before, limit }, { cutoff, maxCount }));
  }

  /** The head carried by the read statement's rows, or `null` when the stream was never written. */
  #headOf(rows: readonly ReadRow[]): StreamHead | null {
    const first = rows[0];
    if (first === undefined) return null;
    const seq = Number(first.head_seq);
    return { seq, epoch: first.epoch, firstSeq: firstSeqOf(this.options, seq, toNumber(first.oldest_live)) };
  }
}

/**
 * Creates a {@link PostgresMessageStore} on your `pg` pool. Call `migrate()` once (or run
 * `migrationSql()` with your migration tool) before the first append.
 *
 * @param pool - your `pg` `Pool`; `close()` leaves it open unless `closeClient: true`.
 * @param options - schema, table prefix, retention, payload limit, clock.
 */
export function createPostgresStore(pool: Pool, options: PostgresStoreOptions = {}): PostgresMessageStore {
  return new PostgresMessageStore(pool, options);
}
