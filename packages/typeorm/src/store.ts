/**
 * `TypeormMessageStore`: the Roomlog contract on a TypeORM DataSource (PostgreSQL,
 * MySQL/MariaDB, sql.js). Seqs come from a counter row per stream that every writer of the
 * stream locks inside its transaction, so they are gapless across any number of nodes.
 */
import {
  type AppendResult,
  type DriverChange,
  type DriverPage,
  DriverStore,
  type ImportResult,
  type NormalizedReadQuery,
  type PreparedBatch,
  type PreparedImport,
  type PreparedStream,
  RoomlogError,
  type StreamList,
  type CursorList,
  type StoreDriver,
  type StoredMessage,
  type StreamHead,
  type StreamRef,
  ageCutoff,
  appendedData,
  backoff,
  countFloor,
  decodeStreamCursor,
  decodeUserCursor,
  encodeStreamCursor,
  encodeUserCursor,
  entriesToWrite,
  firstSeqOf,
  invalidArgument,
  isUuid,
  isLive,
  newEntry,
  newEpoch,
  newMessageId,
  storedMessage,
  streamDigest,
  uuidForImport,
} from '@roomlog/core';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import {
  type ImportRow,
  advanceImported,
  deleteStreamRows,
  insertImportStream,
  insertImported,
  probeTable,
  probeUpgrades,
  selectCursorPage,
  selectStreamPage,
} from './admin.sql';
import {
  type KeyedStream,
  type RoutineRow,
  keyedStreams,
  mysqlRoutineParams,
  payloadChars,
  postgresRoutineParams,
  routineResults,
} from './append-routine';
import { MYSQL_HAS_APPEND, POSTGRES_HAS_APPEND, mysqlAppendCall, postgresAppendCall } from './append-routine.sql';
import { type Dialect, dialectOf } from './dialect';
import { RoomlogCursorRow, RoomlogMessageRow, RoomlogStreamRow } from './entities';
import { classifyTypeormError, isMissingRoutine, isRetryable } from './errors';
import { runExclusive } from './exclusive';
import {
  BACKEND,
  type ResolvedTypeormOptions,
  type TypeormAppendOptions,
  type TypeormStoreOptions,
  resolveTypeormOptions,
} from './options';
import * as sql from './queries.sql';
import { toNumber, toNumberOrNull, toStoredMessage, toText } from './rows';
import { type RoomlogPaths, roomlogPaths } from './table-paths';

/** Most rows in one INSERT, and most payload characters, so a statement stays under MySQL's `max_allowed_packet`. */
const INSERT_MAX_ROWS = 500;
const INSERT_MAX_PAYLOAD_CHARS = 4_000_000;
/**
 * Most payload characters a batch may have to go through MySQL's append procedure, whose one
 * CALL must fit `max_allowed_packet` (16 MiB by default) with the payloads escaped twice (as
 * JSON strings, then as an SQL literal); a larger batch takes the sliced statement path.
 */
const ROUTINE_MAX_PAYLOAD_CHARS = 1_000_000;
/** How long a store that found no append routine goes on without it before looking again (ms). */
const ROUTINE_RECHECK_MS = 60_000;

type StreamState = { epoch: string; seq: number; nextExpiry: number | null };

/** The Roomlog contract on a TypeORM `DataSource`. Create it with {@link createTypeormStore}. */
export class TypeormMessageStore extends DriverStore<TypeormAppendOptions> {
  /** The DataSource the store works on (yours; `close()` destroys it only with `closeClient`). */
  readonly dataSource: DataSource;

  /**
   * @param dataSource - your DataSource, with {@link roomlogEntities} among its entities. It may
   *   still be initializing; the store looks up its tables on first use.
   * @param options - retention, payload limit, clock, retries, and whether `close()` destroys the DataSource.
   */
  constructor(dataSource: DataSource, options: TypeormStoreOptions = {}) {
    if (dataSource === null || typeof dataSource !== 'object' || typeof dataSource.createQueryRunner !== 'function') {
      throw invalidArgument(BACKEND, 'dataSource', 'must be a TypeORM DataSource');
    }
    super(new TypeormDriver(dataSource, resolveTypeormOptions(options)));
    this.dataSource = dataSource;
  }
}

/** What is particular to TypeORM: counter rows, transactions with retries, the three dialects' statements. */
class TypeormDriver implements StoreDriver<TypeormAppendOptions> {
  readonly name = BACKEND;
  readonly retention = true;
  readonly transactions = true;
  readonly #dialect: Dialect;
  #tables: RoomlogPaths | null = null;
  /** Whether the append routine is installed, and when that was learnt (`Date.now()`). */
  #routine: { present: boolean; at: number } | null = null;
  #routineLookup: Promise<boolean> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    readonly options: ResolvedTypeormOptions,
  ) {
    this.#dialect = dialectOf(dataSource.options.type);
  }

  classify(error: unknown) {
    return classifyTypeormError(error);
  }

  /**
   * One round trip through the append routine where it is installed (PostgreSQL, MariaDB/MySQL):
   * on its own it is atomic, so it needs no BEGIN/COMMIT of the store's; in the caller's
   * transaction it is one more statement of theirs. Elsewhere, or for a batch too large for
   * MySQL's packet, the same steps statement by statement in a transaction.
   */
  async append(prepared: PreparedBatch, options: TypeormAppendOptions | undefined): Promise<Map<number, AppendResult>> {
    const manager = options?.manager;
    if (manager !== undefined) {
      return this.#inCallerTransaction(manager, async (runner) =>
        (await this.#routineFits(prepared, runner)) ? this.#appendByRoutine(runner, prepared, false) : this.#appendIn(runner, prepared),
      );
    }
    if (await this.#routineFits(prepared, null)) {
      try {
        return await this.#retrying(() => this.#session((runner) => this.#appendByRoutine(runner, prepared, true)));
      } catch (error) {
        // Dropped since it was found (or mid-migration on MySQL): nothing was written, go on without it.
        if (!isMissingRoutine(error)) throw error;
        this.#routine = { present: false, at: Date.now() };
      }
    }
    return this.#transaction((runner) => this.#appendIn(runner, prepared));
  }

  /** True when this batch goes through the append routine: it is installed, and the batch fits MySQL's packet. */
  async #routineFits(prepared: PreparedBatch, runner: QueryRunner | null): Promise<boolean> {
    if (this.#dialect === 'sqlite') return false;
    if (this.#dialect === 'mysql' && payloadChars(prepared.streams) > ROUTINE_MAX_PAYLOAD_CHARS) return false;
    const known = this.#routine;
    if (known !== null && (known.present || Date.now() - known.at < ROUTINE_RECHECK_MS)) return known.present;
    // One catalog lookup, shared by the appends that arrive meanwhile; in the caller's
    // transaction on its connection (a plain read), so it never waits for a second one.
    this.#routineLookup ??= (async () => {
      try {
        const present = await (runner === null ? this.#session((own) => this.#hasRoutine(own)) : this.#hasRoutine(runner));
        this.#routine = { present, at: Date.now() };
        return present;
      } finally {
        this.#routineLookup = null;
      }
    })();
    return this.#routineLookup;
  }

  async #hasRoutine(runner: QueryRunner): Promise<boolean> {
    const t = this.#tableNames();
    const statement =
      this.#dialect === 'postgres'
        ? { sql: POSTGRES_HAS_APPEND, params: [t.append] }
        : { sql: MYSQL_HAS_APPEND, params: [t.appendSchema, t.appendName] };
    return (await this.#query(runner, statement)).length > 0;
  }

  /** The whole append as one call of the routine; `own` says no caller's transaction surrounds it. */
  async #appendByRoutine(runner: QueryRunner, prepared: PreparedBatch, own: boolean): Promise<Map<number, AppendResult>> {
    const t = this.#tableNames();
    const streams: KeyedStream[] = keyedStreams(prepared.streams);
    const settings = {
      now: prepared.createdAt,
      maxCount: this.options.maxCount,
      cutoff: ageCutoff(this.options, prepared.createdAt),
      sweepLimit: this.options.sweepLimit,
    };
    const ids: string[] = [];
    let rows: RoutineRow[];
    if (this.#dialect === 'postgres') {
      rows = await this.#query<RoutineRow>(runner, { sql: postgresAppendCall(t), params: postgresRoutineParams(streams, settings, ids) });
    } else {
      // A CALL answers with its result sets (new messages, duplicates) and then its own status.
      const answers = await this.#query<RoutineRow[] | object>(runner, {
        sql: mysqlAppendCall(t),
        params: mysqlRoutineParams(streams, settings, own, ids),
      });
      rows = answers.filter((answer): answer is RoutineRow[] => Array.isArray(answer)).flat();
    }
    return routineResults(streams, rows, ids, prepared.createdAt);
  }

  read(ref: StreamRef, { after, before, limit }: NormalizedReadQuery): Promise<DriverPage | null> {
    const key = streamDigest(ref.namespace, ref.room);
    const now = this.options.now();
    return this.#session(async (runner) => {
      const state = await this.#stream(runner, key, false);
      if (state === null) return null;
      const head = await this.#headOf(runner, key, state, now);
      // Bounded by the head just read, so the page never holds an entry newer than `head`.
      const low = Math.max(countFloor(this.options, state.seq), (after ?? 0) + 1);
      const high = Math.min(state.seq, (before ?? Number.POSITIVE_INFINITY) - 1);
      if (low > high) return { messages: [], head, hasMore: false };
      const forward = after !== null;
      const rows = await this.#query<sql.MessageRow>(
        runner,
        sql.selectPage(this.#dialect, this.#tableNames(), {
          key,
          low,
          high,
          order: forward ? 'ASC' : 'DESC',
          limit: limit + 1,
          now,
          cutoff: ageCutoff(this.options, now),
        }),
      );
      const hasMore = rows.length > limit;
      if (hasMore) rows.pop();
      if (!forward) rows.reverse();
      return { messages: rows.map((row) => toStoredMessage(ref, state.epoch, row)), head, hasMore };
    });
  }

  head(ref: StreamRef): Promise<StreamHead | null> {
    const key = streamDigest(ref.namespace, ref.room);
    const now = this.options.now();
    return this.#session(async (runner) => {
      const state = await this.#stream(runner, key, false);
      return state === null ? null : this.#headOf(runner, key, state, now);
    });
  }

  setCursor(ref: StreamRef, user: string, wanted: number): Promise<number> {
    const key = streamDigest(ref.namespace, ref.room);
    return this.#session(async (runner) => {
      // The head only grows, so clamping to a head read a moment ago is still within it.
      const headSeq = (await this.#stream(runner, key, false))?.seq ?? 0;
      const t = this.#tableNames();
      let rows = await this.#query<{ seq: number | string }>(
        runner,
        sql.advanceCursor(this.#dialect, t, key, user, Math.min(wanted, headSeq)),
      );
      if (this.#dialect === 'mysql') rows = await this.#query(runner, sql.selectCursor(this.#dialect, t, key, user));
      return toNumber(this.#first(rows).seq);
    });
  }

  getCursor(ref: StreamRef, user: string): Promise<number> {
    const statement = sql.selectCursor(this.#dialect, this.#tableNames(), streamDigest(ref.namespace, ref.room), user);
    return this.#session(async (runner) => {
      const [row] = await this.#query<{ seq: number | string }>(runner, statement);
      return row === undefined ? 0 : toNumber(row.seq);
    });
  }

  unreadCount(ref: StreamRef, user: string): Promise<number> {
    const now = this.options.now();
    const statement = sql.countUnread(
      this.#dialect,
      this.#tableNames(),
      streamDigest(ref.namespace, ref.room),
      user,
      now,
      ageCutoff(this.options, now),
      this.options.maxCount,
    );
    return this.#session(async (runner) => toNumber(this.#first(await this.#query<{ n: number | string }>(runner, statement)).n));
  }

  eraseSender(sender: string): Promise<number> {
    const now = this.options.now();
    const live = { cutoff: ageCutoff(this.options, now), maxCount: this.options.maxCount };
    // Its own transaction, so a deadlock with a concurrent sweep of the same rows is retried.
    // Only live entries count; expired ones not yet swept are wiped after them, uncounted.
    return this.#transaction(async (runner) => {
      const erased = await this.#execute(runner, sql.eraseSender(this.#dialect, this.#tableNames(), sender, now, live));
      await this.#execute(runner, sql.eraseSender(this.#dialect, this.#tableNames(), sender, now, null));
      return erased;
    });
  }

  async close(): Promise<void> {
    if (this.options.closeClient && this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  ping(): Promise<void> {
    const t = this.#tableNames();
    return this.#session(async (runner) => {
      for (const table of ['streams', 'messages', 'cursors'] as const) {
        try {
          await this.#query(runner, probeTable(t, table));
        } catch (cause) {
          throw new RoomlogError('INTERNAL', `Roomlog's table ${t[table]} is missing: run the migration (RoomlogSchema1764316800000)`, {
            backend: BACKEND,
            cause,
          });
        }
      }
      try {
        await this.#query(runner, probeUpgrades(t));
      } catch (cause) {
        throw new RoomlogError(
          'INTERNAL',
          `Roomlog's table ${t.messages} lacks source_id: run the migration (RoomlogSourceIds1764547200000)`,
          {
            backend: BACKEND,
            cause,
          },
        );
      }
    });
  }

  async importEntries(batch: PreparedImport): Promise<ImportResult> {
    // Epochs are UUIDs in every Roomlog backend; the column holds 36 characters.
    if (!isUuid(batch.epoch)) throw invalidArgument(BACKEND, 'epoch', 'must be a UUID for the TypeORM store');
    const key = streamDigest(batch.namespace, batch.room);
    const t = this.#tableNames();
    const written =
      batch.entries.length === 0
        ? 0
        : await this.#transaction(async (runner) => {
            let state = await this.#stream(runner, key, true);
            if (state === null) {
              await this.#execute(runner, insertImportStream(this.#dialect, t, key, batch.namespace, batch.room, batch.epoch));
              state = { epoch: batch.epoch, seq: 0, nextExpiry: null };
            }
            const toWrite = entriesToWrite(BACKEND, batch, state);
            if (toWrite.length === 0) return 0;
            const rows: ImportRow[] = toWrite.map((entry) => {
              const id = uuidForImport(entry.id);
              return { ...entry, key, id, sourceId: id === entry.id ? null : entry.id };
            });
            for (const slice of this.#insertSlices(rows)) await this.#execute(runner, insertImported(this.#dialect, t, slice));
            const last = rows.at(-1)!.seq;
            let expiry: number | null = null;
            for (const row of rows) if (row.expiresAt !== null && (expiry === null || row.expiresAt < expiry)) expiry = row.expiresAt;
            const nextExpiry = expiry === null ? state.nextExpiry : Math.min(expiry, state.nextExpiry ?? expiry);
            await this.#execute(runner, advanceImported(this.#dialect, t, key, last, nextExpiry));
            await this.#sweep(runner, [{ key, seq: last, nextExpiry }], this.options.now());
            return rows.length;
          });
    return { imported: written, skipped: batch.entries.length - written, head: await this.head(batch) };
  }

  listStreams({ after, limit }: { after: string | null; limit: number }): Promise<StreamList> {
    const from = after === null ? null : decodeStreamCursor(BACKEND, after);
    const now = this.options.now();
    return this.#session(async (runner) => {
      const rows = await this.#query<{ namespace: string | Buffer; room: string | Buffer }>(
        runner,
        selectStreamPage(this.#dialect, this.#tableNames(), from, limit),
      );
      const streams = [];
      for (const row of rows) {
        const ref = { namespace: toText(row.namespace), room: toText(row.room) };
        const key = streamDigest(ref.namespace, ref.room);
        const state = await this.#stream(runner, key, false);
        if (state !== null) streams.push({ ...ref, head: await this.#headOf(runner, key, state, now) });
      }
      const last = rows.at(-1);
      return {
        streams,
        next: rows.length === limit && last ? encodeStreamCursor({ namespace: toText(last.namespace), room: toText(last.room) }) : null,
      };
    });
  }

  listCursors(ref: StreamRef, { after, limit }: { after: string | null; limit: number }): Promise<CursorList> {
    const from = after === null ? null : decodeUserCursor(BACKEND, after);
    const key = streamDigest(ref.namespace, ref.room);
    return this.#session(async (runner) => {
      const rows = await this.#query<{ user_id: string | Buffer; seq: number | string }>(
        runner,
        selectCursorPage(this.#dialect, this.#tableNames(), key, from, limit),
      );
      const cursors = rows.map((row) => ({ userId: toText(row.user_id), seq: toNumber(row.seq) }));
      return { cursors, next: rows.length === limit ? encodeUserCursor(cursors.at(-1)!.userId) : null };
    });
  }

  dropStream(ref: StreamRef): Promise<boolean> {
    const key = streamDigest(ref.namespace, ref.room);
    const t = this.#tableNames();
    return this.#transaction(async (runner) => {
      const existed = (await this.#stream(runner, key, true)) !== null;
      await this.#execute(runner, deleteStreamRows(this.#dialect, t, 'messages', key));
      await this.#execute(runner, deleteStreamRows(this.#dialect, t, 'cursors', key));
      await this.#execute(runner, deleteStreamRows(this.#dialect, t, 'streams', key));
      return existed;
    });
  }

  /**
   * The write path of `append`, inside a transaction: take seqs for every stream (locking each
   * counter row, in key order), settle idempotency under those locks, insert, give back seqs
   * that duplicates did not use, sweep retention.
   */
  async #appendIn(runner: QueryRunner, batch: PreparedBatch): Promise<Map<number, AppendResult>> {
    const t = this.#tableNames();
    const now = batch.createdAt;
    const groups = batch.streams.map((group) => ({ group, key: streamDigest(group.namespace, group.room) }));
    groups.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const counters = await this.#allocate(runner, groups);
    await this.#purgeLostStreams(runner, groups, counters);
    const stored = await this.#storedByClientId(runner, groups);
    const written = new Map<number, AppendResult>();
    const entries: sql.NewEntry[] = [];
    const stale: { key: string; seq: number }[] = [];
    const cutoff = ageCutoff(this.options, now);
    for (const { group, key } of groups) {
      const counter = counters.get(key);
      if (counter === undefined) throw new Error(`no counter row came back for stream ${key}`);
      const ref = { namespace: group.namespace, room: group.room };
      const before = counter.seq - group.messages.length;
      const floor = countFloor(this.options, before);
      let seq = before;
      for (const message of group.messages) {
        const original = message.clientMessageId === null ? undefined : stored.get(key)?.get(message.clientMessageId);
        if (original !== undefined) {
          const originalSeq = toNumber(original.seq);
          if (originalSeq >= floor && isLive(toNumber(original.created_at), toNumberOrNull(original.expires_at), now, cutoff)) {
            written.set(message.index, { message: toStoredMessage(ref, counter.epoch, original), duplicate: true });
            continue;
          }
          // Expired but not yet swept: remove it so its idempotency key is free again.
          stale.push({ key, seq: originalSeq });
        }
        seq += 1;
        const entry: sql.NewEntry = { ...newEntry(message, seq, newMessageId(), now), key };
        entries.push(entry);
        written.set(message.index, {
          message: storedMessage(
            BACKEND,
            ref,
            counter.epoch,
            { ...entry, version: 1, editedAt: null, deletedAt: null },
            appendedData(message, BACKEND),
          ),
          duplicate: false,
        });
      }
      const unused = counter.seq - seq;
      if (unused > 0) {
        // The counter row is still locked by this transaction, so nobody took a seq after ours.
        await this.#execute(runner, sql.releaseSeqs(this.#dialect, t, key, unused));
        counter.seq = seq;
      }
    }
    if (stale.length > 0) await this.#execute(runner, sql.deleteEntries(this.#dialect, t, stale));
    await this.#insert(runner, entries);
    await this.#sweep(
      runner,
      groups.map(({ key }) => ({ key, ...counters.get(key)! })),
      now,
    );
    return written;
  }

  /** Takes `messages.length` seqs per stream; returns each counter after the increment. */
  async #allocate(runner: QueryRunner, groups: readonly { group: PreparedStream; key: string }[]): Promise<Map<string, StreamState>> {
    const t = this.#tableNames();
    const allocations = groups.map(({ group, key }) => {
      let nextExpiry: number | null = null;
      for (const m of group.messages) {
        if (m.expiresAt !== null && (nextExpiry === null || m.expiresAt < nextExpiry)) nextExpiry = m.expiresAt;
      }
      return { key, namespace: group.namespace, room: group.room, epoch: newEpoch(), count: group.messages.length, nextExpiry };
    });
    let rows = await this.#query<sql.StreamRow>(runner, sql.allocateSeqs(this.#dialect, t, allocations));
    if (this.#dialect === 'mysql') {
      rows = await this.#query(
        runner,
        sql.selectStreams(
          this.#dialect,
          t,
          allocations.map((a) => a.key),
        ),
      );
    }
    return new Map(rows.map((row) => [row.stream_key, toStreamState(row)]));
  }

  /**
   * A counter that now equals what this batch took was just created (a counter row never holds
   * 0). If entries of that stream are still stored, its counter row was lost: they belong to
   * the old epoch and would collide with the new seqs, so they go, with the stream's cursors.
   * For a really new stream these are two no-op deletes, once in its life.
   */
  async #purgeLostStreams(
    runner: QueryRunner,
    groups: readonly { group: PreparedStream; key: string }[],
    counters: ReadonlyMap<string, StreamState>,
  ): Promise<void> {
    const created = groups.filter(({ group, key }) => counters.get(key)?.seq === group.messages.length).map(({ key }) => key);
    if (created.length === 0) return;
    const t = this.#tableNames();
    await this.#execute(runner, sql.purgeStreams(this.#dialect, t, 'messages', created));
    await this.#execute(runner, sql.purgeStreams(this.#dialect, t, 'cursors', created));
  }

  /** Stored messages whose `clientMessageId` a batch repeats, by stream key and id. */
  async #storedByClientId(
    runner: QueryRunner,
    groups: readonly { group: PreparedStream; key: string }[],
  ): Promise<Map<string, Map<string, sql.MessageRow>>> {
    const wanted = new Map<string, string[]>();
    for (const { group, key } of groups) {
      const ids = group.messages.flatMap((m) => (m.clientMessageId === null ? [] : [m.clientMessageId]));
      if (ids.length > 0) wanted.set(key, ids);
    }
    const found = new Map<string, Map<string, sql.MessageRow>>();
    if (wanted.size === 0) return found;
    for (const row of await this.#query<sql.MessageRow>(runner, sql.findByClientIds(this.#dialect, this.#tableNames(), wanted))) {
      let byId = found.get(row.stream_key);
      if (byId === undefined) found.set(row.stream_key, (byId = new Map()));
      byId.set(toText(row.client_message_id!), row);
    }
    return found;
  }

  /** Inserts entries in as few statements as MySQL's packet limit allows. */
  async #insert(runner: QueryRunner, entries: readonly sql.NewEntry[]): Promise<void> {
    for (const slice of this.#insertSlices(entries))
      await this.#execute(runner, sql.insertEntries(this.#dialect, this.#tableNames(), slice));
  }

  /** Splits rows into INSERTs under MySQL's packet limit: at most 500 rows and ~4 MB of payload each. */
  *#insertSlices<T extends { payload: string | null }>(entries: readonly T[]): Generator<T[]> {
    let start = 0;
    while (start < entries.length) {
      let end = start;
      let chars = 0;
      while (
        end < entries.length &&
        end - start < INSERT_MAX_ROWS &&
        (end === start || chars + (entries[end]!.payload?.length ?? 0) <= INSERT_MAX_PAYLOAD_CHARS)
      ) {
        chars += entries[end]!.payload?.length ?? 0;
        end++;
      }
      yield entries.slice(start, end);
      start = end;
    }
  }

  /**
   * Deletes what retention expired in the streams a write touched, at most `sweepLimit` rows in
   * one statement: below each count floor, older than `maxAgeMs`, and, where a stream's earliest
   * TTL is due, TTL-expired.
   */
  async #sweep(
    runner: QueryRunner,
    streams: readonly { key: string; seq: number; nextExpiry: number | null }[],
    now: number,
  ): Promise<void> {
    const cutoff = ageCutoff(this.options, now);
    const sweeps: sql.Sweep[] = [];
    for (const { key, seq, nextExpiry } of streams) {
      const floor = countFloor(this.options, seq);
      const sweep = { key, floor: floor > 1 ? floor : null, cutoff, now: nextExpiry !== null && nextExpiry <= now ? now : null };
      if (sweep.floor !== null || sweep.cutoff !== null || sweep.now !== null) sweeps.push(sweep);
    }
    if (sweeps.length === 0) return;
    const t = this.#tableNames();
    await this.#execute(runner, sql.deleteExpired(this.#dialect, t, sweeps, this.options.sweepLimit));
    const due = sweeps.filter((sweep) => sweep.now !== null).map((sweep) => sweep.key);
    if (due.length > 0) await this.#execute(runner, sql.refreshNextExpiry(this.#dialect, t, due));
  }

  /** Edits or deletes message `seq` in place and appends the log entry, in one transaction. */
  change(ref: StreamRef, { kind, seq: target, by, payload }: DriverChange): Promise<StoredMessage | null> {
    const key = streamDigest(ref.namespace, ref.room);
    const t = this.#tableNames();
    return this.#transaction(async (runner) => {
      const now = this.options.now();
      const state = await this.#stream(runner, key, true);
      const [row] = state === null ? [] : await this.#query<sql.MessageRow>(runner, sql.selectEntry(this.#dialect, t, key, target));
      if (
        state === null ||
        row === undefined ||
        row.kind !== 'message' ||
        row.deleted_at !== null ||
        target < countFloor(this.options, state.seq) ||
        !isLive(toNumber(row.created_at), toNumberOrNull(row.expires_at), now, ageCutoff(this.options, now))
      ) {
        return null;
      }
      const stamp = kind === 'edit' ? 'edited_at' : 'deleted_at';
      await this.#execute(runner, sql.changeEntry(this.#dialect, t, key, target, payload, stamp, now));
      const logSeq = state.seq + 1;
      await this.#insert(runner, [
        {
          key,
          seq: logSeq,
          id: newMessageId(),
          event: toText(row.event),
          payload,
          senderId: by,
          clientMessageId: null,
          createdAt: now,
          kind,
          target,
          expiresAt: null,
        },
      ]);
      await this.#execute(runner, sql.setStreamSeq(this.#dialect, t, key, logSeq));
      await this.#sweep(runner, [{ key, seq: logSeq, nextExpiry: state.nextExpiry }], now);
      return toStoredMessage(ref, state.epoch, { ...row, payload, version: toNumber(row.version) + 1, [stamp]: now });
    });
  }

  /** A stream's counter row, or `null` when it was never written. With `lock`, locked until the transaction ends. */
  async #stream(runner: QueryRunner, key: string, lock: boolean): Promise<StreamState | null> {
    const [row] = await this.#query<sql.StreamRow>(runner, sql.selectStream(this.#dialect, this.#tableNames(), key, lock));
    return row === undefined ? null : toStreamState(row);
  }

  /** The head of an existing stream; with `maxAgeMs`, one more query finds the oldest live entry. */
  async #headOf(runner: QueryRunner, key: string, state: StreamState, now: number): Promise<StreamHead> {
    let oldestLive: number | null = null;
    const cutoff = ageCutoff(this.options, now);
    if (cutoff !== null) {
      const statement = sql.oldestLiveSeq(this.#dialect, this.#tableNames(), key, countFloor(this.options, state.seq), cutoff, now);
      const [row] = await this.#query<{ seq: number | string | null }>(runner, statement);
      oldestLive = toNumberOrNull(row?.seq ?? null);
    }
    return { seq: state.seq, epoch: state.epoch, firstSeq: firstSeqOf(this.options, state.seq, oldestLive) };
  }

  /**
   * Runs `body` in a transaction of the store's own, retried when it loses a race the database
   * reports (deadlock, serialization failure, a unique key taken concurrently).
   */
  #transaction<T>(body: (runner: QueryRunner) => Promise<T>): Promise<T> {
    return this.#retrying(() => this.#exclusive(() => this.#transactionOnce(body)));
  }

  /** Runs `body`, and again after a backoff while it fails with a race the database reports, up to `maxRetries` more times. */
  async #retrying<T>(body: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await body();
      } catch (error) {
        if (attempt >= this.options.maxRetries || !isRetryable(error)) throw error;
        await backoff(attempt + 1);
      }
    }
  }

  async #transactionOnce<T>(body: (runner: QueryRunner) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      // MySQL's default REPEATABLE READ would add gap locks between streams; the counter row lock is all the store needs.
      await runner.startTransaction(this.#dialect === 'mysql' ? 'READ COMMITTED' : undefined);
      const result = await body(runner);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      // The first error is the one to report; a rollback that fails too means the connection
      // is gone, and the server discards the transaction with it (TypeORM's own `transaction()` does the same).
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  /** Runs `body` on the caller's transaction: no retry and no commit, both are the caller's. */
  #inCallerTransaction<T>(manager: EntityManager, body: (runner: QueryRunner) => Promise<T>): Promise<T> {
    const runner = manager?.queryRunner;
    if (manager?.connection !== this.dataSource) {
      throw invalidArgument(BACKEND, 'options.manager', "must belong to the store's DataSource");
    }
    if (runner === undefined || !runner.isTransactionActive) {
      throw invalidArgument(
        BACKEND,
        'options.manager',
        'must be the manager of an active transaction, e.g. from dataSource.transaction(manager => ...)',
      );
    }
    return body(runner);
  }

  /** Runs `body` on one connection without a transaction of its own (reads, single statements). */
  #session<T>(body: (runner: QueryRunner) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      const runner = this.dataSource.createQueryRunner();
      try {
        return await body(runner);
      } finally {
        await runner.release();
      }
    });
  }

  /** sql.js has one connection per DataSource: queue the store's work on it (see `exclusive.ts`). */
  #exclusive<T>(body: () => Promise<T>): Promise<T> {
    return this.#dialect === 'sqlite' ? runExclusive(this.dataSource, body) : body();
  }

  async #query<T>(runner: QueryRunner, statement: sql.Statement): Promise<T[]> {
    const result = await runner.query(statement.sql, statement.params, true);
    return (result.records ?? []) as T[];
  }

  async #execute(runner: QueryRunner, statement: sql.Statement): Promise<number> {
    const result = await runner.query(statement.sql, statement.params, true);
    return result.affected ?? 0;
  }

  #first<T>(rows: readonly T[]): T {
    const [row] = rows;
    if (row === undefined) throw new Error('the database returned no row where one was expected');
    return row;
  }

  /** Escaped table (and routine) names from the DataSource's metadata, so its `schema` and `entityPrefix` apply. */
  #tableNames(): RoomlogPaths {
    if (this.#tables !== null) return this.#tables;
    if (!this.dataSource.isInitialized) {
      throw new RoomlogError('UNAVAILABLE', 'the DataSource is not initialized; call dataSource.initialize() first', {
        backend: BACKEND,
        cause: new Error('DataSource not initialized'),
      });
    }
    for (const [target, hint] of [
      [RoomlogStreamRow, 'roomlog_streams'],
      [RoomlogMessageRow, 'roomlog_messages'],
      [RoomlogCursorRow, 'roomlog_cursors'],
    ] as const) {
      if (!this.dataSource.hasMetadata(target)) {
        throw invalidArgument(
          BACKEND,
          'dataSource',
          `has no ${hint} entity: add ...roomlogEntities('${this.dataSource.options.type}') to its entities`,
        );
      }
    }
    this.#tables = roomlogPaths(this.dataSource);
    return this.#tables;
  }
}

function toStreamState(row: sql.StreamRow): StreamState {
  return { epoch: row.epoch, seq: toNumber(row.seq), nextExpiry: toNumberOrNull(row.next_expiry) };
}

/**
 * Creates a Roomlog store on your TypeORM DataSource. Add {@link roomlogEntities} to the
 * DataSource's entities and {@link RoomlogSchema1764316800000} to its migrations first.
 *
 * @param dataSource - an initialized (or initializing) DataSource of type `postgres`, `mysql`, `mariadb` or `sqljs`.
 * @param options - see {@link TypeormStoreOptions}.
 * @throws RoomlogError `UNSUPPORTED` for another driver, `INVALID_ARGUMENT` for bad options.
 */
export function createTypeormStore(dataSource: DataSource, options: TypeormStoreOptions = {}): TypeormMessageStore {
  return new TypeormMessageStore(dataSource, options);
}
