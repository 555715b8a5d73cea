/**
 * The cluster crash run, CI size: 3 chat servers behind `@socket.io/redis-adapter` on a database
 * of the run's own; 12 clients in 3 rooms send 48 messages each, 8 at a time, while a node is
 * SIGKILLed twice, the database killed twice and the adapter's Redis killed twice (each back
 * after 1 s). Every acked message must be stored once, unaltered, in its sender's call order,
 * and every client must end holding exactly its room's log: nothing waits for a next message.
 */
import { describe, expect, it } from 'vitest';
import { runClusterCrash } from '../src/cluster-crash';
import { formatFigures } from '../src/verify';

describe.each(['postgres', 'redis'] as const)('cluster crash: %s', (backend) => {
  it('loses nothing acked, keeps per-sender order and heals every client across node, database and adapter kills', async () => {
    const report = await runClusterCrash({ backend });
    const { faults, ...figures } = report;
    console.log(formatFigures(`cluster crash ${backend}`, figures, faults));
    expect(faults).toEqual({ node: 2, database: 2, adapter: 2 });
    expect(report).toMatchObject({
      sent: 576,
      acked: 576,
      failed: 0,
      stored: 576,
      duplicates: 0,
      lost: 0,
      altered: 0,
      unorderedRooms: 0,
      divergedClients: 0,
      reorderedSenders: 0,
    });
  });
});
