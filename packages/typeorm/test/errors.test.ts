/**
 * Driver errors become the contract's errors: a lost connection is `UNAVAILABLE`, a duplicate
 * key (each engine says it differently) is a race the store retries or reports as retry-safe,
 * and misuse is refused up front.
 */
import { randomUUID } from 'node:crypto';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { isRoomlogError } from '@roomlog/core';
import { DataSource } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { RoomlogCursorRow, createTypeormStore, roomlogEntities } from '../src/index';
import { classifyTypeormError, isRetryable } from '../src/errors';
import { streamDigest } from '@roomlog/core';
import { type Engine, MYSQL_URL, POSTGRES_URL, mariadbEngine, postgresEngine, sqljsEngine } from './fixtures';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isRoomlogError(error)) throw new Error(`expected a RoomlogError, got ${String(error)}`);
  expect(error.cause).toBeDefined();
  expect(error.message).toMatch(/^\[roomlog\] \[typeorm\] /);
  return error.code;
}

/** A TCP proxy to a real server that the test can cut, as a network failure would. */
async function cuttableProxy(target: URL): Promise<{ url: URL; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.port = String((server.address() as AddressInfo).port);
  return {
    url,
    async cut() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

describe.each([
  ['postgres', POSTGRES_URL],
  ['mariadb', MYSQL_URL],
] as const)('losing the %s server', (type, serverUrl) => {
  it('rejects with UNAVAILABLE, the driver error as cause', async () => {
    const proxy = await cuttableProxy(new URL(serverUrl));
    const dataSource = await new DataSource({ type, url: proxy.url.toString(), entities: roomlogEntities(type), poolSize: 1 }).initialize();
    const store = createTypeormStore(dataSource, { closeClient: true });
    try {
      await proxy.cut();
      expect(await codeOf(store.append([{ namespace: '/', room: 'r', event: 'chat', data: 1 }]))).toBe('UNAVAILABLE');
      expect(await codeOf(store.read({ namespace: '/', room: 'r' }))).toBe('UNAVAILABLE');
    } finally {
      await store.close().catch(() => undefined);
    }
  });
});

describe.each([
  ['postgres', postgresEngine],
  ['mariadb', mariadbEngine],
  ['sqljs', sqljsEngine],
] as const)('duplicate keys on %s', (_name, makeEngine) => {
  let engine: Engine | undefined;
  afterAll(() => engine?.cleanup());

  it('the engine’s duplicate-key error (23505 / ER_DUP_ENTRY / SQLite UNIQUE) is a retryable race, UNAVAILABLE if it escapes', async () => {
    engine = await makeEngine();
    const dataSource = await engine.open();
    const row = { streamKey: streamDigest('/', randomUUID()), userId: 'u', seq: 1 };
    const cursors = dataSource.getRepository(RoomlogCursorRow);
    await cursors.insert(row);
    const error = await cursors.insert(row).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).not.toBeNull();
    expect(isRetryable(error)).toBe(true);
    expect(classifyTypeormError(error)).toBe('UNAVAILABLE');
  });
});

describe('inside the caller’s REPEATABLE READ transaction on postgres', () => {
  let engine: Engine | undefined;
  afterAll(() => engine?.cleanup());

  it('a concurrent write of the same stream surfaces as UNAVAILABLE, and the retry is answered as a duplicate', async () => {
    engine = await postgresEngine();
    const dataSource = await engine.open();
    const store = createTypeormStore(dataSource);
    const stream = { namespace: '/', room: randomUUID() };
    const message = { ...stream, event: 'chat', data: 'once', clientMessageId: 'k' };
    await store.append([{ ...stream, event: 'chat', data: 'first' }]);
    const code = await codeOf(
      dataSource.transaction('REPEATABLE READ', async (manager) => {
        await manager.query('SELECT 1'); // the caller's snapshot is taken here, before the other write
        await store.append([message]); // another node, committed at once
        await store.append([message], { manager });
      }),
    );
    expect(code).toBe('UNAVAILABLE');
    const [retry] = await store.append([message]);
    expect(retry).toMatchObject({ duplicate: true, message: { seq: 2 } });
    await store.close();
  });
});

describe('misuse', () => {
  it('a driver this backend does not support is refused with UNSUPPORTED', () => {
    const dataSource = new DataSource({ type: 'cockroachdb', url: POSTGRES_URL, timeTravelQueries: false });
    let code: string | undefined;
    try {
      createTypeormStore(dataSource);
    } catch (error) {
      code = isRoomlogError(error) ? error.code : 'not a RoomlogError';
    }
    expect(code).toBe('UNSUPPORTED');
  });

  it('a DataSource that is not initialized rejects with UNAVAILABLE; one without the entities with INVALID_ARGUMENT', async () => {
    const pending = new DataSource({ type: 'sqljs', entities: roomlogEntities('sqljs') });
    expect(await codeOf(createTypeormStore(pending).head({ namespace: '/', room: 'r' }))).toBe('UNAVAILABLE');
    const bare = await new DataSource({ type: 'sqljs' }).initialize();
    try {
      expect(await codeOf(createTypeormStore(bare).head({ namespace: '/', room: 'r' }))).toBe('INVALID_ARGUMENT');
    } finally {
      await bare.destroy();
    }
  });
});
