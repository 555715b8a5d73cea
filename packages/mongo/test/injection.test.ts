/**
 * Operator injection: every string the caller controls (namespace, room, event, senderId,
 * clientMessageId, userId) is a value in every query, never an operator, even when it is text
 * that spells one or an object that is one.
 */
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MongoMessageStore, createMongoStore } from '../src';
import { connect, dropAndClose, randomDatabaseName } from './server';

/** Strings that would be operators, paths or script if they reached a query as syntax. */
const HOSTILE = ['{"$gt":""}', '{"$ne":null}', '$where', '$gt', 'a.b', '.', "'; db.dropDatabase(); '", '{"$regex":".*"}'];

describe('operator injection', () => {
  let connection: Connection;
  let store: MongoMessageStore;

  beforeAll(async () => {
    connection = await connect(randomDatabaseName());
    store = createMongoStore(connection);
    await store.init();
  });
  afterAll(async () => {
    await store.close();
    await dropAndClose(connection);
  });

  it('hostile text in every field is stored and matched as itself, and only itself', async () => {
    const bystander = { namespace: '/', room: 'bystander' };
    await store.append([{ ...bystander, event: 'chat', data: 'keep me', senderId: 'someone', clientMessageId: 'plain' }]);
    for (const text of HOSTILE) {
      const stream = { namespace: text, room: text };
      const [first] = await store.append([{ ...stream, event: text, data: { [text]: text }, senderId: text, clientMessageId: text }]);
      expect(first?.message).toMatchObject({ namespace: text, room: text, event: text, senderId: text, clientMessageId: text, seq: 1 });
      const [again] = await store.append([{ ...stream, event: 'chat', data: null, clientMessageId: text }]);
      expect(again?.duplicate).toBe(true);
      expect(await store.setCursor(stream, text, 1)).toBe(1);
      expect(await store.getCursor(stream, 'someone')).toBe(0);
      expect(await store.unreadCount(stream, text)).toBe(0);
      const page = await store.read(stream);
      expect(page.messages.map((m) => m.data)).toEqual([{ [text]: text }]);
    }
    // The bystander matched none of those filters: not read, not deduplicated against, not erased.
    for (const text of HOSTILE) expect(await store.eraseSender(text)).toBe(1);
    const untouched = await store.read(bystander);
    expect(untouched.messages.map((m) => [m.data, m.senderId, m.deletedAt])).toEqual([['keep me', 'someone', null]]);
    expect(await store.head({ namespace: '/', room: '{"$gt":""}' })).toBeNull();
  });

  it('objects in place of strings are refused before any query and write nothing', async () => {
    const operator = { $gt: '' };
    const stream = { namespace: '/', room: 'objects' };
    const attempts: Array<() => Promise<unknown>> = [
      () => store.append([{ namespace: operator as unknown as string, room: 'r', event: 'e', data: 1 }]),
      () => store.append([{ ...stream, room: operator as unknown as string, event: 'e', data: 1 }]),
      () => store.append([{ ...stream, event: operator as unknown as string, data: 1 }]),
      () => store.append([{ ...stream, event: 'e', data: 1, senderId: operator as unknown as string }]),
      () => store.append([{ ...stream, event: 'e', data: 1, clientMessageId: operator as unknown as string }]),
      () => store.read({ namespace: '/', room: operator as unknown as string }),
      () => store.getCursor(stream, operator as unknown as string),
      () => store.setCursor(stream, operator as unknown as string, 1),
      () => store.eraseSender(operator as unknown as string),
    ];
    for (const attempt of attempts) {
      await expect(attempt()).rejects.toMatchObject({ name: 'RoomlogError', code: 'INVALID_ARGUMENT' });
    }
    expect(await connection.collection('roomlog_messages').countDocuments({ room: { $eq: 'objects' } })).toBe(0);
  });

  it('data keys that spell operators, paths or BSON type tags are stored escaped and read back as written', async () => {
    const stream = { namespace: '/', room: 'payload' };
    const data = { $where: 'sleep(1000)', $set: { admin: true }, 'a.b': 1, nested: [{ $gt: '' }], _bsontype: 'Binary', '%24x': '%' };
    await store.append([{ ...stream, event: 'e', data }]);
    expect((await store.read(stream)).messages[0]?.data).toStrictEqual(data);
    const raw = await connection.collection('roomlog_messages').findOne({ room: { $eq: 'payload' } });
    expect(raw?.payload).toBeUndefined();
    expect(raw?.data).toStrictEqual({
      '%24where': 'sleep(1000)',
      '%24set': { admin: true },
      'a%2Eb': 1,
      nested: [{ '%24gt': '' }],
      '%5Fbsontype': 'Binary',
      '%2524x': '%',
    });
    // A filter on a stored key that spells an operator matches it as a field, and only it.
    expect(await connection.collection('roomlog_messages').countDocuments({ 'data.%24set.admin': { $eq: true } })).toBe(1);
  });
});
