/**
 * Streams written by a version that did not store their names in the meta hash (the keys
 * carry only a digest of `(namespace, room)`): `listStreams` counts them as `unnamed` instead
 * of losing them silently; `nameStreams` (given the rooms the app knows) names them, only
 * those that exist and lack names; the next append or import names one too. SCAN may name a
 * key twice while Redis rehashes; a listing holds each stream once per page.
 */
import { randomUUID } from 'node:crypto';
import type { StreamInfo, StreamRef } from '@roomlog/core';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index';
import { streamKeys, streamTag } from '../src/keys';
import { REDIS_URL } from './fixtures';

const prefix = `roomlog-old-${randomUUID()}`;
const client = new Redis(REDIS_URL);
const store = createRedisStore(client, { prefix });

afterAll(async () => {
  for (const stream of await listAll()) await store.dropStream(stream);
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await store.close();
  client.disconnect();
});

/** Every listed stream, and how many were passed over unnamed. */
async function walk(limit = 3): Promise<{ streams: StreamInfo[]; unnamed: number }> {
  const streams: StreamInfo[] = [];
  let unnamed = 0;
  let after: string | undefined;
  for (;;) {
    const page = await store.listStreams({ after, limit });
    const keys = page.streams.map((s) => `${s.namespace}\u0000${s.room}`);
    expect(new Set(keys).size, 'a page lists a stream once').toBe(keys.length);
    streams.push(...page.streams);
    unnamed += page.unnamed ?? 0;
    if (page.next === null) return { streams, unnamed };
    after = page.next;
  }
}

async function listAll(): Promise<StreamInfo[]> {
  return (await walk(1000)).streams;
}

/** Writes a stream, then takes its names away, as a version before names were stored left it. */
async function writeTheOldWay(ref: StreamRef, count: number): Promise<void> {
  await store.append(Array.from({ length: count }, (_, i) => ({ ...ref, event: 'chat', data: i })));
  const [meta] = streamKeys(prefix, streamTag(ref.namespace, ref.room));
  await client.hdel(meta, 'ns', 'room');
  expect(await client.hkeys(meta)).not.toContain('ns');
}

const rooms = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ namespace: '/old', room: `${tag}-${i}` }));

describe('streams written before names were stored', () => {
  it('are counted as unnamed, named by nameStreams (only those), and then listed with their heads', async () => {
    const old = rooms(5, 'a');
    for (const ref of old) await writeTheOldWay(ref, 3);
    const fresh = { namespace: '/old', room: 'fresh' };
    await store.append([{ ...fresh, event: 'chat', data: 'new' }]);

    const before = await walk();
    expect(before.streams.map((s) => s.room)).toEqual(['fresh']);
    expect(before.unnamed).toBe(5);

    const neverWritten = { namespace: '/old', room: 'never-written' };
    expect(await store.nameStreams([old[0]!, old[1]!, neverWritten, fresh])).toBe(2);
    expect(await store.head(neverWritten)).toBeNull();
    expect(await client.exists(streamKeys(prefix, streamTag(neverWritten.namespace, neverWritten.room))[0])).toBe(0);
    expect(await store.nameStreams(old)).toBe(3);
    expect(await store.nameStreams(old)).toBe(0);

    const after = await walk();
    expect(after.unnamed).toBe(0);
    expect(after.streams.map((s) => s.room).sort()).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'fresh']);
    for (const stream of after.streams) expect(stream.head).toEqual(await store.head(stream));
  });

  it('the next append or import names one', async () => {
    const [appended, imported] = rooms(2, 'b');
    await writeTheOldWay(appended!, 2);
    await writeTheOldWay(imported!, 2);
    expect((await walk()).unnamed).toBe(2);
    await store.append([{ ...appended!, event: 'chat', data: 'later' }]);
    const head = (await store.head(imported!))!;
    const [entry] = (await store.read(imported!, { after: 0 })).messages;
    await store.importEntries({ ...imported!, epoch: head.epoch }, [{ ...entry!, seq: 3, id: `${head.epoch}:3` }]);
    const listed = await walk();
    expect(listed.unnamed).toBe(0);
    expect(listed.streams.map((s) => s.room)).toEqual(expect.arrayContaining(['b-0', 'b-1']));
    expect((await store.head(appended!))?.seq).toBe(3);
  });

  it('nameStreams refuses bad input and more than 1000 at once', async () => {
    await expect(store.nameStreams([{ namespace: '/', room: '' }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.nameStreams(rooms(1001, 'c'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.nameStreams('x' as unknown as StreamRef[])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
