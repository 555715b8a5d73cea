/**
 * Physical retention: expired rows are deleted inside writes, in bounded steps, never more
 * than `sweepLimit` per write, while reads never show what retention removed.
 */
import { randomUUID } from 'node:crypto';
import type { StreamRef } from '@roomlog/core';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomlogMessageRow, createTypeormStore } from '../src/index';
import { streamDigest } from '@roomlog/core';
import { type Engine, mariadbEngine, postgresEngine, sqljsEngine } from './fixtures';

describe.each([
  ['postgres', postgresEngine],
  ['mariadb', mariadbEngine],
  ['sqljs', sqljsEngine],
] as const)('retention sweeps on %s', (_name, makeEngine) => {
  let engine: Engine;
  let dataSource: DataSource;

  beforeAll(async () => {
    engine = await makeEngine();
    dataSource = await engine.open();
  });

  afterAll(async () => {
    await engine?.cleanup();
  });

  const stored = (stream: StreamRef) =>
    dataSource.getRepository(RoomlogMessageRow).countBy({ streamKey: streamDigest(stream.namespace, stream.room) });

  it('switching maxCount on over a long history deletes at most sweepLimit rows per write, across every room the write touches', async () => {
    const namespace = `/${randomUUID()}`;
    const rooms = [
      { namespace, room: 'a' },
      { namespace, room: 'b' },
    ];
    const unlimited = createTypeormStore(dataSource);
    for (const stream of rooms) {
      await unlimited.append(Array.from({ length: 60 }, (_, n) => ({ ...stream, event: 'chat', data: n })));
    }
    const bounded = createTypeormStore(dataSource, { maxCount: 5, sweepLimit: 20 });
    const touchBoth = () => bounded.append(rooms.map((stream) => ({ ...stream, event: 'chat', data: 'new' })));

    await touchBoth();
    const afterFirst = (await stored(rooms[0]!)) + (await stored(rooms[1]!));
    expect(afterFirst).toBe(61 * 2 - 20);
    // What is still stored is never returned: each room reads as its newest 5.
    for (const stream of rooms) {
      const { messages, head } = await bounded.read(stream, { after: 0 });
      expect(messages.map((m) => m.seq)).toEqual([57, 58, 59, 60, 61]);
      expect(head?.firstSeq).toBe(57);
    }
    for (let write = 0; write < 6; write++) await touchBoth();
    expect([await stored(rooms[0]!), await stored(rooms[1]!)]).toEqual([5, 5]);
    await Promise.all([unlimited.close(), bounded.close()]);
  });

  it('a TTL that comes due is swept by the next write, and only then', async () => {
    let now = Date.now();
    const store = createTypeormStore(dataSource, { now: () => now });
    const stream = { namespace: `/${randomUUID()}`, room: 'ttl' };
    await store.append([
      { ...stream, event: 'chat', data: 'short', ttlMs: 1_000 },
      { ...stream, event: 'chat', data: 'kept' },
    ]);
    now += 1_000;
    expect((await store.read(stream)).messages.map((m) => m.data)).toEqual(['kept']);
    expect(await stored(stream)).toBe(2);
    await store.append([{ ...stream, event: 'chat', data: 'next' }]);
    expect(await stored(stream)).toBe(2);
    expect((await store.read(stream)).messages.map((m) => m.data)).toEqual(['kept', 'next']);
    await store.close();
  });
});
