/**
 * The figures in docs/backends/redis.md: memory per message and read cost on a 1k versus a
 * 1M-message stream. Not a test; run by hand on an idle machine:
 *
 *   pnpm exec tsx --tsconfig tsconfig.json packages/redis/bench/measure.ts
 *
 * It starts its own redis-server (no persistence) on a free port and removes it afterwards.
 */
import { Redis } from 'ioredis';
import type { NewMessage, StreamRef } from '@roomlog/core';
import { createRedisStore } from '../src/index';
import { streamKeys, streamTag } from '../src/keys';
import { startRedis } from '../test/fixtures';

const BATCH = 1000;

interface ReadQueryShape {
  after?: number;
  before?: number;
  limit: number;
}
const READS = 2000;

function chat(stream: StreamRef, n: number): NewMessage {
  return {
    ...stream,
    event: 'chat',
    data: { text: `message number ${n}, a typical short chat line`, at: 1_700_000_000_000 + n },
    senderId: `user-${n % 50}`,
    clientMessageId: `c-${n.toString(36).padStart(8, '0')}-7f3a9c`,
  };
}

async function fill(store: ReturnType<typeof createRedisStore>, stream: StreamRef, count: number): Promise<void> {
  for (let from = 0; from < count; from += BATCH) {
    await store.append(Array.from({ length: Math.min(BATCH, count - from) }, (_, i) => chat(stream, from + i)));
  }
}

/** Server-side microseconds per script call since the last reset (excludes the network). */
async function usecPerCall(admin: Redis): Promise<number> {
  const stats = await admin.info('commandstats');
  return Number(/cmdstat_evalsha:calls=\d+,usec=\d+,usec_per_call=([\d.]+)/.exec(stats)?.[1] ?? Number.NaN);
}

async function timeReads(
  admin: Redis,
  store: ReturnType<typeof createRedisStore>,
  stream: StreamRef,
  size: number,
  query: (i: number) => ReadQueryShape,
) {
  await admin.config('RESETSTAT');
  const started = process.hrtime.bigint();
  for (let i = 0; i < READS; i++) await store.read(stream, query(i));
  const wallUs = Number(process.hrtime.bigint() - started) / 1000 / READS;
  return { size, serverUs: await usecPerCall(admin), roundTripUs: Math.round(wallUs) };
}

/** The bare minimum per message (counter, sorted-set add, id index), to compare the append script with. */
const BARE_APPEND = `for i = 1, #ARGV, 2 do
  local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  redis.call('ZADD', KEYS[2], seq, ARGV[i] .. seq)
  redis.call('HSET', KEYS[3], ARGV[i + 1], seq)
end`;

/** Server µs per 1000-message batch: the append script versus {@link BARE_APPEND}. */
async function appendCost(admin: Redis, store: ReturnType<typeof createRedisStore>): Promise<{ roomlog: number; bare: number }> {
  const stream = { namespace: '/', room: 'append-cost' };
  const batches = 20;
  await admin.config('RESETSTAT');
  for (let b = 0; b < batches; b++) {
    await store.append(Array.from({ length: BATCH }, (_, i) => chat(stream, b * BATCH + i)));
  }
  const roomlog = await usecPerCall(admin);
  await admin.config('RESETSTAT');
  for (let b = 0; b < batches; b++) {
    const args = Array.from({ length: BATCH }, (_, i) => [JSON.stringify(chat(stream, b * BATCH + i)), `c${b}-${i}`]).flat();
    await admin.eval(BARE_APPEND, 3, 'bare:m', 'bare:e', 'bare:i', ...args);
  }
  const bare = Number(/cmdstat_eval:calls=\d+,usec=\d+,usec_per_call=([\d.]+)/.exec(await admin.info('commandstats'))?.[1]);
  return { roomlog, bare };
}

async function main(): Promise<void> {
  const { server, stop } = await startRedis({ aof: false });
  const client = new Redis({ host: '127.0.0.1', port: server.port });
  const admin = new Redis({ host: '127.0.0.1', port: server.port });
  try {
    const store = createRedisStore(client, { prefix: 'bench' });
    const small = { namespace: '/', room: 'small' };
    const large = { namespace: '/', room: 'large' };

    const cost = await appendCost(admin, store);
    console.log(`append, server µs per batch of ${BATCH}: roomlog script ${cost.roomlog}, bare HINCRBY+ZADD+HSET loop ${cost.bare}`);
    await admin.del('bare:m', 'bare:e', 'bare:i', ...streamKeys('bench', streamTag('/', 'append-cost')));

    const baseline = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    await fill(store, small, 1_000);
    const t0 = Date.now();
    await fill(store, large, 1_000_000);
    const fillSeconds = (Date.now() - t0) / 1000;
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    const payloadBytes = Buffer.byteLength(JSON.stringify(chat(large, 500_000).data));
    console.log(`fill 1M: ${fillSeconds.toFixed(1)} s (${Math.round(1_000_000 / fillSeconds)} msg/s in batches of ${BATCH})`);
    console.log(`payload ${payloadBytes} B; used_memory per message: ${((used - baseline) / 1_001_000).toFixed(0)} B`);
    const keys = streamKeys('bench', streamTag(large.namespace, large.room));
    for (const key of keys) {
      const bytes = await admin.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
      console.log(
        `${key.slice(-1)} (${await admin.type(key)}): ${bytes ?? 0} B, ${bytes ? (Number(bytes) / 1_000_000).toFixed(1) : 0} B per message`,
      );
    }

    // The same payload without clientMessageId or senderId: what the idempotency index costs.
    const bare = { namespace: '/', room: 'bare' };
    for (let from = 0; from < 100_000; from += BATCH) {
      await store.append(
        Array.from({ length: BATCH }, (_, i) => ({ ...chat(bare, from + i), clientMessageId: undefined, senderId: undefined })),
      );
    }
    const bareBytes = Number(
      await admin.call('MEMORY', 'USAGE', streamKeys('bench', streamTag(bare.namespace, bare.room))[1], 'SAMPLES', '0'),
    );
    console.log(`entries without clientMessageId/senderId: ${(bareBytes / 100_000).toFixed(1)} B per message`);

    const queries: [string, (i: number) => ReadQueryShape][] = [
      ['latest 50', () => ({ limit: 50 })],
      ['after random, 50', (i) => ({ after: (i * 7919) % 900, limit: 50 })],
      ['before random, 50', (i) => ({ before: 100 + ((i * 7919) % 900), limit: 50 })],
    ];
    for (const [label, query] of queries) {
      const rows = [
        await timeReads(admin, store, small, 1_000, query),
        await timeReads(admin, store, large, 1_000_000, (i) => {
          const q = query(i);
          // Same offsets, spread over the whole large stream.
          return {
            ...q,
            ...(q.after !== undefined ? { after: q.after * 1000 } : {}),
            ...(q.before !== undefined ? { before: q.before * 1000 } : {}),
          };
        }),
      ];
      for (const row of rows) {
        console.log(
          `${label.padEnd(18)} stream ${String(row.size).padStart(7)}: server ${row.serverUs} µs/call, round trip ${row.roundTripUs} µs`,
        );
      }
    }
  } finally {
    client.disconnect();
    admin.disconnect();
    await stop();
  }
}

await main();
