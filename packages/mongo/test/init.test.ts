/** `init()`: indexes built explicitly, idempotent, and safe when several nodes run it at once. */
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMongoStore } from '../src';
import { connect, dropAndClose, randomDatabaseName } from './server';

describe('init', () => {
  const database = randomDatabaseName();
  let connections: Connection[] = [];

  beforeAll(async () => {
    connections = await Promise.all(Array.from({ length: 4 }, () => connect(database)));
  });
  afterAll(async () => {
    const [first, ...rest] = connections;
    if (first) await dropAndClose(first, ...rest);
  });

  it('creates no index before init() (autoIndex off), then the unique ones from 4 connections at once', async () => {
    const stores = connections.map((connection) => createMongoStore(connection, { collectionPrefix: 'race_' }));
    const before = await connections[0]!.db!.listCollections({ name: 'race_messages' }).toArray();
    expect(before).toEqual([]);
    await Promise.all(stores.map((store) => store.init()));
    const indexes = await connections[0]!.collection('race_messages').listIndexes().toArray();
    const byName = new Map(indexes.map((index) => [index.name as string, index]));
    expect(byName.get('stream_seq')).toMatchObject({ key: { namespace: 1, room: 1, seq: 1 }, unique: true });
    expect(byName.get('stream_dedupe')).toMatchObject({ key: { namespace: 1, room: 1, dedupeKey: 1 }, unique: true });
    const cursorIndexes = await connections[0]!.collection('race_cursors').listIndexes().toArray();
    expect(cursorIndexes.map((index) => index.name)).toContain('stream_user_seq');
    // Running it again, also concurrently, changes nothing and fails nothing.
    await Promise.all(stores.map((store) => store.init()));
    const stream = { namespace: '/', room: 'after-init' };
    const [first] = await stores[0]!.append([{ ...stream, event: 'e', data: 1, clientMessageId: 'same' }]);
    const [again] = await stores[3]!.append([{ ...stream, event: 'e', data: 2, clientMessageId: 'same' }]);
    expect(again).toEqual({ message: first!.message, duplicate: true });
    await Promise.all(stores.map((store) => store.close()));
  });

  it('registers its models beside the app’s own without clashing, and reuses them for a second store', async () => {
    const connection = connections[1]!;
    const app = connection.model('messages', new (await import('mongoose')).Schema({ text: String }));
    const a = createMongoStore(connection, { collectionPrefix: 'shared_' });
    const b = createMongoStore(connection, { collectionPrefix: 'shared_' });
    expect(a.models.messageModel).toBe(b.models.messageModel);
    expect(connection.models.messages).toBe(app);
    expect(a.models.messageModel.collection.collectionName).toBe('shared_messages');
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses a collection prefix that is not a plain name', () => {
    expect(() => createMongoStore(connections[0]!, { collectionPrefix: '$where' })).toThrow(
      expect.objectContaining({ name: 'RoomlogError', code: 'INVALID_ARGUMENT' }),
    );
  });

  it('close() leaves the app’s connection open unless closeConnection is set', async () => {
    const own = await connect(database);
    await createMongoStore(own).close();
    expect(own.readyState).toBe(1);
    await createMongoStore(own, { closeConnection: true }).close();
    expect(own.readyState).toBe(0);
  });
});
