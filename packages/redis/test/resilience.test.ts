/**
 * What the conformance suite cannot know about Redis: restarts, script cache loss, a full
 * memory and a read-only replica. Runs against a Redis this file starts on its own port (AOF,
 * `appendfsync always`), never the shared one.
 */
import { randomUUID } from 'node:crypto';
import { type NewMessage, isRoomlogError } from '@roomlog/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisMessageStore, createRedisStore } from '../src/index';
import { type RedisProcess, freePort, startRedis, waitUntil } from './fixtures';

let server: RedisProcess;
let stopServer: () => Promise<void>;
/** Fails fast while Redis is down: the ioredis options the README recommends. */
let client: Redis;
/** A plain client for setting up server conditions. */
let admin: Redis;

beforeAll(async () => {
  ({ server, stop: stopServer } = await startRedis({ aof: true }));
  client = new Redis({
    host: '127.0.0.1',
    port: server.port,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    commandTimeout: 2000,
    retryStrategy: () => 50,
  });
  admin = new Redis({ host: '127.0.0.1', port: server.port, retryStrategy: () => 50 });
  // The restart test makes both clients lose their connection on purpose; the store reports it.
  for (const c of [client, admin]) c.on('error', () => {});
  await waitUntil('the client to connect', async () => client.status === 'ready');
});

afterAll(async () => {
  client.disconnect();
  admin.disconnect();
  await stopServer();
});

function room() {
  return { namespace: '/', room: `room-${randomUUID()}` };
}

function batch(stream: { namespace: string; room: string }, from: number, count: number): NewMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    ...stream,
    event: 'chat',
    data: { n: from + i },
    clientMessageId: `m${from + i}`,
  }));
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<unknown> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isRoomlogError(error), `expected a RoomlogError, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  expect((error as Error).message).toMatch(/^\[roomlog\] \[redis\] /);
  expect((error as Error).cause).toBeDefined();
  return error;
}

function store(): RedisMessageStore {
  return createRedisStore(client, { prefix: 'resilience' });
}

describe('script cache', () => {
  it('recovers from NOSCRIPT after SCRIPT FLUSH, sends the script once, and loses or repeats no write', async () => {
    const s = store();
    const stream = room();
    await s.append(batch(stream, 1, 2));
    await admin.script('FLUSH');
    await admin.config('RESETSTAT');
    const results = [...(await s.append(batch(stream, 3, 2))), ...(await s.append(batch(stream, 5, 1)))];
    expect(results.map((r) => r.message.seq)).toEqual([3, 4, 5]);
    // The full source travelled once (EVAL after the NOSCRIPT); later calls go by digest again.
    expect(await commandCalls('eval')).toBe(1);
    const page = await s.read(stream);
    expect(page.messages.map((m) => m.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
  });
});

/** How often `command` ran since the last `CONFIG RESETSTAT`. */
async function commandCalls(command: string): Promise<number> {
  const stats = await admin.info('commandstats');
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
}

describe('server refusing work', () => {
  it('maps OOM to UNAVAILABLE and works again once memory is available', async () => {
    const s = store();
    const stream = room();
    await admin.config('SET', 'maxmemory', '1');
    try {
      const error = await expectCode(s.append(batch(stream, 1, 1)), 'UNAVAILABLE');
      expect(String((error as Error).cause)).toMatch(/OOM/);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    expect((await s.append(batch(stream, 1, 1)))[0]!.message.seq).toBe(1);
  });

  it('maps READONLY (a replica) to UNAVAILABLE while reads keep working', async () => {
    const s = store();
    const stream = room();
    await s.append(batch(stream, 1, 1));
    // Point the server at a master that does not exist: it becomes a read-only replica.
    await admin.replicaof('127.0.0.1', await freePort());
    try {
      await expectCode(s.append(batch(stream, 2, 1)), 'UNAVAILABLE');
      // Not asserted on reads: a replica that lost its master may serve stale data or refuse it.
    } finally {
      await admin.replicaof('NO', 'ONE');
    }
    expect((await s.append(batch(stream, 2, 1)))[0]!.message.seq).toBe(2);
  });

  it('maps a script failing on a damaged key to INTERNAL', async () => {
    const s = createRedisStore(client, { prefix: `damaged-${randomUUID().slice(0, 8)}` });
    const stream = room();
    await s.append(batch(stream, 1, 1));
    const [entriesKey] = (await admin.keys(`damaged-*:e`)) as [string];
    await admin.set(entriesKey, 'not a sorted set');
    await expectCode(s.append(batch(stream, 2, 1)), 'INTERNAL');
    await admin.del(entriesKey);
  });
});

describe('restart', () => {
  it('fails fast with UNAVAILABLE while Redis is down, recovers, and loses nothing acknowledged', async () => {
    const s = store();
    const stream = room();
    const acked = new Map<string, number>();
    const record = (results: { message: { clientMessageId: string | null; seq: number } }[]) => {
      for (const { message } of results) acked.set(message.clientMessageId!, message.seq);
    };
    record(await s.append(batch(stream, 1, 20)));

    // A writer keeps appending while the server dies under it: everything acked before the
    // crash must survive it, and the batch in flight must reject UNAVAILABLE.
    const sent: number[] = [];
    let killed: Promise<void> | null = null;
    const failure = await (async () => {
      for (let from = 21; ; from += 5) {
        sent.push(from);
        try {
          record(await s.append(batch(stream, from, 5)));
        } catch (error) {
          return error;
        }
        if (acked.size >= 60) killed ??= server.kill();
      }
    })();
    await killed;
    expect((failure as { code: string }).code).toBe('UNAVAILABLE');

    const started = Date.now();
    await expectCode(s.append(batch(stream, 10_000, 1)), 'UNAVAILABLE');
    await expectCode(s.read(stream), 'UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(2000);

    await server.start();
    await waitUntil('the store to accept writes again', async () =>
      s.head(stream).then(
        () => true,
        () => false,
      ),
    );
    // Retrying the batch that failed, with the same clientMessageIds, stores each message once.
    const duplicates = (await s.append(batch(stream, sent.at(-1)!, 5))).filter((r) => r.duplicate).length;
    expect([0, 5]).toContain(duplicates);

    const page = await s.read(stream, { after: 0, limit: 1000 });
    const stored = new Map(page.messages.map((m) => [m.clientMessageId!, m.seq]));
    expect(stored.size).toBe(20 + 5 * sent.length);
    for (const [id, seq] of acked) expect(stored.get(id)).toBe(seq);
    // Seqs stay strictly increasing; a gap is allowed only where a crash hit (rule 2).
    const seqs = page.messages.map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });
});
