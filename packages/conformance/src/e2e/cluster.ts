/**
 * Several nodes behind a Socket.IO adapter, sharing one store: concurrent senders on every
 * node, and a client that moves to another node while messages flow.
 */
import { expect, it } from 'vitest';
import { type EndToEndHarness, type TestClient, uniqueName, until } from './harness';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Registers the multi-node scenarios (skipped when the run has no `createAdapter`). */
export function clusterScenarios(h: EndToEndHarness): void {
  it.skipIf(!h.clustered)(
    'delivers 10 senders x 100 concurrent messages over 3 nodes to every client in the same seq order, also to one that switches node',
    async () => {
      const channel = uniqueName('roomlog-e2e');
      const room = uniqueName('room');
      const nodes = await Promise.all([0, 1, 2].map(() => h.startNode({ channel })));
      const at = (i: number) => nodes[i % nodes.length]!;
      const senders = await Promise.all(range(0, 9).map((i) => h.connect(at(i), { rooms: [room] })));
      const listeners = await Promise.all(range(0, 2).map((i) => h.connect(at(i), { rooms: [room] })));
      const traveler = await h.connect(at(0), { rooms: [room] });

      const sending = Promise.all(
        senders.map(async (sender, s) => {
          for (let n = 0; n < 100; n++) await sender.client.send(room, 'chat', { s, n });
        }),
      );
      await until(() => traveler.seqs(room).length >= 200, 'the traveler to get 200 messages on its first node');
      h.disconnect(traveler);
      const moved = await h.connect(at(1), { rooms: [room], continueFrom: traveler });
      await sending;

      const everyone: TestClient[] = [...senders, ...listeners, moved];
      await until(
        () => everyone.every((client) => client.seqs(room).length >= 1000),
        '1000 messages at every client',
        30_000,
        () => everyone.map((client) => client.seqs(room).length),
      );
      const reference = senders[0]!.delivered.get(room)!;
      expect(reference.map((m) => m.seq)).toEqual(range(1, 1000));
      for (const client of everyone) expect(client.delivered.get(room)).toEqual(reference);
      // Each sender's messages were stored in the order it sent them.
      for (let s = 0; s < 10; s++) {
        const own = reference.filter((m) => (m.data as { s: number }).s === s).map((m) => (m.data as { n: number }).n);
        expect(own).toEqual(range(0, 99));
      }
    },
    60_000,
  );

  it.skipIf(!h.clustered)('applies beforeDeliver to recipients on every node, and a withheld entry stalls nobody', async () => {
    const channel = uniqueName('roomlog-e2e');
    const room = uniqueName('room');
    // A whisper (`data.to`) reaches only its addressee.
    const nodes = await Promise.all(
      [0, 1].map(() =>
        h.startNode({
          channel,
          roomlog: {
            hooks: {
              beforeDeliver: (recipient, envelope) => {
                const to = (envelope.data as { to?: string } | null)?.to;
                return to === undefined || to === (recipient.handshake.auth as { user?: string }).user ? envelope : null;
              },
            },
          },
        }),
      ),
    );
    const alice = await h.connect(nodes[0]!, { rooms: [room], user: 'alice' });
    const bob = await h.connect(nodes[1]!, { rooms: [room], user: 'bob' });
    const carol = await h.connect(nodes[1]!, { rooms: [room], user: 'carol' });
    // Stored, but withheld from its own sender: the send resolves to its place (seq, epoch), not to nothing.
    await expect(alice.client.send(room, 'chat', { to: 'bob', text: 'psst' })).resolves.toEqual({
      room,
      seq: 1,
      epoch: expect.any(String),
      withheld: true,
    });
    await alice.client.send(room, 'chat', { text: 'hello all' });
    await until(() => bob.seqs(room).length === 2 && carol.seqs(room).length === 1, 'delivery on the other node');
    expect(bob.delivered.get(room)!.map((m) => m.data)).toEqual([{ to: 'bob', text: 'psst' }, { text: 'hello all' }]);
    expect(carol.delivered.get(room)!.map((m) => [m.seq, m.data])).toEqual([[2, { text: 'hello all' }]]);
    expect(carol.client.position(room)).toMatchObject({ seq: 2 });
    // The sender's own view: its whisper is not addressed to it either.
    expect(alice.seqs(room)).toEqual([2]);
  });
}
