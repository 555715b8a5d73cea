/**
 * Redis-specific behaviour beyond the conformance suite, on the shared server under a key
 * prefix of this file's own: options, lost counter state, the idempotency window, the
 * sender index and the client's ownership.
 */
import { randomUUID } from 'node:crypto';
import { isRoomlogError } from '@roomlog/core';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index';
import { senderKey, streamKeys, streamTag } from '../src/keys';
import { REDIS_URL, deletePrefix } from './fixtures';

const prefix = `roomlog-test-${randomUUID().slice(0, 8)}`;
const client = new Redis(REDIS_URL);

afterAll(async () => {
  await deletePrefix(client, prefix);
  await client.quit();
});

function room(name = `room-${randomUUID()}`) {
  return { namespace: '/', room: name };
}

describe('options', () => {
  it.each(['', 'a{b', 'a}b', 'x'.repeat(129)])('refuses the key prefix %j with INVALID_ARGUMENT', (bad) => {
    let error: unknown;
    try {
      createRedisStore(client, { prefix: bad });
    } catch (e) {
      error = e;
    }
    expect(isRoomlogError(error) && error.code).toBe('INVALID_ARGUMENT');
  });

  it('keeps every key under the prefix, with the room only as a hash in the tag', async () => {
    const store = createRedisStore(client, { prefix });
    const stream = room('}{*? :$');
    await store.append([{ ...stream, event: 'chat', data: 1, senderId: 'u1', clientMessageId: 'c1' }]);
    const tag = streamTag(stream.namespace, stream.room);
    expect(tag).toMatch(/^[0-9a-f]{32}$/);
    for (const key of streamKeys(prefix, tag).slice(0, 3)) expect(await client.exists(key)).toBe(1);
    expect(await client.smembers(senderKey(prefix, 'u1'))).toContain(tag);
  });

  it('does not end the caller’s client on close() unless closeClient is set', async () => {
    await createRedisStore(client, { prefix }).close();
    expect(await client.ping()).toBe('PONG');
    const own = new Redis(REDIS_URL);
    const ended = new Promise((resolve) => own.once('end', resolve));
    await createRedisStore(own, { prefix, closeClient: true }).close();
    await ended;
    expect(own.status).toBe('end');
  });
});

describe('counter state', () => {
  it('starts a new epoch above the surviving entries when the counter is lost, never reusing a seq', async () => {
    const store = createRedisStore(client, { prefix });
    const stream = room();
    await store.append([1, 2, 3].map((n) => ({ ...stream, event: 'chat', data: n })));
    const before = await store.head(stream);
    await client.del(streamKeys(prefix, streamTag(stream.namespace, stream.room))[0]);
    const [result] = await store.append([{ ...stream, event: 'chat', data: 4 }]);
    expect(result!.message.seq).toBe(4);
    const after = await store.head(stream);
    expect(after!.epoch).not.toBe(before!.epoch);
    expect((await store.read(stream)).messages.map((m) => m.data)).toEqual([1, 2, 3, 4]);
  });
});

describe('batch size', () => {
  it('writes one 12,000-message batch (past Lua’s unpack limit) and finds every key again on retry', async () => {
    const store = createRedisStore(client, { prefix });
    const stream = room();
    const batch = Array.from({ length: 12_000 }, (_, i) => ({
      ...stream,
      event: 'chat',
      data: i,
      clientMessageId: `c${i}`,
      ttlMs: 3_600_000,
    }));
    const first = await store.append(batch);
    expect(first.map((r) => r.message.seq)).toEqual(batch.map((_, i) => i + 1));
    expect(first.some((r) => r.duplicate)).toBe(false);
    const retry = await store.append(batch);
    expect(retry.every((r, i) => r.duplicate && r.message.seq === i + 1)).toBe(true);
    expect((await store.head(stream))?.seq).toBe(12_000);
  });
});

describe('idempotencyWindowMs', () => {
  it('deduplicates inside the window and stores a repeated key again after it', async () => {
    let now = 1_000_000;
    const store = createRedisStore(client, { prefix, idempotencyWindowMs: 1000, now: () => now });
    const stream = room();
    const send = async () => (await store.append([{ ...stream, event: 'chat', data: 'x', clientMessageId: 'k' }]))[0]!;
    expect((await send()).duplicate).toBe(false);
    now += 999;
    expect((await send()).duplicate).toBe(true);
    now += 1;
    const late = await send();
    expect(late.duplicate).toBe(false);
    expect(late.message.seq).toBe(2);
    // The forgotten key no longer takes space in the idempotency index.
    expect(await client.hlen(streamKeys(prefix, streamTag(stream.namespace, stream.room))[2])).toBe(1);
  });
});

describe('eraseSender', () => {
  it('erases in every stream the sender wrote to through any instance, in chunks across a long stream', async () => {
    const writer = createRedisStore(client, { prefix });
    const eraser = createRedisStore(client, { prefix });
    const sender = `user-${randomUUID()}`;
    const long = room();
    const other = room();
    for (let from = 0; from < 2500; from += 500) {
      await writer.append(
        Array.from({ length: 500 }, (_, i) => ({ ...long, event: 'chat', data: from + i, senderId: (from + i) % 2 ? sender : 'someone' })),
      );
    }
    await writer.append([{ ...other, event: 'chat', data: 'hi', senderId: sender }]);
    expect(await eraser.eraseSender(sender)).toBe(1251);
    const page = await eraser.read(long, { after: 2490, limit: 10 });
    expect(page.messages.map((m) => m.data)).toEqual([2490, null, 2492, null, 2494, null, 2496, null, 2498, null]);
    expect(await eraser.eraseSender(sender)).toBe(0);
  });

  it('still finds a sender’s messages written after Redis lost its data while the process kept running', async () => {
    const own = `${prefix}:wiped`;
    const store = createRedisStore(client, { prefix: own });
    const stream = room();
    await store.append([{ ...stream, event: 'chat', data: 'before', senderId: 'ann' }]);
    await deletePrefix(client, own); // the whole dataset is gone, sender index included
    await store.append([{ ...stream, event: 'chat', data: 'after', senderId: 'ann' }]);
    expect(await store.eraseSender('ann')).toBe(1);
    expect((await store.read(stream)).messages.map((m) => m.data)).toEqual([null]);
  });
});
