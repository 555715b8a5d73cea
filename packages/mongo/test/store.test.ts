/**
 * Backend-specific behaviour beyond the conformance suite: the head hint may be stale or lost
 * and no seq is ever reused; an append that lost its seq to another node retries with the
 * remaining messages; the documents hold only text and numbers.
 */
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MongoMessageStore, createMongoStore } from '../src';
import { connect, dropAndClose, randomDatabaseName } from './server';

describe('MongoMessageStore', () => {
  let connections: Connection[];
  let store: MongoMessageStore;
  let other: MongoMessageStore;
  let n = 0;
  const freshStream = () => ({ namespace: '/', room: `room-${++n}` });
  const messages = (stream: { namespace: string; room: string }, count: number) =>
    Array.from({ length: count }, (_, i) => ({ ...stream, event: 'e', data: i }));

  beforeAll(async () => {
    const database = randomDatabaseName();
    connections = await Promise.all([connect(database), connect(database)]);
    store = createMongoStore(connections[0]!, { maxCount: 3 });
    other = createMongoStore(connections[1]!, { maxCount: 3 });
    await store.init();
  });
  afterAll(async () => {
    await Promise.all([store.close(), other.close()]);
    await dropAndClose(connections[0]!, connections[1]!);
  });

  it('a stale head hint pointing at a trimmed entry never makes a seq be reused', async () => {
    const stream = freshStream();
    await store.append(messages(stream, 10));
    // As if a lost update on FerretDB had left the hint behind, at an entry maxCount trimmed.
    await store.models.streams.updateOne({ namespace: stream.namespace, room: stream.room }, { $set: { seq: 2 } });
    const [next] = await other.append(messages(stream, 1));
    expect(next?.message.seq).toBe(11);
    expect(await other.head(stream)).toMatchObject({ seq: 11, firstSeq: 9 });
  });

  it('a lost head hint is rebuilt from the entries, epoch kept', async () => {
    const stream = freshStream();
    const [first] = await store.append(messages(stream, 5));
    await store.models.streams.deleteMany({ namespace: stream.namespace, room: stream.room });
    const [next] = await other.append(messages(stream, 1));
    expect(next?.message).toMatchObject({ seq: 6, epoch: first!.message.epoch });
  });

  it('the newest entry survives trimming, so an aged-out stream keeps its seq and epoch', async () => {
    let now = 1_000_000;
    const aging = createMongoStore(connections[0]!, { maxAgeMs: 100, now: () => now });
    const stream = freshStream();
    const [first] = await aging.append(messages(stream, 4));
    now += 100;
    await aging.append(messages(stream, 1));
    now += 100;
    await aging.append(messages(stream, 1));
    const stored = await connections[0]!.collection('roomlog_messages').countDocuments({ room: { $eq: stream.room } });
    expect(stored).toBe(1);
    now += 1000;
    expect(await aging.head(stream)).toEqual({ seq: 6, epoch: first!.message.epoch, firstSeq: 7 });
    const [next] = await aging.append(messages(stream, 1));
    expect(next?.message).toMatchObject({ seq: 7, epoch: first!.message.epoch });
    await aging.close();
  });

  it('stores the payload as the codec’s text and every other field as a string, number or null', async () => {
    const stream = freshStream();
    await store.append([{ ...stream, event: 'e', data: { bin: Buffer.from([1, 2]), list: [[1], [2]] }, senderId: 's', ttlMs: 5000 }]);
    const raw = await connections[0]!.collection('roomlog_messages').findOne({ room: { $eq: stream.room } });
    for (const [key, value] of Object.entries(raw!)) {
      expect(value === null || typeof value === 'string' || typeof value === 'number', `${key} is ${typeof value}`).toBe(true);
    }
    expect(raw?.payload).toBe('{"bin":{"$bin":"AQI="},"list":[[1],[2]]}');
  });
});
