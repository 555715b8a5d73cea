/**
 * The persistence check: the store reads `appendonly`/`appendfsync` once, warns (a process
 * warning with its own code) when acknowledged messages could be lost, and with
 * `persistence: 'require'` refuses to write and lets the app refuse to start. Each case runs on
 * its own redis-server, never on the shared one.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { NOT_DURABLE_WARNING, type RedisStoreOptions, createRedisStore, inspectPersistence } from '../src/index';
import { startRedis } from './fixtures';

const stops: (() => Promise<void>)[] = [];
const clients: Redis[] = [];
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  for (const client of clients) client.disconnect();
  for (const stop of stops) await stop();
});

async function server(args: string[]) {
  const { server, stop } = await startRedis({ aof: false, args });
  stops.push(stop);
  const client = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  clients.push(client);
  return { client, address: `127.0.0.1:${server.port}` };
}

const lobby = () => ({ namespace: '/', room: `room-${randomUUID()}` });
const message = (ref: { namespace: string; room: string }) => ({ ...ref, event: 'chat', data: 'hi' });
const store = (client: Redis, options: RedisStoreOptions = {}) => createRedisStore(client, { prefix: `p${randomUUID()}`, ...options });

/** Resolves with the first Roomlog warning the process emits, or `null` after a while. */
function nextWarning(): Promise<(Error & { code?: string }) | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(null), 1_000);
    const done = (warning: (Error & { code?: string }) | null) => {
      clearTimeout(timer);
      process.off('warning', onWarning);
      resolve(warning);
    };
    const onWarning = (warning: Error & { code?: string }) => warning.code === NOT_DURABLE_WARNING && done(warning);
    process.on('warning', onWarning);
  });
}

describe('Redis persistence settings', () => {
  it('reports appendonly yes + appendfsync always as durable, and neither warns nor refuses', async () => {
    const { client } = await server(['--appendonly', 'yes', '--appendfsync', 'always']);
    const strict = store(client, { persistence: 'require' });
    const warning = nextWarning();
    await expect(strict.append([message(lobby())])).resolves.toHaveLength(1);
    expect(await warning).toBeNull();
    await expect(strict.checkPersistence()).resolves.toMatchObject({ durable: true, problem: null });
  });

  it('warns once, with its code, when appendonly is off, and writes on', async () => {
    const { client, address } = await server(['--appendonly', 'no']);
    const warning = nextWarning();
    const lossy = store(client);
    await lossy.append([message(lobby())]);
    const emitted = await warning;
    expect(emitted?.message).toBe(
      `[roomlog] [redis] acknowledged messages could be lost: Redis at ${address} runs with appendonly no: a restart of Redis loses ` +
        'every message since its last snapshot (with no snapshot, all of them, and streams restart at seq 1 under a new epoch). ' +
        'Set appendonly yes and appendfsync always (see docs/backends/redis.md)',
    );
    // Once per process for the same server, however many stores and writes.
    const again = nextWarning();
    await store(client).append([message(lobby())]);
    await lossy.append([message(lobby())]);
    expect(await again).toBeNull();
    await expect(lossy.checkPersistence()).resolves.toMatchObject({ durable: false, servers: [{ server: address, appendonly: 'no' }] });
  });

  it("refuses to write, and checkPersistence rejects, with persistence: 'require' on appendfsync everysec", async () => {
    const { client } = await server(['--appendonly', 'yes', '--appendfsync', 'everysec']);
    const strict = store(client, { persistence: 'require' });
    await expect(strict.checkPersistence()).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringContaining('runs with appendfsync everysec: a crash of its machine can lose acknowledged messages'),
    });
    const ref = lobby();
    await expect(strict.append([message(ref)])).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    expect((await store(client, { persistence: 'ignore' }).read(ref, { after: 0 })).messages).toEqual([]);
  });

  it('counts a server that refuses CONFIG as unknown: no warning, but require refuses', async () => {
    const { client } = await server(['--appendonly', 'yes', '--appendfsync', 'always', '--rename-command', 'CONFIG', '']);
    expect(await inspectPersistence(client)).toMatchObject({ durable: null, servers: [{ appendonly: null, appendfsync: null }] });
    const warning = nextWarning();
    await store(client).append([message(lobby())]);
    expect(await warning).toBeNull();
    await expect(store(client, { persistence: 'require' }).append([message(lobby())])).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringContaining('does not allow CONFIG GET'),
    });
  });

  it('throws when the server cannot be reached (nothing is known), and refuses a bad policy', async () => {
    const { client } = await server(['--appendonly', 'yes', '--appendfsync', 'always']);
    const offline = new Redis(1, '127.0.0.1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    clients.push(offline);
    await expect(inspectPersistence(offline)).rejects.toThrow();
    expect(() => createRedisStore(client, { persistence: 'always' as never })).toThrow(/persistence must be/);
  });
});
