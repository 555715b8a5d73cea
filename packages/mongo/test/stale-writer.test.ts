/**
 * A writer that found the head, then stalled while other nodes appended and retention deleted
 * the seqs above what it found. Seqs are allocated by unique insert, so the stalled writer's
 * insert lands in a freed slot: before the post-insert check (`writes.ts`) it acked a seq that
 * another message had already been delivered with, and its message was never readable. Found
 * by the conformance suite's 4-instance `maxCount` test in CI (head 75 for 76 acked).
 *
 * The stall is made exact: the stalled store's first `insertMany` waits until the test lets it go.
 */
import type { Connection } from 'mongoose';
import type { NewMessage } from '@roomlog/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MongoMessageStore, type MongoStoreOptions, createMongoStore } from '../src';
import { connect, dropAndClose, randomDatabaseName } from './server';

describe('a writer stalled between finding the head and inserting', () => {
  let database: string;
  const connections: Connection[] = [];
  let n = 0;
  const freshStream = () => ({ namespace: '/', room: `stale-${++n}` });
  const message = (
    stream: { namespace: string; room: string },
    data: unknown,
    extra: { ttlMs?: number; clientMessageId?: string } = {},
  ) => ({
    ...stream,
    event: 'e',
    data,
    ...extra,
  });

  beforeAll(async () => {
    database = randomDatabaseName();
    connections.push(await connect(database));
    await createMongoStore(connections[0]!).init();
  });
  afterAll(async () => {
    await dropAndClose(connections[0]!, ...connections.slice(1));
  });

  /**
   * A store on a connection of its own (its collection objects are its own) whose next insert
   * waits for `release()`; `stalled` resolves once that insert has been issued.
   */
  async function stalledStore(options: MongoStoreOptions) {
    const connection = await connect(database);
    connections.push(connection);
    const store = createMongoStore(connection, options);
    const collection = store.models.messages;
    const insertMany = collection.insertMany.bind(collection);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const stalled = new Promise<void>((resolve) => (reached = resolve));
    let first = true;
    collection.insertMany = (async (...args: Parameters<typeof insertMany>) => {
      if (first) {
        first = false;
        reached();
        await gate;
      }
      return insertMany(...args);
    }) as typeof collection.insertMany;
    return { store, stalled, release };
  }

  async function otherStore(options: MongoStoreOptions): Promise<MongoMessageStore> {
    const connection = await connect(database);
    connections.push(connection);
    return createMongoStore(connection, options);
  }

  /**
   * A stream holding one entry ('first'), a node that found its head and then stalled before
   * inserting `batch`, and another node to write with meanwhile. `finish()` lets the stalled
   * insert go and answers with the stalled append's results.
   */
  async function stalledAppend(options: MongoStoreOptions, batch: (stream: { namespace: string; room: string }) => NewMessage[]) {
    const { store: stale, stalled, release } = await stalledStore(options);
    const other = await otherStore(options);
    const stream = freshStream();
    await other.append([message(stream, 'first')]);
    const pending = stale.append(batch(stream));
    await stalled;
    const finish = () => {
      release();
      return pending;
    };
    return { stream, other, finish };
  }

  it('never acks a seq that count retention freed: the message is stored at the head', async () => {
    const { stream, other, finish } = await stalledAppend({ maxCount: 3 }, (stream) => [
      message(stream, 'stale', { clientMessageId: 'k-stale' }),
    ]);
    // While the stale writer waits with head 1, seqs 2..11 are written and 1..8 trimmed: 2 is free again.
    for (let i = 2; i <= 11; i++) await other.append([message(stream, `m${i}`)]);
    const [result] = await finish();
    expect(result?.message.seq, 'rule 8: a seq is never handed out twice').toBe(12);
    const page = await other.read(stream, { after: 0 });
    expect(page.head).toMatchObject({ seq: 12, firstSeq: 10 });
    expect(page.messages.map((m) => m.data)).toEqual(['m10', 'm11', 'stale']);
    // Stored once: its retry is a duplicate of the message at 12.
    const [retry] = await other.append([message(stream, 'stale', { clientMessageId: 'k-stale' })]);
    expect(retry).toMatchObject({ duplicate: true, message: { seq: 12 } });
    const stored = await connections[0]!.collection('roomlog_messages').countDocuments({ room: { $eq: stream.room } });
    expect(stored, 'the insert into the freed slot was taken back').toBeLessThanOrEqual(4);
  });

  it('sees the entry above its insert name another predecessor, and stores the message at the head', async () => {
    const { stream, other, finish } = await stalledAppend({ maxCount: 3 }, (stream) => [message(stream, 'stale')]);
    // Head 5 keeps 3..5: slot 2 is free, and the entry at 3 was inserted after the old 2.
    for (let i = 2; i <= 5; i++) await other.append([message(stream, `m${i}`)]);
    const [result] = await finish();
    expect(result?.message.seq).toBe(6);
    expect((await other.read(stream, { after: 0 })).messages.map((m) => m.data)).toEqual(['m4', 'm5', 'stale']);
  });

  it('a batch that lands in freed slots is stored whole at the head, in order', async () => {
    const { stream, other, finish } = await stalledAppend({ maxCount: 4 }, (stream) => [
      message(stream, 'a'),
      message(stream, 'b'),
      message(stream, 'c'),
    ]);
    for (let i = 2; i <= 13; i++) await other.append([message(stream, `m${i}`)]);
    const results = await finish();
    expect(results.map((r) => r.message.seq)).toEqual([14, 15, 16]);
    expect((await other.read(stream, { after: 0 })).messages.map((m) => m.data)).toEqual(['m13', 'a', 'b', 'c']);
  });

  it('under contention from 4 nodes with maxCount: 2, every message gets a seq of its own and is stored once', async () => {
    const options = { maxCount: 2 };
    const nodes = await Promise.all(Array.from({ length: 4 }, () => otherStore(options)));
    const stream = freshStream();
    const acked: number[][] = await Promise.all(
      nodes.map(async (node, w) => {
        const seqs: number[] = [];
        for (let i = 0; i < 15; i++) {
          const results = await node.append([message(stream, `${w}.${i}.a`), message(stream, `${w}.${i}.b`)].slice(0, 1 + (i % 2)));
          seqs.push(...results.map((r) => r.message.seq));
        }
        return seqs;
      }),
    );
    const all = acked.flat().sort((a, b) => a - b);
    expect(new Set(all).size, 'rule 8: a seq acked twice').toBe(all.length);
    expect(await nodes[0]!.head(stream), 'a message stored twice, or one lost').toMatchObject({ seq: all.length });
    expect(all.at(-1)).toBe(all.length);
  });

  it('never reuses the seq of a TTL-expired entry swept from the middle of the stream', async () => {
    let now = 1_000_000;
    const { stream, other, finish } = await stalledAppend({ now: () => now }, (stream) => [message(stream, 'stale')]);
    // Seq 2 expires and is swept by the next append (it is not the newest entry): slot 2 is free.
    await other.append([message(stream, 'short', { ttlMs: 100 })]);
    await other.append([message(stream, 'kept')]);
    now += 100;
    await other.append([message(stream, 'sweeper')]);
    const [result] = await finish();
    expect(result?.message.seq, 'rule 8: a seq is never handed out twice').toBe(5);
    expect((await other.read(stream, { after: 0 })).messages.map((m) => [m.seq, m.data])).toEqual([
      [1, 'first'],
      [3, 'kept'],
      [4, 'sweeper'],
      [5, 'stale'],
    ]);
  });
});
