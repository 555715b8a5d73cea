/**
 * Healing: each node reads the heads of the rooms its sockets follow, one read per room
 * whatever the number of members, and tells members when a head moved past what the node
 * broadcast (a broadcast the adapter dropped), so they fetch what they missed.
 */
import { describe, expect, it } from 'vitest';
import { type HeadHint, MemoryStore, type ReadQuery, type StreamRef } from '../src/index';
import { rawClient, startServer, until } from './servers';

/** A MemoryStore counting the reads healing makes (`{ limit: 1 }`, no cursor). */
class CountingStore extends MemoryStore {
  headReads = 0;
  override read(stream: StreamRef, query: ReadQuery = {}) {
    if (query.limit === 1 && query.after === undefined && query.before === undefined) this.headReads++;
    return super.read(stream, query);
  }
}

async function member(url: string, room: string) {
  const socket = await rawClient(url, [room]);
  const hints: HeadHint[] = [];
  socket.on('roomlog:head', (hint: HeadHint) => hints.push(hint));
  await socket.timeout(5_000).emitWithAck('roomlog:sync', { rooms: { [room]: { from: 'latest' } } });
  return { socket, hints };
}

describe('healing', () => {
  it('announces, once, a head that moved without a broadcast, and only to that room', async () => {
    const store = new CountingStore();
    const { url, log } = await startServer({ store, healIntervalMs: 3_600_000 });
    const [a, b, other] = await Promise.all([member(url, 'r'), member(url, 'r'), member(url, 'quiet')]);
    await log.publish({ room: 'r', event: 'chat', data: 'broadcast' });
    await log.publish({ room: 'quiet', event: 'chat', data: 'broadcast' });
    await log.heal();
    // Members got those with the node's own broadcast: nothing to announce.
    expect([a, b, other].map((m) => m.hints.length)).toEqual([0, 0, 0]);

    // Stored without a broadcast, as when the adapter drops one.
    const [appended] = await store.append([{ namespace: '/', room: 'r', event: 'chat', data: 'dropped' }]);
    const message = appended!.message;
    await log.heal();
    await until(() => a.hints.length === 1 && b.hints.length === 1, 'the hint at both members');
    expect(a.hints[0]).toEqual({ room: 'r', seq: 2, epoch: message.epoch, id: message.id, createdAt: message.createdAt });
    await log.heal();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([a.hints.length, b.hints.length, other.hints.length]).toEqual([1, 1, 0]);
  });

  it('costs one store read per followed room per round, however many members, and forgets rooms without local members', async () => {
    const store = new CountingStore();
    const { url, log } = await startServer({ store, healIntervalMs: 3_600_000 });
    const crowd = await Promise.all(Array.from({ length: 30 }, (_, i) => member(url, `room-${i % 3}`)));
    store.headReads = 0;
    await log.heal();
    expect(store.headReads).toBe(3);
    for (const { socket } of crowd.filter((_, i) => i % 3 === 0)) socket.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 50));
    store.headReads = 0;
    await log.heal();
    expect(store.headReads).toBe(2);
  });

  it('heals on its own timer within the interval', async () => {
    const store = new MemoryStore();
    const { url } = await startServer({ store, healIntervalMs: 100 });
    const a = await member(url, 'r');
    await store.append([{ namespace: '/', room: 'r', event: 'chat', data: 'dropped' }]);
    await until(() => a.hints.length === 1, 'the hint', 5_000);
    expect(a.hints[0]).toMatchObject({ room: 'r', seq: 1 });
  });

  it('refuses a heal interval timers cannot hold', async () => {
    await expect(startServer({ healIntervalMs: 2 ** 31 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(startServer({ healIntervalMs: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
