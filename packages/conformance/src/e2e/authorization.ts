/**
 * Authorization: no event lets a socket read, sync or write a room it may not, and a refusal
 * looks the same whether the room exists or not.
 */
import { expect, it } from 'vitest';
import type { HistoryAck, SendAck, SyncAck } from '@roomlog/core';
import { type EndToEndHarness, uniqueName, until } from './harness';

/** Registers the authorization scenarios. */
export function authorizationScenarios(h: EndToEndHarness): void {
  it('refuses reading, syncing, joining and sending to a foreign room with FORBIDDEN and leaks nothing', async () => {
    const node = await h.startNode();
    const mine = uniqueName('room');
    const secret = uniqueName('secret');
    const missing = uniqueName('missing');
    const insider = await h.connect(node, { rooms: [secret] });
    await insider.client.send(secret, 'chat', 'classified');
    const mallory = await h.connect(node, { rooms: [mine] });
    const leaked: unknown[] = [];
    mallory.socket.on('roomlog:message', (entry: { room: string }) => {
      if (entry.room !== mine) leaked.push(entry);
    });
    const ask = async <T>(event: string, payload: object) => (await mallory.socket.timeout(2_000).emitWithAck(event, payload)) as T;

    // Same answer for the room that exists and for the one that does not, apart from its name.
    const refusal = (room: string) => ({
      ok: false,
      error: { code: 'FORBIDDEN', message: `[roomlog] [socket] not allowed in room ${JSON.stringify(room)}` },
    });
    for (const room of [secret, missing]) {
      // The ack also lists the persisted events (the same for every room, so it reveals nothing).
      expect(await ask<SyncAck>('roomlog:sync', { rooms: { [room]: { after: 0 } } })).toEqual({
        ok: true,
        rooms: { [room]: refusal(room) },
        events: ['chat'],
      });
      expect(await ask<HistoryAck>('roomlog:history', { room })).toEqual(refusal(room));
      expect(await ask<SendAck>('chat', { room, data: 'intrusion' })).toEqual(refusal(room));
      await expect(mallory.client.join(room)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(mallory.client.send(room, 'chat', 'intrusion')).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(mallory.client.history(room)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }

    // The allowed room still works, and the secret room saw nothing of this.
    await mallory.client.send(mine, 'chat', 'mine');
    await insider.client.send(secret, 'chat', 'still classified');
    await until(() => mallory.seqs(mine).length === 1 && insider.seqs(secret).length === 2, 'the legitimate messages');
    expect(leaked).toEqual([]);
    expect((await node.store.read({ namespace: '/', room: secret })).messages.map((m) => m.data)).toEqual([
      'classified',
      'still classified',
    ]);
    expect(await node.store.head({ namespace: '/', room: missing })).toBeNull();
  });
}
