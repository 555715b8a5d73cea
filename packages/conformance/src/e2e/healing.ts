/**
 * Delivery that heals itself: a last message no broadcast carried, a log rewound under the
 * same epoch, sends in flight when their node dies, a reload with unacked sends, and a client
 * moving to another node through a load balancer when its node dies.
 */
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import type { MessageEnvelope } from '@roomlog/core';
import { expect, it } from 'vitest';
import { type EndToEndHarness, type TestClient, uniqueName, until } from './harness';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Heal interval of the scenarios' nodes: short, so the suite stays fast. */
const HEAL_MS = 200;

/** The entries a client was delivered since its latest reset notice (everything when it had none). */
function sinceLastReset(client: TestClient, room: string): MessageEnvelope[] {
  return client.delivered.get(room)!.slice(client.resetAt.get(room) ?? 0);
}

/**
 * A TCP load balancer in front of Socket.IO nodes: new connections go to the current target,
 * which the test switches when a node dies (as a health-checking balancer does).
 */
async function loadBalancer(target: number): Promise<{ url: string; switchTo(port: number): void; close(): Promise<void> }> {
  let port = target;
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(port, '127.0.0.1');
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.once('close', () => {
        sockets.delete(socket);
        inbound.destroy();
        outbound.destroy();
      });
      socket.on('error', () => socket.destroy());
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    switchTo(next) {
      port = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Registers the healing scenarios. */
export function healingScenarios(h: EndToEndHarness): void {
  it.skipIf(!h.clustered)('delivers a last message that no broadcast carried to members on every node, without a new message', async () => {
    const channel = uniqueName('roomlog-e2e');
    const room = uniqueName('room');
    const nodes = await Promise.all([0, 1].map(() => h.startNode({ channel, roomlog: { healIntervalMs: HEAL_MS } })));
    const members = await Promise.all([0, 1, 2, 3].map((i) => h.connect(nodes[i % 2]!, { rooms: [room] })));
    await members[0]!.client.send(room, 'chat', 'broadcast');
    await until(() => members.every((m) => m.seqs(room).length === 1), 'the broadcast everywhere');
    // Stored, never broadcast: as if the adapter dropped it and no later message reveals the gap.
    await nodes[0]!.store.append([{ namespace: '/', room, event: 'chat', data: 'unannounced' }]);
    await until(
      () => members.every((m) => m.seqs(room).length === 2),
      'the healed last message everywhere',
      10_000,
      () => members.map((m) => m.seqs(room)),
    );
    for (const member of members) expect(member.delivered.get(room)!.map((m) => m.data)).toEqual(['broadcast', 'unannounced']);
  });

  it.skipIf(!h.faults.rewind)(
    'resets clients whose log was rewound under the same epoch (rewound), and they skip nothing after',
    async () => {
      const room = uniqueName('room');
      const node = await h.startNode({ roomlog: { healIntervalMs: HEAL_MS } });
      const [alice, bob] = await Promise.all([1, 2].map(() => h.connect(node, { rooms: [room] })));
      for (let n = 1; n <= 5; n++) await alice!.client.send(room, 'chat', `old-${n}`);
      await until(() => bob!.seqs(room).length === 5, 'five at bob');
      // The newest two are lost behind the store's back; seqs 4 and 5 will be taken again.
      await h.faults.rewind!({ namespace: '/', room }, 3);
      const carol = await h.connect(node, { rooms: [room] });
      for (let n = 4; n <= 7; n++) await carol.client.send(room, 'chat', `new-${n}`);

      const page = await node.store.read({ namespace: '/', room }, { after: 0 });
      const log = page.messages.map((m) => m.data);
      expect(log).toEqual(['old-1', 'old-2', 'old-3', 'new-4', 'new-5', 'new-6', 'new-7']);
      for (const member of [alice!, bob!]) {
        await until(
          () => member.resets.some((notice) => notice.reason === 'rewound') && sinceLastReset(member, room).at(-1)?.data === 'new-7',
          'a rewound reset and the new log',
          10_000,
          () => [member.resets, member.seqs(room)],
        );
        expect(member.resets.find((reset) => reset.reason === 'rewound')).toMatchObject({ room, previous: { seq: 5 } });
        const last = member.resets.at(-1)!;
        expect(last.reason).toBe('rewound');
        // From where delivery last resumed, the client holds exactly the log as it is now.
        expect(sinceLastReset(member, room).map((m) => m.data)).toEqual(log.slice(last.resumedAt));
        expect(member.client.position(room)).toMatchObject({ seq: 7 });
      }
    },
  );

  it('stores 8 sends in flight in call order, each once, across a kill of their node', async () => {
    const room = uniqueName('room');
    const node = await h.startNode();
    const alice = await h.connect(node, { rooms: [room] });
    const sends = range(1, 8).map((n) => alice.client.send(room, 'chat', `c-${n}`));
    await sends[1];
    await node.kill();
    await h.startNode({ port: node.port });
    const acked = await Promise.all(sends);
    expect(acked.map((m) => 'data' in m && m.data)).toEqual(range(1, 8).map((n) => `c-${n}`));
    const other = await h.startNode();
    const page = await other.store.read({ namespace: '/', room }, { after: 0 });
    expect(page.messages.map((m) => m.data)).toEqual(range(1, 8).map((n) => `c-${n}`));
    expect(page.messages.map((m) => m.seq)).toEqual(range(1, 8));
  });

  it('re-sends, once and in order, what a reloaded client left unacked', async () => {
    const room = uniqueName('room');
    const node = await h.startNode();
    const alice = await h.connect(node, { rooms: [room] });
    await alice.client.send(room, 'chat', 'before');
    await node.stop();
    const lost = range(1, 3).map((n) => alice.client.send(room, 'chat', `unacked-${n}`).catch((error: unknown) => error));
    await until(() => alice.client.pending(room).length === 3, 'three pending sends');
    // The page reloads: the client object goes away with its sends unacked.
    h.disconnect(alice);
    for (const outcome of await Promise.all(lost)) expect(outcome).toMatchObject({ code: 'CLOSED' });
    const restarted = await h.startNode({ port: node.port });
    const reloaded = await h.connect(restarted, { rooms: [room], continueFrom: alice });
    await until(
      () => reloaded.seqs(room).length === 4,
      'the three re-sent',
      10_000,
      () => reloaded.seqs(room),
    );
    expect(reloaded.delivered.get(room)!.map((m) => m.data)).toEqual(['before', 'unacked-1', 'unacked-2', 'unacked-3']);
    expect(reloaded.client.pending()).toEqual([]);
    const page = await restarted.store.read({ namespace: '/', room }, { after: 0 });
    expect(page.messages.map((m) => m.data)).toEqual(['before', 'unacked-1', 'unacked-2', 'unacked-3']);
  });

  it.skipIf(!h.clustered)(
    'moves a client through a load balancer to another node when its node dies, losing nothing and keeping send order',
    async () => {
      const channel = uniqueName('roomlog-e2e');
      const room = uniqueName('room');
      const [first, second] = await Promise.all([0, 1].map(() => h.startNode({ channel, roomlog: { healIntervalMs: HEAL_MS } })));
      const balancer = await loadBalancer(first!.port);
      try {
        const alice = await h.connect(first!, { rooms: [room], url: balancer.url });
        const bob = await h.connect(second!, { rooms: [room] });
        await alice.client.send(room, 'chat', 'a-0');
        const sending = range(1, 10).map((n) => alice.client.send(room, 'chat', `a-${n}`));
        await sends(sending, 2);
        balancer.switchTo(second!.port);
        await first!.kill();
        for (let n = 1; n <= 5; n++) await bob.client.send(room, 'chat', `b-${n}`);
        await Promise.all(sending);
        await until(
          () => alice.seqs(room).length === 16 && bob.seqs(room).length === 16,
          '16 at both',
          15_000,
          () => [alice.seqs(room), bob.seqs(room)],
        );
        expect(alice.delivered.get(room)).toEqual(bob.delivered.get(room));
        expect(alice.seqs(room)).toEqual(range(1, 16));
        const own = alice.delivered
          .get(room)!
          .map((m) => m.data as string)
          .filter((data) => data.startsWith('a-'));
        expect(own).toEqual(range(0, 10).map((n) => `a-${n}`));
      } finally {
        await balancer.close();
      }
    },
  );
}

/** Resolves once `count` of `promises` resolved. */
async function sends(promises: Promise<unknown>[], count: number): Promise<void> {
  let done = 0;
  await new Promise<void>((resolve) => {
    for (const promise of promises)
      void promise.then(
        () => ++done === count && resolve(),
        () => {},
      );
  });
}
