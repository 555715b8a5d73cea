/**
 * Send, ack and broadcast; retries after a lost ack; a client that was away while 200
 * messages were sent.
 */
import { expect, it } from 'vitest';
import type { SendAck } from '@roomlog/core';
import { type EndToEndHarness, uniqueName, until } from './harness';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Registers the delivery scenarios. */
export function deliveryScenarios(h: EndToEndHarness): void {
  it('acks a send only once stored and delivers it to every member, sender included', async () => {
    const node = await h.startNode();
    const room = uniqueName('room');
    const [alice, bob, carol] = await Promise.all([1, 2, 3].map(() => h.connect(node, { rooms: [room] })));
    const stored = await alice!.client.send(room, 'chat', { text: 'hello' });
    expect(stored).toMatchObject({ room, seq: 1, event: 'chat', data: { text: 'hello' }, senderId: alice!.auth.user, kind: 'message' });
    const page = await node.store.read({ namespace: '/', room });
    expect(page.messages.map((m) => m.data)).toEqual([{ text: 'hello' }]);
    for (const member of [alice!, bob!, carol!]) {
      await until(() => member.seqs(room).length === 1, 'delivery');
      expect(member.delivered.get(room)).toEqual([stored]);
    }
  });

  it('answers a bad payload with INVALID_ARGUMENT and keeps serving', async () => {
    const node = await h.startNode();
    const room = uniqueName('room');
    const alice = await h.connect(node, { rooms: [room] });
    const bad = (await alice.socket.timeout(2_000).emitWithAck('chat', { room: 42, data: 'x' })) as SendAck;
    expect(bad).toEqual({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('room') } });
    const noObject = (await alice.socket.timeout(2_000).emitWithAck('chat', 'just a string')) as SendAck;
    expect(noObject).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    await expect(alice.client.send(room, 'chat', 'still works')).resolves.toMatchObject({ seq: 1 });
  });

  it('stores and delivers a message once when its send is retried with the same clientMessageId', async () => {
    const node = await h.startNode();
    const room = uniqueName('room');
    const [alice, bob] = await Promise.all([1, 2].map(() => h.connect(node, { rooms: [room] })));
    const payload = { room, data: { text: 'once' }, clientMessageId: uniqueName('cmid') };
    const first = (await alice!.socket.timeout(2_000).emitWithAck('chat', payload)) as SendAck;
    const retry = (await alice!.socket.timeout(2_000).emitWithAck('chat', payload)) as SendAck;
    expect(first).toMatchObject({ ok: true, seq: 1 });
    expect(first).not.toHaveProperty('duplicate');
    expect(retry).toMatchObject({ ok: true, duplicate: true, seq: 1 });
    await alice!.client.send(room, 'chat', 'after');
    await until(() => bob!.seqs(room).length === 2, 'both messages at bob');
    expect(bob!.seqs(room)).toEqual([1, 2]);
    expect((await node.store.read({ namespace: '/', room })).messages).toHaveLength(2);
  });

  it('retries a send whose ack was lost on a dropped connection, and it is stored and delivered once', async () => {
    const room = uniqueName('room');
    let dropped = false;
    const node = await h.startNode({
      roomlog: {
        hooks: {
          // Stored and broadcast, then the connection drops before the ack leaves.
          afterPersist: (socket) => {
            if (socket && !dropped) {
              dropped = true;
              socket.conn.close();
            }
          },
        },
      },
    });
    const [alice, bob] = await Promise.all([1, 2].map(() => h.connect(node, { rooms: [room] })));
    const stored = await alice!.client.send(room, 'chat', { text: 'lost ack' });
    expect(dropped).toBe(true);
    expect(stored).toMatchObject({ seq: 1, data: { text: 'lost ack' } });
    await alice!.client.send(room, 'chat', { text: 'next' });
    for (const member of [alice!, bob!]) {
      await until(() => member.seqs(room).length >= 2, 'both messages');
      expect(member.seqs(room)).toEqual([1, 2]);
    }
    expect((await node.store.read({ namespace: '/', room })).messages.map((m) => m.data)).toEqual([{ text: 'lost ack' }, { text: 'next' }]);
  });

  it('gives a client that was away while 200 messages were sent exactly those 200, in order', async () => {
    const node = await h.startNode();
    const room = uniqueName('room');
    const [alice, bob] = await Promise.all([1, 2].map(() => h.connect(node, { rooms: [room] })));
    await alice!.client.send(room, 'chat', 0);
    await until(() => bob!.seqs(room).length === 1, 'first message at bob');
    bob!.socket.disconnect();
    for (let n = 1; n <= 200; n++) await alice!.client.send(room, 'chat', n);
    bob!.socket.connect();
    await until(
      () => bob!.seqs(room).length === 201,
      '201 messages at bob',
      20_000,
      () => bob!.seqs(room).length,
    );
    expect(bob!.seqs(room)).toEqual(range(1, 201));
    expect(bob!.delivered.get(room)!.map((m) => m.data)).toEqual(range(0, 200));
  });
}
