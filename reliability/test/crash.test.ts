/**
 * Crash (issue 9, part 1), CI size: the chat server is a child process on a real backend;
 * 20 clients send 100 messages each (Mongo: 50) with `@roomlog/client` (acks, retries) while
 * the server is killed with SIGKILL 5 times at random moments and restarted. Every acked message must be in
 * the store exactly once with its content at its acked seq, seqs strictly increasing, and every
 * client holding exactly the store's sequence. `pnpm test:chaos --full` runs 5,000 messages.
 */
import { describe, expect, it } from 'vitest';
import type { DurableBackend } from '../src/backends';
import { runCrash } from '../src/crash';
import { formatFigures } from '../src/verify';

/**
 * Messages per client. FerretDB on SQLite appends about three times slower than the others on
 * the CI machine, so Mongo sends half as many to stay near a minute.
 */
const messagesPerClient: Record<DurableBackend, number> = { redis: 100, postgres: 100, mongo: 50 };

describe.each(Object.keys(messagesPerClient) as DurableBackend[])('crash: %s', (backend) => {
  it('loses nothing acked and stores nothing twice across 5 SIGKILLs of the server', async () => {
    const perClient = messagesPerClient[backend];
    const total = 20 * perClient;
    const report = await runCrash({ backend, clients: 20, messagesPerClient: perClient, kills: 5 });
    console.log(formatFigures(`crash ${backend}`, report));
    expect(report.kills).toBe(5);
    expect(report).toMatchObject({
      sent: total,
      acked: total,
      failed: 0,
      stored: total,
      duplicates: 0,
      lost: 0,
      altered: 0,
      unorderedRooms: 0,
      divergedClients: 0,
    });
  });
});
