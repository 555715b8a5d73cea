/**
 * Load (issue 9, part 4), CI size: 200 clients in 20 rooms send one message a second each for
 * 10 s against the chat server (a child process on the shared Redis). Everything acked is stored
 * once and delivered to every member, and the server's heap levels off. `pnpm soak` runs 60 s
 * and prints p50/p99 ack latency and memory over time.
 */
import { expect, it } from 'vitest';
import { levelsOff, runSoak } from '../src/soak';

it('serves 200 clients in 20 rooms at a steady rate without loss or unbounded memory', async () => {
  const report = await runSoak({ backend: 'redis', seconds: 10, clients: 200, rooms: 20, ratePerClient: 1 });
  console.log(report.summary);
  expect(report.problems).toEqual([]);
  expect(report.figures.acked).toBeGreaterThan(1_000);
  expect(report.figures.lost + report.figures.duplicates + report.figures.divergedClients).toBe(0);
}, 120_000);

it('levelsOff tells a leak from a GC sawtooth', () => {
  const mb = 2 ** 20;
  const at = (heaps: number[]) => heaps.map((heap, i) => ({ at: i, heapUsed: heap * mb, rss: 0, arrayBuffers: 0 }));
  expect(levelsOff(at([30, 40, 55, 35, 60, 38, 58, 36, 61, 40, 59, 37, 60]))).toBe(true);
  expect(levelsOff(at([30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150]))).toBe(false);
});
