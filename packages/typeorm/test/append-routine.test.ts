/**
 * The append routine (`RoomlogAppendRoutine1764633600000`) on PostgreSQL and MariaDB: an append
 * is one statement on the wire, on its own and in the caller's transaction; without the routine
 * (`synchronize`, a store started before the migration, the routine dropped) appends stay
 * correct; a rolled-back caller leaves no gap; and a batch with every kind of duplicate, TTLs
 * and `maxCount` comes out exactly as the statement path makes it.
 */
import { randomUUID } from 'node:crypto';
import { type AppendResult, type NewMessage, type StoredMessage, isRoomlogError } from '@roomlog/core';
import type { DataSource, DataSourceOptions, Logger } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RoomlogAppendRoutine1764633600000,
  RoomlogSchema1764316800000,
  RoomlogSourceIds1764547200000,
  type TypeormMessageStore,
  type TypeormStoreOptions,
  createTypeormStore,
} from '../src/index';
import { type Engine, mariadbEngine, postgresEngine } from './fixtures';

/** A TypeORM logger that keeps every statement the DataSource sends. */
class StatementLog implements Logger {
  readonly statements: string[] = [];
  logQuery(query: string): void {
    this.statements.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
  /** The statements `body` sent. */
  async during(body: () => Promise<unknown>): Promise<string[]> {
    const from = this.statements.length;
    await body();
    return this.statements.slice(from);
  }
}

const BEFORE_ROUTINE = [RoomlogSchema1764316800000, RoomlogSourceIds1764547200000];

const engines: [string, () => Promise<Engine>][] = [
  ['postgres', postgresEngine],
  ['mariadb', mariadbEngine],
];

const stream = () => ({ namespace: '/routine', room: `r-${randomUUID()}` });
const chat = (ref: { namespace: string; room: string }, data: unknown, extra: Partial<NewMessage> = {}): NewMessage => ({
  ...ref,
  event: 'chat',
  data,
  ...extra,
});

describe.each(engines)('append routine on %s', (engineName, makeEngine) => {
  /** Migrated with every migration. */
  let engine: Engine;
  /** Migrated without the routine, as before this release. */
  let legacy: Engine;
  let dataSource: DataSource;
  let log: StatementLog;
  let store: TypeormMessageStore;

  beforeAll(async () => {
    [engine, legacy] = await Promise.all([makeEngine(), makeEngine()]);
    log = new StatementLog();
    dataSource = await engine.open({ logger: log });
    store = createTypeormStore(dataSource);
    await store.append([chat(stream(), 'warm-up')]);
  });

  afterAll(async () => {
    await Promise.all([engine?.cleanup(), legacy?.cleanup()]);
  });

  it('appends a batch of several streams in one statement, with no BEGIN or COMMIT', async () => {
    const [a, b] = [stream(), stream()];
    let results: AppendResult[] = [];
    const sent = await log.during(async () => {
      results = await store.append([chat(a, 1, { clientMessageId: 'x' }), chat(b, 2, { ttlMs: 60_000 }), chat(a, 3)]);
    });
    expect(sent).toHaveLength(1);
    expect(results.map((r) => [r.message.room, r.message.seq, r.duplicate])).toEqual([
      [a.room, 1, false],
      [b.room, 1, false],
      [a.room, 2, false],
    ]);
    const again = await log.during(() => store.append([chat(a, 'retry', { clientMessageId: 'x' })]));
    expect(again).toHaveLength(1);
    expect((await store.read(a)).messages.map((m) => m.data)).toEqual([1, 3]);
  });

  it('inside the caller’s transaction the append is one statement of theirs', async () => {
    const ref = stream();
    const sent = await log.during(() => dataSource.transaction((manager) => store.append([chat(ref, 1), chat(ref, 2)], { manager })));
    // START TRANSACTION (and the isolation level on MariaDB, if TypeORM sends one), the call, COMMIT.
    const own = sent.filter((q) => !/^(START TRANSACTION|BEGIN|COMMIT|SET TRANSACTION)/i.test(q));
    expect(own).toHaveLength(1);
    expect((await store.head(ref))?.seq).toBe(2);
  });

  it('a caller’s rollback takes its messages and their seqs with it: later appends stay gapless', async () => {
    const ref = stream();
    await store.append([chat(ref, 1), chat(ref, 2)]);
    const failure = new Error('rolled back on purpose');
    await expect(
      dataSource.transaction(async (manager) => {
        await store.append([chat(ref, 'lost', { clientMessageId: 'k' }), chat(ref, 'lost too')], { manager });
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect((await store.head(ref))?.seq).toBe(2);
    const [next] = await store.append([chat(ref, 3, { clientMessageId: 'k' })]);
    expect(next).toMatchObject({ duplicate: false, message: { seq: 3 } });
    expect((await store.read(ref)).messages.map((m) => [m.seq, m.data])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });

  it('without the routine (synchronize, no migrations) a store appends statement by statement, correctly', async () => {
    const synced = await legacy.open({ migrations: [], synchronize: true, logger: new StatementLog() });
    const plain = createTypeormStore(synced);
    const ref = stream();
    const first = await plain.append([chat(ref, 1, { clientMessageId: 'a' }), chat(ref, 2)]);
    const retry = await plain.append([chat(ref, 'again', { clientMessageId: 'a' }), chat(ref, 3)]);
    expect(first.map((r) => r.message.seq)).toEqual([1, 2]);
    expect(retry.map((r) => [r.message.seq, r.duplicate])).toEqual([
      [1, true],
      [3, false],
    ]);
    const sent = (synced.logger as StatementLog).statements;
    expect(sent.some((q) => q.includes('roomlog_append_v1('))).toBe(false);
    expect((await plain.read(ref)).messages.map((m) => m.data)).toEqual([1, 2, 3]);
  });

  it('a store started before the migration keeps working after it; a new one uses the routine; a dropped routine is survived', async () => {
    const oldLog = new StatementLog();
    const early = await engine.open({ migrations: BEFORE_ROUTINE, logger: oldLog });
    // This engine's database was migrated fully; take the routine away to be "before the migration".
    const runner = early.createQueryRunner();
    await new RoomlogAppendRoutine1764633600000().down(runner);
    const before = createTypeormStore(early);
    const ref = stream();
    try {
      await before.append([chat(ref, 1)]);
      await new RoomlogAppendRoutine1764633600000().up(runner);
      await before.append([chat(ref, 2, { clientMessageId: 'c' })]);
      const fresh = createTypeormStore(early);
      await fresh.append([chat(ref, 'warm')]);
      const oneTrip = await oldLog.during(() => fresh.append([chat(ref, 4, { clientMessageId: 'c' }), chat(ref, 5)]));
      expect(oneTrip).toHaveLength(1);
      // Dropped while `fresh` relies on it: the failed call wrote nothing, the statements take over.
      await new RoomlogAppendRoutine1764633600000().down(runner);
      const [afterDrop] = await fresh.append([chat(ref, 6)]);
      expect(afterDrop?.message.seq).toBe(5);
      await new RoomlogAppendRoutine1764633600000().up(runner);
      const { messages } = await fresh.read(ref);
      expect(messages.map((m) => [m.seq, m.data])).toEqual([
        [1, 1],
        [2, 2],
        [3, 'warm'],
        [4, 5],
        [5, 6],
      ]);
    } finally {
      await runner.release();
    }
  });

  it('a rolling upgrade: nodes on the statement path and nodes on the routine write the same rooms at once, gapless and stored once', async () => {
    // Two nodes that looked before the routine was installed (they keep the statement path for
    // a while), two that look after it: all four on their own DataSource, racing on 3 rooms.
    const runner = (await engine.open()).createQueryRunner();
    await new RoomlogAppendRoutine1764633600000().down(runner);
    const logs = Array.from({ length: 4 }, () => new StatementLog());
    const sources = await Promise.all(logs.map((logger) => engine.open({ logger })));
    const stores = sources.map((source) => createTypeormStore(source));
    const rooms = [stream(), stream(), stream()];
    try {
      for (const [i, node] of stores.slice(0, 2).entries()) await node.append([chat(rooms[0]!, `old-${i}`)]);
      await new RoomlogAppendRoutine1764633600000().up(runner);
      for (const [i, node] of stores.slice(2).entries()) await node.append([chat(rooms[0]!, `new-${i}`)]);
      // Every key is sent by two nodes (one of each kind) at about the same time, and again later.
      const sends = (node: number, round: number) =>
        rooms.map((room, r) => [
          chat(room, { node, round, r }, { clientMessageId: `k-${round}-${r}-${node % 2}` }),
          chat(room, { node, round, r, plain: true }),
        ]);
      const results: AppendResult[][] = [];
      for (let round = 0; round < 12; round++) {
        const batches = await Promise.all(stores.map((node, n) => node.append(sends(n, round).flat())));
        results.push(...batches);
      }
      for (const room of rooms) {
        const { messages } = await stores[0]!.read(room, { after: 0, limit: 1000 });
        // Gapless from 1, whatever path each write took.
        expect(messages.map((m) => m.seq)).toEqual(messages.map((_, i) => i + 1));
        const keys = messages.flatMap((m) => (m.clientMessageId === null ? [] : [m.clientMessageId]));
        expect(new Set(keys).size, 'a key stored twice').toBe(keys.length);
        // 12 rounds × 2 keys per room (node parity), plus 4 nodes × 12 rounds of messages without one.
        expect(keys).toHaveLength(24);
        expect(messages.length).toBe((room === rooms[0] ? 4 : 0) + 24 + 48);
      }
      // A duplicate answers with the stored original.
      const stored = new Map<string, StoredMessage>();
      for (const room of rooms)
        for (const m of (await stores[0]!.read(room, { after: 0, limit: 1000 })).messages)
          if (m.clientMessageId) stored.set(`${m.room} ${m.clientMessageId}`, m);
      for (const result of results.flat()) {
        if (result.message.clientMessageId === null) continue;
        expect(result.message).toEqual(stored.get(`${result.message.room} ${result.message.clientMessageId}`));
      }
      // The two early nodes really took the statement path and the others the routine.
      const counted = await Promise.all(
        stores.map(async (node, n) => {
          const statements = await logs[n]!.during(() => node.append([chat(rooms[1]!, 'last', { clientMessageId: `last-${n}` })]));
          return statements.length;
        }),
      );
      expect(counted.slice(2)).toEqual([1, 1]);
      for (const count of counted.slice(0, 2)) expect(count).toBeGreaterThan(1);
    } finally {
      await new RoomlogAppendRoutine1764633600000().up(runner);
      await runner.release();
    }
  }, 120_000);

  it('an error raised inside the routine keeps its code: a lock wait timeout is UNAVAILABLE, and leaves nothing behind', async () => {
    const ref = stream();
    await store.append([chat(ref, 1)]);
    // One connection, so the session's lock timeout applies to the store's call.
    const impatient = await engine.open({ poolSize: 1 } as Partial<DataSourceOptions>);
    await impatient.query(engineName === 'postgres' ? "SET lock_timeout = '300ms'" : 'SET SESSION innodb_lock_wait_timeout = 1');
    const victim = createTypeormStore(impatient);
    await victim.append([chat(stream(), 'warm-up')]);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked: () => void = () => {};
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // Another node's transaction holds the stream's counter row.
    const holder = dataSource.transaction(async (manager) => {
      await store.append([chat(ref, 2)], { manager });
      locked();
      await held;
    });
    await lockTaken;
    const error = await victim.append([chat(ref, 'too late', { clientMessageId: 'late' })]).catch((e: unknown) => e);
    release();
    await holder;
    expect(isRoomlogError(error) && error.code).toBe('UNAVAILABLE');
    expect((error as { cause?: { code?: string } }).cause?.code).toBe(engineName === 'postgres' ? '55P03' : 'ER_LOCK_WAIT_TIMEOUT');
    // The failed call rolled its own transaction back: the connection is clean, the key is free.
    const [retry] = await victim.append([chat(ref, 3, { clientMessageId: 'late' })]);
    expect(retry).toMatchObject({ duplicate: false, message: { seq: 3 } });
    expect((await store.read(ref)).messages.map((m) => m.data)).toEqual([1, 2, 3]);
  });

  it.skipIf(engineName !== 'postgres')(
    'an idempotency probe fetches the rows of its keys, not the stream, after the tables grew',
    async () => {
      // A few hundred rows elsewhere first: on such a table another index that starts with
      // `stream_key` and is shallower than the key index, plus a sort, was cheaper in the planner's eyes.
      const elsewhere = stream();
      for (let i = 0; i < 4; i++)
        await store.append(Array.from({ length: 100 }, (_, j) => chat(elsewhere, j, { clientMessageId: randomUUID() })));
      // One connection: a plan the function cached while the tables were tiny would be reused here.
      const single = await engine.open({ poolSize: 1 } as Partial<DataSourceOptions>);
      const probe = createTypeormStore(single);
      const ref = stream();
      for (let i = 0; i < 10; i++) await probe.append([chat(ref, i, { clientMessageId: randomUUID() })]);
      for (let i = 0; i < 4; i++) {
        await probe.append(Array.from({ length: 500 }, (_, j) => chat(ref, j, { clientMessageId: randomUUID() })));
      }
      const schema = (single.options as { schema: string }).schema;
      const read = await single.transaction(async (manager) => {
        for (let i = 0; i < 10; i++) await probe.append([chat(ref, 'late', { clientMessageId: randomUUID() })], { manager });
        const [row] = await manager.query(
          "SELECT coalesce(sum(idx_tup_fetch), 0)::int AS n FROM pg_stat_xact_user_tables WHERE schemaname = $1 AND relname LIKE '%roomlog_messages'",
          [schema],
        );
        return (row as { n: number }).n;
      });
      // A probe that scanned the stream's range of another index would fetch ~2,000 rows each.
      expect(read).toBeLessThan(100);
    },
  );

  it('a batch of every kind of duplicate, TTLs and maxCount gives what the statement path gives', async () => {
    const viaStatements = await legacy.open({ migrations: BEFORE_ROUTINE });
    let clock = 1_800_000_000_000;
    const options: TypeormStoreOptions = { maxCount: 4, now: () => clock };
    const routine = createTypeormStore(dataSource, options);
    const statements = createTypeormStore(viaStatements, options);
    const refs = [stream(), stream(), stream()];
    const steps: NewMessage[][] = [
      [
        chat(refs[0]!, 'a1', { clientMessageId: 'k1' }),
        chat(refs[1]!, 'b1', { clientMessageId: 'short', ttlMs: 1_000 }),
        chat(refs[0]!, 'a2', { clientMessageId: 'k2', senderId: 'alice' }),
        chat(refs[0]!, 'a1 again in the batch', { clientMessageId: 'k1' }),
        chat(refs[2]!, { bin: Buffer.from([1, 2, 3]) }, { clientMessageId: 'k1' }),
      ],
      // Retries of stored messages, next to new ones; the TTL of 'short' has not run out yet.
      [
        chat(refs[0]!, 'retry a2', { clientMessageId: 'k2' }),
        chat(refs[1]!, 'retry short', { clientMessageId: 'short' }),
        chat(refs[0]!, 'a3'),
        chat(refs[0]!, 'a4', { ttlMs: 500 }),
      ],
      // 'short' expired: its key is free, the message is stored anew. a4 expired too, and the
      // count floor moves past k1, so a retry of k1 in stream 0 is new again.
      [
        chat(refs[1]!, 'short anew', { clientMessageId: 'short' }),
        chat(refs[0]!, 'a5'),
        chat(refs[0]!, 'a6'),
        chat(refs[0]!, 'k1 after the floor', { clientMessageId: 'k1' }),
        chat(refs[2]!, 'retry k1 in c', { clientMessageId: 'k1' }),
      ],
      [chat(refs[0]!, 'a8'), chat(refs[0]!, 'retry k1', { clientMessageId: 'k1' }), chat(refs[1]!, 'b3', { ttlMs: 10 })],
    ];
    const comparable = (m: StoredMessage) => ({ ...m, id: undefined, epoch: undefined });
    for (const [i, batch] of steps.entries()) {
      clock += i === 2 ? 2_000 : 100;
      const [got, want] = [await routine.append(batch), await statements.append(batch)];
      expect(got.map((r) => ({ duplicate: r.duplicate, message: comparable(r.message) }))).toEqual(
        want.map((r) => ({ duplicate: r.duplicate, message: comparable(r.message) })),
      );
      for (const ref of refs) {
        const [mine, theirs] = [await routine.read(ref, { after: 0 }), await statements.read(ref, { after: 0 })];
        expect(mine.messages.map(comparable)).toEqual(theirs.messages.map(comparable));
        expect({ ...mine.head, epoch: undefined }).toEqual({ ...theirs.head, epoch: undefined });
        // A duplicate answers with the stored original, id and all.
        for (const [j, result] of got.entries()) {
          const stored = mine.messages.find((m) => m.seq === result.message.seq && m.room === result.message.room);
          if (result.duplicate && stored !== undefined) expect(result.message.id).toBe(stored.id);
          if (!result.duplicate && stored !== undefined && batch[j]!.room === ref.room) expect(result.message).toEqual(stored);
        }
      }
    }
  });
});
