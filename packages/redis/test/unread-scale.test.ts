/**
 * `unreadCount` on a very long stream never holds Redis (issue 14): before the bound, the
 * script scanned every entry after the marker, 422 ms on 218k entries inside one script, so ten
 * concurrent calls held an unrelated client's `PING` for 4.2 s. The stream is filled by a
 * pipelined raw writer (the entry the store wrote first, copied under new seqs) into a
 * redis-server of this file's own (removed afterwards), whose SLOWLOG records how long each
 * command held it. A count scans a bounded number of entries whatever the stream's length, so CI
 * runs 200,000 entries; `ROOMLOG_UNREAD_ENTRIES=1000000 pnpm vitest run test/unread-scale.test.ts`
 * (in packages/redis, ~1 min) runs the million.
 */
import { randomUUID } from 'node:crypto';
import { UNREAD_SCAN_LIMIT } from '@roomlog/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedisStore } from '../src/index';
import { streamKeys, streamTag } from '../src/keys';
import { startRedis } from './fixtures';

const ENTRIES = Number(process.env.ROOMLOG_UNREAD_ENTRIES ?? 200_000);
/** What "a few milliseconds" means: the Redis CPU time one count may cost. */
const SCRIPT_BOUND_MS = 10;
/**
 * Wall-clock bounds on 2 shared cores, where Redis itself waits for a core: the median time a
 * count holds Redis by its SLOWLOG, and the p99 of a `PING` queued behind ten callers' counts.
 */
const HELD_P50_BOUND_MS = 50;
const PING_BOUND_MS = 2_000;

const prefix = `roomlog-unread-${randomUUID().slice(0, 8)}`;
let redis: Awaited<ReturnType<typeof startRedis>>;
let client: Redis;
let pinger: Redis;

beforeAll(async () => {
  // Every command is logged with its duration: what a script held the server for, measured by Redis.
  redis = await startRedis({ aof: false, args: ['--slowlog-log-slower-than', '0', '--slowlog-max-len', '100000'] });
  client = new Redis(redis.server.port, '127.0.0.1');
  pinger = new Redis(redis.server.port, '127.0.0.1');
});

afterAll(async () => {
  await Promise.all([client?.quit(), pinger?.quit()]);
  await redis?.stop();
});

/**
 * How long each command held the server since the last `SLOWLOG RESET`, by Redis's own clock, in
 * ms: the count scripts, and the other commands (the PINGs, a gauge of what the machine's load
 * alone costs a command: a server descheduled mid-command logs the time too). Sorted.
 */
async function heldFor(): Promise<{ scripts: number[]; others: number[] }> {
  const entries = (await client.slowlog('GET', 100_000)) as [number, number, number, string[]][];
  const ms = (list: typeof entries) => list.map(([, , micros]) => micros / 1000).sort((a, b) => a - b);
  const isScript = ([, , , args]: (typeof entries)[number]) => /^eval/i.test(args[0] ?? '');
  return { scripts: ms(entries.filter(isScript)), others: ms(entries.filter((entry) => !isScript(entry) && entry[3][0] !== 'slowlog')) };
}

/** CPU time the server has used, in ms (user + system): what its work costs, whoever else wants the cores. */
async function serverCpuMs(): Promise<number> {
  const info = await client.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;

/** Copies the stream's one entry under seqs 2..`entries`, 1,000 members per `ZADD`, pipelined. */
async function fill(stream: { namespace: string; room: string }, entries: number): Promise<void> {
  const [meta, sorted] = streamKeys(prefix, streamTag(stream.namespace, stream.room));
  const [template] = await client.zrange(sorted, 0, 0);
  if (!template) throw new Error('the store wrote no entry to copy');
  // The member's first field is its seq (see scripts.lua.ts); the rest is kept as written.
  const rest = template.slice(template.indexOf('\0'));
  for (let from = 2; from <= entries; from += 50_000) {
    const pipeline = client.pipeline();
    for (let chunk = from; chunk < Math.min(from + 50_000, entries + 1); chunk += 1_000) {
      const args: (string | number)[] = [];
      for (let seq = chunk; seq < Math.min(chunk + 1_000, entries + 1); seq++) args.push(seq, `${seq}${rest}`);
      pipeline.zadd(sorted, ...args);
    }
    await pipeline.exec();
  }
  await client.hset(meta, 'seq', entries);
}

it(`counts unread on a ${ENTRIES.toLocaleString('en')}-entry stream without holding Redis for more than a few ms`, async () => {
  const store = createRedisStore(client, { prefix });
  const stream = { namespace: '/', room: `long-${randomUUID()}` };
  const filling = performance.now();
  await store.append([{ ...stream, event: 'chat', data: { text: 'from bob' }, senderId: 'bob' }]);
  await fill(stream, ENTRIES);
  const filled = performance.now() - filling;
  expect((await store.head(stream))?.seq).toBe(ENTRIES);
  await store.setCursor(stream, 'carol', Math.floor(ENTRIES / 2));

  await client.slowlog('RESET');
  // One call at a time: what one script costs, round trip included, and in the server's CPU time.
  const single: number[] = [];
  const cpuBefore = await serverCpuMs();
  for (let i = 0; i < 100; i++) {
    const started = performance.now();
    expect(await store.unreadCount(stream, i % 2 ? 'alice' : 'carol')).toBe(UNREAD_SCAN_LIMIT);
    single.push(performance.now() - started);
  }
  const cpuPerCount = ((await serverCpuMs()) - cpuBefore) / 100;
  // Ten callers at once, again and again, while another client pings.
  let counting = true;
  const callers = Array.from({ length: 10 }, async () => {
    let calls = 0;
    while (counting) {
      await store.unreadCount(stream, 'alice');
      calls++;
    }
    return calls;
  });
  const pings: number[] = [];
  for (let i = 0; i < 100; i++) {
    const started = performance.now();
    await pinger.ping();
    pings.push(performance.now() - started);
  }
  counting = false;
  const calls = (await Promise.all(callers)).reduce((a, b) => a + b, 0);
  const held = await heldFor();
  single.sort((a, b) => a - b);
  pings.sort((a, b) => a - b);
  console.log(
    `[unread ${ENTRIES} entries] filled in ${(filled / 1000).toFixed(1)} s; one count p50 ${single[50]!.toFixed(1)} ms, ` +
      `${cpuPerCount.toFixed(2)} ms of Redis CPU, ` +
      `max ${single.at(-1)!.toFixed(1)} ms; ${calls} counts by 10 callers during 100 PINGs: PING p50 ${pings[50]!.toFixed(1)} ms, ` +
      `max ${pings.at(-1)!.toFixed(1)} ms; inside Redis, ${held.scripts.length} count scripts p50 ${at(held.scripts, 0.5).toFixed(2)} ms, ` +
      `p99 ${at(held.scripts, 0.99).toFixed(2)} ms, max ${held.scripts.at(-1)!.toFixed(2)} ms; other commands max ${held.others.at(-1)?.toFixed(2)} ms`,
  );
  expect(calls).toBeGreaterThan(0);
  expect(held.scripts.length).toBeGreaterThanOrEqual(calls);
  expect(cpuPerCount).toBeLessThan(SCRIPT_BOUND_MS);
  expect(at(held.scripts, 0.5)).toBeLessThan(HELD_P50_BOUND_MS);
  expect(at(pings, 0.99)).toBeLessThan(PING_BOUND_MS);
}, 120_000);
