/**
 * The full conformance suite against a 3-master Redis Cluster this file starts on free
 * loopback ports and stops afterwards: proves every stream's keys share one slot and that
 * appends, reads and cross-stream batches work when streams live on different nodes.
 */
import { runConformanceSuite } from '@roomlog/conformance';
import { Cluster } from 'ioredis';
import { isRoomlogError } from '@roomlog/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index';
import { streamKeys, streamTag } from '../src/keys';
import { type TestCluster, startCluster } from './fixtures';

const prefix = 'roomlog-cluster-test';
let started: Promise<{ cluster: TestCluster; client: Cluster }> | null = null;

/** Starts the cluster on first use (the suite creates a store while collecting tests). */
function connect(): Promise<{ cluster: TestCluster; client: Cluster }> {
  started ??= startCluster().then((cluster) => ({
    cluster,
    client: new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port }))),
  }));
  return started;
}

async function stop(): Promise<void> {
  if (!started) return;
  const { cluster, client } = await started;
  started = null;
  client.disconnect();
  await cluster.stop();
}

afterAll(stop);

describe('redis-cluster: waitForReplicas', () => {
  it('runs the script and WAIT on the node owning each stream, and rejects when no replica acknowledges', async () => {
    const { client } = await connect();
    const store = createRedisStore(client, { prefix, waitForReplicas: { replicas: 1, timeoutMs: 50 } });
    // Enough rooms to land on every master; the test cluster has no replicas, so WAIT answers 0.
    const streams = Array.from({ length: 6 }, (_, i) => ({ namespace: '/', room: `wait-${i}-${Date.now()}` }));
    const error = await store.append(streams.map((s) => ({ ...s, event: 'chat', data: 1 }))).catch((e: unknown) => e);
    expect(isRoomlogError(error) && error.code).toBe('UNAVAILABLE');
    const plain = createRedisStore(client, { prefix });
    for (const stream of streams) expect((await plain.head(stream))?.seq).toBe(1);
  });
});

runConformanceSuite({
  name: 'redis-cluster',
  create: async (options) => createRedisStore((await connect()).client, { ...options, prefix }),
  cleanup: stop,
  inspect: {
    storedCount: async (stream) => (await connect()).client.zcard(streamKeys(prefix, streamTag(stream.namespace, stream.room))[1]),
  },
});
