/**
 * The TTL index and its stamps. Under the `'mongodb'` strategy `init()` builds a TTL index on
 * `purgeAt` where the server has TTL indexes (FerretDB v1 refuses it, and `init()` says so), and
 * appends stamp every entry they supersede, never a stream's newest one. Whether MongoDB's
 * monitor then deletes them is MongoDB's part: it cannot run here.
 */
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMongoStore } from '../src';
import { connect, dropAndClose, randomDatabaseName, serverIsFerretDB } from './server';

describe('TTL index', () => {
  let connection: Connection;
  let ferretdb = false;
  let n = 0;
  const freshStream = () => ({ namespace: '/', room: `ttl-${++n}` });
  const stored = (prefix: string, room: string) =>
    connection
      .collection(`${prefix}messages`)
      .find({ room: { $eq: room } })
      .sort({ seq: 1 })
      .toArray();

  beforeAll(async () => {
    connection = await connect(randomDatabaseName());
    ferretdb = await serverIsFerretDB();
  });
  afterAll(async () => {
    await dropAndClose(connection);
  });

  it('init() builds it under the mongodb strategy where the server has TTL indexes, and reports what it did', async () => {
    const store = createMongoStore(connection, { strategy: 'mongodb', collectionPrefix: 'ttl_' });
    const report = await store.init();
    expect(report).toEqual({ ttlIndex: !ferretdb });
    const names = (await connection.collection('ttl_messages').listIndexes().toArray()).map((index) => index.name);
    expect(names.includes('purge_ttl')).toBe(!ferretdb);
    expect(await createMongoStore(connection, { strategy: 'ferretdb', collectionPrefix: 'ttl_' }).init()).toEqual({ ttlIndex: false });
    expect(await createMongoStore(connection, { strategy: 'mongodb', ttlIndex: false, collectionPrefix: 'ttl_' }).init()).toEqual({
      ttlIndex: false,
    });
  });

  it('appends stamp what they supersede with its expiry (maxAgeMs or ttlMs, the earlier), never the newest entry', async () => {
    let now = 1_000_000;
    const store = createMongoStore(connection, { strategy: 'mongodb', collectionPrefix: 'ttl_', maxAgeMs: 60_000, now: () => now });
    const stream = freshStream();
    await store.append([{ ...stream, event: 'e', data: 1 }]);
    expect((await stored('ttl_', stream.room)).map((doc) => doc.purgeAt)).toEqual([undefined]);
    now += 1000;
    await store.append([
      { ...stream, event: 'e', data: 2, ttlMs: 5000 },
      { ...stream, event: 'e', data: 3 },
      { ...stream, event: 'e', data: 4 },
    ]);
    const docs = await stored('ttl_', stream.room);
    expect(docs.map((doc) => doc.purgeAt?.getTime())).toEqual([1_060_000, 1_006_000, 1_061_000, undefined]);
    // Another node superseding the newest stamps it too.
    const other = createMongoStore(connection, { strategy: 'mongodb', collectionPrefix: 'ttl_', maxAgeMs: 60_000, now: () => now });
    await other.append([{ ...stream, event: 'e', data: 5 }]);
    expect((await stored('ttl_', stream.room)).map((doc) => doc.purgeAt?.getTime())).toEqual([
      1_060_000,
      1_006_000,
      1_061_000,
      1_061_000,
      undefined,
    ]);
    expect((await other.read(stream)).messages.map((m) => m.data)).toEqual([1, 2, 3, 4, 5]);
  });

  it('stamps nothing without retention, under the ferretdb strategy, or with ttlIndex off', async () => {
    for (const options of [
      { strategy: 'mongodb' as const },
      { strategy: 'ferretdb' as const, maxAgeMs: 60_000 },
      { strategy: 'mongodb' as const, maxAgeMs: 60_000, ttlIndex: false },
    ]) {
      const store = createMongoStore(connection, { ...options, collectionPrefix: 'ttl_' });
      const stream = freshStream();
      await store.append([{ ...stream, event: 'e', data: 1 }]);
      await store.append([
        { ...stream, event: 'e', data: 2 },
        { ...stream, event: 'e', data: 3 },
      ]);
      expect((await stored('ttl_', stream.room)).map((doc) => doc.purgeAt)).toEqual([undefined, undefined, undefined]);
    }
  });
});
