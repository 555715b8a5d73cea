/**
 * Backend-specific behaviour beyond the conformance suite: the head hint may be stale or lost
 * and no seq is ever reused; an append that lost its seq to another node retries with the
 * remaining messages; data is stored natively where the server can hold it, encoded where not.
 */
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MongoMessageStore, createMongoStore } from '../src';
import { connect, dropAndClose, randomDatabaseName, serverIsFerretDB } from './server';

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

  it('stores data as a native value and timestamps as Dates; what the server cannot hold stays encoded, unseen by readers', async () => {
    const stream = freshStream();
    const native = { text: 'hi', bin: Buffer.from([1, 2]), list: [1, 'two', { three: 3 }] };
    // Nested arrays: FerretDB v1 refuses them in documents, MongoDB holds them.
    const awkward = { list: [[1], [2]] };
    await store.append([
      { ...stream, event: 'e', data: native, senderId: 's', ttlMs: 5000 },
      { ...stream, event: 'e', data: awkward },
    ]);
    const [first, second] = await connections[0]!
      .collection('roomlog_messages')
      .find({ room: { $eq: stream.room } })
      .sort({ seq: 1 })
      .toArray();
    expect(first!.payload).toBeUndefined();
    expect(first!.data.text).toBe('hi');
    expect(first!.data.bin._bsontype).toBe('Binary');
    expect(Buffer.from(first!.data.bin.buffer)).toEqual(Buffer.from([1, 2]));
    expect(first!.data.list).toEqual([1, 'two', { three: 3 }]);
    for (const field of ['createdAt', 'expiresAt']) expect(first![field]).toBeInstanceOf(Date);
    expect(first!.expiresAt.getTime() - first!.createdAt.getTime()).toBe(5000);
    if (await serverIsFerretDB()) {
      expect(second!.data).toBeUndefined();
      expect(second!.payload).toBe('{"list":[[1],[2]]}');
    } else {
      expect(second!.data).toEqual(awkward);
    }
    const page = await other.read(stream);
    expect(page.messages.map((m) => m.data)).toStrictEqual([native, awkward]);
  });

  it('data over 4 MiB of text (maxPayloadBytes raised) stays encoded, so BSON overhead never meets the 16 MiB document limit', async () => {
    const big = createMongoStore(connections[0]!, { maxPayloadBytes: 5 * 1024 * 1024 });
    const stream = freshStream();
    const data = { text: 'x'.repeat(4 * 1024 * 1024 + 1) };
    await big.append([{ ...stream, event: 'e', data }]);
    const raw = await connections[0]!.collection('roomlog_messages').findOne({ room: { $eq: stream.room } });
    expect(raw?.data).toBeUndefined();
    expect(typeof raw?.payload).toBe('string');
    expect((await other.read(stream)).messages[0]?.data).toStrictEqual(data);
    await big.close();
  });

  it('an edit or delete replaces either stored form with the other, and erasing leaves data null', async () => {
    const stream = freshStream();
    // No maxCount here: the edits' log entries must not trim the messages away.
    const [writer, editor] = connections.map((connection) => createMongoStore(connection));
    await writer!.append([
      { ...stream, event: 'e', data: { list: [[1]] }, senderId: 'gone' },
      { ...stream, event: 'e', data: 'plain', senderId: 'gone' },
    ]);
    await editor!.edit(stream, 1, { text: 'now native' });
    await editor!.edit(stream, 2, { list: [['maybe', 'encoded']] });
    const raw = () =>
      connections[0]!
        .collection('roomlog_messages')
        .find({ room: { $eq: stream.room }, kind: 'message' })
        .sort({ seq: 1 })
        .toArray();
    const [one, two] = await raw();
    expect(one!.data).toEqual({ text: 'now native' });
    expect(one!.payload).toBeUndefined();
    expect(two!.editedAt).toBeInstanceOf(Date);
    expect((await writer!.read(stream)).messages.filter((m) => m.kind === 'message').map((m) => m.data)).toStrictEqual([
      { text: 'now native' },
      { list: [['maybe', 'encoded']] },
    ]);
    expect(await writer!.eraseSender('gone')).toBe(2);
    for (const doc of await raw()) {
      expect(doc.data).toBeNull();
      expect(doc.payload).toBeUndefined();
      expect(doc.deletedAt).toBeInstanceOf(Date);
    }
    await Promise.all([writer!.close(), editor!.close()]);
  });
});
