/**
 * The figures behind "Several batches in flight" in docs/backends/postgres.md: append latency
 * through the batcher under an offered (open-loop) load spread over several rooms, with one
 * call in flight against several (never two for one room), alternating in one process so both
 * see the same machine. Not a test; run by hand:
 *
 *   pnpm exec tsx --tsconfig tsconfig.json packages/postgres/bench/lanes.ts
 *
 * Env: RATE (messages/s, default 1000), ROOMS (default 8), SECONDS per round (default 4),
 * ROUNDS per setting (default 3). Works in a schema of its own and drops it afterwards.
 */
import { randomUUID } from 'node:crypto';
import { AppendBatcher } from '@roomlog/core';
import { newPool, uniqueSchema } from '../test/fixtures';
import { createPostgresStore } from '../src/index';

const RATE = Number(process.env.RATE ?? 1000);
const ROOMS = Number(process.env.ROOMS ?? 8);
const SECONDS = Number(process.env.SECONDS ?? 4);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Sends RATE messages/s over ROOMS rooms for SECONDS through a batcher; returns each message's latency. */
async function offered(batcher: AppendBatcher, rooms: readonly string[]): Promise<number[]> {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const total = RATE * SECONDS;
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * RATE) / 1000) + 1);
    for (; sent < due; sent++) {
      const at = performance.now();
      const room = rooms[sent % rooms.length]!;
      pending.push(
        batcher
          .append({
            namespace: '/',
            room,
            event: 'chat',
            data: { text: 'a typical short chat line', n: sent },
            clientMessageId: randomUUID(),
          })
          .then(() => {
            latencies.push(performance.now() - at);
          }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(pending);
  return latencies;
}

async function main(): Promise<void> {
  const pool = newPool({ max: 8 });
  const schema = uniqueSchema();
  const store = createPostgresStore(pool, { schema });
  await store.migrate();
  const rooms = Array.from({ length: ROOMS }, (_, i) => `room-${i}`);
  const results = new Map<number, { p50: number[]; p99: number[] }>();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const concurrency of [1, 4]) {
        const batcher = new AppendBatcher(store, { concurrency });
        const latencies = (await offered(batcher, rooms)).sort((a, b) => a - b);
        await batcher.close();
        const entry = results.get(concurrency) ?? { p50: [], p99: [] };
        entry.p50.push(percentile(latencies, 0.5));
        entry.p99.push(percentile(latencies, 0.99));
        results.set(concurrency, entry);
        console.log(
          `round ${round + 1}, concurrency ${concurrency}: p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms`,
        );
      }
    }
    for (const [concurrency, { p50, p99 }] of results) {
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      console.log(
        `concurrency ${concurrency}, ${RATE}/s over ${ROOMS} rooms: median p50 ${median(p50).toFixed(2)} ms, median p99 ${median(p99).toFixed(2)} ms`,
      );
    }
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
}

await main();
