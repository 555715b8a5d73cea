/**
 * A real Redis Sentinel failover under live traffic: a primary, a replica and three sentinels
 * of this run's own; the store talks to them through ioredis in Sentinel mode. The replica is
 * paused while a few messages are acked, then the primary is SIGKILLed and the replica
 * promoted, so the new primary lacks the newest writes (the worst case asynchronous
 * replication allows). With `waitForReplicas` no acked message may be lost; without it the
 * lost ones were acked, and every client that held one must be reset (`rewound`), never left
 * skipping the entries that take their seqs again.
 */
import { randomUUID } from 'node:crypto';
import { type MessageEnvelope, type MessageStore, isWithheld } from '@roomlog/core';
import { type RedisStoreOptions, createRedisStore } from '@roomlog/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndToEndHarness, type TestClient, until } from '../src/e2e/harness';
import { type OwnSentinels, ownSentinels } from './own-servers';

let deployment: OwnSentinels;
const clients: Redis[] = [];

beforeAll(async () => {
  deployment = await ownSentinels();
}, 60_000);
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await deployment?.destroy();
});

/** ioredis in Sentinel mode, failing a command fast (the Roomlog client retries) rather than queueing it through a failover. */
function sentinelClient(): Redis {
  const client = new Redis({
    sentinels: deployment.sentinels,
    name: deployment.name,
    maxRetriesPerRequest: 1,
    commandTimeout: 1_500,
    retryStrategy: () => 100,
    sentinelRetryStrategy: () => 100,
  });
  client.on('error', () => {});
  clients.push(client);
  return client;
}

/** The entries a client was delivered since its latest reset notice. */
const sinceLastReset = (client: TestClient, room: string): MessageEnvelope[] =>
  client.delivered.get(room)!.slice(client.resetAt.get(room) ?? 0);

async function failoverRun(options: Pick<RedisStoreOptions, 'waitForReplicas'>) {
  const prefix = `roomlog-sentinel-${randomUUID().slice(0, 8)}`;
  const redis = sentinelClient();
  const harness = new EndToEndHarness({
    name: 'sentinel',
    createStore: (): MessageStore => createRedisStore(redis, { prefix, persistence: 'ignore', ...options }),
  });
  try {
    const room = `room-${randomUUID().slice(0, 8)}`;
    // The failover fails writes and reads for a few seconds; the clients retry, the log need not say so each time.
    const node = await harness.startNode({ roomlog: { healIntervalMs: 300, hooks: { onError: () => {} } } });
    const [writer, ...readers] = await Promise.all([0, 1, 2].map(() => harness.connect(node, { rooms: [room] })));
    const acked: MessageEnvelope[] = [];
    const send = async (data: string) => {
      const stored = await writer!.client.send(room, 'chat', data, { timeoutMs: 60_000 });
      if (isWithheld(stored)) throw new Error('no beforeDeliver here: the writer sees its own entries');
      acked.push(stored);
    };
    for (let n = 1; n <= 10; n++) await send(`before-${n}`);
    await until(() => readers.every((reader) => reader.seqs(room).length === 10), 'ten at every reader');

    // The replica is paused and its replication link cut: what the primary acks now exists only there.
    const { primary, replica } = await deployment.roles();
    process.kill(replica.pid!, 'SIGSTOP');
    const admin = new Redis(primary.url, { maxRetriesPerRequest: 0 });
    admin.on('error', () => {});
    await admin.call('CLIENT', 'KILL', 'TYPE', 'replica');
    admin.disconnect();
    const unreplicated = [1, 2, 3].map((n) => send(`unreplicated-${n}`));
    let resumed = false;
    const resume = () => {
      if (!resumed) process.kill(replica.pid!, 'SIGCONT');
      resumed = true;
    };
    try {
      await new Promise((resolve) => setTimeout(resolve, 600));
      await primary.kill();
      resume();
    } finally {
      resume();
    }
    const promoted = await deployment.failedOverFrom(primary.port);
    expect(promoted).toBe(replica.port);
    // The old primary comes back as a replica of the new one (the sentinels reconfigure it), so WAIT can be met again.
    await primary.start();
    await Promise.all(unreplicated);
    for (let n = 1; n <= 10; n++) await send(`after-${n}`);

    const page = await node.store.read({ namespace: '/', room }, { after: 0, limit: 1000 });
    const log = page.messages;
    // The Redis store derives ids from seqs (`<epoch>:<seq>`): an entry is its id and createdAt together.
    const print = (m: { id: string; createdAt: number }) => `${m.id}@${m.createdAt}`;
    const inLog = new Set(log.map(print));
    const lost = acked.filter((entry) => !inLog.has(print(entry)));
    for (const reader of [writer!, ...readers]) {
      await until(
        () => sinceLastReset(reader, room).at(-1)?.data === 'after-10' && reader.client.position(room)?.seq === log.at(-1)!.seq,
        'every reader at the head',
        20_000,
        () => [reader.seqs(room), reader.resets],
      );
      // Whatever happened, from where delivery last resumed a client holds exactly the log.
      const resumedAt = reader.resets.at(-1)?.resumedAt ?? 0;
      expect(sinceLastReset(reader, room).map(print)).toEqual(log.filter((m) => m.seq > resumedAt).map(print));
      // A client that was delivered an entry the log lost was told.
      const heldLost = reader.delivered.get(room)!.some((m) => !inLog.has(print(m)));
      if (heldLost) expect(reader.resets.map((notice) => notice.reason)).toContain('rewound');
    }
    return { acked, lost, log, readers: [writer!, ...readers] };
  } finally {
    await harness.closeAll();
  }
}

describe('redis sentinel failover', () => {
  it('loses no acked message with waitForReplicas, and every client ends holding the log', async () => {
    const { acked, lost, log } = await failoverRun({ waitForReplicas: { replicas: 1, timeoutMs: 300 } });
    expect(lost).toEqual([]);
    expect(log.map((m) => m.data)).toEqual(expect.arrayContaining(acked.map((entry) => entry.data)));
    expect(new Set(log.map((m) => m.data)).size).toBe(log.length);
  }, 90_000);

  it('without waitForReplicas, resets every client that held a lost entry (rewound) and leaves none skipping', async () => {
    const { lost, readers } = await failoverRun({});
    // The paused replica never got them: the failover lost acked messages, as asynchronous replication may.
    expect(lost.length).toBeGreaterThan(0);
    for (const reader of readers) expect(reader.resets.map((notice) => notice.reason)).toContain('rewound');
  }, 90_000);
});
