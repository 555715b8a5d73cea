/**
 * Recovery beyond what Socket.IO offers: a server restart on the same store, a client further
 * behind than `replayLimit`, a stream whose epoch changed.
 */
import { expect, it } from 'vitest';
import type { MessageEnvelope } from '@roomlog/core';
import { type EndToEndHarness, uniqueName, until } from './harness';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Registers the recovery scenarios. */
export function recoveryScenarios(h: EndToEndHarness): void {
  it('recovers everything clients missed while their server was down, after it restarts on the same store', async () => {
    const room = uniqueName('room');
    const first = await h.startNode();
    const other = await h.startNode();
    const [alice, bob] = await Promise.all([1, 2].map(() => h.connect(first, { rooms: [room] })));
    for (let n = 1; n <= 10; n++) await alice!.client.send(room, 'chat', n);
    await until(() => alice!.seqs(room).length === 10 && bob!.seqs(room).length === 10, 'the first 10 at both');

    await first.stop();
    const writer = await h.connect(other, { rooms: [room] });
    for (let n = 11; n <= 60; n++) await writer.client.send(room, 'chat', n);
    await h.startNode({ port: first.port });

    for (const member of [alice!, bob!]) {
      await until(
        () => member.seqs(room).length === 60,
        '60 messages after the restart',
        20_000,
        () => member.seqs(room).length,
      );
      expect(member.seqs(room)).toEqual(range(1, 60));
      expect(member.delivered.get(room)!.map((m) => m.data)).toEqual(range(1, 60));
    }
  });

  it('reports too-far-behind past replayLimit, delivers the latest page, and history pages the rest', async () => {
    const room = uniqueName('room');
    const node = await h.startNode({ roomlog: { replayLimit: 20 } });
    const [alice, bob] = await Promise.all([1, 2].map(() => h.connect(node, { rooms: [room] })));
    await alice!.client.send(room, 'chat', 1);
    await until(() => bob!.seqs(room).length === 1, 'first message at bob');
    bob!.socket.disconnect();
    for (let n = 2; n <= 101; n++) await alice!.client.send(room, 'chat', n);
    bob!.socket.connect();

    await until(() => bob!.resets.length === 1 && bob!.seqs(room).length === 21, 'the reset and the latest page');
    const [notice] = bob!.resets;
    expect(notice).toMatchObject({ room, reason: 'too-far-behind', previous: { seq: 1 }, resumedAt: 81, head: { seq: 101 } });
    expect(bob!.seqs(room)).toEqual([1, ...range(82, 101)]);

    const older: MessageEnvelope[] = [];
    for (let before = notice!.resumedAt + 1; before > notice!.previous.seq + 1; ) {
      const page = await bob!.client.history(room, { before, limit: 30 });
      const entries = page.messages.filter((m): m is MessageEnvelope => !('withheld' in m) && m.seq > notice!.previous.seq);
      older.unshift(...entries);
      if (!page.hasMore || entries.length === 0) break;
      before = entries[0]!.seq;
    }
    expect(older.map((m) => m.seq)).toEqual(range(2, 81));
  });

  it('reports epoch-changed when the stored offset belongs to another epoch, and restarts from the latest page', async () => {
    const room = uniqueName('room');
    const node = await h.startNode();
    const alice = await h.connect(node, { rooms: [room] });
    for (let n = 1; n <= 3; n++) await alice.client.send(room, 'chat', n);
    const head = await node.store.head({ namespace: '/', room });
    const storage = { getItem: () => JSON.stringify({ seq: 2, epoch: 'an-epoch-of-a-wiped-database' }), setItem: () => {} };
    const bob = await h.connect(node, {
      rooms: [room],
      continueFrom: { ...alice, storage, delivered: new Map(), resets: [], errors: [] },
    });
    await until(() => bob.resets.length === 1, 'the reset');
    expect(bob.resets[0]).toMatchObject({
      room,
      reason: 'epoch-changed',
      previous: { seq: 2, epoch: 'an-epoch-of-a-wiped-database' },
      resumedAt: 0,
    });
    expect(bob.seqs(room)).toEqual([1, 2, 3]);
    expect(bob.client.position(room)).toMatchObject({ seq: 3, epoch: head!.epoch });
  });
}
