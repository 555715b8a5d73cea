/**
 * Edits and deletes reach clients as log entries, live and after being offline.
 */
import { expect, it } from 'vitest';
import { type EndToEndHarness, uniqueName, until } from './harness';

/** Registers the edit/delete scenarios. */
export function changeScenarios(h: EndToEndHarness): void {
  it('delivers edits and deletes made while a client was offline, in seq order', async () => {
    const node = await h.startNode();
    const room = uniqueName('room');
    const [alice, bob] = await Promise.all([1, 2].map(() => h.connect(node, { rooms: [room] })));
    const first = await alice!.client.send(room, 'chat', 'frist');
    const second = await alice!.client.send(room, 'chat', 'oops');
    await until(() => bob!.seqs(room).length === 2, 'both messages at bob');
    if (!node.store.capabilities.editDelete) {
      await expect(alice!.client.edit(room, first!.seq, 'first')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
      return;
    }
    bob!.socket.disconnect();
    await expect(alice!.client.edit(room, first!.seq, 'first')).resolves.toMatchObject({ seq: 1, data: 'first', version: 2 });
    await node.log.delete(room, second!.seq, 'moderator');
    // Only the author may change a message.
    const carol = await h.connect(node, { rooms: [room] }); // a member, so only ownership refuses
    await expect(carol.client.edit(room, first!.seq, 'hijacked')).rejects.toMatchObject({ code: 'NOT_OWNER' });
    bob!.socket.connect();

    await until(() => bob!.seqs(room).length === 4, 'the edit and the delete at bob');
    expect(bob!.delivered.get(room)!.slice(2)).toMatchObject([
      { seq: 3, kind: 'edit', target: 1, data: 'first', senderId: alice!.auth.user, event: 'chat' },
      { seq: 4, kind: 'delete', target: 2, data: null, senderId: 'moderator', event: 'chat' },
    ]);
    // Alice saw the same entries live.
    await until(() => alice!.seqs(room).length === 4, 'the edit and the delete at alice');
    expect(alice!.delivered.get(room)).toEqual(bob!.delivered.get(room));
    const page = await bob!.client.history(room);
    expect(page.messages.slice(0, 2)).toMatchObject([
      { seq: 1, data: 'first', version: 2 },
      { seq: 2, data: null, version: 2, deletedAt: expect.any(Number) },
    ]);
  });
}
