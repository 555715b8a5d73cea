/**
 * `roomlog:sync` checks continuity (the entry at the client's seq must still be the one it
 * holds; a client ahead of the head is told) and lets a first visit choose where it starts.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore, type SyncRoomResult } from '../src/index';
import { rawClient, startServer } from './servers';

type RoomAnswer = { ok: true } & SyncRoomResult;

async function syncOne(socket: Awaited<ReturnType<typeof rawClient>>, room: string, offset: object): Promise<RoomAnswer> {
  const answer = await socket.timeout(5_000).emitWithAck('roomlog:sync', { rooms: { [room]: offset } });
  return answer.rooms[room];
}

async function fill(store: MemoryStore, room: string, count: number) {
  const stored = await store.append(Array.from({ length: count }, (_, i) => ({ namespace: '/', room, event: 'chat', data: i + 1 })));
  return stored.map((result) => result.message);
}

describe('sync continuity', () => {
  it('continues when the entry at the client seq is the one it holds, and says rewound when it is another', async () => {
    const store = new MemoryStore();
    const { url } = await startServer({ store });
    const socket = await rawClient(url, ['r']);
    const stored = await fill(store, 'r', 5);
    const { epoch } = stored[0]!;

    const same = await syncOne(socket, 'r', { after: 3, epoch, id: stored[2]!.id });
    expect(same).toMatchObject({ ok: true, recovered: true, head: { seq: 5 } });
    expect(same.reason).toBeUndefined();
    expect(same.messages.map((m) => m.seq)).toEqual([4, 5]);

    // A store may derive ids from seqs: the same id created at another time is another entry.
    expect(await syncOne(socket, 'r', { after: 3, epoch, id: stored[2]!.id, createdAt: stored[2]!.createdAt + 1 })).toMatchObject({
      reason: 'rewound',
    });
    expect((await syncOne(socket, 'r', { after: 3, epoch, id: stored[2]!.id, createdAt: stored[2]!.createdAt })).reason).toBeUndefined();

    const other = await syncOne(socket, 'r', { after: 3, epoch, id: 'an-entry-the-log-lost' });
    expect(other).toMatchObject({ ok: true, recovered: false, reason: 'rewound', head: { seq: 5 } });
    // The client starts over from the log as it is: the latest page.
    expect(other.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);

    // Without an id (the client holds no entry there) only the head is checked.
    expect(await syncOne(socket, 'r', { after: 5, epoch })).toMatchObject({ recovered: true, messages: [] });
  });

  it('says rewound to a client ahead of the head under the same epoch', async () => {
    const store = new MemoryStore();
    const { url } = await startServer({ store });
    const socket = await rawClient(url, ['r']);
    const [first] = await fill(store, 'r', 3);
    const answer = await syncOne(socket, 'r', { after: 7, epoch: first!.epoch, id: 'id-of-a-lost-7' });
    expect(answer).toMatchObject({ ok: true, recovered: false, reason: 'rewound', head: { seq: 3 } });
    expect(answer.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('still reports too-far-behind past replayLimit and truncated after retention, with the extra entry read', async () => {
    const store = new MemoryStore({ maxCount: 10 });
    const { url } = await startServer({ store, replayLimit: 4 });
    const socket = await rawClient(url, ['r']);
    const stored = await fill(store, 'r', 12);
    const { epoch } = stored[0]!;
    // Exactly replayLimit entries after the offset: a plain replay.
    expect(await syncOne(socket, 'r', { after: 8, epoch, id: stored[7]!.id })).toMatchObject({
      recovered: true,
      messages: [{ seq: 9 }, { seq: 10 }, { seq: 11 }, { seq: 12 }],
    });
    expect(await syncOne(socket, 'r', { after: 7, epoch, id: stored[6]!.id })).toMatchObject({ reason: 'too-far-behind' });
    // Seq 1 and 2 were removed by retention (10 kept): entries after the client's seq are gone.
    const small = await startServer({ store, replayLimit: 20 });
    const other = await rawClient(small.url, ['r']);
    expect(await syncOne(other, 'r', { after: 1, epoch, id: stored[0]!.id })).toMatchObject({ reason: 'truncated' });
    // Seq 2 is gone but nothing after it is: continuing from 2 loses nothing.
    expect((await syncOne(other, 'r', { after: 2, epoch, id: stored[1]!.id })).reason).toBeUndefined();
  });

  it('starts a first visit where asked, without a reason: latest page, start (paged with hasMore), or a seq', async () => {
    const store = new MemoryStore();
    const { url } = await startServer({ store, replayLimit: 5 });
    const socket = await rawClient(url, ['r']);
    await fill(store, 'r', 12);

    const latest = await syncOne(socket, 'r', { from: 'latest' });
    expect(latest).toMatchObject({ ok: true, recovered: true, head: { seq: 12 } });
    expect(latest.reason).toBeUndefined();
    expect(latest.hasMore).toBeUndefined();
    expect(latest.messages.map((m) => m.seq)).toEqual([8, 9, 10, 11, 12]);

    const start = await syncOne(socket, 'r', { from: 'start', after: 11 });
    expect(start).toMatchObject({ recovered: true, hasMore: true });
    expect(start.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);

    const fromSeq = await syncOne(socket, 'r', { from: 9 });
    expect(fromSeq.messages.map((m) => m.seq)).toEqual([10, 11, 12]);
    expect(fromSeq.hasMore).toBeUndefined();

    expect(await syncOne(socket, 'r', { from: 'never' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await syncOne(socket, 'r', { after: 3, id: 7 })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });
});
