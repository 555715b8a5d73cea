/**
 * `waitForReplicas`: a write resolves only once the asked-for replicas have it, so a read on a
 * replica right after `append` resolves sees it; too few replicas means `UNAVAILABLE`. Runs on
 * a primary and a replica this file starts on its own ports.
 */
import { randomUUID } from 'node:crypto';
import { isRoomlogError } from '@roomlog/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedisStore } from '../src/index';
import { startRedis, waitUntil } from './fixtures';

let stops: (() => Promise<void>)[] = [];
let primary: Redis;
let replica: Redis;

beforeAll(async () => {
  const main = await startRedis({ aof: false, args: ['--repl-diskless-sync-delay', '0'] });
  // DEBUG SLEEP on the replica (its own process, loopback only) holds back its acknowledgements.
  const copy = await startRedis({
    aof: false,
    args: ['--replicaof', '127.0.0.1', String(main.server.port), '--enable-debug-command', 'yes'],
  });
  stops = [copy.stop, main.stop];
  primary = new Redis({ host: '127.0.0.1', port: main.server.port });
  replica = new Redis({ host: '127.0.0.1', port: copy.server.port });
  await waitUntil('the replica to sync', async () => (await replica.info('replication')).includes('master_link_status:up'));
});

afterAll(async () => {
  primary.disconnect();
  replica.disconnect();
  for (const stop of stops) await stop();
});

it('resolves a write only after the replica has it, even when the replica lags', async () => {
  const store = createRedisStore(primary, { waitForReplicas: { replicas: 1, timeoutMs: 5000 } });
  const onReplica = createRedisStore(replica);
  const stream = { namespace: '/', room: randomUUID() };
  await store.append([{ ...stream, event: 'chat', data: 0 }]);
  // The replica stalls for 300 ms: without WAIT the append would resolve at once, before it has the write.
  const stalled = replica.call('DEBUG', 'SLEEP', '0.3');
  const started = Date.now();
  const [result] = await store.append([{ ...stream, event: 'chat', data: 1 }]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  await stalled;
  const page = await onReplica.read(stream, { after: 1 });
  expect(page.messages.map((m) => [m.seq, m.data])).toEqual([[result!.message.seq, 1]]);
});

it('rejects UNAVAILABLE when fewer replicas acknowledge in time, and the retry stores nothing twice', async () => {
  const store = createRedisStore(primary, { waitForReplicas: { replicas: 2, timeoutMs: 100 } });
  const stream = { namespace: '/', room: randomUUID() };
  const message = { ...stream, event: 'chat', data: 'x', clientMessageId: 'once' };
  const error = await store.append([message]).catch((e: unknown) => e);
  expect(isRoomlogError(error) && error.code).toBe('UNAVAILABLE');
  await store.append([message]).catch(() => undefined);
  expect((await createRedisStore(primary).head(stream))?.seq).toBe(1);
});
