/**
 * `RoomlogSourceIds1764547200000` on each engine: a database migrated before `source_id`
 * existed (the first migration, then the column dropped, as an earlier version left it) is
 * reported by `ping`, upgraded by the migration list, reads back what it held, and keeps
 * imported ids byte for byte; the result is what the entities describe, and the upgrade is a
 * no-op when run again.
 */
import { randomUUID } from 'node:crypto';
import type { ImportEntry } from '@roomlog/core';
import { DataSource } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import {
  RoomlogSchema1764316800000,
  RoomlogSourceIds1764547200000,
  createTypeormStore,
  roomlogEntities,
  roomlogMigrations,
} from '../src/index';
import { type Engine, mariadbEngine, postgresEngine } from './fixtures';

const engines: [string, () => Promise<{ open(migrations: Function[]): Promise<DataSource>; cleanup(): Promise<void> }>][] = [
  ['postgres', async () => serverEngine(await postgresEngine())],
  ['mariadb', async () => serverEngine(await mariadbEngine())],
  ['sqljs', async () => sqljsFile()],
];

/** Opens DataSources with a chosen migration list on an isolated server database. */
function serverEngine(engine: Engine) {
  return { open: (migrations: Function[]) => engine.open({ migrations }), cleanup: () => engine.cleanup() };
}

/** sql.js keeps its database in memory per DataSource: hand the bytes from one to the next. */
function sqljsFile() {
  let bytes: Uint8Array | undefined;
  const opened: DataSource[] = [];
  return {
    async open(migrations: Function[]) {
      const previous = opened.at(-1);
      if (previous?.isInitialized) {
        bytes = (previous.driver as unknown as { export(): Uint8Array }).export();
        await previous.destroy();
      }
      const ds = new DataSource({ type: 'sqljs', database: bytes, entities: roomlogEntities('sqljs'), migrations, migrationsRun: true });
      opened.push(ds);
      return ds.initialize();
    },
    async cleanup() {
      await Promise.all(opened.map((ds) => (ds.isInitialized ? ds.destroy() : undefined)));
    },
  };
}

function redisEntry(epoch: string, seq: number): ImportEntry {
  return {
    seq,
    id: `${epoch}:${seq}`,
    epoch,
    event: 'chat',
    data: `entry ${seq}`,
    senderId: 'alice',
    clientMessageId: null,
    createdAt: 1_700_000_000_000 + seq,
    kind: 'message',
    target: null,
    version: 1,
    editedAt: null,
    deletedAt: null,
    expiresAt: null,
  };
}

describe.each(engines)('source_id upgrade on %s', (_name, makeEngine) => {
  let engine: Awaited<ReturnType<(typeof engines)[number][1]>>;
  afterAll(() => engine?.cleanup());

  it('old schema → write → migrate → read, then imported ids survive', async () => {
    engine = await makeEngine();
    const old = await engine.open([RoomlogSchema1764316800000]);
    const messages = `${old.options.entityPrefix ?? ''}roomlog_messages`;
    const runner = old.createQueryRunner();
    // The first migration now creates the column; without it the table is as earlier versions made it.
    await runner.dropColumn(messages, 'source_id');
    await runner.release();
    const before = createTypeormStore(old);
    const stream = { namespace: '/', room: `r-${randomUUID()}` };
    const written = await before.append(Array.from({ length: 5 }, (_, i) => ({ ...stream, event: 'chat', data: { i } })));
    await before.setCursor(stream, 'alice', 3);
    await expect(before.ping!()).rejects.toThrow(/RoomlogSourceIds1764547200000/);

    const upgraded = await engine.open(roomlogMigrations);
    const store = createTypeormStore(upgraded);
    await store.ping!();
    const page = await store.read(stream, { after: 0 });
    expect(page.messages.map((m) => [m.seq, m.id, m.data])).toEqual(written.map((r) => [r.message.seq, r.message.id, r.message.data]));
    expect(await store.getCursor(stream, 'alice')).toBe(3);
    expect((await upgraded.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);

    const again = upgraded.createQueryRunner();
    await new RoomlogSourceIds1764547200000().up(again);
    await again.release();

    const moved = { namespace: '/', room: `moved-${randomUUID()}` };
    const epoch = randomUUID();
    const log = [redisEntry(epoch, 1), redisEntry(epoch, 2)];
    await store.importEntries!({ ...moved, epoch }, log);
    expect((await store.read(moved, { after: 0 })).messages.map((m) => m.id)).toEqual(log.map((e) => e.id));
  });
});
