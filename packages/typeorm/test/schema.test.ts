/**
 * The schema on each engine: the migration matches the entities, names and ids are compared
 * byte for byte, the longest names fit their indexes, and the largest payloads fit their column.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomlogStreamRow, type TypeormMessageStore, createTypeormStore } from '../src/index';
import { streamDigest } from '@roomlog/core';
import { type Engine, mariadbEngine, postgresEngine, sqljsEngine } from './fixtures';

const engines: [string, () => Engine | Promise<Engine>][] = [
  ['postgres', postgresEngine],
  ['mariadb', mariadbEngine],
  ['sqljs', sqljsEngine],
];

describe.each(engines)('schema on %s', (_name, makeEngine) => {
  let engine: Engine;
  let dataSource: DataSource;
  let store: TypeormMessageStore;

  beforeAll(async () => {
    engine = await makeEngine();
    dataSource = await engine.open();
    store = createTypeormStore(dataSource);
  });

  afterAll(async () => {
    await store?.close();
    await engine?.cleanup();
  });

  const namespace = () => `/${randomUUID()}`;

  it('the migration creates exactly what the entities describe, so synchronize would change nothing', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('rooms differing only in case, accents or trailing spaces are separate streams', async () => {
    const ns = namespace();
    const rooms = ['a', 'A', 'á', 'a '];
    for (const room of rooms) await store.append([{ namespace: ns, room, event: 'chat', data: room }]);
    for (const room of rooms) {
      const { messages, head } = await store.read({ namespace: ns, room });
      expect(head?.seq).toBe(1);
      expect(messages.map((m) => m.data)).toEqual([room]);
    }
  });

  it('idempotency keys, senders and users differing only in case or trailing spaces stay distinct', async () => {
    const stream = { namespace: namespace(), room: 'r' };
    const ids = ['key', 'KEY', 'key '];
    const results = await store.append(ids.map((id) => ({ ...stream, event: 'chat', data: id, clientMessageId: id, senderId: id })));
    expect(results.map((r) => r.duplicate)).toEqual([false, false, false]);
    expect(await store.eraseSender('key')).toBe(1);
    const { messages } = await store.read(stream);
    expect(messages.map((m) => m.data)).toEqual([null, 'KEY', 'key ']);
    await store.setCursor(stream, 'key', 3);
    expect(await store.getCursor(stream, 'key ')).toBe(0);
  });

  it('names at the 512-byte limit and ids at the 256-byte limit are stored and read back', async () => {
    const stream = { namespace: `/${'é'.repeat(255)}`, room: '😀'.repeat(128) };
    const event = 'ü'.repeat(256);
    const id = '€'.repeat(85);
    const [result] = await store.append([{ ...stream, event, data: 1, senderId: id, clientMessageId: id }]);
    const [again] = await store.append([{ ...stream, event, data: 1, senderId: id, clientMessageId: id }]);
    expect(again).toEqual({ duplicate: true, message: result?.message });
    const { messages } = await store.read(stream);
    expect(messages[0]).toMatchObject({ namespace: stream.namespace, room: stream.room, event, senderId: id, clientMessageId: id });
  });

  it('a stream whose counter row was lost restarts at seq 1 with a new epoch, old entries and cursors gone', async () => {
    const stream = { namespace: namespace(), room: 'r' };
    await store.append([1, 2, 3].map((n) => ({ ...stream, event: 'chat', data: n })));
    await store.setCursor(stream, 'u', 3);
    const before = await store.head(stream);
    await dataSource.getRepository(RoomlogStreamRow).delete({ streamKey: streamDigest(stream.namespace, stream.room) });
    expect(await store.head(stream)).toBeNull();
    const [result] = await store.append([{ ...stream, event: 'chat', data: 'new' }]);
    expect(result?.message.seq).toBe(1);
    expect(result?.message.epoch).not.toBe(before?.epoch);
    expect((await store.read(stream)).messages.map((m) => m.data)).toEqual(['new']);
    expect(await store.getCursor(stream, 'u')).toBe(0);
  });

  // 12 × 1.4 MB is over MariaDB's default 16 MiB max_allowed_packet: the store must split the insert.
  it('a batch of 1 MiB binary payloads (about 1.4 MB of text each, 17 MB in all) is stored and read back', async () => {
    const stream = { namespace: namespace(), room: 'files' };
    const files = Array.from({ length: 12 }, (_, i) => Buffer.alloc(1024 * 1024, i));
    await store.append(files.map((file) => ({ ...stream, event: 'file', data: file })));
    const { messages } = await store.read(stream);
    // Compared with Buffer.equals: a deep equality over 12 MiB element by element takes minutes.
    expect(messages.map((m, i) => Buffer.isBuffer(m.data) && m.data.equals(files[i]!))).toEqual(files.map(() => true));
  });
});
